// The worker for recurring checks: consumes `scheduled-check` jobs from the schedule queue (fired
// by BullMQ job schedulers, or by Run now) and runs runScheduledCheck through the same check
// runner as one-off checks (jobs/check-runner.ts: address policy, TLSCHECK_CHECK_TIMEOUT_MS,
// per-host slot). Runs in `npm start` and in every `npm run worker`; BullMQ hands each
// fired job to exactly one of them. Workers never upsert schedulers: only the handlers do.
import { Worker, type Job } from 'bullmq';
import type { webApi } from '@slack/bolt';
import { MAX_ADAPTIVE_TIMEOUT_MS } from '../src/check.js';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { SCHEDULED_JOB_NAME, type ScheduledCheckData } from '../src/schedule/engine.js';
import type { Schedule } from '../src/schedule/model.js';
import { runScheduledCheck, type RunOutcome } from '../src/schedule/run.js';
import { HostBusyError } from '../src/limits/host-semaphore.js';
import { createLimitsRedis } from '../src/limits/redis.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { runBusyReply, runHostBusyReply, runQuietReply } from '../src/format/slack-schedule-replies.js';
import { createConfiguredRunner, deferIfHostBusy, type CheckRunner, type RunnerDeps } from './check-runner.js';
import { publishHome } from './home-tab.js';
import { createUserDirectory, type UserDirectory } from './slack-users.js';
import { errorSummary } from '../src/errors.js';
import { logErrorsQuietly } from './queue-errors.js';
import { createAlertPoster } from './schedule-post.js';
import { SCHEDULE_QUEUE_NAME, createScheduling, type Scheduling } from './scheduling.js';
import { createWebClient } from './slack-out.js';
import { bullConnection } from '../src/redis.js';

export type ScheduleWorkerConfig = Pick<Config, 'slack' | 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'concurrency' | 'allowCidrs' | 'admins' | 'maxSchedulesPerChannel' | 'limits' | 'ocspFetch'>;

export interface ScheduleWorkerDeps extends RunnerDeps {
  logger: Logger;
  /** Defaults to a WebClient for config.slack. */
  client?: webApi.WebClient;
  /** Store, history and queue; built from the config (and closed with the worker) when not given. */
  scheduling?: ScheduleWorkerServices;
  users?: UserDirectory;
}

/** A job's return value: what happened, for BullMQ's records and the logs. */
export interface ScheduledJobOutcome {
  status: RunOutcome['status'];
  changes: number;
}

export interface RunningScheduleWorker {
  worker: Worker<ScheduledCheckData, ScheduledJobOutcome | null>;
  close(): Promise<void>;
}

/**
 * How long one run of a schedule holds its lock: the check's deadline (plus DNS), and the Slack
 * posts with their rate-limit waits. A crashed run's lock frees after this, not five minutes.
 */
export function runLockMs(checkTimeoutMs: number): number {
  return checkTimeoutMs * 2 + 2 * 60_000;
}

