// CPU per full check, in-process against a local nginx (loopback), and per probe run alone with
// the same context the check gives it: process.cpuUsage (user + system) of this process only, so
// the servers' CPU and other jobs on a shared machine do not count. `node bench/cpu.mjs [runs]`
// after npm run build; prints only. Everything is on 127.0.0.1.
//
// On a shared (or virtual) machine CPU time is inflated by the others' load (contention, steal),
// so the check also counts what does not vary with load: TCP connections and node:tls handshakes.
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { makeCert, nginxServer } from './servers.mjs';
import { summarize } from './stats.mjs';

const ms = (c) => (c.user + c.system) / 1000;

/** Counts TCP connects and node:tls handshakes started while `fn` runs (other work in the process counts too). */
async function counting(fn) {
  const counts = { connections: 0, tlsHandshakes: 0 };
  const connect = net.Socket.prototype.connect;
  const tlsConnect = tls.connect;
  net.Socket.prototype.connect = function (...args) {
    counts.connections++;
    return connect.apply(this, args);
  };
  tls.connect = function (...args) {
    counts.tlsHandshakes++;
    return tlsConnect.apply(this, args);
  };
  try {
    await fn();
  } finally {
    net.Socket.prototype.connect = connect;
    tls.connect = tlsConnect;
  }
  return counts;
}

/** Median CPU of a full check (user + system, and each apart), and connections per check. */
export async function cpuPerCheck(port, runs) {
  const { runCheck } = await import('../dist/src/check.js');
  for (let i = 0; i < 3; i++) await runCheck(`127.0.0.1:${port}`, { sni: 'localhost' });
  const samples = [];
  const user = [];
  const system = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await runCheck(`127.0.0.1:${port}`, { sni: 'localhost' });
    const c = process.cpuUsage(c0);
    samples.push(ms(c));
    user.push(c.user / 1000);
    system.push(c.system / 1000);
  }
  // One more check, counted apart so the counting wrappers cost the timed ones nothing.
  const counts = await counting(() => runCheck(`127.0.0.1:${port}`, { sni: 'localhost' }));
  return { ...summarize(samples), user: summarize(user), system: summarize(system), ...counts };
}

/** Each probe alone (after the version probe, as in a check), `runs` times: median CPU ms. */
export async function cpuPerProbe(port, runs) {
  const { PROBES, VERSIONS_PROBE } = await import('../dist/src/probe/registry.js');
  const { createLimiter } = await import('../dist/src/probe/context.js');
  const ctxFor = () => {
    const controller = new AbortController();
    return {
      controller,
      ctx: {
        target: { host: '127.0.0.1', port, ip: '127.0.0.1', family: 4, sni: 'localhost' },
        deadline: Date.now() + 10_000, signal: controller.signal, connectTimeoutMs: 4000,
        limit: createLimiter(10), rttMs: 0, onRoundTrip: () => undefined,
      },
    };
  };
  const out = [];
  for (const probe of PROBES) {
    const samples = [];
    for (let i = 0; i < runs + 2; i++) {
      const { ctx, controller } = ctxFor();
      const versions = await VERSIONS_PROBE.run(ctx);
      ctx.protocols = versions.protocols;
      const c0 = process.cpuUsage();
      await probe.run(ctx);
      const c = ms(process.cpuUsage(c0));
      controller.abort();
      if (i >= 2) samples.push(c);
    }
    out.push({ probe: probe.name, ...summarize(samples) });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 15);
  const pair = makeCert();
  const nginx = await nginxServer(pair);
  try {
    const check = await cpuPerCheck(nginx.port, runs);
    console.log(`full check: median ${check.median.toFixed(1)} ms (min ${check.min.toFixed(1)}, max ${check.max.toFixed(1)}, n ${check.n}); user ${check.user.median.toFixed(1)} ms, system ${check.system.median.toFixed(1)} ms`);
    console.log(`  one process, CPU-bound: ${(1000 / check.median).toFixed(1)} checks/s per core; ${check.connections} TCP connections, ${check.tlsHandshakes} node:tls handshakes per check`);
    if (!process.argv.includes('--check-only')) {
      let sum = 0;
      for (const p of await cpuPerProbe(nginx.port, Math.max(5, Math.round(runs / 2)))) {
        sum += p.median;
        console.log(`  ${p.probe.padEnd(22)} ${p.median.toFixed(1).padStart(6)} ms (min ${p.min.toFixed(1)})`);
      }
      console.log(`  ${'sum of medians'.padEnd(22)} ${sum.toFixed(1).padStart(6)} ms`);
    }
  } finally {
    await nginx.stop();
    pair.cleanup();
  }
}
