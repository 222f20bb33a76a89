// Runs full checks against the given ports at a fixed concurrency; prints one JSON line.
import { runCheck } from '../dist/src/check.js';

const concurrency = Number(process.argv[2]);
const ports = process.argv[3].split(',').map(Number);
let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 10);
let next = 0;
let errors = 0;
const t0 = performance.now();
async function lane() {
  while (next < ports.length) {
    const port = ports[next++];
    const r = await runCheck(`127.0.0.1:${port}`, { timeoutMs: 20_000 });
    if (r.error || r.probeErrors) errors++;
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const ms = performance.now() - t0;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(JSON.stringify({ checks: ports.length, ms, peakRss, errors }));
