// `npm run worker`: workers only (one-off and scheduled checks). Run as many as needed, on any
// machines sharing one Redis.
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { closeOnSignals } from './shutdown.js';
import { startWorkers } from './run-workers.js';

async function main(): Promise<void> {
  const config = loadConfig({ role: 'worker' });
  const logger = createLogger(config.logLevel);
  const workers = await startWorkers(config, logger);
  closeOnSignals(logger, workers.close);
}

main().catch((err: unknown) => {
  // A configuration error is for a human: its message only, no stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
