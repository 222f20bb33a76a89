// Runs full checks against the given ports at a fixed concurrency; prints one JSON line with the
// wall time and this process's CPU time.
import { runCheck } from '../dist/src/check.js';
import { WORKER_WARM_CHECKS } from './cpu.mjs';

const concurrency = Number(process.argv[2]);
const ports = process.argv[3].split(',').map(Number);
let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 10);
let errors = 0;

/** Runs fn(0) … fn(count - 1), `width` at a time. */
async function inLanes(width, count, fn) {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

// A worker that has run a while: V8 compiles the probes during a fresh process's first few
// hundred checks (on threads process.cpuUsage counts), which no long-running worker pays per check
// (bench/cpu.mjs, WORKER_WARM_CHECKS). Ten at a time: the compiler counts calls, not time.
await inLanes(10, WORKER_WARM_CHECKS, (i) => runCheck(`127.0.0.1:${ports[i % ports.length]}`, { timeoutMs: 20_000 }));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await inLanes(concurrency, ports.length, async (i) => {
  const r = await runCheck(`127.0.0.1:${ports[i]}`, { timeoutMs: 20_000 });
  if (r.error || r.probeErrors) errors++;
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
// This process's own CPU (user + system): the worker's cost, apart from the servers'.
process.stdout.write(JSON.stringify({ checks: ports.length, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRss, errors }));
