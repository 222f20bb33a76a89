// The bench's workers in a process of their own, as `npm start` runs them (handlers/app.ts,
// jobs/worker-process.ts), every thread of it at nice +10 (jobs/thread-priority.ts). Messages:
// { type: 'start', env }, pause, resume, close, and { type: 'nice', value } (sets every thread's
// nice: 0 again needs root, as the bench's comparison does); it reports ready, paused, resumed,
// closed, niced or not-niced, and one 'done' per finished job. It exits when the bench goes.
import { loadConfig } from '../../dist/src/config.js';
import { createLogger } from '../../dist/src/log.js';
import { realCheck, realExplain } from '../../dist/jobs/defaults.js';
import { startWorker } from '../../dist/jobs/worker.js';
import { CHECKS_NICE, lowerProcessPriority } from '../../dist/jobs/thread-priority.js';

if (!lowerProcessPriority(CHECKS_NICE)) throw new Error('bench workers: could not lower their priority');

let running;
const tell = (type) => process.connected && process.send({ type });
process.on('message', async (msg) => {
  if (msg.type === 'start') {
    const config = loadConfig({ env: msg.env, dotenvPath: false, role: 'worker' });
    running = await startWorker(config, { check: realCheck, explain: realExplain, logger: createLogger('silent') });
    running.worker.on('completed', () => tell('done'));
    running.worker.on('failed', () => tell('done'));
    tell('ready');
  }
  if (msg.type === 'pause') { await running.worker.pause(); tell('paused'); }
  if (msg.type === 'resume') { running.worker.resume(); tell('resumed'); }
  if (msg.type === 'nice') tell(lowerProcessPriority(msg.value) ? 'niced' : 'not-niced');
  if (msg.type === 'close') { await running?.close(); tell('closed'); }
});
process.on('disconnect', async () => {
  await running?.close();
  process.exit(0);
});
