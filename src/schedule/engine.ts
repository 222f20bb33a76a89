// Keeps BullMQ job schedulers in step with the schedule store. The store is the truth; BullMQ only
// holds "when to run next". Each active schedule has one scheduler `sched-<id>` whose jobs are
// named `scheduled-check` and carry only `{ scheduleId }`: the worker loads the schedule when the
// job runs, so a cadence change or a removal never leaves stale data in queued jobs.
//
// Who calls what (upserts must come from one place, since concurrent upserts of one scheduler
// race and can leave two next-jobs):
//   - the command/App Home handler path, right after the store changed:
//       create/resume → syncScheduler(queue, schedule); pause → syncScheduler (removes it);
//       remove → removeScheduler(queue, id)
//   - the app process at start-up, once: reconcile(queue, store). It takes a Redis lock, so
//     several app replicas starting together do not reconcile at once, and it is idempotent.
//   - never the worker at start-up: workers only consume. A worker that receives a job for a
//     schedule that is gone or paused skips it (a job already promoted to "wait" survives
//     removeJobScheduler, which only deletes the delayed one).
//
// No minimum interval is enforced here: the 5-minute floor belongs to the command parser, and
// tests run one-second schedulers through this same code.

import type { Schedule } from './model.js';
import type { ScheduleStore } from './store.js';

export const SCHEDULED_JOB_NAME = 'scheduled-check';
const SCHEDULER_PREFIX = 'sched-';

export interface ScheduledCheckData {
  scheduleId: string;
  /** Set by runNow(): the Slack user who pressed Run now, so the worker can answer them. */
  requestedBy?: string;
}

interface RepeatSpec {
  every?: number;
  pattern?: string;
  tz?: string;
}

interface SchedulerInfo extends RepeatSpec {
  key: string;
  next?: number | null;
}

/** The part of a BullMQ Queue this module uses: a real Queue fits. */
export interface SchedulerQueue {
  upsertJobScheduler(
    id: string,
    repeat: RepeatSpec,
    template: { name: string; data: ScheduledCheckData; opts?: Record<string, unknown> },
  ): Promise<unknown>;
  removeJobScheduler(id: string): Promise<boolean>;
  getJobScheduler(id: string): Promise<SchedulerInfo | undefined>;
  getJobSchedulers(start?: number, end?: number, asc?: boolean): Promise<SchedulerInfo[]>;
}

export function schedulerId(scheduleId: string): string {
  return `${SCHEDULER_PREFIX}${scheduleId}`;
}

/** The schedule id behind a scheduler id, or null for schedulers that are not ours. */
export function scheduleIdOf(id: string): string | null {
  return id.startsWith(SCHEDULER_PREFIX) ? id.slice(SCHEDULER_PREFIX.length) : null;
}

// Completed jobs are dropped at once: the history module keeps the results. A few failures
// stay for debugging. One attempt: the next run is the retry.
const TEMPLATE_OPTS = { removeOnComplete: true, removeOnFail: { count: 50 }, attempts: 1 };

function repeatOf(s: Pick<Schedule, 'every' | 'pattern' | 'tz'>): RepeatSpec {
  if (s.pattern !== undefined) return s.tz ? { pattern: s.pattern, tz: s.tz } : { pattern: s.pattern };
  if (s.every !== undefined && s.every > 0) return { every: s.every };
  throw new Error('A schedule needs every or pattern');
}

/**
 * Makes BullMQ match one schedule: active → upsert its scheduler (an `every` scheduler runs at
 * once, which gives the baseline post; a cron one at its next firing); paused → remove it.
 */
export async function syncScheduler(queue: SchedulerQueue, schedule: Schedule): Promise<'upserted' | 'removed'> {
  if (schedule.paused) {
    await queue.removeJobScheduler(schedulerId(schedule.id));
    return 'removed';
  }
  await queue.upsertJobScheduler(schedulerId(schedule.id), repeatOf(schedule), {
    name: SCHEDULED_JOB_NAME,
    data: { scheduleId: schedule.id },
    opts: TEMPLATE_OPTS,
  });
  return 'upserted';
}

