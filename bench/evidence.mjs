// The cost of OpenSSL evidence (src/evidence): the same CLI check with and without it, runs
// interleaved so load on a shared machine hits both alike. Used by bench/run.mjs; alone:
//   node bench/evidence.mjs [--quick]   (after npm run build)
//   node bench/evidence.mjs --rtt [--cli FILE] [--runs N]   the same against bench/servers.mjs' nginx
//     through the delay relay at 0, 50 and 200 ms: what evidence adds to the CLI's wall time, and
//     how many s_client connections it made (the relay's count with it minus without it).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import os from 'node:os';
import { makeCert, nginxServer, nodeTlsServer, sServer } from './servers.mjs';
import { startDelayRelay } from './delay-relay.mjs';
import { summarize, fmt } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cliArg = process.argv.indexOf('--cli');
const CLI = cliArg > 0 ? resolve(process.argv[cliArg + 1]) : join(here, '..', 'dist/tlscheck.cjs');

function timeCheck(port, extra) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'check', `127.0.0.1:${port}`, '--json', ...extra], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', () => { clearTimeout(timer); resolve({ ms: performance.now() - t0, out }); });
  });
}

/** What the evidence of the last run said: how many diagnoses got it, and the s_client times. */
function evidenceOf(out) {
  try {
    const runs = JSON.parse(out).diagnoses.filter((d) => d.evidence !== undefined);
    const ms = runs.filter((d) => d.evidence).map((d) => d.evidence.durationMs);
    return `${runs.length} diagnoses (${runs.map((d) => d.id).join(', ')}); s_client ${ms.map((m) => `${m} ms`).join(' / ') || 'not run'}`;
  } catch {
    return 'output not JSON';
  }
}

/** Table rows for each [label, port]: median and p95 with and without evidence. */
export async function evidenceCost(targets, { quick = false } = {}) {
  const runs = quick ? 5 : 15;
  const rows = ['| target | with evidence (median / p95) | --no-evidence (median / p95) | added (median) | evidence |', '|---|---|---|---|---|'];
  for (const [label, port] of targets) {
    const withIt = [];
    const without = [];
    let last = '';
    for (let i = 0; i < runs + 1; i++) {
      const a = await timeCheck(port, []);
      const b = await timeCheck(port, ['--no-evidence']);
      if (i === 0) continue; // warms the page cache
      withIt.push(a.ms);
      without.push(b.ms);
      last = a.out;
    }
    const w = summarize(withIt);
    const n = summarize(without);
    rows.push(`| ${label} | ${fmt(w.median)} / ${fmt(w.p95)} | ${fmt(n.median)} / ${fmt(n.p95)} | ${fmt(w.median - n.median)} | ${evidenceOf(last)} |`);
  }
  return rows;
}

/** Per round trip: the CLI with and without evidence through the relay, interleaved. */
export async function evidenceCostByRtt({ rtts = [0, 50, 200], runs = 5 } = {}) {
  const pair = makeCert();
  const nginx = await nginxServer(pair);
  const rows = [
    `${CLI} · ${new Date().toISOString()} · load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (shared machine: wall times inflated)`,
    '',
    '| round trip | with evidence (median) | --no-evidence (median) | added (median) | added, in round trips | s_client connections per check | evidence |',
    '|---|---|---|---|---|---|---|',
  ];
  try {
    for (const rtt of rtts) {
      const relay = rtt ? await startDelayRelay(nginx.port, { rttMs: rtt }) : null;
      const port = relay ? relay.port : nginx.port;
      const withIt = [];
      const without = [];
      const extraConnections = [];
      let last = '';
      for (let i = 0; i < runs; i++) {
        const c0 = relay?.connections() ?? 0;
        const a = await timeCheck(port, []);
        const c1 = relay?.connections() ?? 0;
        const b = await timeCheck(port, ['--no-evidence']);
        const c2 = relay?.connections() ?? 0;
        withIt.push(a.ms);
        without.push(b.ms);
        extraConnections.push((c1 - c0) - (c2 - c1));
        last = a.out;
      }
      const w = summarize(withIt).median;
      const n = summarize(without).median;
      const conns = relay ? [...new Set(extraConnections)].join(' or ') : '—';
      rows.push(`| ${rtt} ms | ${fmt(w)} | ${fmt(n)} | ${fmt(w - n)} | ${rtt ? ((w - n) / rtt).toFixed(1) : '—'} | ${conns} | ${evidenceOf(last)} |`);
      await relay?.stop();
    }
  } finally {
    await nginx.stop();
    pair.cleanup();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--rtt')) {
  const at = process.argv.indexOf('--runs');
  for (const row of await evidenceCostByRtt({ runs: at > 0 ? Number(process.argv[at + 1]) : 5 })) console.log(row);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pair = makeCert();
  const node = await nodeTlsServer(pair);
  const reneg = await sServer(pair, ['-client_renegotiation', '-no_tls1_3']);
  try {
    for (const row of await evidenceCost([['node:tls TLS 1.2+1.3', node.port], ['openssl s_server -client_renegotiation', reneg.port]], { quick: process.argv.includes('--quick') })) console.log(row);
  } finally {
    await node.stop();
    await reneg.stop();
    pair.cleanup();
  }
}
