// npm run soak: a few hundred checks requested as signed /tlscheck commands, through the real web
// handler, the real queue and two real worker processes, against good and hostile servers on
// 127.0.0.1, with faults injected: a worker SIGKILLed mid-run (and restarted), a private Redis
// killed and restarted, a worker SIGTERMed (and restarted), Slack answering 429 and 500 at random
// and failing every call for a few seconds.
// Prints what was requested, answered, failed by class, lost and duplicated; exits non-zero
// unless lost and duplicated are both 0. Loopback only; bounded in count and time; stops
// everything it started.
//
//   SOAK_CHECKS=300   checks requested (besides a burst from one abusive user)
//   SOAK_SEED=7       seed of Slack's random failures
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/src/config.js';
import { createLogger } from '../dist/src/log.js';
import { createAddressPolicy, parseTarget } from '../dist/src/target/index.js';
import { createApp } from '../dist/handlers/create-app.js';
import { createCheckQueue } from '../dist/jobs/queue.js';
import { realExplain } from '../dist/jobs/defaults.js';
import { QUEUE_DOWN_TEXT } from '../dist/src/limits/gate.js';
import { makeCert, nodeTlsServer } from './servers.mjs';
import { HOSTILE_KINDS, makeHugeChainCerts, startHostilePeer } from './soak/hostile-peers.mjs';
import { startPrivateRedis } from './soak/private-redis.mjs';
import { startSoakSlack } from './soak/slack-standin.mjs';
import { spawnWorker } from './soak/worker-proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CHECKS = Number(process.env.SOAK_CHECKS ?? 300);
const SEED = Number(process.env.SOAK_SEED ?? 7);
/** The whole run, faults and all, stops by itself after this. */
const RUN_LIMIT_MS = 6 * 60_000;
/** After the last request, how long results may take to arrive. */
const DRAIN_LIMIT_MS = 150_000;
const SEND_SPACING_MS = 110;
const SECRET = 'soak-signing-secret-4b1d';
const BOT_TOKEN = 'xoxb-soak-bot-token-0c5e';
const PREFIX = '{tlscheck-soak}';
const ABUSE_BURST = 16;

const t0 = performance.now();
const log = (line) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: Slack's random failures are the same from run to run. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- everything started, for cleanup whatever happens ------------------------------------------
const toStop = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const stop of toStop.reverse()) {
    try {
      await stop();
    } catch {
      // Keep stopping the rest.
    }
  }
}
const watchdog = setTimeout(() => {
  console.error(`soak: over its ${RUN_LIMIT_MS / 60_000} min limit; stopping`);
  cleanup().finally(() => process.exit(2));
}, RUN_LIMIT_MS);

// --- targets -------------------------------------------------------------------------------------
async function startTargets() {
  const pair = makeCert();
  toStop.push(async () => pair.cleanup());
  const certDir = mkdtempSync(join(tmpdir(), 'tlscheck-soak-'));
  toStop.push(async () => rmSync(certDir, { recursive: true, force: true }));
  const good = [];
  for (let i = 0; i < 3; i++) {
    const s = await nodeTlsServer(pair);
    toStop.push(s.stop);
    good.push({ kind: 'good', port: s.port });
  }
  const certs = makeHugeChainCerts(certDir);
  const hostile = [];
  for (const kind of HOSTILE_KINDS) {
    // 100 copies of the padded CA: 1.2 MB a connection, well past every client's cap.
    const p = await startHostilePeer(kind, { certs, copies: 100, backendPort: good[0].port });
    toStop.push(p.stop);
    hostile.push({ kind, port: p.port });
  }
  // Good servers twice as often as each hostile kind: about 43 % of checks go to good servers.
  return [...good, ...good, ...hostile];
}