/** After the schedule left the store. True when a scheduler was there. */
export async function removeScheduler(queue: SchedulerQueue, scheduleId: string): Promise<boolean> {
  return queue.removeJobScheduler(schedulerId(scheduleId));
}

export interface ReconcileReport {
  upserted: string[];
  removed: string[];
  unchanged: number;
}

function sameRepeat(a: RepeatSpec, b: RepeatSpec): boolean {
  return (a.every ?? null) === (b.every ?? null) && (a.pattern ?? null) === (b.pattern ?? null) && (a.tz || null) === (b.tz || null);
}

/**
 * Brings BullMQ in line with the store after a start-up (or a restore of either side): adds
 * missing schedulers, fixes ones whose cadence differs, removes ones for paused or deleted
 * schedules. Schedulers already right are left alone, so their timing is not reset and running
 * it twice changes nothing. Returns null when another process holds the lock.
 */
export async function reconcile(queue: SchedulerQueue, store: ScheduleStore, opts: { lockTtlMs?: number } = {}): Promise<ReconcileReport | null> {
  const release = await store.tryLock('reconcile', opts.lockTtlMs ?? 60_000);
  if (!release) return null;
  try {
    const report: ReconcileReport = { upserted: [], removed: [], unchanged: 0 };
    const [schedules, existing] = await Promise.all([store.listAll(), queue.getJobSchedulers(0, -1, true)]);
    // Schedules made before the per-creator sets existed get indexed (idempotent, issue 19).
    await store.indexCreators(schedules);
    const present = new Map(existing.map((s) => [s.key, s]));
    const active = new Set<string>();
    const toUpsert: Schedule[] = [];
    for (const s of schedules) {
      if (s.paused) continue;
      const id = schedulerId(s.id);
      active.add(id);
      const current = present.get(id);
      if (current && sameRepeat(current, repeatOf(s))) report.unchanged++;
      else toUpsert.push(s);
    }
    const toRemove = [...present.keys()].filter((key) => scheduleIdOf(key) !== null && !active.has(key));
    // Each scheduler is its own key and script: a few at once instead of one round trip after
    // another (10,000 missing schedulers took minutes one by one). Reports keep the store's order.
    await inBatches(toUpsert, RECONCILE_PARALLEL, (s) => syncScheduler(queue, s));
    report.upserted.push(...toUpsert.map((s) => s.id));
    await inBatches(toRemove, RECONCILE_PARALLEL, (key) => queue.removeJobScheduler(key));
    report.removed.push(...toRemove.map((key) => scheduleIdOf(key) ?? key));
    return report;
  } finally {
    await release();
  }
}

/** Scheduler writes reconcile keeps in flight at once. */
export const RECONCILE_PARALLEL = 32;

async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

/** BullMQ's own next run per schedule id, for the list and App Home; missing when not scheduled. */
export async function nextRuns(queue: SchedulerQueue, scheduleIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const infos = await Promise.all(scheduleIds.map((id) => queue.getJobScheduler(schedulerId(id))));
  scheduleIds.forEach((id, i) => {
    const next = infos[i]?.next;
    if (typeof next === 'number' && Number.isFinite(next)) out.set(id, next);
  });
  return out;
}

/** The part of a BullMQ Queue runNow() uses. */
export interface RunNowQueue {
  add(name: string, data: ScheduledCheckData, opts?: Record<string, unknown>): Promise<unknown>;
}

/** A repeated press within this window joins the pending run instead of adding another. */
export const RUN_NOW_DEDUP_MS = 60_000;

/**
 * "Run now" (App Home button, alert button): one extra job through the same worker path, so it
 * diffs and posts like a scheduled run. Deduplicated per schedule for a minute.
 */
export async function runNow(queue: RunNowQueue, scheduleId: string, requestedBy?: string): Promise<void> {
  const data: ScheduledCheckData = requestedBy ? { scheduleId, requestedBy } : { scheduleId };
  await queue.add(SCHEDULED_JOB_NAME, data, {
    ...TEMPLATE_OPTS,
    deduplication: { id: `run-${scheduleId}`, ttl: RUN_NOW_DEDUP_MS },
  });
}
