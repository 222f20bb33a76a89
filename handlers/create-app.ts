// The Bolt app factory: HTTP receiver at POST /slack/events (signatures verified by Bolt, stale
// timestamps refused), or Socket Mode when an app token is configured.
import { App } from '@slack/bolt';
import type { Config } from '../src/config.js';
import { slackLogger } from '../src/log.js';
import { reconcile, type ReconcileReport } from '../src/schedule/engine.js';
import { errorSummary } from '../src/errors.js';
import { createSlashLimits } from '../src/limits/index.js';
import { createScheduling } from '../jobs/scheduling.js';
import { SLACK_REQUEST_TIMEOUT_MS, SLACK_RETRY } from '../jobs/slack-out.js';
import { createUserDirectory } from '../jobs/slack-users.js';
import { createLimitsRedis } from '../src/limits/redis.js';
import { SlackHttpReceiver } from './receiver.js';
import { createAckOrder, immediateAckOrder, type AckOrder } from './ack-order.js';
import type { Server } from 'node:http';
import { closeRedis, type RedisClient } from '../src/redis.js';
import type { RateLimiter } from '../src/limits/rate.js';
import type { Schedule } from '../src/schedule/model.js';
import { countSlackCalls, createMetrics, type Metrics } from '../jobs/metrics.js';
import { opsRoutes, queueView, startOpsServer, type RouteHandler } from '../jobs/health.js';
import { createQueue } from '../jobs/queue.js';
import { createScheduleQueue } from '../jobs/scheduling.js';
import type { AppDeps, HandlerDeps, ScheduleServices } from './deps.js';
import { registerListeners } from './listeners.js';

export type { AppDeps } from './deps.js';

export type AppConfig = Pick<Config, 'slack' | 'port' | 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'admins' | 'maxSchedulesPerChannel' | 'limits' | 'metricsMaxSchedules'>;

export interface ListenOptions {
  port?: number;
  /** Default: all interfaces (production); tests pass 127.0.0.1. */
  host?: string;
}

export interface RunningApp {
  app: App;
  /** Starts the HTTP server (resolving to its port) or the Socket Mode connection (port null). */
  start(listen?: ListenOptions): Promise<{ port: number | null }>;
  stop(): Promise<void>;
  /** The scheduling services the handlers use (built from the config unless injected). */
  scheduling: ScheduleServices;
  /** What reconcile() did at start: null when another replica held the lock or it failed. */
  reconciled(): ReconcileReport | null;
}

export const EVENTS_PATH = '/slack/events';

export function createApp(config: AppConfig, deps: AppDeps): RunningApp {
  const log = deps.logger.child({ component: 'app' });
  const socketMode = config.slack.appToken !== undefined;
  // Replay guard (HTTP mode) and the health probe's ping.
  const opsRedis = createLimitsRedis(config, 'app');
  const ops = createOps(config, deps, opsRedis);
  // Before Bolt builds any client: they bind their methods when constructed.
  const stopCounting = countSlackCalls(ops.metrics);
  const common = {
    token: config.slack.botToken,
    logger: slackLogger(deps.logger, 'bolt'),
    clientOptions: { slackApiUrl: config.slack.apiUrl, retryConfig: SLACK_RETRY, timeout: SLACK_REQUEST_TIMEOUT_MS },
    // No listener uses Bolt's conversation store; its in-memory default looked every request up
    // and built (and rejected with) an Error for each: CPU on every slash command's ack.
    convoStore: false as const,
  };
  // Socket Mode's receiver does not count its requests: work after an ack waits for setImmediate only.
  const ackOrder = socketMode ? immediateAckOrder() : createAckOrder();
  const app = socketMode
    ? new App({ ...common, socketMode: true, appToken: config.slack.appToken, signingSecret: config.slack.signingSecret })
    : new App({ ...common, receiver: createReceiver(config, deps, opsRedis, ops.routes, ackOrder) });

  // Built here unless injected; what the app builds, it closes on stop. Injected: the caller's.
  const built = deps.scheduling ? { services: deps.scheduling, close: () => Promise.resolve() } : buildScheduling(config, app, deps.logger);
  const scheduling = built.services;
  // Hardening: rate limits whenever the config has them (loadConfig always sets them); injected ones are the caller's to close.
  const ownLimits = !deps.limits && config.limits ? createSlashLimits(config) : null;
  const limits = deps.limits ?? ownLimits ?? undefined;
  const handlerDeps: HandlerDeps = { ...deps, scheduling, limits: limits && { ...limits, rate: countRefusals(limits.rate, ops.metrics) }, afterAcks: () => ackOrder.afterAcks() };
  ops.schedules = () => scheduling.store.listAll();
  let opsServer: Server | null = null;
  let report: ReconcileReport | null = null;

  registerListeners(app, handlerDeps);
  app.error((err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'unhandled error in a listener');
    return Promise.resolve();
  });

  /**
   * Once per start, before taking requests: BullMQ's schedulers are brought in line with the
   * store (after a restore, or a crash between a store write and its upsert). Idempotent and
   * locked, so replicas starting together are fine. Failure is logged, not fatal: the schedulers
   * already in Redis keep firing, and the next start tries again.
   */
  const reconcileOnce = async (): Promise<void> => {
    try {
      report = await reconcile(scheduling.queue, scheduling.store);
      if (report) log.info({ upserted: report.upserted.length, removed: report.removed.length, unchanged: report.unchanged }, 'schedules reconciled');
      else log.info('another process is reconciling schedules');
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'could not reconcile schedules');
    }
  };

  return {
    app,
    scheduling,
    reconciled: () => report,
    async start(listen = {}) {
      await reconcileOnce();
      if (socketMode) {
        await app.start();
        // No Slack endpoint to serve: the port carries only /healthz and /metrics.
        opsServer = await startOpsServer(ops.routes, { port: listen.port ?? config.port, host: listen.host });
        log.info('connected in Socket Mode');
        return { port: (opsServer.address() as { port: number }).port };
      }
      const server = (await app.start({ port: listen.port ?? config.port, host: listen.host })) as Server;
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : null;
      log.info({ port, path: EVENTS_PATH }, 'listening for Slack requests');
      return { port };
    },
    async stop() {
      await app.stop();
      await built.close();
      await ownLimits?.close();
      if (opsServer) await new Promise((resolve) => { opsServer?.close(resolve); opsServer?.closeAllConnections(); });
      await ops.close();
      stopCounting();
      await closeRedis(opsRedis);
    },
  };
}