// --- signed requests, as Slack sends them --------------------------------------------------------
async function slash(url, fields) {
  const body = new URLSearchParams({
    token: 'legacy', team_id: 'T0SOAK', team_domain: 'soak', channel_id: fields.channel, channel_name: 'soak',
    user_id: fields.user, user_name: 'soak', command: '/tlscheck', text: fields.text, api_app_id: 'A0SOAK',
    response_url: fields.responseUrl, trigger_id: '1.2.3',
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const json = await res.json().catch(() => null);
    return { status: res.status, text: String(json?.text ?? ''), ms: performance.now() - started };
  } catch (err) {
    return { status: 0, text: `request failed: ${err.message}`, ms: performance.now() - started };
  }
}

// --- the run -------------------------------------------------------------------------------------
async function main() {
  log(`soak: ${CHECKS} checks + a burst of ${ABUSE_BURST} from one user; two worker processes; faults: worker SIGKILL, Redis restart, Slack outage, worker SIGTERM, Slack 429/500 at random`);
  const pool = await startTargets();
  const redis = await startPrivateRedis();
  toStop.push(() => redis.close());
  const slack = await startSoakSlack({ faults: { rate429: 0.02, rate500: 0.02 }, random: seeded(SEED) });
  toStop.push(slack.close);

  const env = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
    TLSCHECK_QUEUE_PREFIX: PREFIX,
    TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
    TLSCHECK_CONCURRENCY: '4',
    TLSCHECK_CHECK_TIMEOUT_MS: '3000',
    // Every target is 127.0.0.1: six at once keeps the host limit in play without serialising the run.
    TLSCHECK_HOST_CONCURRENCY: '6',
    TLSCHECK_RATE_USER_PER_MIN: '12',
    TLSCHECK_RATE_CHANNEL_PER_MIN: '30',
    LOG_LEVEL: 'info',
  };

  // The web handler, in this process.
  const appLog = [];
  const sink = new Writable({ write(chunk, _e, cb) { appLog.push(chunk.toString()); cb(); } });
  const config = loadConfig({ env, dotenvPath: false, role: 'app' });
  const logger = createLogger('info', sink);
  const queue = createCheckQueue(config);
  const app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  toStop.push(() => queue.close());
  toStop.push(() => app.stop());
  const url = `http://127.0.0.1:${port}/slack/events`;

  // Two worker processes; a killed one is replaced, as an orchestrator would.
  const workerEnv = { ...env, SLACK_SIGNING_SECRET: '', SOAK_CHECK: 'real', SOAK_LOCK_MS: '5000', SOAK_STALLED_MS: '2000' };
  const workers = [];
  const spawnOne = async () => {
    const w = spawnWorker(workerEnv, { keepLog: true });
    workers.push(w);
    toStop.push(async () => {
      if (w.events.some((e) => e.event === 'closed')) return;
      w.kill('SIGTERM');
      await Promise.race([w.exited, sleep(8_000)]);
      await w.stop();
    });
    await w.ready();
    return w;
  };
  let w1 = await spawnOne();
  let w2 = await spawnOne();
  log(`app on :${port}, workers ${w1.pid} and ${w2.pid}, Redis on :${redis.port}`);

  // Requests: each in a channel of its own, so every result is attributable.
  const requests = [];
  const counts = { acceptedFirstTry: 0, refusedRedisDown: 0, refusedRate: 0, unexpected: 0, ackMsMax: 0 };
  const faults = [];
  const send = async (r) => {
    for (let attempt = 1; attempt <= 60; attempt++) {
      const res = await slash(url, { text: `127.0.0.1:${r.port}`, channel: r.channel, user: r.user, responseUrl: slack.responseUrl(r.channel) });
      counts.ackMsMax = Math.max(counts.ackMsMax, res.ms);
      if (res.status === 200 && res.text.startsWith('🔎')) {
        r.accepted = true;
        if (attempt === 1) counts.acceptedFirstTry++;
        return;
      }
      if (res.text === QUEUE_DOWN_TEXT) {
        // What a user does: try again a little later.
        counts.refusedRedisDown++;
        await sleep(500);
        continue;
      }
      if (/Slow down/.test(res.text)) {
        counts.refusedRate++;
        r.refused = 'rate';
        return;
      }
      counts.unexpected++;
      r.refused = `unexpected: ${res.status} ${res.text.slice(0, 120)}`;
      return;
    }
    r.refused = 'gave up after 60 tries';
  };

  const inFlight = [];
  const faultAt = { kill: Math.floor(CHECKS * 0.25), redis: Math.floor(CHECKS * 0.5), outage: Math.floor(CHECKS * 0.62), term: Math.floor(CHECKS * 0.75) };
  for (let i = 0; i < CHECKS; i++) {
    const target = pool[i % pool.length];
    const r = { channel: `C${String(i).padStart(4, '0')}`, user: `U${String(i % 40).padStart(3, '0')}`, kind: target.kind, port: target.port, accepted: false, refused: null };
    requests.push(r);
    inFlight.push(send(r));
    if (i === 40) {
      // One user hammering the bot: the rate limit lets 12 a minute through and says when to retry.
      for (let k = 0; k < ABUSE_BURST; k++) {
        const a = { channel: `CABUSE${k}`, user: 'U0ABUSER', kind: 'good', port: pool[0].port, accepted: false, refused: null, abuse: true };
        requests.push(a);
        inFlight.push(send(a));
      }
    }
    if (i === faultAt.kill) {
      log(`fault: SIGKILL worker ${w1.pid} with checks running`);
      w1.kill('SIGKILL');
      faults.push('worker SIGKILL');
      const dead = w1;
      void dead.exited.then(async () => {
        await sleep(1_000);
        w1 = await spawnOne();
        log(`worker ${w1.pid} started in its place`);
      });
    }
    if (i === faultAt.redis) {
      log('fault: Redis killed; back in 1.5 s');
      faults.push('Redis SIGKILL + restart');
      inFlight.push(redis.restart(1_500).then(() => log('Redis is back')));
    }
    if (i === faultAt.outage) {
      log('fault: Slack answers 500 to every chat call for 4 s');
      faults.push('Slack outage (4 s of 500s)');
      slack.setFaults({ rate500: 1 });
      inFlight.push(sleep(4_000).then(() => {
        slack.setFaults({ rate500: 0.02 });
        log('Slack is back');
      }));
    }
    if (i === faultAt.term) {
      log(`fault: SIGTERM worker ${w2.pid}`);
      faults.push('worker SIGTERM');
      w2.kill('SIGTERM');
      const leaving = w2;
      void leaving.exited.then(async ({ code }) => {
        log(`worker ${leaving.pid} exited with ${code} after finishing its checks`);
        if (code !== 0) console.log(`its last log lines:\n${leaving.log().split('\n').slice(-20).join('\n')}`);
        w2 = await spawnOne();
        log(`worker ${w2.pid} started in its place`);
      });
    }
    await sleep(SEND_SPACING_MS);
  }
  await Promise.all(inFlight);
  log(`all ${requests.length} requests sent; waiting for results`);

  // Results: every accepted request must end in exactly one verdict in its channel.
  const drainUntil = Date.now() + DRAIN_LIMIT_MS;
  const accepted = requests.filter((r) => r.accepted);
  const open = () => accepted.filter((r) => (slack.channels.get(r.channel)?.finals.length ?? 0) === 0);
  let undelivered = [];
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  probe.on('error', () => undefined);
  toStop.push(async () => probe.disconnect());
  while (Date.now() < drainUntil) {
    undelivered = (await probe.lrange(`${PREFIX}:undelivered`, 0, -1).catch(() => [])).map((s) => JSON.parse(s));
    const kept = new Set(undelivered.map((u) => u.channel));
    if (open().filter((r) => !kept.has(r.channel)).length === 0) break;
    await sleep(500);
  }
  // Late duplicates would show up in this second.
  await sleep(1_000);

  // Error classes from the stored jobs (the result is in each job's data).
  const classes = new Map();
  let recovered = 0;
  let retried = 0;
  const expectedThread = new Map();
  let cursor = '0';
  do {
    const [next, keys] = await probe.scan(cursor, 'MATCH', `${PREFIX}:tlscheck:c*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys.filter((k) => /:c[0-9a-f]{32}$/.test(k))) {
      const [raw, stalled, attempts] = await probe.hmget(key, 'data', 'stc', 'atm');
      const data = JSON.parse(raw ?? '{}');
      if (Number(stalled) > 0) recovered++;
      if (Number(attempts) > 1) retried++;
      if (data.channel) {
        classes.set(data.channel, data.result ? (data.result.error?.code ?? 'verdict') : 'no result');
        // Messages the job recorded as delivered: the verdict (an update) plus its thread.
        if (data.mode === 'thread') expectedThread.set(data.channel, (data.posted ?? 1) - 1);
      }
    }
  } while (cursor !== '0');

  // --- the report --------------------------------------------------------------------------------
  const kept = new Set(undelivered.map((u) => u.channel));
  const byKind = new Map();
  let answered = 0;
  let lost = 0;
  let duplicated = 0;
  const lostList = [];
  let partial = 0;
  const partialList = [];
  const dupList = [];
  for (const r of requests) {
    const k = byKind.get(r.kind) ?? { requested: 0, accepted: 0, answered: 0, pass: 0, warn: 0, fail: 0, notFinished: 0, classes: {} };
    byKind.set(r.kind, k);
    k.requested++;
    if (!r.accepted) continue;
    k.accepted++;
    const c = slack.channels.get(r.channel);
    const finals = c?.finals ?? [];
    const repeatedThread = c ? c.thread.length - new Set(c.thread).size : 0;
    const missingThread = Math.max(0, (expectedThread.get(r.channel) ?? 0) - new Set(c?.thread ?? []).size);
    if (missingThread > 0) {
      partial++;
      partialList.push(`${r.channel} (${r.kind}): ${missingThread} thread message(s) missing`);
    }
    if ((c?.parents.length ?? 0) > 1 || finals.length > 1 || repeatedThread > 0) {
      duplicated++;
      dupList.push(`${r.channel} (${r.kind}): ${c?.parents.length} parents, ${finals.length} verdicts, ${repeatedThread} repeated thread messages`);
    }
    if (finals.length === 0) {
      if (kept.has(r.channel)) continue;
      lost++;
      lostList.push(`${r.channel} (${r.kind})`);
      continue;
    }
    answered++;
    k.answered++;
    const v = finals[0];
    if (v.startsWith('✅')) k.pass++;
    else if (v.startsWith('⚠')) k.warn++;
    else if (/could not finish|Too many checks/.test(v)) k.notFinished++;
    else k.fail++;
    const cls = classes.get(r.channel) ?? 'unknown';
    k.classes[cls] = (k.classes[cls] ?? 0) + 1;
  }

  const secretsInLogs = [...workers.map((w) => w.log()), appLog.join('')].some((t) => t.includes(BOT_TOKEN) || t.includes(SECRET) || t.includes('/response/C'));
  const wallS = (performance.now() - t0) / 1000;
  const lines = [];
  const out = (l = '') => lines.push(l);
  out('## tlscheck soak');
  out();
  out(`checks requested: ${requests.length} (${CHECKS} + ${ABUSE_BURST} from one abusive user)`);
  out(`accepted: ${accepted.length} (first try ${counts.acceptedFirstTry}; ${counts.refusedRedisDown} tries refused with "queue unavailable" while Redis was down, then retried)`);
  out(`refused by the rate limit: ${counts.refusedRate} (all from the abusive user: ${requests.filter((r) => r.refused === 'rate' && r.abuse).length})`);
  out(`refused otherwise: ${counts.unexpected}${requests.some((r) => r.refused && r.refused !== 'rate') ? ` — ${requests.filter((r) => r.refused && r.refused !== 'rate').map((r) => r.refused).join('; ')}` : ''}`);
  out(`answered: ${answered}`);
  out(`kept as undelivered (Slack refused past every retry; shown by /tlscheck list): ${undelivered.length}`);
  out(`lost: ${lost}${lostList.length ? ` — ${lostList.slice(0, 10).join(', ')}` : ''}`);
  out(`duplicated: ${duplicated}${dupList.length ? ` — ${dupList.slice(0, 10).join('; ')}` : ''}`);
  out(`threads missing a message the job counted as delivered: ${partial}${partialList.length ? ` — ${partialList.slice(0, 10).join('; ')}` : ''}`);
  out(`slowest ack: ${Math.round(counts.ackMsMax)} ms (Slack allows 3000)`);
  out(`tokens, signing secret or response_urls in logs: ${secretsInLogs ? 'FOUND' : 'none'}`);
  out(`jobs run again after their worker died (stalled, then picked up): ${recovered}; jobs that needed a second attempt: ${retried}`);
  out(`faults: ${faults.join(', ')}; Slack answered ${slack.stats.answered429} × 429 and ${slack.stats.answered500} × 500 of ${slack.stats.calls} calls`);
  out(`wall time: ${wallS.toFixed(0)} s`);
  out();
  out('| target | requested | accepted | answered | ✅ | ⚠️ | ❌ | not finished | outcome classes (result.error.code, or verdict) |');
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [kind, k] of byKind) {
    const cls = Object.entries(k.classes).map(([c, n]) => `${c} ${n}`).join(', ');
    out(`| ${kind} | ${k.requested} | ${k.accepted} | ${k.answered} | ${k.pass} | ${k.warn} | ${k.fail} | ${k.notFinished} | ${cls} |`);
  }
  const report = lines.join('\n');
  console.log(`\n${report}\n`);
  mkdirSync(join(here, 'tmp'), { recursive: true });
  writeFileSync(join(here, 'tmp', 'soak-report.md'), `${report}\n`);
  return lost === 0 && duplicated === 0 && partial === 0 && counts.unexpected === 0 && !secretsInLogs;
}

main()
  .then(async (ok) => {
    await cleanup();
    clearTimeout(watchdog);
    log(ok ? 'soak passed: nothing lost, nothing posted twice' : 'soak FAILED');
    process.exit(ok ? 0 : 1);
  })
  .catch(async (err) => {
    console.error('soak crashed:', err);
    await cleanup();
    process.exit(2);
  });
