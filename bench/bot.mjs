// The Slack bot's figures for `npm run bench` (or alone: `node bench/bot.mjs [--quick]`, after
// `npm run build`, appending its section to bench/results.md): how fast the HTTP handler acknowledges 50 slash commands sent at once, and how
// long a slash command takes to become a threaded diagnosis of a local server.
//
// Assembled like test/slack-e2e.test.ts: the Bolt app (createApp) in this process and a worker
// (startWorker) in a process of its own, from dist/, as `npm start` runs them (the workers at
// nice +10; every other burst with checks has them at nice 0, as before, to compare under the
// same machine load),
// configured through loadConfig; Slack's Web API and response_urls played by a stand-in on 127.0.0.1 (bench/bot/slack-standin.mjs, in a
// process of its own, as Slack is remote); the slash commands sent from a child process (bench/bot/burst-client.mjs) and the
// target, a node:tls TLS 1.2+1.3 server, run in another (bench/bot/tls-child.mjs), so neither
// runs on the bot's event loop. Redis at 127.0.0.1:6379 under a queue prefix of its own, whose
// keys are deleted at the end (never FLUSHALL). Loopback only; bounded in count and time;
// everything started is stopped. BOT_BENCH_VERBOSE=1 adds per-burst figures on stderr, with the
// threads of the machine that ran during each burst (bench/bot/thread-cpu.mjs).
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/src/config.js';
import { createLogger } from '../dist/src/log.js';
import { createAddressPolicy, parseTarget } from '../dist/src/target/index.js';
import { createApp } from '../dist/handlers/create-app.js';
import { createCheckQueue, createQueue } from '../dist/jobs/queue.js';
import { realExplain } from '../dist/jobs/defaults.js';
import { CHECKS_NICE } from '../dist/jobs/thread-priority.js';
import { forkChild, withTimeout } from './bot/child.mjs';
import { startBenchSlack } from './bot/slack-standin.mjs';
import { busiestThreads, statFields, threadTimes } from './bot/thread-cpu.mjs';
import { runWithStartFlags, startNodeFlags } from './bot/start-flags.mjs';
import { appendWhenRunDirectly, fmt, quantile } from './stats.mjs';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SECRET = 'bench-signing-secret-5d2e';
const BOT_TOKEN = 'xoxb-bench-bot-token-81a4';
const BURST = 50;
/** The whole bot bench gives up (and still cleans up) after this. */
const RUN_LIMIT_MS = 480_000;
const ACK_TARGET_MS = 100;
const THREAD_TARGET_MS = 1_000;
/** BOT_BENCH_VERBOSE=1: per-burst figures on stderr. */
const VERBOSE = process.env.BOT_BENCH_VERBOSE === '1';
/**
 * BOT_BENCH_ACKS_ONLY=1: after each burst with checks is acknowledged, its jobs not yet started
 * are dropped (a loaded machine takes minutes per 50 checks); the acks are measured alike, the
 * burst-to-last-diagnosis row is left out.
 */
const ACKS_ONLY = process.env.BOT_BENCH_ACKS_ONLY === '1';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (v) => (Number.isFinite(v) ? fmt(v) : 'n/a');

