// The engine against real Redis and BullMQ: sub-second schedulers (the 5-minute floor is the
// command parser's, not the engine's), two workers, restarts and removals. The tests wait for runs
// (the workers' own record of them), never for an amount of time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SCHEDULED_JOB_NAME, nextRuns, reconcile, removeScheduler, runNow, scheduleIdOf, schedulerId, syncScheduler, type ScheduledCheckData } from '../src/schedule/engine.js';
import { ScheduleStore, type Schedule } from '../src/schedule/store.js';
import { connect, deleteKeys, uniquePrefix } from './schedule-fixtures.js';

const storePrefix = uniquePrefix('engine-store');
// BullMQ adds its own ':' after the prefix.
const bullPrefix = uniquePrefix('engine-bull').slice(0, -1);
const owner = { userId: 'U_TEST', isAdmin: false };

let redis: Redis;
const open: { close: () => Promise<unknown> }[] = [];
const queueNames: string[] = [];

interface Run {
  jobId: string;
  scheduleId: string;
  worker: string;
  at: number;
}

/** BullMQ's close() leaves a connection it was handed open: the file quits its own, after their users. */
function connection(): Redis {
  const c = connect();
  open.push({ close: () => c.quit() });
  return c;
}

function newQueue(name: string): Queue<ScheduledCheckData> {
  const q = new Queue<ScheduledCheckData>(name, { connection: connection(), prefix: bullPrefix });
  open.push(q);
  if (!queueNames.includes(name)) queueNames.push(name);
  return q;
}

