import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p95: quantile(s, 0.95), min: s[0], max: s[s.length - 1] };
}
export const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/** Runs a command to its end (killed at timeoutMs): its wall time, exit code and stdout. */
export function timeProcess(cmd, args, timeoutMs, env = process.env) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ ms: performance.now() - t0, code, out, killed: code === null }); });
  });
}

/**
 * For a bench module run as a script (`node bench/x.mjs`): runs it with a logger that prints each
 * line and keeps it, then appends what it printed to bench/results.md.
 */
export async function appendWhenRunDirectly(moduleUrl, run) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const lines = [];
  const log = (line = '') => { console.log(line); lines.push(line); };
  await run(log);
  appendFileSync(join(dirname(fileURLToPath(import.meta.url)), 'results.md'), '\n' + lines.join('\n') + '\n');
  console.log('appended to bench/results.md');
}
