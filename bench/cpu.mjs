// CPU per full check, in-process against a local nginx (loopback), and per probe run alone with
// the same context the check gives it: process.cpuUsage (user + system) of this process only, so
// the servers' CPU and other jobs on a shared machine do not count. `node bench/cpu.mjs [runs]`
// after npm run build; prints only. Everything is on 127.0.0.1.
//
// On a shared (or virtual) machine CPU time is inflated by the others' load (contention, steal),
// so the check also counts what does not vary with load: TCP connections and node:tls handshakes.
//
// Warm-up matters more than anything else here: a fresh process's checks 3-20 cost about twice
// what checks after the 40th do (V8 still compiling the probes' code, on background threads that
// process.cpuUsage counts), so a run of 30 after 3 warm-ups measured mostly the JIT. The default
// warms up with 30 checks and prints a trimmed mean (the middle half) beside the median and min.
// `--ab <dir>` alternates each check with the build in <dir> (a copy of another commit's dist/,
// e.g. `cp -r dist /tmp/dist-base` before switching branches) in this one process, so both see
// the same load: compare the paired difference, not two runs' medians.
//
// `--chain`: nginx serves a leaf + intermediate whose root this process trusts (it runs itself
// again with NODE_EXTRA_CA_CERTS, read only at start), so every handshake's chain verifies, as a
// public server's does. The default self-signed certificate never verifies, which spares node the
// chain's conversion and OpenSSL its signatures: cheaper than a real server.
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCert, makeChain, nginxServer } from './servers.mjs';
import { summarize } from './stats.mjs';

const ms = (c) => (c.user + c.system) / 1000;
/** One turn of the event loop: the close callbacks of sockets a probe destroyed as it resolved. */
const loopTurn = () => new Promise((resolve) => setImmediate(resolve));

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
export async function cpuPerCheck(port, runs, warmup = DEFAULT_WARMUP) {
  const { runCheck } = await import('../dist/src/check.js');
  for (let i = 0; i < warmup; i++) await runCheck(`127.0.0.1:${port}`, { sni: 'localhost' });
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
  // ran: every check of this call (warm-up, timed, counted), for a caller that goes on in this process.
  return { ...summarize(samples), trimmed: trimmedMean(samples), user: summarize(user), system: summarize(system), ...counts, ran: warmup + runs + 1 };
}

/** Checks a JIT-warm process's figures need first (see the top of the file). */
export const DEFAULT_WARMUP = 30;

/**
 * Checks before a process stands for a worker that has run a while. V8 goes on compiling the
 * probes' code on its background threads well past DEFAULT_WARMUP: its optimizing compiler alone
 * took 6.5 ms per check over checks 91-210 (--trace-opt), and those threads, garbage collection
 * included, 9 ms per check over checks 31-90 and 4-5 ms past the 270th (per-thread CPU). Figures
 * judged against the per-check CPU goal are taken past this many checks.
 */
export const WORKER_WARM_CHECKS = 300;

/** The mean of the middle half: steadier than the median on a few dozen noisy samples. */
export function trimmedMean(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const k = Math.floor(s.length / 4);
  const mid = s.slice(k, s.length - k);
  return mid.reduce((a, b) => a + b, 0) / mid.length;
}

/**
 * This build's check and the one in `otherDist` alternating in one process (which goes first
 * alternating too), each warmed up alike: both see the same load, JIT and GC state. Returns each
 * one's samples and this minus other per pair.
 */
export async function cpuAB(port, runs, otherDist, warmup = DEFAULT_WARMUP) {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const mine = (await import('../dist/src/check.js')).runCheck;
  const other = (await import(pathToFileURL(resolve(otherDist, 'src/check.js')).href)).runCheck;
  const one = async (run) => {
    const c0 = process.cpuUsage();
    await run(`127.0.0.1:${port}`, { sni: 'localhost' });
    return ms(process.cpuUsage(c0));
  };
  for (let i = 0; i < warmup; i++) {
    await one(mine);
    await one(other);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      a.push(await one(mine));
      b.push(await one(other));
    } else {
      b.push(await one(other));
      a.push(await one(mine));
    }
  }
  return { mine: a, other: b, diff: a.map((x, i) => x - b[i]) };
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
      // Its sockets' teardown is its cost too (in a check it lands in some other probe's time).
      await loopTurn();
      const c = ms(process.cpuUsage(c0));
      controller.abort();
      if (i >= 2) samples.push(c);
    }
    out.push({ probe: probe.name, ...summarize(samples) });
  }
  return out;
}

const fmtSummary = (s) => `median ${s.median.toFixed(1)} ms, trimmed mean ${trimmedMean(s.samples).toFixed(1)} (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, n ${s.n})`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const warmup = Number(flag('--warmup') ?? DEFAULT_WARMUP);
  const ab = flag('--ab');
  const checkOnly = args.includes('--check-only');
  const runs = Number(args.find((a) => !a.startsWith('--')) ?? 15);
  const chainDir = process.env.TLSCHECK_BENCH_CHAIN_DIR;
  if (args.includes('--chain') && !chainDir) {
    const chain = makeChain();
    const bundle = join(chain.dir, 'trusted.pem');
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    writeFileSync(bundle, (extra && existsSync(extra) ? readFileSync(extra, 'utf8') + '\n' : '') + readFileSync(chain.rootFile, 'utf8'));
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: bundle, TLSCHECK_BENCH_CHAIN_DIR: chain.dir };
    const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env });
    chain.cleanup();
    process.exit(r.status ?? 1);
  }
  const pair = chainDir ? { certFile: join(chainDir, 'chain.pem'), keyFile: join(chainDir, 'leaf.key'), cleanup: () => undefined } : makeCert();
  if (chainDir) console.log('nginx serves leaf + intermediate; their root is trusted (NODE_EXTRA_CA_CERTS): every chain verifies');
  const nginx = await nginxServer(pair);
  try {
    if (ab) {
      const r = await cpuAB(nginx.port, runs, ab, warmup);
      const line = (name, s) => console.log(`${name.padEnd(14)} ${fmtSummary({ ...summarize(s), samples: s })}`);
      console.log(`alternating in one process, ${warmup} warm-up checks each:`);
      line('this build', r.mine);
      line(ab, r.other);
      line('this - other', r.diff);
    } else {
      const check = await cpuPerCheck(nginx.port, runs, warmup);
      console.log(`full check after ${warmup} warm-up checks: median ${check.median.toFixed(1)} ms, trimmed mean ${check.trimmed.toFixed(1)} (min ${check.min.toFixed(1)}, max ${check.max.toFixed(1)}, n ${check.n}); user ${check.user.median.toFixed(1)} ms, system ${check.system.median.toFixed(1)} ms`);
      console.log(`  one process, CPU-bound: ${(1000 / check.median).toFixed(1)} checks/s per core; ${check.connections} TCP connections, ${check.tlsHandshakes} node:tls handshakes per check`);
    }
    if (!checkOnly && !ab) {
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
