// Both workers a worker process runs (one-off and scheduled checks), started and closed together,
// with the process's metrics: every check they run is counted, every Slack call too.
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { createRedis, closeRedis } from '../src/redis.js';
import { realCheck, realExplain } from './defaults.js';
import { startWorker } from './worker.js';
import { startScheduleWorker } from './schedule-worker.js';
import { countSlackCalls, createMetrics, instrumentCheck, type Metrics } from './metrics.js';
import { createWebClient } from './slack-out.js';
import { createQueue } from './queue.js';
import { createScheduleQueue } from './scheduling.js';
import { opsRoutes, queueView, type RouteHandler } from './health.js';

export interface RunningWorkers {
  metrics: Metrics;
  /** GET /healthz and /metrics of this process. */
  routes: Record<string, RouteHandler>;
  close: () => Promise<void>;
}

export async function startWorkers(config: Config, logger: Logger): Promise<RunningWorkers> {
  // Read-only views for health and the queue gauges: their own connections, closed with the workers.
  const checkQueue = createQueue(config, logger);
  const scheduleQueue = createScheduleQueue(config, logger);
  const redis = createRedis(config, 'app');
  const queues = { checks: queueView(checkQueue), schedules: queueView(scheduleQueue) };
  const metrics = createMetrics({ queues: { checks: queues.checks.counts, schedules: queues.schedules.counts } });
  const check = instrumentCheck(realCheck, metrics);
  const stopCounting = countSlackCalls(metrics);
  const client = createWebClient(config, logger);
  const checks = await startWorker(config, { check, explain: realExplain, logger, client });
  // This process never upserts schedulers (the app does, at start and on commands): it only consumes.
  const scheduled = await startScheduleWorker(config, { check, logger, client });
  return {
    metrics,
    routes: opsRoutes({ ping: () => redis.ping(), queues }, metrics),
    close: async () => {
      await Promise.all([checks.close(), scheduled.close()]);
      await Promise.all([checkQueue.close(), scheduleQueue.close(), closeRedis(redis)]);
      stopCounting();
    },
  };
}
