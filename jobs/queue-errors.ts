// 'error' listeners for the BullMQ objects (Queue, Worker, QueueEvents). Without one, BullMQ
// writes every connection error to stderr itself (console.error), once per reconnect attempt,
// for as long as Redis is away; with a plain logging listener the log fills the same way. Here an
// outage costs at most one warn line per object per interval, saying how many were left out.
import type { Logger } from '../src/log.js';
import { errorSummary } from '../src/errors.js';

/** At most one line per object this often: enough to see an outage start and last, not every retry. */
export const ERROR_LOG_INTERVAL_MS = 10_000;

export interface ErrorSource {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface QuietErrorOptions {
  intervalMs?: number;
  now?: () => number;
}

/** Attaches the listener; `what` names the object in the log line ("check queue", "worker"). */
export function logErrorsQuietly(source: ErrorSource, log: Logger | undefined, what: string, opts: QuietErrorOptions = {}): void {
  const intervalMs = opts.intervalMs ?? ERROR_LOG_INTERVAL_MS;
  const now = opts.now ?? Date.now;
  let lastAt = -Infinity;
  let suppressed = 0;
  source.on('error', (err) => {
    const t = now();
    if (t - lastAt < intervalMs) {
      suppressed++;
      return;
    }
    lastAt = t;
    // Without a logger (tests, one-off scripts) the listener still keeps BullMQ off stderr.
    log?.warn({ queueObject: what, err: errorSummary(err), suppressedSinceLast: suppressed }, `${what} error (more within ${intervalMs / 1000} s are counted, not logged)`);
    suppressed = 0;
  });
}
