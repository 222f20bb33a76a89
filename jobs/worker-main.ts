// `npm run worker`: workers only (one-off and scheduled checks). Run as many as needed, on any
// machines sharing one Redis.
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { realCheck, realExplain } from './defaults.js';
import { closeOnSignals } from './shutdown.js';
import { startWorker } from './worker.js';
import { startScheduleWorker } from './schedule-worker.js';

async function main(): Promise<void> {
  const config = loadConfig({ role: 'worker' });
  const logger = createLogger(config.logLevel);
  const running = await startWorker(config, { check: realCheck, explain: realExplain, logger });
  // Recurring checks too; this process never upserts schedulers (the app does, at start and on commands).
  const scheduled = await startScheduleWorker(config, { check: realCheck, logger });
  closeOnSignals(logger, async () => {
    await Promise.all([running.close(), scheduled.close()]);
  });
}

main().catch((err: unknown) => {
  // A configuration error is for a human: its message only, no stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
