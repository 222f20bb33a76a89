// GET /healthz and GET /metrics (issue 15, item 6): on the web process beside Slack's endpoint, on
// `npm run worker` (TLSCHECK_HEALTH_PORT), and what makes them report trouble.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { createMetrics, instrumentCheck } from '../jobs/metrics.js';
import type { Schedule } from '../src/schedule/model.js';
import { statusOf } from '../src/verdict.js';
import { healthReport, opsRoutes, startOpsServer } from '../jobs/health.js';
import { sendEvent, sendSlashCommand, startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult, fakeExplanation } from './helpers/slack-fixtures.js';
import { deleteKeysAt } from './helpers/redis-keys.js';
import { assertFreshBuild, waitUntil } from './hardening-stack.js';

const SECRET = 'ops-test-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `{tlscheck-ops-${randomUUID().slice(0, 8)}}`;

let slack: SlackStandin;
let queue: CheckQueue;
let app: RunningApp;
let base: string;

beforeAll(async () => {
  slack = await startSlackStandin();
  const config: Config = {
    slack: { botToken: 'xoxb-ops-test', signingSecret: SECRET, appToken: undefined, apiUrl: slack.apiUrl },
    redisUrl: REDIS_URL,
    allowCidrs: [],
    concurrency: 1,
    port: 0,
    logLevel: 'silent',
    queuePrefix: PREFIX,
    limits: { userPerMin: 1, channelPerMin: 100, hostConcurrency: 2, checkTimeoutMs: 10_000 },
  };
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy([]), explain: () => fakeExplanation(false), logger: createLogger('silent') });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await queue?.close();
  await deleteKeysAt(REDIS_URL, `${PREFIX}:`);
  await slack?.close();
}, 30_000);

describe('web process', () => {
  it('GET /healthz: 200 with Redis and the queues', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; redis: string; queues: Record<string, unknown> };
    expect(body.ok).toBe(true);
    expect(body.redis).toBe('ok');
    expect(Object.keys(body.queues).sort()).toEqual(['checks', 'schedules']);
  });

  it('GET /metrics: queue depth, rate-limit refusals and Slack API calls, in Prometheus text', async () => {
    const command = (text: string) => sendSlashCommand(`${base}/slack/events`, SECRET, { text, user_id: 'U0OPS', response_url: slack.responseUrl(`ops-${randomUUID().slice(0, 8)}`) });
    expect((await command('one.example')).status).toBe(200);
    // The limit is 1 a minute: the second is refused.
    expect((await command('two.example')).status).toBe(200);
    // The Home tab is the web process's own Slack call (checks are posted by the workers).
    expect((await sendEvent(`${base}/slack/events`, SECRET, { type: 'app_home_opened', user: 'U0OPS', channel: 'D0OPS', tab: 'home' })).status).toBe(200);
    // The check is queued once the receiver has had no request waiting for a quiet gap (handlers/ack-order.ts).
    const text = await waitUntil(async () => {
      const t = await (await fetch(`${base}/metrics`)).text();
      const counted = /tlscheck_slack_api_calls_total\{method="views\.publish",outcome="ok"\} 1/.test(t) && /tlscheck_queue_jobs\{queue="checks",state="waiting"\} [1-9]/.test(t);
      return counted ? t : undefined;
    }, 'the Home tab publish and the queued check to be counted', 10_000);
    expect(text).toMatch(/# TYPE tlscheck_queue_jobs gauge/);
    expect(text).toMatch(/tlscheck_queue_jobs\{queue="checks",state="waiting"\} 1/);
    expect(text).toMatch(/tlscheck_rate_limit_refusals_total\{scope="user"\} 1/);
  });

  it('GET /metrics: every scheduled target with its certificate days left and last status', async () => {
    const created = await app.scheduling.store.create({ channel: 'C0OPS', target: 'cert.example:443', every: 3_600_000, createdBy: 'U0OPS' });
    if (!created.ok) throw new Error(created.error);
    const { schedule } = created.value;
    await app.scheduling.store.recordRun(schedule.id, { lastStatus: 'warning', lastRunAt: Date.now(), daysLeft: 12 });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain(`tlscheck_schedule_certificate_days_left{schedule="${schedule.id}",channel="C0OPS",target="cert.example:443"} 12`);
    expect(text).toContain(`tlscheck_schedule_last_status{schedule="${schedule.id}",channel="C0OPS",target="cert.example:443",status="warning"} 1`);
  });
});

