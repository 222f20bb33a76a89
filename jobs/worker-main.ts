// `npm run worker`: workers only (one-off and scheduled checks). Run as many as needed, on any
// machines sharing one Redis. With TLSCHECK_HEALTH_PORT, it serves GET /healthz and /metrics.
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { closeOnSignals } from './shutdown.js';
import { startWorkers } from './run-workers.js';
import { startOpsServer } from './health.js';
import { startLoopWatch } from './loop-watch.js';

async function main(): Promise<void> {
  const config = loadConfig({ role: 'worker' });
  const logger = createLogger(config.logLevel);
  const watch = startLoopWatch({ logger });
  const workers = await startWorkers(config, logger);
  const ops = config.healthPort === undefined ? null : await startOpsServer(workers.routes, { port: config.healthPort });
  if (ops) logger.info({ port: (ops.address() as { port: number }).port }, 'serving /healthz and /metrics');
  closeOnSignals(logger, async () => {
    ops?.close();
    ops?.closeAllConnections();
    await workers.close();
    await watch.stop();
  });
}

main().catch((err: unknown) => {
  // A configuration error is for a human: its message only, no stack.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
