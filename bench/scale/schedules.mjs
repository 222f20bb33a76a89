// 10,000 schedules spread over 50 channels, against 200 local servers, through a private Redis:
//   A. Redis memory per schedule (store alone, then with its BullMQ job scheduler), and the time
//      the web handler's start-up reconcile takes: from nothing (every scheduler missing, as after a
//      restore) and in the steady state (every scheduler right).
//   B. The firing rate of 10,000 schedules every 5 minutes (33/s), compressed in time: RUN_TOTAL
//      schedules (2,000) every INTERVAL_S (60 s), so two full intervals fit in a few minutes. Three
//      schedule worker processes (the real startScheduleWorker, with a light check: one TLS
//      handshake with the schedule's server) while the schedules are added through the handler
//      path at an even pace over one interval, then one more interval: the lag between a firing's
//      due time (from BullMQ's job id) and its start, p50/p99, CPU per firing, and per schedule
//      that no firing was skipped or run twice. Past the workers' capacity BullMQ does not queue
//      every missed firing: a scheduler whose job starts more than an interval late moves on to
//      the next slot (those count as skipped here).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createScheduling } from '../../dist/jobs/scheduling.js';
import { reconcile, syncScheduler } from '../../dist/src/schedule/engine.js';
import { runCheck } from '../../dist/src/check.js';
import { startSoakSlack } from '../soak/slack-standin.mjs';
import { makeCert } from '../servers.mjs';
import { quantile } from '../stats.mjs';
import { startPrivateRedis } from '../soak/private-redis.mjs';
import { startTargets } from './targets.mjs';

const CHILD = fileURLToPath(new URL('./schedule-worker-child.mjs', import.meta.url));

/** CPU seconds a process has used (Linux /proc, USER_HZ = 100). */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}
const CHANNELS = 50;

async function usedMemory(redis) {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function deletePrefix(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Runs fn over items with `width` at once. */
async function pool(items, width, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) { const k = i++; await fn(items[k], k); }
  }));
}

function scheduleInput(k, targets) {
  const t = targets[k % targets.length];
  // 200 per channel; the same server appears in several channels, like real teams.
  return { channel: `CSCHED${String(Math.floor(k / (10_000 / CHANNELS))).padStart(2, '0')}`, target: `${t.host}:${t.port}`, createdBy: 'U0BENCH' };
}

function startChild(env) {
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const starts = [];
  const dones = [];
  let ready;
  const readyP = new Promise((r) => (ready = r));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = JSON.parse(line);
    if (e.ready) ready();
    else if (e.done) dones.push(e);
    else starts.push(e);
  });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    pid: child.pid,
    starts,
    dones,
    ready: () => Promise.race([readyP, exited.then(() => { throw new Error(`schedule worker exited: ${err}`); })]),
    stop: async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await exited; } },
  };
}

