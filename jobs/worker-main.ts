// `npm run worker`: workers only. Run as many as needed, on any machines sharing one Redis.
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { realCheck, realExplain } from './defaults.js';
import { closeOnSignals } from './shutdown.js';
import { startWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig({ role: 'worker' });
  const logger = createLogger(config.logLevel);
  const running = await startWorker(config, { check: realCheck, explain: realExplain, logger });
  closeOnSignals(logger, () => running.close());
}

main().catch((err: unknown) => {
  // A configuration error is for a human: its message only, no stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
