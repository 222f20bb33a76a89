// The check queue: what a job carries, how it is deduplicated, and the producer side used by the
// web handler. Workers on any number of machines consume the same queue through Redis.
import { createHash, randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import type { CheckResult } from '../src/types.js';
import { logErrorsQuietly } from './queue-errors.js';
import { bullConnection, closeWithQueue, isCluster } from '../src/redis.js';

export const QUEUE_NAME = 'tlscheck';
export type JobKind = 'check' | 'explain';

/** What the handler knows when it enqueues. Nothing secret: response_url is short-lived (30 min). */
export interface CheckRequest {
  kind: JobKind;
  /** The target as the handler normalised it, e.g. "example.com:443" or "[2001:db8::1]:443". */
  input: string;
  sni: string | null;
  /** The pasted error text of an explain request. */
  symptom: string | null;
  channel: string;
  user: string;
  /** The slash command's (or button's) response_url: the fallback when the bot cannot post. */
  responseUrl: string | null;
  /**
   * Answer in this thread (the ts of its first message) instead of at the top of the channel: a
   * Re-run under its original result, an `@tlscheck` mention or the message shortcut in an
   * incident thread. Unset: a new message in the channel, the diagnosis in its thread.
   */
  threadTs?: string | null;
  /** A Re-run: the job whose result this one is compared with ("what changed since the last result"). */
  previousJobId?: string | null;
  /**
   * How it was asked, where it changes the answer: from a message that holds the error (the
   * message shortcut, an @mention), the error is not quoted back into that message's thread.
   */
  source?: 'slash' | 'button' | 'mention' | 'shortcut';
}

/**
 * Progress the worker writes back into the job, so a job run again after a stall (its worker
 * died) continues where it was instead of posting the parent and the thread a second time.
 */
export interface DeliveryState {
  mode?: 'thread' | 'response_url';
  parentTs?: string;
  /** Why the fallback was needed (Slack's error code), for the hint. */
  fallbackReason?: string;
  /** Messages already delivered after the parent. */
  posted?: number;
  /**
   * The check's result, saved before the verdict (and its buttons) is shown: "Show raw JSON"
   * can always find it, and a rerun after a stall reports it instead of checking again.
   */
  result?: CheckResult;
}

/** A job's return value: small, since the result itself is in the job's data. */
export type JobOutcome = { verdict: 'pass' | 'warn' | 'fail'; messages: number } | null;

export type CheckJobData = CheckRequest & DeliveryState;

/** Same channel + same request within this window = one job (a double-press or two people at once). */
export const DEDUP_TTL_MS = 5_000;

export const JOB_OPTIONS: JobsOptions = {
  // Two tries: a second run after a crash or a Slack outage; checks themselves return results, not errors.
  attempts: 2,
  backoff: { type: 'exponential', delay: 3_000 },
  // The stored result (in the job's data) backs the "Show raw JSON" button for a day.
  removeOnComplete: { age: 24 * 3600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
};

/** Hex digest: BullMQ ids and dedup ids must not contain ':' (targets do). */
export function dedupId(req: Pick<CheckRequest, 'kind' | 'channel' | 'input' | 'sni' | 'symptom' | 'threadTs'>): string {
  // Two incident threads asking about one host at once each get their own answer.
  const parts: unknown[] = [req.kind, req.channel, req.input.toLowerCase(), req.sni?.toLowerCase() ?? null, req.symptom];
  if (req.threadTs) parts.push(req.threadTs);
  const key = JSON.stringify(parts);
  return `d${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** Never all digits, never ':'. */
export const newJobId = (): string => `c${randomUUID().replace(/-/g, '')}`;

export interface EnqueueOutcome {
  jobId: string;
  /** True when an identical request from the same channel was already queued moments ago. */
  deduplicated: boolean;
}

export interface StoredJob {
  data: CheckJobData;
  /** The CheckResult once the check ran (null while pending or for a bad target). */
  result: CheckResult | null;
}

/** The producer side, as the handlers see it (tests inject an in-memory one where Redis is not the point). */
export interface CheckQueue {
  enqueue(req: CheckRequest): Promise<EnqueueOutcome>;
  getJob(jobId: string): Promise<StoredJob | null>;
  close(): Promise<void>;
}

export function redisConnection(url: string, role: 'producer' | 'worker'): { url: string; maxRetriesPerRequest: number | null; connectTimeout: number } {
  // Workers block on Redis and must keep retrying (BullMQ requires null); a producer should fail
  // fast so a Slack user hears "try again" instead of waiting.
  return { url, maxRetriesPerRequest: role === 'worker' ? null : 1, connectTimeout: 5_000 };
}

/** Knobs for tests that go through a retry: the first retry's delay (production: JOB_OPTIONS, 3 s). */
export interface QueueTuning {
  retryDelayMs?: number;
}

/** `logger` gets Redis errors, rate-limited (jobs/queue-errors.ts); without one they are dropped, never printed. */
export function createQueue(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix'>, logger?: Logger, tuning: QueueTuning = {}): Queue<CheckJobData, JobOutcome> {
  const bull = bullConnection(config, 'producer');
  // A burst's enqueues resume together (handlers/ack-order.ts): auto-pipelined, their scripts leave
  // in one write instead of one system call (and loopback delivery) each. A cluster's client is
  // made in src/redis.ts and keeps its options.
  const connection = isCluster(config) ? bull.connection : { ...bull.connection, enableAutoPipelining: true };
  const queue = new Queue<CheckJobData, JobOutcome>(QUEUE_NAME, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: tuning.retryDelayMs === undefined ? JOB_OPTIONS : { ...JOB_OPTIONS, backoff: { type: 'exponential', delay: tuning.retryDelayMs } },
  });
  closeWithQueue(queue, () => bull.close());
  logErrorsQuietly(queue, logger, 'check queue');
  return queue;
}

export function createCheckQueue(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix'>, logger?: Logger, tuning?: QueueTuning): CheckQueue {
  const queue = createQueue(config, logger, tuning);
  return {
    async enqueue(req) {
      const jobId = newJobId();
      const job = await queue.add(req.kind, req, { jobId, deduplication: { id: dedupId(req), ttl: DEDUP_TTL_MS } });
      // BullMQ answers a deduplicated add with the job that already holds the id.
      return { jobId: job.id ?? jobId, deduplicated: job.id !== undefined && job.id !== jobId };
    },
    async getJob(jobId) {
      const job = await queue.getJob(jobId);
      if (!job) return null;
      return { data: job.data, result: job.data.result ?? null };
    },
    async close() {
      await queue.close();
    },
  };
}