export async function runSchedulesBench({ log, total = 10_000, runTotal = Number(process.env.RUN_TOTAL ?? 2_000), intervalS = Number(process.env.INTERVAL_S ?? 60), extraIntervals = Number(process.env.EXTRA_INTERVALS ?? 1), workers = 3, concurrency = Number(process.env.WORKER_CONCURRENCY ?? 4) }) {
  const pair = makeCert('ec');
  const redis = await startPrivateRedis(undefined, { appendfsync: 'everysec' });
  const slack = await startSoakSlack();
  const targets = await startTargets(pair, 200);
  const admin = new Redis(redis.url);
  const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const inputs = Array.from({ length: total }, (_, k) => scheduleInput(k, targets.list));
  try {
    log(`## ${total.toLocaleString('en')} schedules (${CHANNELS} channels, ${targets.list.length} local servers)`);
    log();
    // --- A: memory and reconcile ----------------------------------------------------------
    const prefixA = `{tlscheck-sa-${randomUUID().slice(0, 6)}}`;
    const a = createScheduling({ redisUrl: redis.url, queuePrefix: prefixA, maxSchedulesPerChannel: 1000 }, 'producer');
    const mem0 = await usedMemory(admin);
    let t = performance.now();
    await pool(inputs, 50, (input) => a.store.create({ ...input, every: 5 * 60_000 }));
    const createMs = performance.now() - t;
    const mem1 = await usedMemory(admin);
    t = performance.now();
    const first = await reconcile(a.queue, a.store, { lockTtlMs: 10 * 60_000 });
    const reconcileEmptyMs = performance.now() - t;
    const mem2 = await usedMemory(admin);
    t = performance.now();
    const steady = await reconcile(a.queue, a.store, { lockTtlMs: 10 * 60_000 });
    const reconcileSteadyMs = performance.now() - t;
    t = performance.now();
    const listed = await a.store.listByChannel(inputs[0].channel);
    const listMs = performance.now() - t;
    await a.close();
    // One real result, for the history's size (the store keeps the last 20 per schedule).
    const real = await runCheck(`${targets.list[0].host}:${targets.list[0].port}`, { timeoutMs: 20_000 });
    const realBytes = Buffer.byteLength(JSON.stringify(real));
    await deletePrefix(admin, prefixA);

    log('| what | figure |');
    log('|---|---|');
    log(`| add ${total} schedules to the store (50 at once) | ${fmtMs(createMs)} (${(total / (createMs / 1000)).toFixed(0)}/s) |`);
    log(`| Redis memory per schedule: store (hash + channel, target and all indexes) | ${((mem1 - mem0) / total).toFixed(0)} B |`);
    log(`| Redis memory per schedule: + its BullMQ job scheduler and next job | ${((mem2 - mem0) / total).toFixed(0)} B (${((mem2 - mem0) / 2 ** 20).toFixed(1)} MiB for ${total}) |`);
    log(`| one result in the history (a real check of a local server, JSON) | ${(realBytes / 1024).toFixed(1)} KiB; × 20 kept per schedule ≈ ${((realBytes * 20 * total) / 2 ** 30).toFixed(2)} GiB for ${total} schedules once full |`);
    log(`| reconcile at start, every scheduler missing (after a restore) | ${fmtMs(reconcileEmptyMs)} (${first?.upserted.length} upserted) |`);
    log(`| reconcile at start, steady state (every scheduler right) | ${fmtMs(reconcileSteadyMs)} (${steady?.unchanged} unchanged, ${steady?.upserted.length} upserted) |`);
    log(`| one channel's 200 schedules read from the store (\`/tlscheck list\`) | ${fmtMs(listMs)} (${listed.length}) |`);
    log();

    // --- B: lag, skips and doubles with 3 workers ------------------------------------------
    const intervalMs = intervalS * 1000;
    const prefixB = `{tlscheck-sb-${randomUUID().slice(0, 6)}}`;
    const b = createScheduling({ redisUrl: redis.url, queuePrefix: prefixB, maxSchedulesPerChannel: 1000 }, 'producer');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-sched-bench', SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, TLSCHECK_QUEUE_PREFIX: prefixB,
      TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8', TLSCHECK_MAX_SCHEDULES_PER_CHANNEL: '1000', TLSCHECK_CONCURRENCY: String(concurrency), LOG_LEVEL: 'warn',
    };
    const procs = Array.from({ length: workers }, () => startChild(env));
    await Promise.all(procs.map((p) => p.ready()));
    const cpu0 = [...procs.map((p) => cpuSeconds(p.pid)), cpuSeconds(redis.pid)];
    const self0 = process.cpuUsage();
    const t0 = Date.now();
    const created = new Map();
    // The handler path (store, then upsert), at an even pace over one interval.
    let next = 0;
    while (next < runTotal) {
      const due = Math.min(runTotal, Math.floor(((Date.now() - t0) / intervalMs) * runTotal) + 1);
      const batch = [];
      for (; next < due; next++) batch.push(next);
      await pool(batch, 20, async (k) => {
        const r = await b.store.create({ ...inputs[Math.floor((k * total) / runTotal)], every: intervalMs });
        if (!r.ok) throw new Error(r.error);
        await syncScheduler(b.queue, r.value.schedule);
        created.set(r.value.schedule.id, Date.now());
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    const addedMs = Date.now() - t0;
    // More intervals after the last was added (one by default), so every schedule fires again.
    while (Date.now() < t0 + addedMs + extraIntervals * intervalMs) await new Promise((r) => setTimeout(r, 500));
    const memB = await usedMemory(admin);
    // Stop firing: remove every scheduler (their next, delayed job goes with them); whatever was
    // already due is in the wait list and must still run, once. Then drain.
    const stopAt = Date.now();
    await pool([...created.keys()], 32, (id) => b.queue.removeJobScheduler(`sched-${id}`));
    const drainUntil = Date.now() + 5 * 60_000;
    for (;;) {
      const c = await b.queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
      if (c.wait + c.active + c.prioritized === 0 || Date.now() > drainUntil) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const drainedMs = Date.now() - stopAt;
    const cpu1 = [...procs.map((p) => cpuSeconds(p.pid)), cpuSeconds(redis.pid)];
    const selfCpu = process.cpuUsage(self0);
    const workerCpu = procs.reduce((sum, _, i) => sum + cpu1[i] - cpu0[i], 0);
    const redisCpu = cpu1[procs.length] - cpu0[procs.length];
    const benchCpu = (selfCpu.user + selfCpu.system) / 1e6;
    await Promise.all(procs.map((p) => p.stop()));
    await b.close();

    const starts = procs.flatMap((p) => p.starts);
    const startAt = new Map(starts.map((x) => [x.j, x.at]));
    const runMs = procs.flatMap((p) => p.dones).map((d) => d.at - (startAt.get(d.done) ?? d.at));
    const perJob = new Map();
    for (const s of starts) perJob.set(s.j, (perJob.get(s.j) ?? 0) + 1);
    const twice = [...perJob.values()].filter((n) => n > 1).length;
    const bySchedule = new Map();
    const lags = [];
    const firstLags = [];
    for (const s of starts) {
      const m = /^repeat:sched-([^:]+):(\d+)$/.exec(s.j);
      if (!m) continue;
      const due = Number(m[2]);
      const list = bySchedule.get(m[1]) ?? [];
      list.push(due);
      bySchedule.set(m[1], list);
      (list.length === 1 ? firstLags : lags).push(s.at - due);
    }
    // Skipped: a gap between two firings of a schedule longer than the interval, or a firing due
    // before the schedulers were removed that never started (it would be in the wait list, drained).
    let skipped = 0;
    let neverRan = 0;
    for (const id of created.keys()) {
      const dues = [...new Set(bySchedule.get(id) ?? [])].sort((x, y) => x - y);
      if (dues.length === 0) { neverRan++; continue; }
      for (let i = 1; i < dues.length; i++) if (dues[i] - dues[i - 1] !== intervalMs) skipped++;
      const last = dues[dues.length - 1];
      if (last + intervalMs < stopAt - 1_000) skipped++;
    }
    const all = [...firstLags, ...lags];
    const stat = (xs) => { const s = [...xs].sort((x, y) => x - y); return { median: quantile(s, 0.5), p99: quantile(s, 0.99) }; };
    const sAll = stat(all);
    const sFirst = stat(firstLags);
    const sLater = lags.length ? stat(lags) : null;
    const perProc = procs.map((p) => p.starts.length);
    log(`**${runTotal < 10_000 ? "Firing rate of the issue's load, fewer schedules" : "The issue's load"}:** ${runTotal.toLocaleString('en')} schedules every ${intervalS} s are ${(runTotal / intervalS).toFixed(0)} firings/s, the rate of 10,000 every 5 minutes (${(10_000 / 300).toFixed(0)}/s), ${intervalS === 300 ? 'in real time' : `compressed ${(300 / intervalS).toFixed(0)}x in time`}, over ${1 + extraIntervals} intervals (${((1 + extraIntervals) * intervalS / 60).toFixed(0)} minutes of wall time). ${workers} schedule worker processes (the real schedule worker from dist/, TLSCHECK_CONCURRENCY=${concurrency} each) with a light check (one TLS handshake with the schedule's server, then a fixed healthy result: the scheduler, queue, store and Slack path are measured, not the probe engine); the schedules are added through the handler path (store, then job scheduler) at an even pace over one interval, then run ${extraIntervals === 1 ? 'one more' : `${extraIntervals} more`}; then the schedulers are removed and what was due is drained.`);
    log();
    log('| what | figure |');
    log('|---|---|');
    log(`| firings started | ${starts.length} (${perProc.join(' / ')} per worker) in ${((stopAt - t0) / 1000).toFixed(0)} s, then ${(drainedMs / 1000).toFixed(1)} s to drain what was due |`);
    const rs = stat(runMs);
    log(`| one scheduled run (job start → completed) | p50 ${fmtMs(rs.median)} · p99 ${fmtMs(rs.p99)} |`);
    log(`| due → start lag, all firings | p50 ${fmtMs(sAll.median)} · p99 ${fmtMs(sAll.p99)} · max ${fmtMs(all.reduce((m, x) => Math.max(m, x), 0))} |`);
    log(`| due → start lag, first firing (runs at once when added) | p50 ${fmtMs(sFirst.median)} · p99 ${fmtMs(sFirst.p99)} |`);
    if (sLater) log(`| due → start lag, later firings | p50 ${fmtMs(sLater.median)} · p99 ${fmtMs(sLater.p99)} |`);
    log(`| firings run twice | ${twice} |`);
    log(`| firings skipped (a gap in a schedule's firings, or due before the end and never started) | ${skipped}; schedules that never ran: ${neverRan} |`);
    const wall = (Date.now() - t0) / 1000;
    log(`| CPU per firing: schedule workers · Redis · handler path + servers + Slack stand-in | ${((workerCpu / starts.length) * 1000).toFixed(1)} ms · ${((redisCpu / starts.length) * 1000).toFixed(1)} ms · ${((benchCpu / starts.length) * 1000).toFixed(1)} ms |`);
    log(`| cores this run got (all of the above over wall time) | ${((workerCpu + redisCpu + benchCpu) / wall).toFixed(2)} of ${os.cpus().length}; load average at the end ${os.loadavg()[0].toFixed(1)} |`);
    log(`| Redis memory per schedule at the end (store, scheduler, a few small results of history) | ${((memB - mem0) / runTotal).toFixed(0)} B |`);
    log();
    return { twice, skipped, neverRan };
  } finally {
    admin.disconnect();
    await targets.stop();
    await slack.close();
    await redis.close();
    pair.cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const total = Number(process.env.TOTAL ?? 10_000);
  const r = await runSchedulesBench({ log: (s = '') => console.log(s), total });
  if (r.twice || r.skipped || r.neverRan) process.exitCode = 1;
}
