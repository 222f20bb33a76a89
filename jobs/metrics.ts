// Prometheus metrics (GET /metrics). Each process counts what it does itself (checks, Slack API
// calls, rate-limit refusals); what lives in Redis (queue depth, schedules' last verdicts and
// certificate days left) is read at scrape time, so any one process shows the whole fleet's.
//
// Per-schedule series are bounded (issue 19): two per schedule is fine for hundreds, but 10,000
// schedules would be 20,000 series in every scrape and every Prometheus. At most
// `maxScheduleSeries` schedules get their own series, the most urgent first (worst status, then
// fewest days left), and counts by status, the fewest days left and how many were left out cover
// every schedule, so an alert on those never misses one that the cap cut.
import client from 'prom-client';
import { webApi } from '@slack/bolt';
import { SEVERITY_ORDER, type CheckResult, type Severity } from '../src/types.js';
import type { Schedule } from '../src/schedule/model.js';
import { statusOf } from '../src/verdict.js';
import { DEFAULT_METRICS_MAX_SCHEDULES } from '../src/limits/defaults.js';

/** Seconds. Loopback checks take ~0.4 s; real networks several; the deadline caps at 60. */
const DURATION_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60];

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'failed', number>;

/** Read at scrape time; each may be absent (a worker has no schedule store of its own to list). */
export interface FleetSources {
  queues?: Record<string, () => Promise<Partial<JobCounts>>>;
  schedules?: () => Promise<readonly Schedule[]>;
  /** Metrics of another registry to add in (`npm start`: its workers' process). */
  also?: () => Promise<MetricJson>;
}

export type MetricJson = client.MetricObjectWithValues<client.MetricValue<string>>[];


export interface MetricsOptions {
  /** TLSCHECK_METRICS_MAX_SCHEDULES: schedules given their own series (0: only the totals). */
  maxScheduleSeries?: number;
}

/** Most urgent first: unreachable, then severity from critical down, then never run; fewer days left first. */
function urgency(s: Schedule): number {
  if (s.lastStatus === 'unreachable') return 0;
  const rank = SEVERITY_ORDER.indexOf(s.lastStatus as Severity);
  return rank < 0 ? 1_000 : 100 - rank;
}

export function mostUrgent(list: readonly Schedule[], max: number): Schedule[] {
  if (list.length <= max) return [...list];
  return [...list]
    .sort((a, b) => urgency(a) - urgency(b) || (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity) || a.id.localeCompare(b.id))
    .slice(0, Math.max(0, max));
}