/** Metrics and health of the web process: the queues' depth and every schedule, read from Redis at scrape time. */
interface Ops {
  /** Set once the schedule store exists. */
  schedules: (() => Promise<Schedule[]>) | undefined;
  metrics: Metrics;
  routes: Record<string, RouteHandler>;
  close(): Promise<void>;
}

function createOps(config: AppConfig, deps: AppDeps, redis: RedisClient): Ops {
  const checkQueue = createQueue(config);
  const scheduleQueue = createScheduleQueue(config);
  const queues = { checks: queueView(checkQueue), schedules: queueView(scheduleQueue) };
  const ops: Ops = {
    schedules: undefined,
    metrics: createMetrics({
      queues: { checks: queues.checks.counts, schedules: queues.schedules.counts },
      schedules: (): Promise<Schedule[]> => ops.schedules?.() ?? Promise.resolve([]),
      also: deps.workerMetrics,
    }, { maxScheduleSeries: config.metricsMaxSchedules }),
    routes: {},
    close: async () => {
      await Promise.all([checkQueue.close(), scheduleQueue.close()]);
    },
  };
  ops.routes = opsRoutes({ ping: () => redis.ping(), queues }, ops.metrics);
  return ops;
}

function countRefusals(rate: RateLimiter, metrics: Pick<Metrics, 'recordRefusal'>): RateLimiter {
  return {
    async take(who) {
      const decision = await rate.take(who);
      if (!decision.allowed) metrics.recordRefusal(decision.scope);
      return decision;
    },
  };
}

function createReceiver(config: AppConfig, deps: AppDeps, redis: RedisClient, routes: Record<string, RouteHandler>, ackOrder: AckOrder): SlackHttpReceiver {
  // loadConfig refuses HTTP mode without a signing secret; an empty one would verify nothing.
  const signingSecret = config.slack.signingSecret;
  if (!signingSecret) throw new Error('SLACK_SIGNING_SECRET is required in HTTP mode (when SLACK_APP_TOKEN is unset)');
  return new SlackHttpReceiver({
    signingSecret,
    logger: deps.logger.child({ component: 'receiver' }),
    path: EVENTS_PATH,
    firstSeen: async (key, ttlSec) => (await redis.set(`${config.queuePrefix}:seen:${key}`, '1', 'EX', ttlSec, 'NX')) === 'OK',
    routes,
    ackOrder,
  });
}

function buildScheduling(config: AppConfig, app: App, logger: AppDeps['logger']): { services: ScheduleServices; close(): Promise<void> } {
  const scheduling = createScheduling(config, 'producer', logger);
  const { store, history, queue, undelivered } = scheduling;
  const users = createUserDirectory(app.client, { admins: config.admins, logger });
  return { services: { store, history, queue, users, undelivered }, close: () => scheduling.close() };
}
