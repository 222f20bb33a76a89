// The workers of `npm start`, on a thread of their own: checks are CPU-bound (dozens of TLS
// handshakes each) and, on the web handler's event loop, delayed slash-command acks past 100 ms
// under load. Signals reach only the main thread, which asks this one to close by message.
import { parentPort } from 'node:worker_threads';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startWorkers } from './run-workers.js';
import { lowerThreadPriority } from './thread-priority.js';
import type { MetricJson } from './metrics.js';

export type ToWorkerThread = { type: 'close' } | { type: 'metrics'; id: number };
export type FromWorkerThread = { type: 'ready' } | { type: 'closed' } | { type: 'metrics'; id: number; metrics: MetricJson };

const port = parentPort;
if (!port) throw new Error('jobs/worker-thread.js runs as a worker thread of handlers/app.js');

const config = loadConfig({ role: 'worker' });
const logger = createLogger(config.logLevel).child({ thread: 'workers' });
// Before any check: the web handler's thread comes first when both want a core.
const lowered = lowerThreadPriority();
if (lowered) logger.info({ tid: lowered.tid, nice: lowered.nice }, 'checks run at a lower priority than the web handler');
else logger.warn('could not lower the checks\' thread priority; acks may wait for checks on a busy machine');
const workers = await startWorkers(config, logger);
port.postMessage({ type: 'ready' } satisfies FromWorkerThread);
port.on('message', (msg: ToWorkerThread) => {
  if (msg.type === 'metrics') {
    void workers.metrics.registry.getMetricsAsJSON().then((metrics) => port.postMessage({ type: 'metrics', id: msg.id, metrics } satisfies FromWorkerThread));
    return;
  }
  workers.close().then(
    () => port.postMessage({ type: 'closed' } satisfies FromWorkerThread),
    (err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'error while closing the workers');
      port.postMessage({ type: 'closed' } satisfies FromWorkerThread);
    },
  );
});