describe('health verdicts', () => {
  const idle = { counts: async () => ({ waiting: 0, active: 0 }), oldestWaitingMs: async () => null };

  it('503 with the reason when Redis does not answer', async () => {
    const report = await healthReport({ ping: () => Promise.reject(new Error('ECONNREFUSED')), queues: { checks: idle } });
    expect(report.ok).toBe(false);
    expect(report.reasons.join()).toMatch(/Redis does not answer/);
    const server = await startOpsServer(opsRoutes({ ping: () => Promise.reject(new Error('down')), queues: {} }, createMetrics()), { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/healthz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { reasons: string[] }).reasons[0]).toMatch(/Redis/);
    } finally {
      server.close();
    }
  });

  it('a queue whose oldest job waits past the limit with nothing running is stalled; a busy one is not', async () => {
    const old = { counts: async () => ({ waiting: 3, active: 0 }), oldestWaitingMs: async () => 400_000 };
    const busy = { counts: async () => ({ waiting: 3, active: 2 }), oldestWaitingMs: async () => 400_000 };
    const stalled = await healthReport({ ping: async () => 'PONG', queues: { checks: old } });
    expect(stalled.ok).toBe(false);
    expect(stalled.reasons[0]).toMatch(/queue checks is stalled: 3 job\(s\) waiting, the oldest for 400 s, none running/);
    expect((await healthReport({ ping: async () => 'PONG', queues: { checks: busy } })).ok).toBe(true);
  });

  it('counts checks by verdict and error code, with their duration', async () => {
    const metrics = createMetrics();
    const ok = instrumentCheck(async () => baseResult(), metrics);
    const down = instrumentCheck(async () => ({ ...baseResult(), error: { code: 'timeout' as const, message: 'x' } }), metrics);
    await ok();
    await ok();
    await down();
    const text = await metrics.render();
    expect(text).toContain(`tlscheck_checks_total{verdict="${statusOf(baseResult())}",error="none"} 2`);
    expect(text).toMatch(/tlscheck_checks_total\{verdict="unreachable",error="timeout"\} 1/);
    expect(text).toMatch(/tlscheck_check_duration_seconds_count 3/);
  });
});

describe('schedule series are bounded (issue 19)', () => {
  /** 3,000 schedules: most fine, a few urgent, some never run. */
  function fleet(): Schedule[] {
    return Array.from({ length: 3_000 }, (_, i): Schedule => {
      const s: Schedule = { id: `s${String(i).padStart(4, '0')}`, channel: `C${i % 50}`, target: `t${i}.example:443`, createdBy: 'U1', createdAt: i, paused: false, every: 3_600_000 };
      if (i % 1000 === 7) return { ...s, lastStatus: 'critical', daysLeft: 40 };
      if (i % 1000 === 8) return { ...s, lastStatus: 'unreachable' };
      if (i === 1234) return { ...s, lastStatus: 'warning', daysLeft: 2 };
      if (i % 10 === 9) return s; // not run yet
      return { ...s, lastStatus: 'ok', daysLeft: 30 + (i % 60) };
    });
  }
  const series = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

  it('gives at most the configured number of schedules their own series, the most urgent first, and totals that cover every schedule', async () => {
    const list = fleet();
    const metrics = createMetrics({ schedules: () => Promise.resolve(list) }, { maxScheduleSeries: 10 });
    const text = await metrics.render();
    const status = series(text, 'tlscheck_schedule_last_status');
    const days = series(text, 'tlscheck_schedule_certificate_days_left');
    expect(status).toHaveLength(10);
    expect(days.length).toBeLessThanOrEqual(10);
    // Unreachable (3), critical (3), the warning, then the fewest days left among the fine ones.
    for (const id of ['s0008', 's1008', 's2008', 's0007', 's1007', 's2007', 's1234']) expect(status.some((l) => l.includes(`schedule="${id}"`))).toBe(true);
    expect(status.filter((l) => l.endsWith('status="ok"} 1'))).toHaveLength(3);
    expect(text).toContain('tlscheck_schedule_series_omitted 2990');
    expect(text).toContain('tlscheck_schedule_certificate_days_left_min 2');
    const counted = series(text, 'tlscheck_schedules').map((l) => Number(l.split(' ').pop()));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(3_000);
    expect(text).toContain('tlscheck_schedules{status="none"} 300');
    expect(text).toContain('tlscheck_schedules{status="unreachable"} 3');
  });

  it('under the cap every schedule has its series and nothing is omitted; 0 keeps only the totals', async () => {
    const list = fleet().slice(0, 40);
    const all = await createMetrics({ schedules: () => Promise.resolve(list) }, { maxScheduleSeries: 1_000 }).render();
    expect(series(all, 'tlscheck_schedule_last_status')).toHaveLength(list.filter((s) => s.lastStatus).length);
    expect(all).toContain('tlscheck_schedule_series_omitted 0');
    const none = await createMetrics({ schedules: () => Promise.resolve(list) }, { maxScheduleSeries: 0 }).render();
    expect(series(none, 'tlscheck_schedule_last_status')).toEqual([]);
    expect(none).toContain('tlscheck_schedule_series_omitted 40');
  });
});

describe('npm run worker with TLSCHECK_HEALTH_PORT', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('serves /healthz and /metrics on its own port', async () => {
    assertFreshBuild(['jobs/worker-main.ts', 'jobs/run-workers.ts', 'jobs/health.ts', 'jobs/metrics.ts']);
    child = spawn(process.execPath, ['dist/jobs/worker-main.js'], {
      env: { PATH: process.env.PATH, REDIS_URL, SLACK_BOT_TOKEN: 'xoxb-ops-worker', SLACK_API_URL: slack.apiUrl, TLSCHECK_QUEUE_PREFIX: PREFIX, TLSCHECK_HEALTH_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"port":(\d+)[^\n]*serving \/healthz/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child?.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/# TYPE tlscheck_checks_total counter/);
    expect(metrics).toMatch(/tlscheck_queue_jobs\{queue="schedules",state="waiting"\} \d/);
    child.kill('SIGTERM');
    await new Promise((resolve) => child?.once('exit', resolve));
  }, 30_000);
});
