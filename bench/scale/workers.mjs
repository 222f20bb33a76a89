// Many workers: `npm run worker` (node dist/jobs/worker-main.js) on 1, 2 and 3 processes over the
// same 200 queued real checks of 200 local servers (each on its own loopback address), through a
// private Redis, posting to a local Slack stand-in. Reports checks/s per process count, how the
// jobs split between processes, CPU seconds per check (workers vs the servers + stand-in), and
// that every request got exactly one parent and one verdict (no double posts, nothing lost).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { createCheckQueue } from '../../dist/jobs/queue.js';
import { startSoakSlack } from '../soak/slack-standin.mjs';
import { makeCert } from '../servers.mjs';
import { startPrivateRedis } from '../soak/private-redis.mjs';
import { startTargets } from './targets.mjs';

const WORKER_MAIN = fileURLToPath(new URL('../../dist/jobs/worker-main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux.

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** `npm run worker`, exactly: the same entry point, configured through the environment. */
function startWorkerProcess(env) {
  const child = spawn(process.execPath, [WORKER_MAIN], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let reported = 0;
  let started = 0;
  let onReady = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('"check reported"')) reported++;
    else if (line.includes('worker started')) { started++; if (started === 2) onReady?.(); }
  });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    pid: child.pid,
    reported: () => reported,
    ready: () => new Promise((resolve, reject) => {
      if (started >= 2) return resolve();
      onReady = resolve;
      exited.then(() => reject(new Error(`worker exited before ready: ${err}`)));
    }),
    async stop() {
      if (child.exitCode === null) { child.kill('SIGTERM'); await exited; }
    },
  };
}

async function runOnce({ processes, redisUrl, slack, targets, concurrency }) {
  const prefix = `{tlscheck-scale-${randomUUID().slice(0, 6)}}`;
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-scale-bench', SLACK_API_URL: slack.apiUrl, REDIS_URL: redisUrl, TLSCHECK_QUEUE_PREFIX: prefix,
    TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8', TLSCHECK_CONCURRENCY: String(concurrency), LOG_LEVEL: 'info',
  };
  const workers = Array.from({ length: processes }, () => startWorkerProcess(env));
  await Promise.all(workers.map((w) => w.ready()));
  const queue = createCheckQueue({ redisUrl, queuePrefix: prefix });
  const channels = targets.map((_, i) => `CSCALE${prefix.slice(15, 21)}${i}`);
  const cpu0 = workers.map((w) => cpuSeconds(w.pid));
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(targets.map((t, i) => queue.enqueue({ kind: 'check', input: `${t.host}:${t.port}`, sni: null, symptom: null, channel: channels[i], user: 'U0SCALE', responseUrl: null })));
  const deadline = Date.now() + 5 * 60_000;
  const done = () => channels.every((c) => (slack.channels.get(c)?.finals.length ?? 0) >= 1);
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - t0;
  const workerCpu = workers.reduce((sum, w, i) => sum + cpuSeconds(w.pid) - cpu0[i], 0);
  const self = process.cpuUsage(self0);
  // Let anything late arrive before counting duplicates.
  await new Promise((r) => setTimeout(r, 1_000));
  const split = workers.map((w) => w.reported());
  await Promise.all(workers.map((w) => w.stop()));
  await queue.close();
  let missing = 0; let doubleParents = 0; let doubleFinals = 0; let doubleThread = 0;
  for (const c of channels) {
    const ch = slack.channels.get(c);
    if (!ch || ch.finals.length === 0) { missing++; continue; }
    if (ch.parents.length > 1) doubleParents++;
    if (ch.finals.length > 1) doubleFinals++;
    if (new Set(ch.thread).size !== ch.thread.length) doubleThread++;
  }
  return { processes, concurrency, checks: targets.length, ms, rate: targets.length / (ms / 1000), split, workerCpu, benchCpu: (self.user + self.system) / 1e6, missing, doubleParents, doubleFinals, doubleThread };
}

export async function runWorkersBench({ log, quick = false, counts = [1, 2, 3], concurrency = 4, n = 200 }) {
  const pair = makeCert('ec');
  const redis = await startPrivateRedis(undefined, { appendfsync: 'everysec' });
  const slack = await startSoakSlack();
  const targets = await startTargets(pair, quick ? 60 : n);
  try {
    log(`## Many workers: \`npm run worker\` processes sharing ${targets.list.length} real checks`);
    log();
    log(`Each process is \`node dist/jobs/worker-main.js\` with TLSCHECK_CONCURRENCY=${concurrency}; the ${targets.list.length} targets are node:tls servers (ECDSA P-256) on ${targets.list.length} loopback addresses; a private Redis (AOF everysec); a local Slack stand-in. Time from the first enqueue to the last verdict.`);
    log();
    log(`Load average at the start: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} on ${os.cpus().length} cores (the machine is shared). "cores used" is the CPU time of the workers, servers and stand-in over the wall time: what this run actually got.`);
    log();
    log('| processes × concurrency | checks | seconds | checks/s | speed-up | jobs per process | worker CPU s/check | servers+Slack CPU s/check | cores used | lost | double posts |');
    log('|---|---|---|---|---|---|---|---|---|---|---|');
    let base = 0;
    const rows = [];
    // The last row: one process with the three processes' total concurrency, to tell the gain of
    // more cores from the gain of more checks in flight.
    for (const [p, c] of [...counts.map((k) => [k, concurrency]), [1, concurrency * Math.max(...counts)]]) {
      const r = await runOnce({ processes: p, redisUrl: redis.url, slack, targets: targets.list, concurrency: c });
      if (!base) base = r.rate;
      rows.push(r);
      const doubles = r.doubleParents + r.doubleFinals + r.doubleThread;
      log(`| ${p} × ${c} | ${r.checks} | ${(r.ms / 1000).toFixed(1)} | ${r.rate.toFixed(1)} | ${(r.rate / base).toFixed(2)}x | ${r.split.join(' / ')} | ${(r.workerCpu / r.checks).toFixed(3)} | ${(r.benchCpu / r.checks).toFixed(3)} | ${((r.workerCpu + r.benchCpu) / (r.ms / 1000)).toFixed(2)} | ${r.missing} | ${doubles} |`);
    }
    log();
    return rows;
  } finally {
    await targets.stop();
    await slack.close();
    await redis.close();
    pair.cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runWorkersBench({ log: (s = '') => console.log(s), quick: process.argv.includes('--quick') });
  if (rows.some((r) => r.missing || r.doubleParents || r.doubleFinals || r.doubleThread)) process.exitCode = 1;
}
