// The bot end to end through a Redis Cluster (three primaries on 127.0.0.1, started here and
// stopped at the end), configured with REDIS_CLUSTER_NODES as in production: a signed /tlscheck
// → rate limit → queue → worker (host slot, idempotent sends) → verdict and thread; a schedule
// whose first firing posts the card and baseline, then reconcile over the cluster; the stores'
// multi-key commands; and a worker process SIGKILLed mid-job, its job finished by another once
// and only once. Every key lands on the one slot of the prefix's hash tag.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createUndeliveredStore } from '../src/limits/undelivered.js';
import { closeRedis, createRedis } from '../src/redis.js';
import { reconcile } from '../src/schedule/engine.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../jobs/schedule-worker.js';
import { spawnWorker, type WorkerProc } from '../bench/soak/worker-proc.mjs';
import { startRedisCluster, type RedisClusterHandle } from './helpers/redis-cluster.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { sendSlashCommand, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { assertFreshBuild, callText, finalsIn, parentsIn } from './hardening-stack.js';

const run = promisify(execFile);
const SECRET = 'cluster-e2e-secret';
const logger = createLogger('silent');

let cluster: RedisClusterHandle;
let slack: SlackStandin;
let server: Running & { server: tls.Server };
let config: Config;
let queue: CheckQueue;
let app: RunningApp;
let worker: RunningWorker;
let scheduleWorker: RunningScheduleWorker;
let url = '';
const procs: WorkerProc[] = [];

function clusterEnv(prefix: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-cluster-e2e',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    // Deliberately a dead address: in cluster mode nothing may use REDIS_URL's host.
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
    TLSCHECK_QUEUE_PREFIX: prefix,
    TLSCHECK_CONCURRENCY: '2',
    LOG_LEVEL: 'silent',
  };
}

