// `npm start`: the web handler and workers in one process (small installs). Bigger ones add
// `npm run worker` processes on other machines; they share the queue through Redis.
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createCheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { closeOnSignals, isMain } from '../jobs/shutdown.js';
import { startWorker } from '../jobs/worker.js';
import { startScheduleWorker } from '../jobs/schedule-worker.js';
import { createApp } from './create-app.js';

export { createApp } from './create-app.js';

async function main(): Promise<void> {
  const config = loadConfig({ role: 'app' });
  const logger = createLogger(config.logLevel);
  const queue = createCheckQueue(config, logger);
  const deps = { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger };
  const app = createApp(config, deps);
  const worker = await startWorker(config, { check: realCheck, explain: realExplain, logger });
  const scheduleWorker = await startScheduleWorker(config, { check: realCheck, logger });
  // start() reconciles the schedulers with the store once, then takes requests.
  await app.start();
  closeOnSignals(logger, async () => {
    // Stop accepting requests first, then let running checks finish and report.
    await app.stop();
    await Promise.all([worker.close(), scheduleWorker.close()]);
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
