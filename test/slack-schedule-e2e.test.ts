// A recurring check end to end with the real engine: a signed `/tlscheck schedule` → the store and
// a BullMQ job scheduler → the schedule worker → real runCheck against a node:tls server on
// 127.0.0.1 → alerts threaded under one card at the Slack stand-in. The interval is then shortened
// at the engine level (the command refuses anything under 5 minutes), the server's certificate
// swapped, and the app and workers restarted.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOptions } from '../src/check.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { nextRuns, syncScheduler } from '../src/schedule/engine.js';
import { historyKey } from '../src/schedule/history.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../jobs/schedule-worker.js';
import { startNodeTls, tempDir, type Running } from './helpers/servers.js';
import { sendSlashCommand, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const SECRET = 'schedule-e2e-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHANNEL = 'C0WATCH';
/** Injected below the 5-minute floor of the command parser, through the store and engine. */
const SHORT_MS = 4_000;
const logger = createLogger('silent');

let slack: SlackStandin;
let server: Running & { server: tls.Server };
let config: Config;
let queue: CheckQueue;
let app: RunningApp;
let workers: RunningScheduleWorker[] = [];
let url: string;
/** Start time of every real check the workers ran, with the worker that ran it. */
const runs: { at: number; worker: string }[] = [];
/** BullMQ job id of every scheduled run a worker completed: one per firing. */
const completed: string[] = [];
/** Failed scheduled jobs, shown when a wait times out so a failure under load says why. */
const failed: string[] = [];
let scheduleId = '';

async function startStack(workerLabels: string[]): Promise<void> {
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}/slack/events`;
  workers = [];
  for (const label of workerLabels) {
    const check = (input: string, opts: CheckOptions) => {
      runs.push({ at: Date.now(), worker: label });
      return realCheck(input, opts);
    };
    const w = await startScheduleWorker(config, { check, logger, checkTimeoutMs: 8_000 });
    w.worker.on('completed', (job) => completed.push(job.id ?? ''));
    w.worker.on('failed', (job, err) => failed.push(`${job?.id ?? '?'}: ${err.message}`));
    workers.push(w);
  }
}

async function stopStack(): Promise<void> {
  await app?.stop();
  for (const w of workers) await w.close();
  await queue?.close();
}

/** A second self-signed localhost certificate, valid longer: the swap reads as a renewal. */
function renewedCert(): { cert: string; key: string } {
  const dir = tempDir();
  const keyFile = join(dir, 'renewed-key.pem');
  const certFile = join(dir, 'renewed-cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '90', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore', timeout: 20_000 });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

beforeAll(async () => {
  slack = await startSlackStandin();
  server = await startNodeTls({ minVersion: 'TLSv1.2' });
  config = loadConfig({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-schedule-e2e',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL,
      TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
      TLSCHECK_QUEUE_PREFIX: `{tlscheck-e2e-sched-${randomUUID().slice(0, 8)}}`,
      TLSCHECK_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
    },
    dotenvPath: false,
  });
  await startStack(['w1']);
}, 30_000);

afterAll(async () => {
  await stopStack();
  await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
  await server?.stop();
  await slack?.close();
}, 30_000);

const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const posts = (): RecordedCall[] => slack.callsOf('chat.postMessage').filter((c) => c.args.channel === CHANNEL);
const history = () => app.scheduling.history.list(historyKey({ id: scheduleId }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  const state = { runs: runs.length, completed: completed.length, failed, history: (await history()).length, posts: posts().length };
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state)}`);
}

