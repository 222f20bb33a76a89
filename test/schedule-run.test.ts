import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { SlackMessage as Message } from '../src/format/slack/blocks.js';
import { ResultHistory } from '../src/schedule/history.js';
import { runScheduledCheck, type RunDeps } from '../src/schedule/run.js';
import { ScheduleStore, type Schedule } from '../src/schedule/store.js';
import type { CheckResult } from '../src/types.js';
import { cert, connect, deleteKeys, finding, result, uniquePrefix, unreachable } from './schedule-fixtures.js';

const prefix = uniquePrefix('run');
const owner = { userId: 'U_ALICE', isAdmin: false };
let redis: Redis;
let store: ScheduleStore;
let history: ResultHistory;
let seq = 0;

beforeAll(() => {
  redis = connect();
  store = new ScheduleStore(redis, { prefix });
  history = new ResultHistory(redis, { prefix });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

/** A schedule plus a scripted sequence of check results and a post that can be made to fail. */
async function harness() {
  const r = await store.create({ channel: `CRUN${++seq}`, target: 'example.com:443', every: 3_600_000, createdBy: owner.userId });
  if (!r.ok) throw new Error(r.error);
  const schedule = r.value.schedule;
  const posts: { channel: string; message: Message }[] = [];
  let next: CheckResult = result();
  let failPost = false;
  let checks = 0;
  const deps: RunDeps = {
    store,
    history,
    check: async (s: Schedule) => {
      expect(s.id).toBe(schedule.id);
      checks++;
      return next;
    },
    post: async (channel, message) => {
      if (failPost) throw new Error('not_in_channel');
      posts.push({ channel, message });
    },
  };
  return {
    schedule,
    posts,
    run: (res: CheckResult, opts: { fail?: boolean } = {}) => {
      next = res;
      failPost = opts.fail ?? false;
      return runScheduledCheck(deps, schedule.id);
    },
    checks: () => checks,
    deps,
  };
}

describe('runScheduledCheck', () => {
  it('posts a baseline, then stays quiet until something changes', async () => {
    const h = await harness();
    const first = await h.run(result());
    expect(first.status).toBe('posted');
    expect(h.posts).toHaveLength(1);
    expect(h.posts[0]?.channel).toBe(h.schedule.channel);
    expect(h.posts[0]?.message.text).toContain('Now watching example.com:443');

    expect((await h.run(result())).status).toBe('quiet');
    expect((await h.run(result())).status).toBe('quiet');
    expect(h.posts).toHaveLength(1);

    const broken = await h.run(result({ findings: [finding('chain-incomplete', 'error', 'Incomplete chain')] }));
    expect(broken.status).toBe('posted');
    expect(broken.status !== 'skipped' && broken.changes.map((c) => c.kind)).toEqual(['problem-new']);
    expect(h.posts[1]?.message.text).toContain('New problem: Incomplete chain');

    expect(await store.get(h.schedule.id)).toMatchObject({ lastStatus: 'error', daysLeft: 60 });
    expect(await history.list(`sched-${h.schedule.id}`)).toHaveLength(4);
  });

  it('sends each expiry warning once, and retries one whose post failed', async () => {
    const h = await harness();
    await h.run(result());
    const soon = result({ certificate: cert({ daysLeft: 6, notAfter: new Date(Date.now() + 6.5 * 86_400_000).toISOString() }) });

    const failed = await h.run(soon, { fail: true });
    expect(failed).toMatchObject({ status: 'undelivered', error: 'not_in_channel' });
    expect((await store.get(h.schedule.id))?.undelivered).toBe(1);

    const retried = await h.run(soon);
    expect(retried.status).toBe('posted');
    expect(retried.status !== 'skipped' && retried.warnings.map((w) => w.days)).toEqual([7]);
    expect((await store.get(h.schedule.id))?.undelivered).toBeUndefined();

    expect((await h.run(soon)).status).toBe('quiet');
  });

  it('reports an outage once and the return once', async () => {
    const h = await harness();
    await h.run(result());
    expect((await h.run(unreachable())).status).toBe('posted');
    expect((await h.run(unreachable())).status).toBe('quiet');
    // An outage keeps the last known days to expiry.
    expect(await store.get(h.schedule.id)).toMatchObject({ lastStatus: 'unreachable', daysLeft: 60 });
    const back = await h.run(result());
    expect(back.status !== 'skipped' && back.changes.map((c) => c.kind)).toEqual(['reachable']);
  });

  it('skips removed, paused and already-running schedules without checking', async () => {
    const h = await harness();
    const lock = await store.tryLock(`run-${h.schedule.id}`, 5000);
    expect(await h.run(result())).toEqual({ status: 'skipped', reason: 'busy' });
    await lock?.();

    await store.pause(h.schedule.id, owner);
    expect(await h.run(result())).toEqual({ status: 'skipped', reason: 'paused' });
    await store.remove(h.schedule.id, owner);
    expect(await h.run(result())).toEqual({ status: 'skipped', reason: 'missing' });
    expect(h.checks()).toBe(0);
    expect(h.posts).toHaveLength(0);
  });
});
