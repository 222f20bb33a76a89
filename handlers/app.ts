// `npm start`: the web handler, and the workers in a process of their own at a lower priority
// (jobs/worker-process.ts says why not a thread), so checks never delay an ack. Bigger installs
// add `npm run worker` processes on other machines; they share the queue through Redis.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createCheckQueue } from '../jobs/queue.js';
import { realExplain } from '../jobs/defaults.js';
import { closeOnSignals, isMain } from '../jobs/shutdown.js';
import { watchLiveness } from '../jobs/liveness.js';
import type { FromWorkerProcess, ToWorkerProcess } from '../jobs/worker-process.js';
import type { Logger } from '../src/log.js';
import type { MetricJson } from '../jobs/metrics.js';
import { createApp } from './create-app.js';

export { createApp } from './create-app.js';

interface WorkerProcess {
  close: () => Promise<void>;
  /** The process's own metrics (checks it ran, its Slack calls), for the web handler's /metrics. */
  metrics: () => Promise<MetricJson>;
}

/** Starts the workers' process; resolves once they take jobs. A workers' process that dies ends this one. */
function startWorkerProcess(logger: Logger): Promise<WorkerProcess> {
  // No node flags of the web handler's (they tune its idle heap); the workers run as `npm run worker` does.
  const child = fork(fileURLToPath(new URL('../jobs/worker-process.js', import.meta.url)), [], { execArgv: [] });
  let closing = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('error', (err) => logger.error({ err: err.message }, 'workers\' process failed'));
  const send = (msg: ToWorkerProcess): void => {
    if (child.connected) child.send(msg);
  };
  // A workers' process whose event loop is stuck never exits by itself: kill it, and the exit
  // below stops the app too (jobs/liveness.ts).
  const liveness = watchLiveness({
    ping: (id) => send({ type: 'ping', id }),
    onStuck: (silentMs) => {
      logger.error({ pid: child.pid, silentMs }, 'workers\' process stopped answering (its event loop is blocked); killing it');
      child.kill('SIGKILL');
    },
  });
  child.on('exit', (code, signal) => {
    liveness.stop();
    if (closing) return;
    logger.error({ code, signal }, 'workers\' process exited; stopping so that the supervisor restarts the app');
    process.exit(1);
  });
  const close = async (): Promise<void> => {
    closing = true;
    send({ type: 'close' });
    await exited;
  };
  let nextId = 0;
  const waiting = new Map<number, (m: MetricJson) => void>();
  const metrics = (): Promise<MetricJson> =>
    new Promise((resolve) => {
      const id = ++nextId;
      // A process busy past a scrape's patience answers nothing rather than holding the scrape.
      const timer = setTimeout(() => waiting.delete(id) && resolve([]), 2_000);
      waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      send({ type: 'metrics', id });
    });
  return new Promise((resolve) => {
    child.on('message', (msg: FromWorkerProcess) => {
      if (msg.type === 'ready') resolve({ close, metrics });
      if (msg.type === 'pong') liveness.answered(msg.id);
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
  const queue = createCheckQueue(config, logger);
  const workers = await startWorkerProcess(logger);
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
