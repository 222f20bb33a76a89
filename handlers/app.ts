// `npm start`: the web handler and workers in one process (small installs), the workers on a
// thread of their own so checks never delay an ack. Bigger installs add `npm run worker`
// processes on other machines; they share the queue through Redis.
import { Worker } from 'node:worker_threads';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createCheckQueue } from '../jobs/queue.js';
import { realExplain } from '../jobs/defaults.js';
import { closeOnSignals, isMain } from '../jobs/shutdown.js';
import type { FromWorkerThread, ToWorkerThread } from '../jobs/worker-thread.js';
import { lowerHelperThreads } from '../jobs/thread-priority.js';
import type { Logger } from '../src/log.js';
import type { MetricJson } from '../jobs/metrics.js';
import { createApp } from './create-app.js';

export { createApp } from './create-app.js';

interface WorkerThread {
  close: () => Promise<void>;
  /** The thread's own metrics (checks it ran, its Slack calls), for the web process's /metrics. */
  metrics: () => Promise<MetricJson>;
}

/** Starts the workers' thread; resolves once they take jobs. A thread that dies ends the process. */
function startWorkerThread(logger: Logger): Promise<WorkerThread> {
  const thread = new Worker(new URL('../jobs/worker-thread.js', import.meta.url));
  let closing = false;
  thread.on('error', (err) => logger.error({ err: err.message }, 'worker thread failed'));
  thread.on('exit', (code) => {
    if (closing) return;
    logger.error({ code }, 'worker thread exited; stopping so that the supervisor restarts the app');
    process.exit(1);
  });
  const close = (): Promise<void> => {
    closing = true;
    return new Promise((resolve) => {
      thread.once('exit', () => resolve());
      thread.on('message', (msg: FromWorkerThread) => {
        if (msg.type === 'closed') void thread.terminate();
      });
      thread.postMessage({ type: 'close' } satisfies ToWorkerThread);
    });
  };
  let nextId = 0;
  const waiting = new Map<number, (m: MetricJson) => void>();
  const metrics = (): Promise<MetricJson> =>
    new Promise((resolve) => {
      const id = ++nextId;
      // A thread busy past a scrape's patience answers nothing rather than holding the scrape.
      const timer = setTimeout(() => waiting.delete(id) && resolve([]), 2_000);
      waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      thread.postMessage({ type: 'metrics', id } satisfies ToWorkerThread);
    });
  return new Promise((resolve) => {
    thread.on('message', (msg: FromWorkerThread) => {
      if (msg.type === 'ready') resolve({ close, metrics });
      if (msg.type === 'metrics') {
        waiting.get(msg.id)?.(msg.metrics);
        waiting.delete(msg.id);
      }
    });
  });
}

async function main(): Promise<void> {
  const config = loadConfig({ role: 'app' });
  const logger = createLogger(config.logLevel);
  // Before the checks' thread starts: node's helper threads serve it too (thread-priority.ts).
  const helpers = lowerHelperThreads();
  if (helpers) logger.info({ tids: helpers }, 'node\'s helper threads run at the checks\' priority');
  const queue = createCheckQueue(config, logger);
  const workers = await startWorkerThread(logger);
  const deps = { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger, workerMetrics: workers.metrics };
  const app = createApp(config, deps);
  // start() reconciles the schedulers with the store once, then takes requests.
  await app.start();
  closeOnSignals(logger, async () => {
    // Stop accepting requests first, then let running checks finish and report.
    await app.stop();
    await workers.close();
    await queue.close();
  });
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    // A configuration error is for a human: its message only, no stack.
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