export interface Metrics {
  readonly registry: client.Registry;
  recordCheck(result: CheckResult, seconds: number): void;
  recordSlackCall(method: string, outcome: string): void;
  recordRefusal(scope: string): void;
  /** The exposition text, with the fleet gauges read now. */
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(sources: FleetSources = {}, opts: MetricsOptions = {}): Metrics {
  const maxScheduleSeries = opts.maxScheduleSeries ?? DEFAULT_METRICS_MAX_SCHEDULES;
  const registry = new client.Registry();
  const checks = new client.Counter({ name: 'tlscheck_checks_total', help: 'Checks run, by verdict (worst finding, or unreachable) and error code', labelNames: ['verdict', 'error'], registers: [registry] });
  const duration = new client.Histogram({ name: 'tlscheck_check_duration_seconds', help: 'Wall time of a check, DNS included', buckets: DURATION_BUCKETS, registers: [registry] });
  const slack = new client.Counter({ name: 'tlscheck_slack_api_calls_total', help: 'Slack Web API calls, by method and outcome (ok, ratelimited, or the error code)', labelNames: ['method', 'outcome'], registers: [registry] });
  const refusals = new client.Counter({ name: 'tlscheck_rate_limit_refusals_total', help: 'Requests refused by a rate limit, by scope', labelNames: ['scope'], registers: [registry] });
  const queue = new client.Gauge({ name: 'tlscheck_queue_jobs', help: 'Jobs in a queue, by state', labelNames: ['queue', 'state'], registers: [registry] });
  const daysLeft = new client.Gauge({ name: 'tlscheck_schedule_certificate_days_left', help: "Days until the certificate of a scheduled target expires, from its last check", labelNames: ['schedule', 'channel', 'target'], registers: [registry] });
  const lastStatus = new client.Gauge({ name: 'tlscheck_schedule_last_status', help: 'Last verdict of a scheduled target: 1 for the status it has, 0 otherwise (ok, info, warning, error, critical, unreachable)', labelNames: ['schedule', 'channel', 'target', 'status'], registers: [registry] });
  const byStatus = new client.Gauge({ name: 'tlscheck_schedules', help: 'Schedules by last status (ok, info, warning, error, critical, unreachable; none: not run yet), every schedule counted', labelNames: ['status'], registers: [registry] });
  const fewestDays = new client.Gauge({ name: 'tlscheck_schedule_certificate_days_left_min', help: 'Fewest days until a certificate expires among all scheduled targets (absent when none has been checked)', registers: [registry] });
  const omitted = new client.Gauge({ name: 'tlscheck_schedule_series_omitted', help: 'Schedules without their own series because of TLSCHECK_METRICS_MAX_SCHEDULES (the least urgent ones)', registers: [registry] });
  const scrapeErrors = new client.Counter({ name: 'tlscheck_metrics_source_errors_total', help: 'Fleet gauges that could not be read at a scrape (Redis trouble)', labelNames: ['source'], registers: [registry] });

  const readFleet = async (): Promise<void> => {
    queue.reset();
    await Promise.all(Object.entries(sources.queues ?? {}).map(async ([name, counts]) => {
      try {
        for (const [state, n] of Object.entries(await counts())) queue.set({ queue: name, state }, n ?? 0);
      } catch {
        scrapeErrors.inc({ source: `queue:${name}` });
      }
    }));
    if (!sources.schedules) return;
    try {
      const list = await sources.schedules();
      daysLeft.reset();
      lastStatus.reset();
      byStatus.reset();
      fewestDays.reset();
      const counts = new Map<string, number>();
      let min = Infinity;
      for (const s of list) {
        const status = s.lastStatus || 'none';
        counts.set(status, (counts.get(status) ?? 0) + 1);
        if (s.daysLeft !== undefined && s.daysLeft < min) min = s.daysLeft;
      }
      for (const [status, n] of counts) byStatus.set({ status }, n);
      if (Number.isFinite(min)) fewestDays.set(min);
      const shown = mostUrgent(list, maxScheduleSeries);
      omitted.set(list.length - shown.length);
      for (const s of shown) {
        const labels = { schedule: s.id, channel: s.channel, target: s.target };
        if (s.daysLeft !== undefined) daysLeft.set(labels, s.daysLeft);
        if (s.lastStatus) lastStatus.set({ ...labels, status: s.lastStatus }, 1);
      }
    } catch {
      scrapeErrors.inc({ source: 'schedules' });
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    recordCheck(result, seconds) {
      checks.inc({ verdict: statusOf(result), error: result.error?.code ?? 'none' });
      duration.observe(seconds);
    },
    recordSlackCall: (method, outcome) => slack.inc({ method, outcome }),
    recordRefusal: (scope) => refusals.inc({ scope }),
    async render() {
      await readFleet();
      if (!sources.also) return registry.metrics();
      const other = await sources.also().catch(() => [] as MetricJson);
      return client.AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), other]).metrics();
    },
  };
}

const slackSinks = new Set<Pick<Metrics, 'recordSlackCall'>>();
let slackPatched = false;

/**
 * Counts every Slack Web API call this process makes, by method and outcome, into `metrics`.
 * Each WebClient binds its methods (chat.postMessage …) to apiCall when it is constructed, and
 * Bolt builds the listeners' clients itself, so the count hooks WebClient's prototype: once per
 * process, before any client exists. Returns what stops counting into `metrics`.
 */
export function countSlackCalls(metrics: Pick<Metrics, 'recordSlackCall'>): () => void {
  slackSinks.add(metrics);
  if (!slackPatched) {
    slackPatched = true;
    const proto = webApi.WebClient.prototype;
    // Called with `this` bound below: the original method of the same prototype.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const apiCall = proto.apiCall;
    proto.apiCall = async function (this: webApi.WebClient, method: string, options?: Record<string, unknown>) {
      try {
        const res = await apiCall.call(this, method, options);
        for (const sink of slackSinks) sink.recordSlackCall(method, 'ok');
        return res;
      } catch (err) {
        for (const sink of slackSinks) sink.recordSlackCall(method, slackOutcome(err));
        throw err;
      }
    };
  }
  return () => void slackSinks.delete(metrics);
}

function slackOutcome(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string } };
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (typeof e.data?.error === 'string' && /^[a-z_]{1,60}$/.test(e.data.error)) return e.data.error;
  return e.code === 'slack_webapi_request_error' ? 'request_error' : 'error';
}

/** Wraps a check function so each run is counted and timed, whatever path started it. */
export function instrumentCheck<A extends unknown[]>(check: (...args: A) => Promise<CheckResult>, metrics: Pick<Metrics, 'recordCheck'>): (...args: A) => Promise<CheckResult> {
  return async (...args: A) => {
    const started = performance.now();
    const result = await check(...args);
    metrics.recordCheck(result, (performance.now() - started) / 1000);
    return result;
  };
}
