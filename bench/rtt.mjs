// The check on a long path: tlscheck and sslscan through the delay relay (bench/delay-relay.mjs)
// at 0, 50, 100, 200 and 300 ms round trip, against nginx (TLS 1.2 + 1.3, its default ciphers),
// plus CPU per check in-process on loopback. Every server and relay is on 127.0.0.1 and stopped.
// `node bench/rtt.mjs` (after npm run build) appends its section to bench/results.md;
// `npm run bench` includes it in the full report.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { makeCert, nginxServer } from './servers.mjs';
import { startDelayRelay } from './delay-relay.mjs';
import { cpuPerCheck, DEFAULT_WARMUP, WORKER_WARM_CHECKS } from './cpu.mjs';
import { appendWhenRunDirectly, summarize, fmt, timeProcess } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// The package's bin, as `npx tlscheck` runs it.
const CLI = join(here, '..', 'dist/tlscheck.cjs');
/**
 * Some machines (this one) set NODE_EXTRA_CA_CERTS to the system bundle: node then reads and
 * parses ~140 certificates before any script runs (`node -e 0` ~120 ms instead of ~40 ms here),
 * a cost of that machine's environment that a default node does not pay. Timed both ways.
 */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const { NODE_EXTRA_CA_CERTS: _dropped, ...PLAIN_ENV } = process.env;
const RTTS = [0, 50, 100, 200, 300];
/** The issue's goals per round trip (ms of wall time); 300 ms: complete with the default deadline. */
const GOAL_MS = { 50: 1500, 100: 3000, 200: 6000 };


const have = (cmd) => { try { execFileSync('which', [cmd], { stdio: 'ignore' }); return true; } catch { return false; } };

/** What a user reads off a result, without timings: equal means the same answer. */
function answer(j) {
  return JSON.stringify({
    error: j.error, protocols: j.protocols, ciphers: j.ciphers, order: j.serverCipherOrder, reneg: j.renegotiation,
    resumption: [j.resumption.sessionId, j.resumption.tickets, j.resumption.tls13Tickets],
    cert: j.certificate?.chain?.[0]?.fingerprint256, alpn: j.alpn, fallback: j.fallbackScsv,
    findings: j.findings.map((f) => f.id).sort(), diagnoses: (j.diagnoses ?? []).map((d) => d.id),
  });
}

/** Median wall time of a bare `node -e 0` in `env`: what any node process costs before a script. */
async function nodeStart(env) {
  const samples = [];
  for (let i = 0; i < 5; i++) samples.push((await timeProcess(process.execPath, ['-e', '0'], 10_000, env)).ms);
  return summarize(samples).median;
}

function loadNote() {
  const [one] = os.loadavg();
  return `load average ${one.toFixed(1)} on ${os.cpus().length} cores`;
}

