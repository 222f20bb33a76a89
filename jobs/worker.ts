// The worker factory: BullMQ workers that run checks and report to Slack. `npm start` runs it
// next to the web handler; `npm run worker` runs it alone, on as many machines as needed.
import { Worker, type Job } from 'bullmq';
import type { webApi } from '@slack/bolt';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { QUEUE_NAME, redisConnection, type CheckJobData, type JobOutcome } from './queue.js';
import { processJob, errorSummary, type CheckFn, type ExplainFn } from './process-job.js';
import { createSlackOut, createWebClient, type SlackOut } from './slack-out.js';

export interface WorkerDeps {
  check: CheckFn;
  explain: ExplainFn;
  logger: Logger;
  /** Defaults to a WebClient for config.slack (token, SLACK_API_URL, job-sized retries). */
  client?: webApi.WebClient;
  out?: SlackOut;
  /** Default 1000: Slack's pace for writes to one channel. */
  progressIntervalMs?: number;
  checkTimeoutMs?: number;
}

export interface RunningWorker {
  worker: Worker<CheckJobData, JobOutcome>;
  /** Stops taking jobs, lets running checks finish, disconnects. */
  close(): Promise<void>;
}

export type WorkerConfig = Pick<Config, 'slack' | 'redisUrl' | 'queuePrefix' | 'concurrency' | 'allowCidrs'>;

export async function startWorker(config: WorkerConfig, deps: WorkerDeps): Promise<RunningWorker> {
  const log = deps.logger.child({ component: 'worker' });
  const out = deps.out ?? createSlackOut(deps.client ?? createWebClient(config, deps.logger), config.slack.apiUrl);
  const ctx = {
    check: deps.check,
    explain: deps.explain,
    out,
    logger: log,
    allowCidrs: config.allowCidrs,
    progressIntervalMs: deps.progressIntervalMs ?? 1_000,
    checkTimeoutMs: deps.checkTimeoutMs,
  };
  const worker = new Worker<CheckJobData, JobOutcome>(
    QUEUE_NAME,
    async (job: Job<CheckJobData, JobOutcome>, _token?: string, signal?: AbortSignal) =>
      processJob(
        {
          id: job.id ?? 'unknown',
          data: job.data,
          isLastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
          save: (data) => job.updateData(data),
          signal,
        },
        ctx,
      ),
    {
      connection: redisConnection(config.redisUrl, 'worker'),
      prefix: config.queuePrefix,
      concurrency: config.concurrency,
    },
  );
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: errorSummary(err) }, 'job attempt failed'));
  worker.on('error', (err) => log.error({ err: errorSummary(err) }, 'worker error'));
  await worker.waitUntilReady();
  log.info({ concurrency: config.concurrency, prefix: config.queuePrefix }, 'worker started');
  return {
    worker,
    async close() {
      await worker.close();
      log.info('worker closed');
    },
  };
}
