// One scheduled run, start to end, for the worker's `scheduled-check` jobs: load the schedule,
// check, compare with this schedule's last result, remember, and post only when something changed
// or an expiry warning is due. The check and the Slack post are injected, so the worker supplies
// the probe engine and its Slack client, and tests supply fakes.

import type { SlackMessage as Message } from '../format/slack/blocks.js';
import { buildScheduleAlert, type DiagnosisFinder } from '../format/slack-schedule-alert.js';
import type { CheckResult } from '../types.js';
import { statusOf } from '../verdict.js';
import { certFingerprint, diffResults, expiryWarnings, shouldPost, type Change, type ExpiryWarning } from './changes.js';
import { historyKey, type ResultHistory } from './history.js';
import type { Schedule } from './model.js';
import type { ScheduleStore } from './store.js';

export interface RunDeps {
  store: ScheduleStore;
  history: ResultHistory;
  /** Runs the check for the schedule's target and SNI (diagnoses filled in). */
  check: (schedule: Schedule) => Promise<CheckResult>;
  /**
   * Posts to the channel; throws when Slack refuses (not_in_channel, is_archived, ...). The
   * context lets the poster thread by schedule and decide how loud to be.
   */
  post: (channel: string, message: Message, context: PostContext) => Promise<void>;
  now?: () => number;
  /** Finding ids the expiry warnings already cover (see DiffOptions.ignoreFindings). */
  ignoreFindings?: readonly string[];
  diagnosisFor?: DiagnosisFinder;
  /** Longest a check may take; a second run of the same schedule waits this out at most. */
  lockTtlMs?: number;
}

export interface PostContext {
  schedule: Schedule;
  result: CheckResult;
  changes: readonly Change[];
  warnings: readonly ExpiryWarning[];
  checkedAt: number;
}

export type RunOutcome =
  | { status: 'skipped'; reason: 'missing' | 'paused' | 'busy' }
  | { status: 'quiet' | 'posted' | 'undelivered'; schedule: Schedule; result: CheckResult; changes: Change[]; warnings: ExpiryWarning[]; error?: string };

export async function runScheduledCheck(deps: RunDeps, scheduleId: string): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const schedule = await deps.store.get(scheduleId);
  // A job promoted before a removal or pause still arrives: the store has the last word.
  if (!schedule) return { status: 'skipped', reason: 'missing' };
  if (schedule.paused) return { status: 'skipped', reason: 'paused' };
  // A "Run now" and a scheduled run at once would both diff against the same "before" and post twice.
  const release = await deps.store.tryLock(`run-${schedule.id}`, deps.lockTtlMs ?? 5 * 60_000);
  if (!release) return { status: 'skipped', reason: 'busy' };
  try {
    const result = await deps.check(schedule);
    const key = historyKey(schedule);
    const before = await deps.history.last(key);
    const lastReachable = before?.error ? await deps.history.lastReachable(key) : null;
    const changes = diffResults(before, result, { lastReachable, ignoreFindings: deps.ignoreFindings });
    const cert = result.certificate;
    const fingerprint = cert ? certFingerprint(cert) : null;
    const warnings = fingerprint ? expiryWarnings(result, await deps.history.sentWarnings(key, fingerprint)) : [];

    const ranAt = now();
    await deps.history.push(key, result);
    await deps.store.recordRun(schedule.id, { lastStatus: statusOf(result), lastRunAt: ranAt, ...(cert ? { daysLeft: cert.daysLeft } : {}) });

    const outcome = { schedule, result, changes, warnings };
    if (!shouldPost(changes, warnings)) return { status: 'quiet', ...outcome };
    const message = buildScheduleAlert({ schedule, result, changes, warnings, checkedAt: ranAt, diagnosisFor: deps.diagnosisFor });
    try {
      await deps.post(schedule.channel, message, { schedule, result, changes, warnings, checkedAt: ranAt });
    } catch (err) {
      // Warnings stay unmarked, so the next run tries them again; the change itself is in the
      // history now and will not be repeated: the list shows the undelivered count instead.
      await deps.store.recordDelivery(schedule.id, false);
      return { status: 'undelivered', ...outcome, error: err instanceof Error ? err.message : String(err) };
    }
    for (const w of warnings) await deps.history.markWarningSent(key, w);
    await deps.store.recordDelivery(schedule.id, true);
    return { status: 'posted', ...outcome };
  } finally {
    await release();
  }
}
