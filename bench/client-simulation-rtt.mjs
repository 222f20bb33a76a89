// What the client-simulation probe costs on a long path: the whole check through the delay relay
// (bench/delay-relay.mjs, 127.0.0.1 only) against nginx (TLS 1.2 + 1.3), with and without that one
// probe, runs alternating so load on the shared machine hits both alike. The budget (issue 21): at
// most 2 round trips added to the critical path. Runs in-process on dist/ (npm run build first):
// the registry's PROBES array is the one runCheck reads, so removing the probe from it for a run
// is exactly "the check without it". `node bench/client-simulation-rtt.mjs [--runs N] [--rtt 50,100]` appends its
// section to bench/results.md.
import os from 'node:os';
import { makeCert, nginxServer } from './servers.mjs';
import { startDelayRelay } from './delay-relay.mjs';
import { appendWhenRunDirectly, summarize, fmt } from './stats.mjs';

const { runCheck } = await import('../dist/src/check.js');
const { PROBES } = await import('../dist/src/probe/registry.js');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RTTS = arg('--rtt', '50,100').split(',').map(Number);
const RUNS = Number(arg('--runs', '5'));

/**
 * One check; the time each probe settled at (ms after the start), from the progress events. With
 * the probe: the connections its run opened (its own socket slots, counted through ctx.limit) and
 * the hellos it left for the middlebox probe's last round (placeholders when its run ends).
 */
async function oneCheck(port, withSimulation) {
  const index = PROBES.findIndex((p) => p.name === 'client-simulation');
  const probe = PROBES[index];
  const hellos = { own: 0, late: 0 };
  if (withSimulation) {
    PROBES[index] = {
      ...probe,
      async run(ctx) {
        const counted = Object.create(ctx);
        counted.limit = (fn, opts) => { hellos.own++; return ctx.limit(fn, opts); };
        const value = await probe.run(counted);
        hellos.late = value.clients.filter((c) => /last round/.test(c.reason ?? '')).length;
        return value;
      },
    };
  } else PROBES.splice(index, 1);
  try {
    const settledAt = {};
    const t0 = performance.now();
    const r = await runCheck(`127.0.0.1:${port}`, {
      sni: 'localhost', timeoutMs: 30_000,
      onProgress: (e) => { settledAt[e.probe] = performance.now() - t0; },
    });
    return { ms: performance.now() - t0, complete: r.complete, clients: r.clients?.length ?? 0, settledAt, hellos };
  } finally {
    if (withSimulation) PROBES[index] = probe;
    else PROBES.splice(index, 0, probe);
  }
}

function lastProbe(settledAt) {
  return Object.entries(settledAt).sort((a, b) => b[1] - a[1])[0] ?? ['—', 0];
}

export async function runClientSimulationBench({ log = console.log } = {}) {
  const pair = makeCert();
  const stops = [];
  try {
    const nginx = await nginxServer(pair);
    stops.push(nginx.stop);
    log(`## Client simulation: round trips it adds to the check (${new Date().toISOString().slice(0, 10)})`);
    log();
    log(`${new Date().toISOString()} · ${os.cpus().length} cores · Node ${process.version} · load average ${os.loadavg()[0].toFixed(1)} before the runs (shared machine). nginx TLS 1.2 + 1.3 default ciphers, RSA 2048, through the delay relay; ${RUNS} checks per row, in-process (dist/), with and without the client-simulation probe alternating. "Added" = median with − median without, also in round trips. Budget: ≤ 2 round trips on the critical path. Its connections: those its run opened in the middle of the check; the hellos it left for the last round ride with the middlebox probe's, whose round uses 4 of the 10 sockets (the Chrome profile’s among them: it is answered by the middlebox probe’s own browser-like hello, not sent twice).`);
    log();
    log('| round trip | profiles | its connections / hellos left for the last round | check with it (median) | without it (median) | added | added, round trips | client simulation settled at (median) | last probe to settle, with it | complete (with / without) |');
    log('|---|---|---|---|---|---|---|---|---|---|');
    for (const rtt of RTTS) {
      const relay = await startDelayRelay(nginx.port, { rttMs: rtt });
      stops.push(relay.stop);
      // One warm-up each way: the first check pays for module loading and nginx's first handshakes.
      await oneCheck(relay.port, true);
      await oneCheck(relay.port, false);
      const withIt = [];
      const without = [];
      for (let i = 0; i < RUNS; i++) {
        withIt.push(await oneCheck(relay.port, true));
        without.push(await oneCheck(relay.port, false));
      }
      const a = summarize(withIt.map((x) => x.ms));
      const b = summarize(without.map((x) => x.ms));
      const sim = summarize(withIt.map((x) => x.settledAt['client-simulation'] ?? NaN));
      const lasts = withIt.map((x) => lastProbe(x.settledAt)[0]);
      const lastNames = [...new Set(lasts)].map((n) => `${n} (${lasts.filter((x) => x === n).length}/${RUNS})`).join(', ');
      const added = a.median - b.median;
      const complete = `${withIt.filter((x) => x.complete).length}/${RUNS} / ${without.filter((x) => x.complete).length}/${RUNS}`;
      const counts = [...new Set(withIt.map((x) => `${x.hellos.own} / ${x.hellos.late}`))].join(', ');
      log(`| ${rtt} ms | ${withIt[0]?.clients ?? 0} | ${counts} | ${fmt(a.median)} (${fmt(a.min)}–${fmt(a.max)}) | ${fmt(b.median)} (${fmt(b.min)}–${fmt(b.max)}) | ${added.toFixed(0)} ms | ${(added / rtt).toFixed(1)} | ${fmt(sim.median)} = ${(sim.median / rtt).toFixed(1)} RTT | ${lastNames} | ${complete} |`);
      await relay.stop();
      stops.pop();
    }
    log();
  } finally {
    for (const stop of stops.reverse()) await stop();
    pair.cleanup();
  }
}

await appendWhenRunDirectly(import.meta.url, (log) => runClientSimulationBench({ log }));