/** Deletes every key under `prefix` (this run's own; never FLUSHDB/FLUSHALL). */
async function deleteKeys(prefix) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function redisReachable() {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, lazyConnect: true, connectTimeout: 2_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** CPU milliseconds of the whole machine so far: busy and in all. */
function machineCpu() {
  return os.cpus().reduce((acc, c) => {
    const t = c.times;
    acc.busy += t.user + t.nice + t.sys + t.irq;
    acc.all += t.user + t.nice + t.sys + t.irq + t.idle;
    return acc;
  }, { busy: 0, all: 0 });
}

/** Share of the machine's CPU busy over `ms` (before the bench starts: other load that would skew it). */
async function cpuBusy(ms = 1_000) {
  const a = machineCpu();
  await sleep(ms);
  const b = machineCpu();
  return b.all > a.all ? (b.busy - a.busy) / (b.all - a.all) : 0;
}

/** A child's resident memory in bytes (Linux /proc; null elsewhere). */
function rssOf(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

const mb = (bytes) => `${Math.round(bytes / 2 ** 20)} MB`;

/** CPU milliseconds a child has used (Linux /proc; null elsewhere). Clock ticks taken as 100 Hz. */
function childCpuMs(pid, { withChildren = false } = {}) {
  const fields = statFields(`/proc/${pid}/stat`);
  if (!fields) return null;
  // utime, stime; then cutime, cstime: its own children's, once reaped (the workers' openssl).
  return (Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0)) * 10;
}

/**
 * The web handler's (main) thread's scheduler figures (Linux /proc schedstat): how long it has
 * been runnable but waiting for a core, the part of an ack's delay that other threads and
 * processes cause. Null elsewhere.
 */
function mainThreadSched() {
  try {
    const [, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return Number.isFinite(waitNs) ? { waitedMs: waitNs / 1e6 } : null;
  } catch {
    return null;
  }
}

/** CPU milliseconds Redis has used (INFO cpu), or null. */
async function redisCpuMs() {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const get = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const v = (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** One signed slash command from this process (the sequential runs: one request at a time). */
function slashOnce(url, fields) {
  const body = new URLSearchParams({
    token: 'legacy-verification-token', team_id: 'T0BENCH', team_domain: 'bench', channel_id: fields.channel, channel_name: 'bench',
    user_id: fields.user, user_name: 'bench', command: '/tlscheck', text: fields.text, api_app_id: 'A0TLSCHECK',
    response_url: fields.responseUrl, trigger_id: `1.2.${fields.channel}`,
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body),
    'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
  };
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status, text) => resolve({ started, status, text, ms: performance.now() - started });
    const req = http.request(url, { method: 'POST', headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => done(0, e.message));
    req.end(body);
  });
}

const acked = (r) => r.status === 200 && r.text.includes('Checking');
/** Queries for the stand-in (bench/bot/slack-standin.mjs): a diagnosis threaded in `channel`; the parent message updated with the verdict (its Re-run button). */
const threadPost = (channel, extra = {}) => ({ method: 'chat.postMessage', channel, threaded: true, ...extra });
const verdictUpdate = (channel, extra = {}) => ({ method: 'chat.update', channel, blocksInclude: 'tlscheck_rerun', ...extra });

/**
 * Runs the bot bench and returns its markdown lines (also printed through `log`, default
 * console.log). `quick`: fewer bursts and sequential runs.
 */
export async function runBotBench({ quick = false, log = (line) => console.log(line) } = {}) {
  const lines = [];
  const out = (line = '') => { lines.push(line); log(line); };
  const bursts = quick ? 2 : 5;
  const sequential = quick ? 8 : 15;

  if (!(await redisReachable())) throw new Error(`bot bench: no Redis at ${REDIS_URL} (start one, e.g. redis-server --bind 127.0.0.1)`);
  const busyBefore = await cpuBusy();
  // What the machine spends during the bench, to tell how much of it went to other processes.
  const machine0 = machineCpu();
  const self0 = process.cpuUsage();
  const redis0 = await redisCpuMs();

  const stops = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error(`bot bench cleanup: ${err instanceof Error ? err.message : err}`);
      }
    }
    stops.length = 0;
  };
  const deadline = performance.now() + RUN_LIMIT_MS;
  const checkTime = () => { if (performance.now() > deadline) throw new Error(`bot bench: over its ${RUN_LIMIT_MS / 1000} s limit`); };
  /** A wait of at most `ms`, and never past the whole bench's limit. */
  const budget = (ms) => Math.max(1, Math.min(ms, deadline - performance.now()));

  try {
    const slack = await startBenchSlack();
    stops.push(slack.close);
    const target = forkChild('tls-child.mjs', { announces: true });
    stops.push(target.stop);
    const { port: tlsPort } = await target.first;
    const client = forkChild('burst-client.mjs');
    if (VERBOSE) console.error(`[bot bench] processes: bot ${process.pid}, Slack stand-in ${slack.pid}, target ${target.child.pid}, sender ${client.child.pid}`);
    stops.push(client.stop);

    const prefix = `{tlscheck-bench-${randomUUID().slice(0, 8)}}`;
    stops.push(async () => { await deleteKeys(prefix); });
    const env = {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        REDIS_URL,
        TLSCHECK_QUEUE_PREFIX: prefix,
        TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
        // Every command targets 127.0.0.1: the per-host and per-user/channel limits are raised
        // out of the way; worker concurrency stays at its default (4).
        TLSCHECK_HOST_CONCURRENCY: '50',
        TLSCHECK_RATE_USER_PER_MIN: '10000',
        TLSCHECK_RATE_CHANNEL_PER_MIN: '10000',
        LOG_LEVEL: 'silent',
    };
    const config = loadConfig({ env, dotenvPath: false, role: 'app' });
    const logger = createLogger('silent');
    const queue = createCheckQueue(config, logger);
    stops.push(() => queue.close());
    const app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
    const { port: appPort } = await app.start({ port: 0, host: '127.0.0.1' });
    stops.push(() => app.stop());
    const url = `http://127.0.0.1:${appPort}/slack/events`;
    // The workers in a process of their own at nice +10, as `npm start` runs them (handlers/app.ts).
    const workers = forkChild('worker-process.mjs');
    stops.push(workers.stop);
    const replies = [];
    let finished = 0;
    workers.child.on('message', (m) => { if (m.type === 'done') finished++; else replies.push(m.type); });
    const ask = async (type, answer) => {
      workers.child.send({ type });
      const until = performance.now() + 15_000;
      while (!replies.includes(answer) && performance.now() < until) await sleep(5);
      replies.splice(replies.indexOf(answer), 1);
    };
    workers.child.send({ type: 'start', env });
    const untilReady = performance.now() + 15_000;
    while (!replies.includes('ready') && performance.now() < untilReady) await sleep(10);
    if (VERBOSE) console.error(`[bot bench] workers' process ${workers.child.pid}`);
    stops.push(() => ask('close', 'closed'));
    const worker = { worker: { pause: () => ask('pause', 'paused'), resume: () => ask('resume', 'resumed') } };
    /** The workers' process's nice (every thread of it) for the next burst; false when it cannot be set (0 again needs root). */
    const setNice = async (value) => {
      workers.child.send({ type: 'nice', value });
      const until = performance.now() + 15_000;
      while (!replies.includes('niced') && !replies.includes('not-niced') && performance.now() < until) await sleep(5);
      const i = replies.findIndex((x) => x === 'niced' || x === 'not-niced');
      return i >= 0 && replies.splice(i, 1)[0] === 'niced';
    };
    // Watches the queue (counts, and removing the jobs of bursts no worker is meant to run).
    const monitor = createQueue(config);
    stops.push(() => monitor.close());

    const pending = async () => {
      const c = await monitor.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'paused', 'waiting-children');
      return Object.values(c).reduce((a, b) => a + b, 0);
    };
    const waitIdle = async (timeoutMs) => {
      const until = performance.now() + budget(timeoutMs);
      while ((await pending()) > 0) {
        checkTime();
        if (performance.now() > until) throw new Error(`bot bench: the worker was still busy after ${timeoutMs / 1000} s`);
        await sleep(50);
      }
    };

    let burstNo = 0;
    /** 50 signed commands at once from the client process; the bot's event-loop delay recorded meanwhile. */
    const burst = async (label) => {
      const n = ++burstNo;
      const requests = Array.from({ length: BURST }, (_, i) => {
        const channel = `C0B${n}X${i}`;
        return { text: `127.0.0.1:${tlsPort}`, channel, user: `U0B${i}`, responseUrl: slack.responseUrl(channel) };
      });
      const id = `${label}-${n}`;
      const reply = new Promise((resolve) => {
        const on = (m) => { if (m?.id === id) { client.child.off('message', on); resolve(m.results); } };
        client.child.on('message', on);
      });
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const threads0 = VERBOSE ? threadTimes() : null;
      const sched0 = mainThreadSched();
      const started = performance.now();
      client.child.send({ id, url, secret: SECRET, requests });
      const results = await withTimeout(reply, budget(30_000), `a burst of ${BURST}`);
      const sched1 = mainThreadSched();
      const threads1 = VERBOSE ? threadTimes() : null;
      loop.disable();
      const waitedMs = sched0 && sched1 ? sched1.waitedMs - sched0.waitedMs : null;
      const acks = results.map((r) => r.ms).sort((x, y) => x - y);
      const loopMaxMs = loop.max / 1e6;
      if (VERBOSE) console.error(`[bot bench] burst ${id}: min ${ms(acks[0])} p50 ${ms(quantile(acks, 0.5))} p90 ${ms(quantile(acks, 0.9))} max ${ms(acks[acks.length - 1])}; event-loop delay max ${ms(loopMaxMs)}; web thread waited for a core ${waitedMs === null ? 'n/a' : ms(waitedMs)}\n${busiestThreads(threads0, threads1)}`);
      bad += results.filter((r) => !acked(r)).length;
      return { requests, acks, started, loopMaxMs, waitedMs };
    };

    let bad = 0;
    let missingDiagnoses = 0;
    // App alone: the worker paused, as when the workers run elsewhere (`npm run worker`); each
    // burst's jobs are removed unrun. The first burst warms the app up and is not counted.
    const alone = { acks: [], lastAcks: [], loopMax: 0, warm: null, cpuPerCommand: [] };
    await worker.worker.pause();
    for (let b = 0; b <= bursts; b++) {
      checkTime();
      const cpu0 = process.cpuUsage();
      const r = await burst('alone');
      // The CPU this process spent on the burst: every ack and every enqueue (the jobs all queued).
      const queuedBy = performance.now() + budget(5_000);
      while ((await monitor.getWaitingCount()) < BURST && performance.now() < queuedBy) await sleep(5);
      const cpu = process.cpuUsage(cpu0);
      await monitor.drain(true);
      if (b === 0) alone.warm = r;
      else {
        alone.acks.push(...r.acks);
        alone.lastAcks.push(r.acks[r.acks.length - 1]);
        alone.loopMax = Math.max(alone.loopMax, r.loopMaxMs);
        alone.cpuPerCommand.push((cpu.user + cpu.system) / 1000 / BURST);
      }
      await sleep(300);
    }
    // The app and its workers' process, as `npm start` runs them: a burst's checks start right
    // after its acks. Each burst starts with the worker idle and ends when its 50 diagnoses are
    // threaded. The first (the engine's first checks) is not counted. Bursts alternate the
    // workers between nice +10 (as \`npm start\` runs them) and 0 (the web handler's priority, as
    // before jobs/thread-priority.ts): both under the same machine load.
    const shared = { acks: [], lastAcks: [], loopMax: 0, warm: null, lastDiagnosis: [], waited: [] };
    const samePriority = { acks: [], lastAcks: [], loopMax: 0, bursts: 0, waited: [] };
    await worker.worker.resume();
    for (let b = 0; b <= 2 * bursts; b++) {
      checkTime();
      const atZero = b % 2 === 0 && b > 0 && (await setNice(0));
      if (!atZero) await setNice(CHECKS_NICE);
      const r = await burst(atZero ? 'worker-nice0' : 'worker');
      let arrived = [];
      if (ACKS_ONLY) {
        // The acks were measured with the worker's first checks running (TLSCHECK_CONCURRENCY of
        // them, as in a whole burst); the rest are dropped unrun.
        await monitor.drain(true);
      } else {
        const threads = await Promise.allSettled(r.requests.map((q) => slack.waitFor(threadPost(q.channel), `the diagnosis in ${q.channel}`, budget(60_000))));
        missingDiagnoses += threads.filter((t) => t.status === 'rejected').length;
        arrived = threads.filter((t) => t.status === 'fulfilled').map((t) => t.value.at);
      }
      await waitIdle(120_000);
      if (b === 0) shared.warm = r;
      else if (atZero) {
        samePriority.acks.push(...r.acks);
        samePriority.lastAcks.push(r.acks[r.acks.length - 1]);
        samePriority.loopMax = Math.max(samePriority.loopMax, r.loopMaxMs);
        samePriority.bursts++;
        if (r.waitedMs !== null) samePriority.waited.push(r.waitedMs);
      } else {
        shared.acks.push(...r.acks);
        shared.lastAcks.push(r.acks[r.acks.length - 1]);
        shared.loopMax = Math.max(shared.loopMax, r.loopMaxMs);
        if (r.waitedMs !== null) shared.waited.push(r.waitedMs);
        if (arrived.length) shared.lastDiagnosis.push(Math.max(...arrived) - r.started);
      }
      await sleep(300);
    }

    await setNice(CHECKS_NICE);
    // Slash command → threaded diagnosis, one at a time with the worker idle; run 0 warms up.
    const toThread = [];
    const toVerdict = [];
    const seqAcks = [];
    let wrongThread = 0;
    for (let i = 0; i <= sequential; i++) {
      checkTime();
      await waitIdle(30_000);
      const channel = `C0SEQ${i}`;
      const before = finished;
      const res = await slashOnce(url, { text: `127.0.0.1:${tlsPort}`, channel, user: 'U0SEQ', responseUrl: slack.responseUrl(channel) });
      if (!acked(res)) { bad++; continue; }
      let thread;
      try {
        thread = await slack.waitFor(threadPost(channel, { mark: `Diagnosis for 127.0.0.1:${tlsPort}`, preview: VERBOSE && i === 1 }), `the diagnosis in ${channel}`, budget(20_000));
      } catch {
        missingDiagnoses++;
        continue;
      }
      const verdict = await slack.find(verdictUpdate(channel, { preview: VERBOSE && i === 1 }));
      if (!thread.marked) wrongThread++;
      // The job is done (the rest of the thread posted) before the next command.
      const jobEnd = performance.now() + budget(20_000);
      while (finished === before && performance.now() < jobEnd) await sleep(20);
      if (VERBOSE && i === 1) console.error(`[bot bench] verdict: ${verdict?.preview?.text}\n[bot bench] thread: ${thread.preview?.blocks}`);
      if (i === 0) continue;
      seqAcks.push(res.ms);
      toThread.push(thread.at - res.started);
      if (verdict) toVerdict.push(verdict.at - res.started);
      await sleep(200);
    }

    const machine1 = machineCpu();
    const self = process.cpuUsage(self0);
    // Both processes' memory as the bench leaves them (idle, after every burst and check above).
    const rss = { web: process.memoryUsage().rss, workers: rssOf(workers.child.pid) };
    const redis1 = await redisCpuMs();
    const children = [childCpuMs(target.child.pid), childCpuMs(client.child.pid), childCpuMs(slack.pid), childCpuMs(workers.child.pid, { withChildren: true })];
    const ours = children.includes(null) || redis0 === null || redis1 === null ? null : (self.user + self.system) / 1000 + children.reduce((x, y) => x + y, 0) + (redis1 - redis0);
    const others = ours === null ? null : Math.max(0, (machine1.busy - machine0.busy - ours) / (machine1.all - machine0.all));

    const sorted = (a) => [...a].sort((x, y) => x - y);
    const w = sorted(shared.acks);
    const a = sorted(alone.acks);
    const t = sorted(toThread);
    const v = sorted(toVerdict);
    const s = sorted(seqAcks);
    const met = (ok) => (ok ? 'yes' : 'no');
    const maxOf = (x) => x[x.length - 1];
    // Figures per counted burst. The acks of a burst come out nearly together, so a p99 over a few
    // bursts is the slowest burst's: each burst's last ack shows whether one burst or all are slow.
    const perBurst = (x) => (x.length ? x.map((v) => ms(v)).join(', ') : 'n/a');
    const startFlags = startNodeFlags();
    const cpu = os.cpus();

    out(`## Slack bot (local stand-in), ${new Date().toISOString()}${quick ? ', --quick' : ''}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores at the end`);
    out();
    out(`Bolt app (HTTP receiver) in this process (node ${process.execArgv.filter((f) => startFlags.includes(f)).join(' ') || 'without npm start\'s flags'}), the workers in a process of their own at nice +${CHECKS_NICE} (every thread of it) as \`npm start\` runs them (jobs/thread-priority.ts; every other burst with them at nice 0 for comparison, when the bench may raise their priority again) (worker concurrency ${config.concurrency}; host concurrency and per-user/channel rate limits raised out of the way, since every command targets 127.0.0.1). Slack's Web API played by a stand-in in a process of its own (Slack is remote; its CPU counted with the bench's own); Redis at 127.0.0.1:6379; the slash commands (signed, form-encoded, each from its own channel and user) sent from a child process on fresh connections; the target, node:tls TLS 1.2+1.3 (RSA 2048), in another. ${cpu.length} cores (${cpu[0]?.model ?? '?'}), Node ${process.version}; other processes' share of the machine's CPU just before the bench ${(busyBefore * 100).toFixed(0)} %, during it ${others === null ? 'n/a' : `${(others * 100).toFixed(0)} %`} (the ack figures are CPU-bound: read them with that).`);
    out();
    out('| measure | figure | target | met? |');
    out('|---|---|---|---|');
    out(`| ack of ${BURST} slash commands sent at once, worker running and checking them at nice +${CHECKS_NICE} (${w.length / BURST} bursts, ${w.length} acks): p99 | ${ms(quantile(w, 0.99))} (p50 ${ms(quantile(w, 0.5))}, max ${ms(maxOf(w))}; last ack of each burst ${perBurst(shared.lastAcks)}) | p99 under ${ACK_TARGET_MS} ms | ${met(quantile(w, 0.99) < ACK_TARGET_MS)} |`);
    const z = sorted(samePriority.acks);
    if (z.length) out(`| the same with the workers' process at nice 0 (the web handler's priority, as before; ${samePriority.bursts} bursts in between the above, ${z.length} acks): p99 | ${ms(quantile(z, 0.99))} (p50 ${ms(quantile(z, 0.5))}, max ${ms(maxOf(z))}; last ack of each burst ${perBurst(samePriority.lastAcks)}) | | |`);
    out(`| the same, app alone (worker paused, as with separate \`npm run worker\` processes; ${a.length} acks): p99 | ${ms(quantile(a, 0.99))} (p50 ${ms(quantile(a, 0.5))}, max ${ms(maxOf(a))}; last ack of each burst ${perBurst(alone.lastAcks)}) | p99 under ${ACK_TARGET_MS} ms | ${met(quantile(a, 0.99) < ACK_TARGET_MS)} |`);
    out(`| warm-up bursts, not counted above: max ack, app cold / worker's first checks | ${ms(maxOf(alone.warm.acks))} / ${ms(maxOf(shared.warm.acks))} | | |`);
    const cpuPer = quantile(sorted(alone.cpuPerCommand), 0.5);
    out(`| CPU time of the bot process per slash command (ack and enqueue), app alone, median of the counted bursts | ${cpuPer.toFixed(2)} ms (× ${BURST} = ${ms(cpuPer * BURST)} of one core per burst) | | |`);
    out(`| time the web handler's thread spent runnable but waiting for a core during a burst's acks (Linux schedstat), per counted burst: checks at nice +${CHECKS_NICE} / at nice 0 | ${perBurst(shared.waited)} / ${perBurst(samePriority.waited)} | | |`);
    out(`| longest event-loop stall of the bot process during the counted bursts: app alone / worker running at nice +${CHECKS_NICE} / at nice 0 | ${ms(alone.loopMax)} / ${ms(shared.loopMax)} / ${samePriority.bursts ? ms(samePriority.loopMax) : 'n/a'} | | |`);
    out(`| slash command → first threaded diagnosis message at Slack, ${t.length} sequential commands, idle worker: median | ${ms(quantile(t, 0.5))} (p95 ${ms(quantile(t, 0.95))}, max ${ms(maxOf(t))}) | median under ${fmt(THREAD_TARGET_MS)} | ${met(quantile(t, 0.5) < THREAD_TARGET_MS)} |`);
    out(`| slash command → verdict (parent message updated), same runs: median | ${ms(quantile(v, 0.5))} (p95 ${ms(quantile(v, 0.95))}) | | |`);
    out(`| ack of those sequential commands: median | ${ms(quantile(s, 0.5))} (max ${ms(maxOf(s))}) | | |`);
    if (!ACKS_ONLY) out(`| ${BURST} at once, worker running: from the burst to the last of its ${BURST} threaded diagnoses, per counted burst | ${perBurst(shared.lastDiagnosis)} | | |`);
    else out(`| (BOT_BENCH_ACKS_ONLY=1: each burst's jobs not started by the end of its acks were dropped; no burst-to-last-diagnosis figure) | | | |`);
    out(`| resident memory at the end (idle, after all of the above): web handler / workers' process | ${mb(rss.web)} / ${rss.workers === null ? 'n/a' : mb(rss.workers)} | | |`);
    out(`| commands not acknowledged with "Checking…" / diagnoses missing / threads without the diagnosis | ${bad} / ${missingDiagnoses} / ${wrongThread} | 0 | ${met(bad + missingDiagnoses + wrongThread === 0)} |`);
    return lines;
  } finally {
    await stopAll();
  }
}

// Run alone, under `npm start`'s node flags (bench/bot/start-flags.mjs), it appends its section to
// bench/results.md; with --no-append it only prints the section (how `npm run bench` runs it).
const direct = process.argv[1] === fileURLToPath(import.meta.url);
if (direct && runWithStartFlags()) {
  const quick = process.argv.includes('--quick');
  const run = process.argv.includes('--no-append')
    ? runBotBench({ quick })
    : appendWhenRunDirectly(import.meta.url, async (log) => { await runBotBench({ quick, log }); });
  await run.catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
