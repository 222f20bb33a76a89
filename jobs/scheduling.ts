// The scheduling stack both processes share through Redis: the schedule store, the result
// history, and the BullMQ queue whose job schedulers fire `scheduled-check` jobs. The web handler
// changes schedules and upserts schedulers; workers consume the jobs. Recurring checks get a
// queue of their own so a burst of slash-command checks never delays them, and the reverse.
import { Queue } from 'bullmq';
import { DEFAULT_MAX_SCHEDULES_PER_CHANNEL, type Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { createUndeliveredStore, type UndeliveredStore } from '../src/limits/undelivered.js';
import type { RunNowQueue, SchedulerQueue, ScheduledCheckData } from '../src/schedule/engine.js';
import { ResultHistory } from '../src/schedule/history.js';
import { ScheduleStore } from '../src/schedule/store.js';
import { bullConnection, closeRedis, closeWithQueue, createRedis } from '../src/redis.js';
import { logErrorsQuietly } from './queue-errors.js';

export const SCHEDULE_QUEUE_NAME = 'tlscheck-schedule';

export type ScheduleQueue = SchedulerQueue & RunNowQueue;

export interface Scheduling {
  store: ScheduleStore;
  history: ResultHistory;
  queue: ScheduleQueue;
  /** Shown by `/tlscheck list` and the Home tab next to the schedules. */
  undelivered: UndeliveredStore;
  close(): Promise<void>;
}

export type SchedulingConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'maxSchedulesPerChannel'>;

/**
 * Store and history keys sit under the queue prefix plus ':' ("{tlscheck}:schedule:<id>"), so one
 * TLSCHECK_QUEUE_PREFIX separates installations, and the hash tag keeps the store's multi-key
 * scripts on one Redis Cluster slot.
 */
export function storePrefix(config: Pick<Config, 'queuePrefix'>): string {
  return `${config.queuePrefix}:`;
}

export function createScheduleQueue(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix'>, logger?: Logger): Queue<ScheduledCheckData> {
  const bull = bullConnection(config, 'producer');
  const queue = new Queue<ScheduledCheckData>(SCHEDULE_QUEUE_NAME, { connection: bull.connection, prefix: config.queuePrefix });
  closeWithQueue(queue, () => bull.close());
  logErrorsQuietly(queue, logger, 'schedule queue');
  return queue;
}

export function createScheduling(config: SchedulingConfig, role: 'producer' | 'worker', logger?: Logger): Scheduling {
  // A worker's store waits out a Redis restart; the web handler's fails fast.
  const redis = createRedis(config, role === 'worker' ? 'blocking' : 'producer');
  const prefix = storePrefix(config);
  const queue = createScheduleQueue(config, logger);
  return {
    store: new ScheduleStore(redis, { prefix, maxPerChannel: config.maxSchedulesPerChannel ?? DEFAULT_MAX_SCHEDULES_PER_CHANNEL }),
    history: new ResultHistory(redis, { prefix }),
    // The one-off results Slack would not take, kept by the check worker under the queue prefix.
    undelivered: createUndeliveredStore(redis, { prefix: config.queuePrefix }),
    queue,
    async close() {
      await queue.close();
      await closeRedis(redis);
    },
  };
}
