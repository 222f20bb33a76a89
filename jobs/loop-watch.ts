// A worker process's watch over its own event loop, from a thread of its own. A loop blocked for
// good runs no timer and never exits, so nothing inside it can notice; its jobs are retried
// elsewhere once their locks lapse, but with no other worker every check waits. Seen here: Node 20
// deadlocks in native code when a garbage collection lands inside a JWK export of a generated key
// (codec/tls12-handshake.ts keyAgreement). The main thread stamps a shared clock; the watch thread
// kills the process when the stamp is older than deadMs, for its supervisor (systemd, the
// orchestrator, `npm start`) to restart it. `npm start`'s web handler also pings its workers'
// process over IPC (liveness.ts), which covers a process whose every thread is stuck.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../src/log.js';

/** How stale the main thread's stamp may be. Checks are asynchronous: no busy spell lasts a minute. */
export const LOOP_DEAD_MS = 60_000;
/** How often the main thread stamps and the watch looks. */
export const LOOP_STAMP_MS = 1_000;

export interface LoopWatchOptions {
  deadMs?: number;
  intervalMs?: number;
  logger?: Logger;
}

export interface LoopWatch {
  stop: () => Promise<void>;
}

// Plain CommonJS for an eval'd worker. A tick of its own that comes late means the whole process
// was held up (stopped, starved): the stamp's age then says nothing about the main thread, so that
// tick only looks again later. The line it writes is pino's shape at level fatal.
const WATCH_THREAD = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const stamp = new BigInt64Array(workerData.shared);
const deadNs = BigInt(workerData.deadMs) * 1000000n;
const intervalNs = BigInt(workerData.intervalMs) * 1000000n;
let lastTick = process.hrtime.bigint();
const timer = setInterval(() => {
  const now = process.hrtime.bigint();
  const late = now - lastTick > 2n * intervalNs;
  lastTick = now;
  if (late) return;
  const silentMs = Number((now - Atomics.load(stamp, 0)) / 1000000n);
  if (silentMs < workerData.deadMs) return;
  clearInterval(timer);
  writeSync(2, JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, silentMs, msg: 'the event loop has been blocked for ' + silentMs + ' ms; killing this process for its supervisor to restart it' }) + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, workerData.intervalMs);
`;

export function startLoopWatch(opts: LoopWatchOptions = {}): LoopWatch {
  const deadMs = opts.deadMs ?? LOOP_DEAD_MS;
  const intervalMs = opts.intervalMs ?? LOOP_STAMP_MS;
  const shared = new SharedArrayBuffer(8);
  const stamp = new BigInt64Array(shared);
  // process.hrtime is one monotonic clock for every thread of the process.
  const mark = (): void => {
    Atomics.store(stamp, 0, process.hrtime.bigint());
  };
  mark();
  const timer = setInterval(mark, intervalMs);
  // Neither the stamps nor the watch keep a process running that has nothing else to do.
  timer.unref();
  // execArgv: [] so that no flag of this process's (--input-type=module, say) turns the script into a module.
  const worker = new Worker(WATCH_THREAD, { eval: true, execArgv: [], workerData: { shared, deadMs, intervalMs } });
  worker.unref();
  worker.on('error', (err) => opts.logger?.warn({ err: err.message }, 'the event-loop watch stopped; a blocked loop would go unnoticed'));
  return {
    stop: async () => {
      clearInterval(timer);
      await worker.terminate();
    },
  };
}
