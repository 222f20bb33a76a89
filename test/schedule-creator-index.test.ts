// Issue 19: App Home reads a user's schedules through per-channel and per-creator indexes, not
// the whole store. 240 schedules by 6 creators over 12 channels; the test counts the schedule
// hashes each read touches.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { homeSchedules } from '../jobs/home-tab.js';
import type { UserDirectory } from '../jobs/slack-users.js';
import { DAY } from '../src/schedule/cadence.js';
import { reconcile, type SchedulerQueue } from '../src/schedule/engine.js';
import { ScheduleStore, type Schedule } from '../src/schedule/store.js';
import { connect, deleteKeys, uniquePrefix } from './schedule-fixtures.js';

const prefix = uniquePrefix('creator-index');
const CHANNELS = 12;
const CREATORS = 6;
const TOTAL = 240;
let redis: Redis;
let store: ScheduleStore;
const made: Schedule[] = [];

const channelOf = (i: number): string => `C${String(i % CHANNELS).padStart(3, '0')}`;
const creatorOf = (i: number): string => `U${Math.floor(i / (TOTAL / CREATORS))}`;

/** Counts the schedule hashes read (HGETALL in pipelines) and SMEMBERS of the all-ids set. */
function countReads(): { hashes: () => number; allSet: () => number; restore: () => void } {
  let hashes = 0;
  let allSet = 0;
  const originalPipeline = redis.pipeline.bind(redis);
  const spy = vi.spyOn(redis, 'pipeline').mockImplementation(((...args: Parameters<Redis['pipeline']>) => {
    const p = originalPipeline(...args);
    const hgetall = p.hgetall.bind(p);
    p.hgetall = ((...a: Parameters<typeof p.hgetall>) => {
      hashes++;
      return hgetall(...a);
    });
    return p;
  }));
  const smembers = redis.smembers.bind(redis);
  const smembersSpy = vi.spyOn(redis, 'smembers').mockImplementation(((key: string) => {
    if (key === `${prefix}schedules:all`) allSet++;
    return smembers(key);
  }) as Redis['smembers']);
  return {
    hashes: () => hashes,
    allSet: () => allSet,
    restore: () => {
      spy.mockRestore();
      smembersSpy.mockRestore();
    },
  };
}

function directory(channels: Record<string, string[]>): UserDirectory {
  return { channelsOf: (user: string) => Promise.resolve(channels[user] ?? []) } as unknown as UserDirectory;
}

/** A queue with no schedulers that accepts upserts: reconcile's BullMQ side is not under test here. */
function idleQueue(): SchedulerQueue {
  return {
    upsertJobScheduler: () => Promise.resolve(undefined),
    removeJobScheduler: () => Promise.resolve(true),
    getJobScheduler: () => Promise.resolve(undefined),
    getJobSchedulers: () => Promise.resolve([]),
  };
}

beforeAll(async () => {
  redis = connect();
  store = new ScheduleStore(redis, { prefix, maxPerChannel: 100 });
  for (let i = 0; i < TOTAL; i++) {
    const r = await store.create({ channel: channelOf(i), target: `t${i}.example:443`, every: DAY, createdBy: creatorOf(i) });
    if (!r.ok) throw new Error(r.error);
    made.push(r.value.schedule);
  }
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('per-creator index (issue 19)', () => {
  it('App Home reads only the user’s schedules: their channels’ and the ones they created, not all 240', async () => {
    const users = directory({ U0: [channelOf(5)], U3: [channelOf(0), channelOf(1)], U9: [] });
    for (const [user, channels] of [['U0', [channelOf(5)]], ['U3', [channelOf(0), channelOf(1)]], ['U9', []]] as const) {
      const expected = made.filter((s) => (channels as readonly string[]).includes(s.channel) || s.createdBy === user).map((s) => s.id).sort();
      const reads = countReads();
      const listAll = vi.spyOn(store, 'listAll');
      try {
        const shown = await homeSchedules({ store, users }, user);
        expect(shown.map((s) => s.id).sort()).toEqual(expected);
        expect(reads.hashes()).toBe(expected.length);
        expect(reads.allSet()).toBe(0);
        expect(listAll).not.toHaveBeenCalled();
      } finally {
        reads.restore();
        listAll.mockRestore();
      }
    }
    // U0 created 40 and sees 20 more in channel 5 (minus the ones they created there).
    expect((await homeSchedules({ store, users }, 'U0')).length).toBeGreaterThan(TOTAL / CREATORS);
    expect(await homeSchedules({ store, users }, 'U9')).toEqual([]);
  });

  it('the creator set follows create and remove', async () => {
    const r = await store.create({ channel: 'CNEW', target: 'fresh.example:443', every: DAY, createdBy: 'U_NEW' });
    if (!r.ok) throw new Error(r.error);
    expect((await store.listByCreator('U_NEW')).map((s) => s.id)).toEqual([r.value.schedule.id]);
    // Asking again from another user updates nothing about who created it.
    await store.create({ channel: 'CNEW', target: 'fresh.example:443', every: DAY, createdBy: 'U_OTHER' });
    expect(await store.listByCreator('U_OTHER')).toEqual([]);
    const removed = await store.remove(r.value.schedule.id, { userId: 'U_NEW', isAdmin: false });
    expect(removed.ok).toBe(true);
    expect(await store.listByCreator('U_NEW')).toEqual([]);
    expect(await redis.exists(`${prefix}schedules:creator:U_NEW`)).toBe(0);
  });

  it('a stale id in a creator set (schedule gone, or someone else’s) is left out and dropped', async () => {
    const key = `${prefix}schedules:creator:U1`;
    const someoneElses = made.find((s) => s.createdBy === 'U2');
    if (!someoneElses) throw new Error('fixture');
    await redis.sadd(key, 'gone-id', someoneElses.id);
    const mine = await store.listByCreator('U1');
    expect(mine.map((s) => s.id).sort()).toEqual(made.filter((s) => s.createdBy === 'U1').map((s) => s.id).sort());
    expect(await redis.sismember(key, 'gone-id')).toBe(0);
    expect(await redis.sismember(key, someoneElses.id)).toBe(0);
  });

  it('reconcile at start-up indexes schedules created before the creator sets existed', async () => {
    const creatorKeys = Array.from({ length: CREATORS }, (_, k) => `${prefix}schedules:creator:U${k}`);
    await redis.del(...creatorKeys);
    expect(await store.listByCreator('U4')).toEqual([]);
    expect(await reconcile(idleQueue(), store)).not.toBeNull();
    for (let k = 0; k < CREATORS; k++) {
      expect(await redis.scard(`${prefix}schedules:creator:U${k}`)).toBe(TOTAL / CREATORS);
    }
    expect((await store.listByCreator('U4')).map((s) => s.id).sort()).toEqual(made.filter((s) => s.createdBy === 'U4').map((s) => s.id).sort());
    // Twice changes nothing.
    await reconcile(idleQueue(), store);
    expect(await redis.scard(`${prefix}schedules:creator:U4`)).toBe(TOTAL / CREATORS);
  });

  it('every key the store writes shares the prefix’s hash tag, so its scripts run on one Redis Cluster slot', async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.some((k) => k.includes(':schedules:creator:'))).toBe(true);
    const tag = /^\{([^}]+)\}/.exec(prefix)?.[1];
    expect(tag).toBeTruthy();
    // Redis Cluster hashes only what is inside the first {…} (cluster spec, "Hash tags").
    for (const k of keys) expect(/^\{([^}]+)\}/.exec(k)?.[1]).toBe(tag);
  });
});