describe('a scheduled check against a local TLS server', () => {
  let cardTs = '';

  it('first run posts the card and a baseline in its thread', async () => {
    const target = `127.0.0.1:${server.port}`;
    const res = await sendSlashCommand(url, SECRET, { text: `schedule ${target} every 1h`, channel_id: CHANNEL, user_id: 'U0OPS' });
    expect(res.ms).toBeLessThan(3_000);
    scheduleId = /Scheduled ([a-z0-9]+):/.exec(String(res.json?.text))?.[1] ?? '';
    expect(scheduleId, String(res.json?.text)).not.toBe('');

    const baseline = await slack.waitFor(() => posts().find((c) => c.args.thread_ts && text(c).includes('Now watching')), 'baseline', 40_000);
    const [card] = posts();
    cardTs = String(card?.response?.ts);
    expect(card?.args.thread_ts).toBeUndefined();
    expect(text(card)).toContain(target);
    expect(baseline.args.thread_ts).toBe(cardTs);
    expect(text(baseline)).toContain(`Now watching 127.0.0.1:${server.port}`);
    // The test certificate is valid 30 days: the 30-day warning comes with the baseline, once.
    expect(text(baseline)).toMatch(/Certificate expires in \d+ days\* \(30-day warning\)/);
    const stored = await app.scheduling.store.get(scheduleId);
    expect(stored?.parentTs).toBe(cardTs);
    expect(stored?.lastStatus).toBeDefined();
    expect(stored?.daysLeft).toBeGreaterThanOrEqual(29);
  }, 60_000);

  it('unchanged runs stay quiet, and a swapped certificate is posted under the same card', async () => {
    // Engine level: the same target again with a short interval updates the schedule; syncScheduler re-times BullMQ.
    const current = await app.scheduling.store.get(scheduleId);
    const updated = await app.scheduling.store.create({ channel: CHANNEL, target: current!.target, every: SHORT_MS, createdBy: 'U0OPS' });
    expect(updated.ok && updated.value.outcome).toBe('updated');
    await syncScheduler(app.scheduling.queue, { ...current!, every: SHORT_MS, paused: false });

    const seen = (await history()).length;
    await eventually(async () => (await history()).length >= seen + 2, 'two more runs');
    expect(posts()).toHaveLength(2);

    server.server.setSecureContext(renewedCert());
    const alert = await slack.waitFor(() => posts().find((c) => text(c).includes('Certificate renewed')), 'renewal alert', 40_000);
    expect(alert.args.thread_ts).toBe(cardTs);
    expect(text(alert)).toMatch(/CN=localhost, issued by CN=localhost, valid until .* → CN=localhost, issued by CN=localhost, valid until/);
    // A renewal is good news: the thread only, not the channel.
    expect(String(alert.args.reply_broadcast)).toBe('false');
    // The card was rewritten to the current status rather than a new one posted.
    expect(posts().filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(slack.callsOf('chat.update').some((c) => c.args.ts === cardTs)).toBe(true);

    // And quiet again afterwards.
    const after = (await history()).length;
    await eventually(async () => (await history()).length >= after + 1, 'a run after the alert');
    expect(posts().filter((c) => text(c).includes('Certificate renewed'))).toHaveLength(1);
  }, 90_000);

  it('survives a restart of the app and the workers, and two workers still run each firing once', async () => {
    const [next] = [...(await nextRuns(app.scheduling.queue, [scheduleId])).values()];
    await stopStack();
    const runsBefore = runs.length;
    // Down past the next firing (BullMQ's own time for it), so one is missed while no worker runs.
    await sleep(Math.max(0, (next ?? Date.now() + SHORT_MS) - Date.now()) + 200);
    expect(runs.length).toBe(runsBefore);
    const completedBefore = completed.length;

    await startStack(['w1', 'w2']);
    // The scheduler lived on in Redis: reconcile found it right and left it alone.
    expect(app.reconciled()?.upserted).not.toContain(scheduleId);
    expect(app.reconciled()?.unchanged).toBeGreaterThanOrEqual(1);

    const restartedAt = Date.now();
    // The missed firing and the next one, each completed by one of the two workers.
    await eventually(async () => completed.length - completedBefore >= 2, 'two runs after the restart', 40_000);
    // Let running jobs finish and take no more, so the counts below are final.
    await Promise.all(workers.map((w) => w.worker.pause()));
    const fired = completed.slice(completedBefore);
    // Each firing ran once: no job completed twice, and one check per completed job.
    expect(new Set(fired).size).toBe(fired.length);
    expect(runs.length - runsBefore).toBe(fired.length);
    expect((await app.scheduling.store.get(scheduleId))?.lastRunAt).toBeGreaterThan(restartedAt);
    // Still one card, nothing new posted: the server did not change.
    expect(posts().filter((c) => !c.args.thread_ts)).toHaveLength(1);
    // The history stays bounded.
    expect((await history()).length).toBeLessThanOrEqual(app.scheduling.history.limit);
  }, 90_000);
});