export async function runRttBench({ quick = false, log = console.log } = {}) {
  const runs = quick ? 1 : 3;
  const pair = makeCert();
  const stops = [];
  try {
    const nginx = await nginxServer(pair);
    stops.push(nginx.stop);
    log('## The check on a long path (delay relay on 127.0.0.1, nginx TLS 1.2 + 1.3 default ciphers, RSA 2048)');
    log();
    log(`${new Date().toISOString()} · ${os.cpus().length} cores · Node ${process.version} · ${loadNote()} before the runs (the machine is shared with other sessions' builds and tests: wall times and CPU figures are inflated by that)`);
    log();
    if (EXTRA_CA) log(`NODE_EXTRA_CA_CERTS is set here (${EXTRA_CA}): "tlscheck" is timed with it, as this machine runs every node; "default node" without it, as a machine without the variable runs \`npx tlscheck\`. Bare \`node -e 0\`, median of 5: ${fmt(await nodeStart(process.env))} with it, ${fmt(await nodeStart(PLAIN_ENV))} without.`);
    log();
    log(`| round trip | tlscheck (median of ${runs}) |${EXTRA_CA ? ' default node |' : ''} complete | same answer as loopback | sslscan 2 (same run) | sslscan / tlscheck | goal |`);
    log(`|---|---|${EXTRA_CA ? '---|' : ''}---|---|---|---|---|`);
    let loopback = null;
    for (const rtt of RTTS) {
      const relay = rtt ? await startDelayRelay(nginx.port, { rttMs: rtt }) : null;
      if (relay) stops.push(relay.stop);
      const port = relay ? relay.port : nginx.port;
      const samples = [];
      let last = null;
      for (let i = 0; i < runs; i++) {
        // Defaults only: the deadline is the one the check plans from the round trip.
        const r = await timeProcess(process.execPath, [CLI, 'check', `127.0.0.1:${port}`, '--json'], 120_000);
        samples.push(r.ms);
        try { last = JSON.parse(r.out); } catch { last = null; }
      }
      const ours = summarize(samples);
      const plain = [];
      if (EXTRA_CA) {
        for (let i = 0; i < runs; i++) {
          const r = await timeProcess(process.execPath, [CLI, 'check', `127.0.0.1:${port}`, '--json'], 120_000, PLAIN_ENV);
          plain.push(r.ms);
          try { if (answer(JSON.parse(r.out)) !== answer(last)) throw new Error('differs'); } catch { plain.push(Infinity); }
        }
      }
      const plainMedian = plain.length ? summarize(plain).median : null;
      if (rtt === 0) loopback = last && answer(last);
      const same = last && loopback ? (answer(last) === loopback ? 'yes' : '**no**') : 'no result';
      const complete = last ? (last.complete ? 'yes' : `**no**: ${(last.incomplete ?? []).map((i) => `${i.probe} (${i.reason})`).join('; ')}`) : '—';
      let theirs = '—';
      let ratio = '—';
      // sslscan takes minutes beyond 200 ms; the 300 ms row is about tlscheck's default deadline.
      if (have('sslscan') && rtt <= (quick ? 100 : 200)) {
        const s = await timeProcess('sslscan', ['--no-colour', `127.0.0.1:${port}`], 180_000);
        theirs = s.killed ? `> ${fmt(s.ms)} (killed)` : fmt(s.ms);
        ratio = `${(s.ms / ours.median).toFixed(1)}x`;
      }
      const verdict = (ms) => (ms <= GOAL_MS[rtt] ? 'met' : 'missed');
      const goal = GOAL_MS[rtt] ? `≤ ${fmt(GOAL_MS[rtt])} and ≥ 5x sslscan: ${verdict(ours.median)}${plainMedian !== null ? `; default node: ${verdict(plainMedian)}` : ''}` : rtt === 300 ? 'complete with the default deadline' : '';
      const plainCell = plainMedian === null ? '' : ` ${Number.isFinite(plainMedian) ? fmt(plainMedian) : 'a different answer'} |`;
      log(`| ${rtt} ms | ${fmt(ours.median)} |${plainCell} ${complete} | ${same} | ${theirs} | ${ratio} | ${goal} |`);
      if (relay) { await relay.stop(); stops.pop(); }
    }
    log();
    const cpu = await cpuPerCheck(nginx.port, quick ? 10 : 60);
    const figures = (c) => `median ${c.median.toFixed(1)} ms, trimmed mean ${c.trimmed.toFixed(1)} (min ${c.min.toFixed(1)}, max ${c.max.toFixed(1)})`;
    log(`CPU per full check, in-process, loopback nginx (process.cpuUsage, all of the process's threads), ${cpu.n} checks after ${DEFAULT_WARMUP} warm-up checks: ${figures(cpu)}.`);
    if (!quick) {
      // The same process further on, past V8's compiling of the probes' code (WORKER_WARM_CHECKS).
      const later = await cpuPerCheck(nginx.port, 60, WORKER_WARM_CHECKS - cpu.ran);
      log(`The same, checks ${WORKER_WARM_CHECKS + 1}-${WORKER_WARM_CHECKS + later.n} of that process (a worker that has run a while; the goal's figure): ${figures(later)} — goal ≤ 40 ms; ${(2000 / later.median).toFixed(0)} checks/s on 2 cores if CPU-bound; ${loadNote()} after the runs.`);
    }
    log();
  } finally {
    for (const stop of stops.reverse()) await stop();
    pair.cleanup();
  }
}

await appendWhenRunDirectly(import.meta.url, (log) => runRttBench({ quick: process.argv.includes('--quick'), log }));