beforeAll(async () => {
  assertFreshBuild();
  [cluster, slack, server] = await Promise.all([startRedisCluster(), startSlackStandin(), startNodeTls({ minVersion: 'TLSv1.2' })]);
  config = loadConfig({ env: clusterEnv(`{tlscheck-cl-${randomUUID().slice(0, 6)}}`), dotenvPath: false });
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}/slack/events`;
  worker = await startWorker(config, { check: realCheck, explain: realExplain, logger, checkTimeoutMs: 8_000 });
  scheduleWorker = await startScheduleWorker(config, { check: realCheck, logger, checkTimeoutMs: 8_000 });
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await app?.stop();
  await worker?.close();
  await scheduleWorker?.close();
  await queue?.close();
  await server?.stop();
  await slack?.close();
  await cluster?.stop();
}, 30_000);

const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const inChannel = (method: string, channel: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === channel);

/** Keys under `prefix` per node, read from every primary. */
async function keysPerNode(prefix: string): Promise<number[]> {
  return Promise.all(cluster.ports.map(async (p) => {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(p), '--scan', '--pattern', `${prefix}*`], { timeout: 5_000 });
    return stdout.split('\n').filter((l) => l !== '').length;
  }));
}

describe('the bot on a 3-primary Redis Cluster', () => {
  it('runs a slash command to a verdict and a thread', async () => {
    const target = `127.0.0.1:${server.port}`;
    const res = await sendSlashCommand(url, SECRET, { text: target, channel_id: 'C0CLUSTER', response_url: slack.responseUrl('cluster') });
    expect(res.status).toBe(200);
    expect(res.json?.text).toContain(`Checking ${target}`);
    const verdict = await slack.waitFor(() => inChannel('chat.update', 'C0CLUSTER').find((c) => text(c).includes('tlscheck_rerun')), 'the verdict', 40_000);
    expect(String(verdict.args.text)).toMatch(new RegExp(`^(✅|⚠️|❌) 127\\.0\\.0\\.1:${server.port}: `));
    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage', 'C0CLUSTER').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'the thread', 20_000);
    expect(thread.map(text).join('')).toContain(`Diagnosis for ${target}`);
    expect(inChannel('chat.postMessage', 'C0CLUSTER').filter((c) => !c.args.thread_ts)).toHaveLength(1);
  }, 60_000);

  it('fires a schedule (card and baseline), and reconcile over the cluster leaves it alone', async () => {
    const target = `127.0.0.1:${server.port}`;
    const res = await sendSlashCommand(url, SECRET, { text: `schedule ${target} every 1h`, channel_id: 'C0CLSCHED', user_id: 'U0OPS' });
    const id = /Scheduled ([a-z0-9]+):/.exec(String(res.json?.text))?.[1] ?? '';
    expect(id, String(res.json?.text)).not.toBe('');
    const baseline = await slack.waitFor(() => inChannel('chat.postMessage', 'C0CLSCHED').find((c) => c.args.thread_ts && text(c).includes('Now watching')), 'the baseline', 40_000);
    const card = inChannel('chat.postMessage', 'C0CLSCHED').find((c) => !c.args.thread_ts);
    expect(baseline.args.thread_ts).toBe(card?.response?.ts);
    expect((await app.scheduling.store.get(id))?.lastRunAt).toBeGreaterThan(0);
    // The start-up reconcile ran against the cluster too (nothing to do then).
    expect(app.reconciled()).not.toBeNull();
    const report = await reconcile(app.scheduling.queue, app.scheduling.store);
    expect(report).toEqual({ upserted: [], removed: [], unchanged: 1 });
    const list = await sendSlashCommand(url, SECRET, { text: 'list', channel_id: 'C0CLSCHED', user_id: 'U0OPS' });
    expect(JSON.stringify(list.json)).toContain(id);
  }, 60_000);

  it('keeps the stores working: undelivered results (MULTI over two keys) and every key on one slot', async () => {
    const redis = createRedis(config, 'worker');
    const undelivered = createUndeliveredStore(redis, { prefix: config.queuePrefix });
    const entry = { jobId: 'cjob1', channel: 'C0UND', user: 'U1', input: 'x.example:443', verdict: null, summary: 's', reason: 'r', at: new Date().toISOString() };
    await undelivered.add(entry);
    expect(await undelivered.count('C0UND')).toBe(1);
    expect(await undelivered.remove('C0UND', 'cjob1')).toBe(1);
    await closeRedis(redis);
    const perNode = await keysPerNode(config.queuePrefix);
    // Queue, schedules, history, rate windows, claims: all of them, on one primary.
    expect(perNode.filter((n) => n > 0)).toHaveLength(1);
    expect(perNode.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  });

  it('loses nothing and posts nothing twice when a worker process is killed mid-job', async () => {
    // A prefix of its own, so the in-process worker above does not take the job.
    const prefix = `{tlscheck-clkill-${randomUUID().slice(0, 6)}}`;
    const env = { ...clusterEnv(prefix), TLSCHECK_CONCURRENCY: '1', LOG_LEVEL: 'info', SOAK_LOCK_MS: '1500', SOAK_STALLED_MS: '500' };
    const killQueue = createCheckQueue(loadConfig({ env, dotenvPath: false }));
    try {
      const a = spawnWorker({ ...env, SOAK_CHECK: 'fake:4000' });
      procs.push(a);
      await a.ready();
      const channel = 'C0CLKILL';
      await killQueue.enqueue({ kind: 'check', input: 'killed.example:443', sni: null, symptom: null, channel, user: 'U0K', responseUrl: null });
      await a.waitFor((e) => e.event === 'check-start', 'the check to start on worker A');
      // B starts while A holds the job (active, locked: B cannot take it), so B's start-up
      // overlaps the wait for A's lock to lapse instead of following it.
      const b = spawnWorker({ ...env, SOAK_CHECK: 'fake:300' });
      procs.push(b);
      expect(parentsIn(slack, channel)).toHaveLength(1);
      a.kill('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');
      await b.ready();
      const final = await slack.waitFor(() => finalsIn(slack, channel)[0], 'the verdict after the kill', 30_000);
      await b.waitFor((e) => e.event === 'check-start', 'the check on worker B');
      // The thread follows the verdict; once B's job is done nothing more may come.
      await b.waitFor((e) => e.event === 'check-end', 'the check end on worker B');
      await slack.waitFor(() => inChannel('chat.postMessage', channel).some((c) => c.args.thread_ts === final.args.ts), 'the thread', 10_000);
      const parents = parentsIn(slack, channel);
      expect(parents).toHaveLength(1);
      expect(final.args.ts).toBe(parents[0]?.response?.ts);
      expect(finalsIn(slack, channel)).toHaveLength(1);
      const thread = inChannel('chat.postMessage', channel).filter((c) => c.args.thread_ts).map(callText);
      expect(thread.length).toBeGreaterThanOrEqual(1);
      expect(new Set(thread).size).toBe(thread.length);
      await b.stop();
    } finally {
      await killQueue.close();
    }
  }, 60_000);
});
