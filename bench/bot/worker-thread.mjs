// The bench's workers on a thread of their own, as `npm start` runs them (handlers/app.ts): the
// checks' CPU stays off the web handler's event loop, and the thread lowers its priority
// (jobs/thread-priority.ts). Messages: pause, resume, close, and { type: 'nice', value } (sets
// the thread's nice: 0 again needs root, as the bench's comparison does); it reports ready,
// paused, resumed, closed, niced, and one 'done' per finished job.
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../../dist/src/config.js';
import { createLogger } from '../../dist/src/log.js';
import { realCheck, realExplain } from '../../dist/jobs/defaults.js';
import { startWorker } from '../../dist/jobs/worker.js';
import { CHECK_THREAD_NICE, lowerThreadPriority } from '../../dist/jobs/thread-priority.js';

if (!lowerThreadPriority(CHECK_THREAD_NICE)) throw new Error('bench worker thread: could not lower its priority');

const config = loadConfig({ env: workerData.env, dotenvPath: false, role: 'worker' });
const logger = createLogger('silent');
const running = await startWorker(config, { check: realCheck, explain: realExplain, logger });
running.worker.on('completed', () => parentPort.postMessage({ type: 'done' }));
running.worker.on('failed', () => parentPort.postMessage({ type: 'done' }));
parentPort.on('message', async (msg) => {
  if (msg.type === 'pause') { await running.worker.pause(); parentPort.postMessage({ type: 'paused' }); }
  if (msg.type === 'resume') { running.worker.resume(); parentPort.postMessage({ type: 'resumed' }); }
  if (msg.type === 'nice') parentPort.postMessage({ type: lowerThreadPriority(msg.value) ? 'niced' : 'not-niced' });
  if (msg.type === 'close') { await running.close(); parentPort.postMessage({ type: 'closed' }); }
});
parentPort.postMessage({ type: 'ready' });
