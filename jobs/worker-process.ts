// The workers of `npm start`, in a process of their own that the web handler forks
// (handlers/app.ts), at a lower priority (thread-priority.ts). Not a thread of the web handler's
// process: a check spawns `openssl` for its evidence, and a fork marks every page of the forking
// process copy-on-write, so the web handler then took a page fault on each page it wrote during
// the next burst of acks (about 900 more faults per burst of 50 in the bot bench, and its last
// ack ~40 ms later); V8's helper threads were shared with the checks too. The web handler drives
// shutdown: it stops taking requests, then asks this process to finish its checks and exit.
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { errorSummary } from '../src/errors.js';
import { startWorkers, type RunningWorkers } from './run-workers.js';
import { lowerProcessPriority } from './thread-priority.js';
import { startLoopWatch } from './loop-watch.js';
import type { MetricJson } from './metrics.js';

export type ToWorkerProcess = { type: 'close' } | { type: 'metrics'; id: number } | { type: 'ping'; id: number };
export type FromWorkerProcess = { type: 'ready' } | { type: 'closed' } | { type: 'metrics'; id: number; metrics: MetricJson } | { type: 'pong'; id: number };

if (!process.send) throw new Error('jobs/worker-process.js runs as the workers of handlers/app.js (npm start); `npm run worker` runs workers alone');
const tell = (msg: FromWorkerProcess, then?: () => void): void => {
  if (!process.connected) return then?.();
  process.send?.(msg, undefined, {}, () => then?.());
};

const config = loadConfig({ role: 'worker' });
const logger = createLogger(config.logLevel).child({ process: 'workers' });
// Before any check: the web handler comes first when both want a core.
const lowered = lowerProcessPriority();
if (lowered) logger.info({ pid: process.pid, tids: lowered.tids, nice: lowered.nice }, 'checks run at a lower priority than the web handler');
else logger.warn('could not lower the checks\' priority; acks may wait for checks on a busy machine');
// After the priority: its thread inherits the lowered one. It dies with the process at exit.
startLoopWatch({ logger });
// A signal to the whole process group (a terminal's Ctrl-C, systemd's stop) reaches this process
// too: the web handler's close decides when the checks stop.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
let workers: RunningWorkers | null = null;
let closeAsked = false;
let closing = false;
const close = (): void => {
  closeAsked = true;
  if (closing || !workers) return;
  closing = true;
  workers.close().then(
    () => tell({ type: 'closed' }, () => process.exit(0)),
    (err: unknown) => {
      logger.error({ err: errorSummary(err) }, 'error while closing the workers');
      tell({ type: 'closed' }, () => process.exit(1));
    },
  );
};
// Listening before the workers start: a close asked for meanwhile (a SIGTERM at start) is kept.
process.on('message', (msg: ToWorkerProcess) => {
  if (msg.type === 'close') return close();
  // The web handler's liveness watch (jobs/liveness.ts): answering at all is the point.
  if (msg.type === 'ping') return tell({ type: 'pong', id: msg.id });
  const answer = workers ? workers.metrics.registry.getMetricsAsJSON() : Promise.resolve([]);
  void answer.then((metrics) => tell({ type: 'metrics', id: msg.id, metrics }));
});
// The web handler is gone (killed, crashed): finish the running checks and exit with it.
process.on('disconnect', close);
workers = await startWorkers(config, logger);
if (closeAsked) close();
else tell({ type: 'ready' });
