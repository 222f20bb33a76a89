// Both workers a worker process runs (one-off and scheduled checks), started and closed together.
import type { Config } from '../src/config.js';
import type { Logger } from '../src/log.js';
import { realCheck, realExplain } from './defaults.js';
import { startWorker } from './worker.js';
import { startScheduleWorker } from './schedule-worker.js';

export async function startWorkers(config: Config, logger: Logger): Promise<{ close: () => Promise<void> }> {
  const checks = await startWorker(config, { check: realCheck, explain: realExplain, logger });
  // This process never upserts schedulers (the app does, at start and on commands): it only consumes.
  const scheduled = await startScheduleWorker(config, { check: realCheck, logger });
  return {
    close: async () => {
      await Promise.all([checks.close(), scheduled.close()]);
    },
  };
}
