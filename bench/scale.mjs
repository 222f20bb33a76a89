// npm run bench:scale — the scale-out figures (issue 19): `npm run worker` on 1-3 processes over
// 200 local servers, and 10,000 schedules (memory, reconcile, lag, skips, doubles). Needs dist/
// (the script builds it) and redis-server; starts and stops its own Redis, servers and Slack
// stand-in on 127.0.0.1. Writes its section of bench/results.md between the scale markers
// (`npm run bench` keeps that section when it rewrites the rest). `--workers` or `--schedules`
// runs one half; INTERVAL_S compresses the schedules' time (default 150 s for every 5 minutes).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorkersBench } from './scale/workers.mjs';
import { runSchedulesBench } from './scale/schedules.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const SCALE_START = '<!-- scale:start -->';
export const SCALE_END = '<!-- scale:end -->';

const only = process.argv.find((a) => a === '--workers' || a === '--schedules');
const lines = [];
const log = (s = '') => { lines.push(s); console.log(s); };

log(SCALE_START);
log(`# Scale out (npm run bench:scale)`);
log();
log(`${new Date().toISOString()} · ${os.cpus().length} cores · Node ${process.version} · load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')}. **The machine is shared with other jobs**: wall-clock figures are lower than on a quiet machine; CPU seconds per check are the steadier figure.`);
log();
let failed = false;
if (only !== '--schedules') {
  const rows = await runWorkersBench({ log });
  failed ||= rows.some((r) => r.missing || r.doubleParents || r.doubleFinals || r.doubleThread);
}
if (only !== '--workers') {
  const r = await runSchedulesBench({ log });
  failed ||= Boolean(r.twice || r.skipped || r.neverRan);
}
log(SCALE_END);

const file = join(here, 'results.md');
const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
const block = lines.join('\n');
const start = current.indexOf(SCALE_START);
const end = current.indexOf(SCALE_END);
const next = start >= 0 && end > start ? current.slice(0, start) + block + current.slice(end + SCALE_END.length) : `${current.trimEnd()}\n\n${block}\n`;
writeFileSync(file, next);
console.log('\nwritten to bench/results.md');
if (failed) process.exitCode = 1;
