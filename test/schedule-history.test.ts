import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { expiryWarnings } from '../src/schedule/changes.js';
import { ResultHistory, historyKey } from '../src/schedule/history.js';
import { cert, connect, deleteKeys, result, uniquePrefix, unreachable } from './schedule-fixtures.js';

const prefix = uniquePrefix('history');
let redis: Redis;

beforeAll(() => {
  redis = connect();
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const numbered = (n: number) => result({ durationMs: n });

describe('ResultHistory', () => {
  it('keeps the last N results, newest first', async () => {
    const h = new ResultHistory(redis, { prefix, limit: 5 });
    const key = historyKey({ id: 'abc123' });
    expect(key).toBe('sched-abc123');
    expect(await h.last(key)).toBeNull();
    for (let i = 1; i <= 12; i++) await h.push(key, numbered(i));
    expect((await h.last(key))?.durationMs).toBe(12);
    expect((await h.list(key)).map((r) => r.durationMs)).toEqual([12, 11, 10, 9, 8]);
    expect((await h.list(key, 2)).map((r) => r.durationMs)).toEqual([12, 11]);
    expect(await redis.llen(`${prefix}history:${key}`)).toBe(5);
  });

  it('defaults to 20 results', async () => {
    const h = new ResultHistory(redis, { prefix });
    for (let i = 1; i <= 25; i++) await h.push('default-len', numbered(i));
    expect(h.limit).toBe(20);
    expect(await h.list('default-len')).toHaveLength(20);
  });

  it('round-trips a full result and finds the last reachable one', async () => {
    const h = new ResultHistory(redis, { prefix });
    const good = result({ durationMs: 7 });
    await h.push('outage', good);
    await h.push('outage', unreachable());
    await h.push('outage', unreachable('refused'));
    expect((await h.last('outage'))?.error?.code).toBe('refused');
    expect(await h.lastReachable('outage')).toEqual(good);
    await h.clear('outage');
    expect(await h.last('outage')).toBeNull();
    expect(await h.lastReachable('outage')).toBeNull();
  });

  it('keeps history keys apart', async () => {
    const h = new ResultHistory(redis, { prefix });
    await h.push('sched-a', numbered(1));
    await h.push('sched-b', numbered(2));
    expect((await h.last('sched-a'))?.durationMs).toBe(1);
    expect((await h.last('sched-b'))?.durationMs).toBe(2);
  });

  it('remembers sent expiry warnings per scope and certificate, with an expiry', async () => {
    const h = new ResultHistory(redis, { prefix });
    // Real dates: Redis expires the markers by its own clock.
    const notAfter = new Date(Date.now() + 6.5 * 86_400_000).toISOString();
    const r = result({ certificate: cert({ daysLeft: 6, notAfter }, 'FP1') });

    const first = expiryWarnings(r, await h.sentWarnings('sched-a', 'FP1'));
    expect(first.map((w) => w.days)).toEqual([7]);
    await h.markWarningSent('sched-a', first[0]!);

    expect(expiryWarnings(r, await h.sentWarnings('sched-a', 'FP1'))).toEqual([]);
    // Another schedule (another channel) still gets its own warning.
    expect(expiryWarnings(r, await h.sentWarnings('sched-b', 'FP1'))).toHaveLength(1);

    // Kept until 30 days after notAfter, then Redis forgets it.
    const ttl = await redis.pttl(`${prefix}history:warned:sched-a:FP1`);
    const expected = Date.parse(notAfter) + 30 * 86_400_000 - Date.now();
    expect(Math.abs(ttl - expected)).toBeLessThan(60_000);
  });
});
