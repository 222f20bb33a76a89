// GET /healthz and GET /metrics for load balancers, orchestrators and Prometheus: on the web
// process (beside Slack's endpoint, or on PORT in Socket Mode) and on `npm run worker`
// (TLSCHECK_HEALTH_PORT). Healthy = the process is up, Redis answers, and no queue is stalled.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import type { Metrics, JobCounts } from './metrics.js';

/** A job waiting longer than this with nothing running means no worker is taking jobs. */
export const DEFAULT_MAX_WAIT_MS = 5 * 60_000;
/** Redis must answer a health probe well within a load balancer's own timeout. */
const PING_TIMEOUT_MS = 2_000;

export interface QueueView {
  counts: () => Promise<Partial<JobCounts>>;
  /** Age of the oldest job waiting to run, or null when none waits. */
  oldestWaitingMs: () => Promise<number | null>;
}

export function queueView(queue: Pick<Queue, 'getJobCounts' | 'getJobs'>, now: () => number = Date.now): QueueView {
  return {
    counts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    async oldestWaitingMs() {
      const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
      return oldest ? now() - oldest.timestamp : null;
    },
  };
}

export interface HealthSources {
  ping(): Promise<unknown>;
  queues: Record<string, QueueView>;
  maxWaitMs?: number;
}

export interface HealthReport {
  ok: boolean;
  redis: 'ok' | 'unreachable';
  queues: Record<string, { waiting: number; active: number; oldestWaitingSec: number | null; stalled: boolean }>;
  /** Why it is not healthy, in words an operator acts on. */
  reasons: string[];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]).finally(() => clearTimeout(timer));
}

export async function healthReport(sources: HealthSources): Promise<HealthReport> {
  const maxWaitMs = sources.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const report: HealthReport = { ok: true, redis: 'ok', queues: {}, reasons: [] };
  try {
    await withTimeout(sources.ping(), PING_TIMEOUT_MS);
  } catch {
    report.redis = 'unreachable';
    report.reasons.push('Redis does not answer: check REDIS_URL / REDIS_CLUSTER_NODES and that Redis is running');
    report.ok = false;
    return report;
  }
  for (const [name, view] of Object.entries(sources.queues)) {
    try {
      const [counts, oldest] = await withTimeout(Promise.all([view.counts(), view.oldestWaitingMs()]), PING_TIMEOUT_MS);
      const waiting = counts.waiting ?? 0;
      const active = counts.active ?? 0;
      const stalled = oldest !== null && oldest > maxWaitMs && active === 0;
      report.queues[name] = { waiting, active, oldestWaitingSec: oldest === null ? null : Math.round(oldest / 1000), stalled };
      if (stalled) {
        report.ok = false;
        report.reasons.push(`queue ${name} is stalled: ${waiting} job(s) waiting, the oldest for ${Math.round((oldest ?? 0) / 1000)} s, none running; are workers running (npm run worker)?`);
      }
    } catch {
      report.ok = false;
      report.reasons.push(`queue ${name} could not be read from Redis`);
    }
  }
  return report;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function opsRoutes(health: HealthSources, metrics: Pick<Metrics, 'render' | 'contentType'>): Record<string, RouteHandler> {
  return {
    '/healthz': async (_req, res) => {
      const report = await healthReport(health);
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    },
    '/metrics': async (_req, res) => {
      res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.render());
    },
  };
}

/** A server with only the ops routes (Socket Mode's web process, `npm run worker`). */
export function startOpsServer(routes: Record<string, RouteHandler>, listen: { port: number; host?: string }): Promise<Server> {
  const server = createServer((req, res) => {
    const route = req.method === 'GET' ? routes[(req.url ?? '/').split('?')[0] ?? '/'] : undefined;
    if (!route) return void res.writeHead(404).end();
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}