function newWorker(name: string, label: string, runs: Run[]): Worker<ScheduledCheckData> {
  const w = new Worker<ScheduledCheckData>(
    name,
    async (job: Job<ScheduledCheckData>) => {
      expect(job.name).toBe(SCHEDULED_JOB_NAME);
      runs.push({ jobId: job.id ?? '', scheduleId: job.data.scheduleId, worker: label, at: Date.now() });
      // Long enough that both workers are free to grab the same job if BullMQ ever offered it twice.
      await sleep(50);
    },
    { connection: connection(), prefix: bullPrefix, concurrency: 2 },
  );
  open.push(w);
  return w;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The schedulers' interval: short, so the tests wait little; every wait is for runs, not time. */
const EVERY_MS = 300;

/** Waits for `cond` (checked every 20 ms); fails saying `what` if it does not hold in time. */
async function until(cond: () => boolean, timeoutMs: number, what = 'the condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Scheduled time of a scheduler job, from BullMQ's id "repeat:<scheduler>:<millis>". */
function slot(run: Run): number {
  return Number(run.jobId.split(':').pop());
}

/** A store of its own per test, as each production deployment has one store for one queue. */
function newStore(name: string): ScheduleStore {
  return new ScheduleStore(redis, { prefix: `${storePrefix}${name}:` });
}

async function newSchedule(store: ScheduleStore, channel: string, over: Partial<Schedule> = {}): Promise<Schedule> {
  const r = await store.create({ channel, target: `${channel.toLowerCase()}.example:443`, every: EVERY_MS, createdBy: owner.userId, ...over });
  if (!r.ok) throw new Error(r.error);
  return r.value.schedule;
}

beforeAll(() => {
  redis = connect();
});

afterAll(async () => {
  for (const o of open.reverse()) await o.close().catch(() => undefined);
  await deleteKeys(redis, storePrefix);
  await deleteKeys(redis, `${bullPrefix}:`);
  await redis.quit();
});

describe('schedulerId', () => {
  it('maps schedule ids to scheduler ids without ":"', () => {
    expect(schedulerId('k7p2qx')).toBe('sched-k7p2qx');
    expect(scheduleIdOf('sched-k7p2qx')).toBe('k7p2qx');
    expect(scheduleIdOf('other-scheduler')).toBeNull();
  });
});

describe('engine with BullMQ', () => {
  it('runs exactly once per interval with two workers', async () => {
    const name = 'once';
    const queue = newQueue(name);
    const runs: Run[] = [];
    newWorker(name, 'w1', runs);
    newWorker(name, 'w2', runs);
    const s = await newSchedule(newStore(name), 'CONCE');
    expect(await syncScheduler(queue, s)).toBe('upserted');

    const mine = () => runs.filter((r) => r.scheduleId === s.id);
    await until(() => mine().length >= 6, 20_000, 'six runs');
    await removeScheduler(queue, s.id);
    const done = mine();
    // No job ran twice and no slot ran twice. The slots are whole intervals apart: one apart
    // unless the machine was so slow that BullMQ caught up past a slot (it skips, never doubles).
    expect(new Set(done.map((r) => r.jobId)).size).toBe(done.length);
    const slots = done.map(slot).sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(slots.length);
    for (const gap of slots.slice(1).map((t, i) => t - (slots[i] ?? 0))) {
      expect(gap % EVERY_MS).toBe(0);
      expect(gap).toBeGreaterThanOrEqual(EVERY_MS);
    }
  });

  it('keeps firing after the queue and workers restart, without being re-synced', async () => {
    const name = 'restart';
    const runs: Run[] = [];
    const q1 = newQueue(name);
    const w1 = newWorker(name, 'before', runs);
    const store = newStore(name);
    const s = await newSchedule(store, 'CRESTART');
    await syncScheduler(q1, s);
    await until(() => runs.length >= 1, 5000, 'a first run');
    await w1.close();
    await q1.close();
    const before = runs.length;
    expect(before).toBeGreaterThanOrEqual(1);

    // A new process: new connections, no syncScheduler call (workers never sync).
    newWorker(name, 'after', runs);
    await until(() => runs.some((r) => r.worker === 'after'), 5000, 'a run on the new worker');
    const after = runs.filter((r) => r.worker === 'after');
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.every((r) => r.scheduleId === s.id)).toBe(true);
    expect(new Set(runs.map((r) => r.jobId)).size).toBe(runs.length);

    // reconcile() at start-up finds it in order and leaves its timing alone.
    const q2 = newQueue(name);
    expect(await reconcile(q2, store)).toMatchObject({ upserted: [], removed: [] });
    await removeScheduler(q2, s.id);
  });

  it('stops firing when removed or paused, and starts again on resume', async () => {
    const name = 'removal';
    const queue = newQueue(name);
    const runs: Run[] = [];
    newWorker(name, 'w', runs);
    const store = newStore(name);
    const removed = await newSchedule(store, 'CREMOVE');
    const paused = await newSchedule(store, 'CPAUSE');
    // Left alone: its runs show the worker went on taking firings while the other two stayed silent.
    const control = await newSchedule(store, 'CCONTROL');
    await syncScheduler(queue, removed);
    await syncScheduler(queue, paused);
    await syncScheduler(queue, control);
    await until(() => runs.some((r) => r.scheduleId === removed.id) && runs.some((r) => r.scheduleId === paused.id), 5000, 'a run of each');

    expect((await store.remove(removed.id, owner)).ok).toBe(true);
    expect(await removeScheduler(queue, removed.id)).toBe(true);
    const p = await store.pause(paused.id, owner);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(await syncScheduler(queue, p.value)).toBe('removed');

    // A firing already due when they were removed is taken before any later one (the wait list is
    // first in, first out): once the control schedule has run again, the counts are settled. Then
    // three more control runs: three intervals in which the removed and paused ones did not run.
    const count = (id: string) => runs.filter((r) => r.scheduleId === id).length;
    const c0 = count(control.id);
    await until(() => count(control.id) > c0, 5000, 'the control schedule to run again');
    const [r0, p0, c1] = [count(removed.id), count(paused.id), count(control.id)];
    await until(() => count(control.id) >= c1 + 3, 5000, 'three more control runs');
    expect(count(removed.id)).toBe(r0);
    expect(count(paused.id)).toBe(p0);
    expect(await queue.getJobScheduler(schedulerId(removed.id))).toBeUndefined();

    const resumed = await store.resume(paused.id, owner);
    if (!resumed.ok) throw new Error(resumed.error);
    await syncScheduler(queue, resumed.value);
    await until(() => count(paused.id) > p0, 5000, 'a run after resume');
    expect(count(paused.id)).toBeGreaterThan(p0);
    await removeScheduler(queue, paused.id);
    await removeScheduler(queue, control.id);
  });

  it('runNow adds one job through the same path, however often it is pressed', async () => {
    const name = 'runnow';
    const queue = newQueue(name);
    await runNow(queue, 'abc234', 'U_ALICE');
    await runNow(queue, 'abc234', 'U_ALICE');
    await runNow(queue, 'xyz789');
    const runs: Run[] = [];
    const data: ScheduledCheckData[] = [];
    const w = newWorker(name, 'w', runs);
    w.on('completed', (job) => data.push(job.data));
    await until(() => runs.length >= 2, 5000, 'two runs');
    // A later press of another schedule runs after anything queued before it (first in, first
    // out): once it ran, a duplicate of the first press would have run too.
    await runNow(queue, 'later1');
    await until(() => runs.some((r) => r.scheduleId === 'later1'), 5000, 'the later press');
    expect(runs.map((r) => r.scheduleId).sort()).toEqual(['abc234', 'later1', 'xyz789']);
    expect(data).toContainEqual({ scheduleId: 'abc234', requestedBy: 'U_ALICE' });
  });

  it('reconcile adds missing, fixes changed, removes stale schedulers, and is idempotent', async () => {
    const name = 'reconcile';
    const queue = newQueue(name);
    // No worker: this is about scheduler bookkeeping only. Long intervals keep it quiet.
    const store = newStore(name);
    const missing = await newSchedule(store, 'CREC1', { every: 3_600_000 });
    const changed = await newSchedule(store, 'CREC2', { every: 3_600_000 });
    const cron = await newSchedule(store, 'CREC3', { every: undefined, pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' });
    const pausedOne = await newSchedule(store, 'CREC4', { every: 3_600_000 });
    await syncScheduler(queue, { ...changed, every: 7_200_000 });
    await syncScheduler(queue, cron);
    await syncScheduler(queue, pausedOne);
    const p = await store.pause(pausedOne.id, owner);
    expect(p.ok).toBe(true);
    // Left behind by a schedule deleted while the app was down, and one that is not ours.
    await queue.upsertJobScheduler('sched-gone00', { every: 3_600_000 }, { name: SCHEDULED_JOB_NAME, data: { scheduleId: 'gone00' } });
    await queue.upsertJobScheduler('someone-else', { every: 3_600_000 }, { name: 'other', data: { scheduleId: '' } });
    const ids = [missing.id, changed.id, cron.id, pausedOne.id];

    const first = await reconcile(queue, store);
    expect(first).not.toBeNull();
    expect(first?.upserted.sort()).toEqual([missing.id, changed.id].sort());
    expect(first?.removed.sort()).toEqual([pausedOne.id, 'gone00'].sort());
    expect(first?.unchanged).toBe(1);

    expect(await queue.getJobScheduler(schedulerId(changed.id))).toMatchObject({ every: 3_600_000 });
    expect(await queue.getJobScheduler(schedulerId(cron.id))).toMatchObject({ pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' });
    expect(await queue.getJobScheduler('someone-else')).toBeDefined();
    expect(await queue.getJobScheduler(schedulerId(pausedOne.id))).toBeUndefined();

    expect(await reconcile(queue, store)).toEqual({ upserted: [], removed: [], unchanged: 3 });

    // Another replica holding the lock: this one skips.
    const release = await store.tryLock('reconcile', 5000);
    expect(await reconcile(queue, store)).toBeNull();
    await release?.();

    // BullMQ's next run, for the list and the App Home: the cron one is at 09:00 Berlin on a weekday.
    const next = await nextRuns(queue, [cron.id, pausedOne.id]);
    expect(next.has(pausedOne.id)).toBe(false);
    const at = new Date(next.get(cron.id) ?? 0);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(at);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    expect(at.getTime()).toBeGreaterThan(Date.now());

    for (const id of ['sched-gone00', 'someone-else', ...ids.map(schedulerId)]) await queue.removeJobScheduler(id);
  });
});