export async function startScheduleWorker(config: ScheduleWorkerConfig, deps: ScheduleWorkerDeps): Promise<RunningScheduleWorker> {
  const log = deps.logger.child({ component: 'schedule-worker' });
  const client = deps.client ?? createWebClient(config, deps.logger);
  const own = deps.scheduling ? null : createScheduling(config, 'worker', deps.logger);
  const { store, history, queue, undelivered } = deps.scheduling ?? ownParts(own);
  const users = deps.users ?? createUserDirectory(client, { admins: config.admins, logger: deps.logger });
  const post = createAlertPoster(client, store);
  // Scheduled checks take host slots like one-off checks (shared through Redis), on a connection of their own.
  const limitsRedis = createLimitsRedis(config, 'worker');
  const runner: CheckRunner = createConfiguredRunner(config, deps, limitsRedis, log);
  const check = (job: Job<ScheduledCheckData, unknown>) => (s: Schedule) =>
    runner.run({ input: s.target, sni: s.sni, queuedAt: job.timestamp });

  /**
   * Run now: the presser hears what the channel does not ("no change", "a check is already
   * running", "the host is busy"), and their Home tab is refreshed.
   */
  const answerRunNow = async (scheduleId: string, outcome: RunOutcome | { status: 'host-busy'; reason: string }, userId: string): Promise<void> => {
    try {
      const s = (await store.get(scheduleId)) ?? ('schedule' in outcome ? outcome.schedule : null);
      let msg: SlackMessage | null = null;
      if (s && outcome.status === 'quiet') msg = runQuietReply(s);
      else if (s && outcome.status === 'skipped' && outcome.reason === 'busy') msg = runBusyReply(s);
      else if (s && outcome.status === 'host-busy') msg = runHostBusyReply(s, outcome.reason);
      if (s && msg) await client.chat.postEphemeral({ channel: s.channel, user: userId, text: msg.text, blocks: msg.blocks });
    } catch (err) {
      log.info({ user: userId, err: errorSummary(err) }, 'could not tell the Run now result');
    }
    try {
      await publishHome(client, { store, queue, users, undelivered, logger: deps.logger }, userId);
    } catch (err) {
      log.info({ user: userId, err: errorSummary(err) }, 'could not refresh the home tab');
    }
  };

  const bull = bullConnection(config, 'blocking');
  const worker = new Worker<ScheduledCheckData, ScheduledJobOutcome | null>(
    SCHEDULE_QUEUE_NAME,
    async (job: Job<ScheduledCheckData, ScheduledJobOutcome | null>, token?: string) => {
      if (job.name !== SCHEDULED_JOB_NAME) {
        log.warn({ jobId: job.id, name: job.name }, 'unknown job on the schedule queue');
        return null;
      }
      const { scheduleId, requestedBy } = job.data;
      let outcome: RunOutcome;
      try {
        outcome = await runScheduledCheck({ store, history, check: check(job), post, lockTtlMs: runLockMs(runner.timeoutMs ?? MAX_ADAPTIVE_TIMEOUT_MS) }, scheduleId);
      } catch (err) {
        // The host has its share of checks running: this run comes back later (the lock is released).
        if (!(err instanceof HostBusyError) || !err.final) return await deferIfHostBusy(err, job, token, runner.hostWait, log);
        // Busy past the wait: this firing is skipped; the next one tries again.
        log.warn({ jobId: job.id, scheduleId, host: err.host }, 'scheduled check skipped: its host stayed busy');
        if (requestedBy) await answerRunNow(scheduleId, { status: 'host-busy', reason: err.message }, requestedBy);
        return { status: 'skipped', changes: 0 };
      }
      const changes = 'changes' in outcome ? outcome.changes.length : 0;
      const fields = { jobId: job.id, scheduleId, status: outcome.status, changes, ...('reason' in outcome ? { reason: outcome.reason } : {}) };
      if (outcome.status === 'undelivered') log.warn({ ...fields, err: outcome.error }, 'scheduled alert not delivered');
      else log.info(fields, 'scheduled check done');
      if (requestedBy) await answerRunNow(scheduleId, outcome, requestedBy);
      return { status: outcome.status, changes };
    },
    { connection: bull.connection, prefix: config.queuePrefix, concurrency: config.concurrency },
  );
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, scheduleId: job?.data.scheduleId, err: errorSummary(err) }, 'scheduled check failed'));
  logErrorsQuietly(worker, log, 'schedule worker');
  await worker.waitUntilReady();
  log.info({ concurrency: config.concurrency }, 'schedule worker started');
  return {
    worker,
    async close() {
      await worker.close();
      await bull.close();
      await own?.close();
      await limitsRedis.quit().catch(() => limitsRedis.disconnect());
      log.info('schedule worker closed');
    },
  };
}

/** What the worker uses of the scheduling services; tests may leave out the undelivered results. */
export type ScheduleWorkerServices = Omit<Scheduling, 'close' | 'undelivered'> & Partial<Pick<Scheduling, 'undelivered'>>;

function ownParts(own: Scheduling | null): ScheduleWorkerServices {
  if (!own) throw new Error('no scheduling services');
  return own;
}
