// The worker factory: BullMQ workers that run checks and report to Slack. `npm start` runs it
// next to the web handler; `npm run worker` runs it alone, on as many machines as needed.
import { Job, Worker, type WorkerOptions } from 'bullmq';
import type { webApi } from '@slack/bolt';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { QUEUE_NAME, type CheckJobData, type JobOutcome, type StoredJob } from './queue.js';
import { processJob, reportAbandoned, type ExplainFn } from './process-job.js';
import { createConfiguredRunner, deferIfHostBusy, type RunnerDeps } from './check-runner.js';
import { errorSummary } from '../src/errors.js';
import { createSlackOut, createWebClient, type SlackOut } from './slack-out.js';
import { logErrorsQuietly } from './queue-errors.js';
import { createMessageClaims } from '../src/limits/claims.js';
import { createLimitsRedis } from '../src/limits/redis.js';
import { bullConnection } from '../src/redis.js';
import { createUndeliveredStore } from '../src/limits/undelivered.js';

export interface WorkerDeps extends RunnerDeps {
  explain: ExplainFn;
  logger: Logger;
  /** Defaults to a WebClient for config.slack (token, SLACK_API_URL, job-sized retries). */
  client?: webApi.WebClient;
  out?: SlackOut;
  /** Default 1000: Slack's pace for writes to one channel. */
  progressIntervalMs?: number;
  /** Hardening: stalled-job detection, shortened by tests that kill workers. */
  tuning?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
}

export interface RunningWorker {
  worker: Worker<CheckJobData, JobOutcome>;
  /** Stops taking jobs, lets running checks finish, disconnects. */
  close(): Promise<void>;
}

export type WorkerConfig = Pick<Config, 'slack' | 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'concurrency' | 'allowCidrs' | 'limits' | 'evidence' | 'ocspFetch'>;

export async function startWorker(config: WorkerConfig, deps: WorkerDeps): Promise<RunningWorker> {
  const log = deps.logger.child({ component: 'worker' });
  const out = deps.out ?? createSlackOut(deps.client ?? createWebClient(config, deps.logger), config.slack.apiUrl);
  // Hardening: idempotent sends, undelivered results and per-host slots share one connection.
  const limitsRedis = createLimitsRedis(config, 'worker');
  const runner = createConfiguredRunner(config, deps, limitsRedis, log);
  const ctx = {
    runner,
    explain: deps.explain,
    out,
    logger: log,
    progressIntervalMs: deps.progressIntervalMs ?? 1_000,
    evidence: config.evidence === true,
  };
  const claims = createMessageClaims(limitsRedis, { prefix: config.queuePrefix });
  const hardened = {
    ...ctx,
    claims,
    undelivered: createUndeliveredStore(limitsRedis, { prefix: config.queuePrefix }),
    // A Re-run's previous result, read from the job that holds it (kept a day: JOB_OPTIONS).
    storedJob: async (id: string): Promise<StoredJob | null> => {
      const job: Job<CheckJobData, JobOutcome> | undefined = await Job.fromId<CheckJobData, JobOutcome>(worker, id);
      return job ? { data: job.data, result: job.data.result ?? null } : null;
    },
  };
  // Hardening: jobs running in this process, so close() knows when they are done (see close()).
  let running = 0;
  let onIdle: (() => void) | null = null;
  const bull = bullConnection(config, 'blocking');
  const worker: Worker<CheckJobData, JobOutcome> = new Worker<CheckJobData, JobOutcome>(
    QUEUE_NAME,
    async (job: Job<CheckJobData, JobOutcome>, token?: string, signal?: AbortSignal) => {
      running++;
      try {
        return await processJob(
          {
            id: job.id ?? 'unknown',
            data: job.data,
            isLastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
            save: (data) => job.updateData(data),
            signal,
            createdAt: job.timestamp,
          },
          hardened,
        );
      } catch (err) {
        return await deferIfHostBusy(err, job, token, runner.hostWait, log);
      } finally {
        if (--running === 0) onIdle?.();
      }
    },
    {
      connection: bull.connection,
      prefix: config.queuePrefix,
      concurrency: config.concurrency,
      ...deps.tuning,
    },
  );
  // Hardening: a job whose runs kept dying is failed by BullMQ itself, not by processJob, which
  // then never tells anyone. The worker that picks it up after the last stall fails it (BullMQ 6
  // marks it and moves it back to wait), so this event fires in exactly one process; the report
  // is claimed per job anyway, so it cannot go out twice whatever BullMQ does.
  const reports = new Set<Promise<void>>();
  worker.on('failed', (job, err) => {
    log.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: errorSummary(err) }, 'job attempt failed');
    if (!job?.id || !isStallLimit(err, job.failedReason)) return;
    const report = reportAbandoned({ id: job.id, data: job.data }, hardened).finally(() => reports.delete(report));
    reports.add(report);
  });
  logErrorsQuietly(worker, log, 'worker');
  await worker.waitUntilReady();
  log.info({ concurrency: config.concurrency, prefix: config.queuePrefix }, 'worker started');
  return {
    worker,
    async close() {
      // BullMQ's close() lets running jobs finish, then quits its connections. Called while a
      // connection is still reconnecting (Redis restarted moments before), that quit never returns
      // (BullMQ 6.7) and the process would hang until killed. The jobs are what must not be cut
      // short: once they are done, the connections get a bounded time.
      const closing = worker.close();
      const jobsDone = running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve));
      const closed = await Promise.race([closing.then(() => true), jobsDone.then(() => sleep(CLOSE_CONNECTIONS_MS)).then(() => false)]);
      if (!closed) log.warn('the queue connections did not close in time (reconnecting after a Redis outage?); leaving them');
      // Reports of abandoned jobs in flight need Slack and the limits connection: let them end (bounded).
      if (reports.size > 0) await Promise.race([Promise.allSettled([...reports]), sleep(CLOSE_CONNECTIONS_MS)]);
      // Stops the heartbeat at once; removing its key needs Redis, which may be away.
      const stopping = claims.stop();
      if (limitsRedis.status === 'ready') await Promise.race([stopping, sleep(CLOSE_CONNECTIONS_MS)]);
      if (limitsRedis.status === 'ready') await Promise.race([limitsRedis.quit().catch(() => undefined), sleep(CLOSE_CONNECTIONS_MS)]);
      limitsRedis.disconnect();
      await bull.close();
      log.info('worker closed');
    },
  };
}

/** BullMQ 6's failedReason for a job that stalled more than maxStalledCount times (moveStalledJobsToWait). */
export const STALL_LIMIT_REASON = 'job stalled more than allowable limit';

function isStallLimit(err: Error | undefined, failedReason: string | undefined): boolean {
  return err?.message === STALL_LIMIT_REASON || failedReason === STALL_LIMIT_REASON;
}

/** After the last running job, how long BullMQ gets to close its connections. */
const CLOSE_CONNECTIONS_MS = 3_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
