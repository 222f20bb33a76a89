// Whether the workers' process (jobs/worker-process.ts) still runs its event loop. A process whose
// loop is blocked answers nothing, runs no timer and never exits on its own: its jobs are retried
// elsewhere once their locks lapse, but with no other worker every check would wait for good. Seen
// here: Node 20 deadlocks in native code when a garbage collection lands inside a JWK export of a
// generated key (codec/tls12-handshake.ts keyAgreement). The web handler pings it over IPC and
// kills it when it stops answering; its exit then stops the app for the supervisor to restart.

/** How often the web handler asks. */
export const LIVENESS_INTERVAL_MS = 10_000;
/**
 * Silence after which the process counts as stuck. A loaded worker answers within a fraction of a
 * second (checks are asynchronous; the longest synchronous stretch, a garbage collection, takes
 * well under one): a minute of silence is no busy spell.
 */
export const LIVENESS_DEAD_MS = 60_000;

export interface LivenessOptions {
  /** Sends a ping carrying `id`; the answer comes back through answered(id). */
  ping: (id: number) => void;
  /** Called once, when no answer came for deadMs. */
  onStuck: (silentMs: number) => void;
  intervalMs?: number;
  deadMs?: number;
  /** A monotonic clock in ms (tests give their own). */
  now?: () => number;
}

export interface Liveness {
  /** An answer to ping `id` arrived. */
  answered: (id: number) => void;
  stop: () => void;
}

export function watchLiveness(opts: LivenessOptions): Liveness {
  const intervalMs = opts.intervalMs ?? LIVENESS_INTERVAL_MS;
  const deadMs = opts.deadMs ?? LIVENESS_DEAD_MS;
  const now = opts.now ?? (() => performance.now());
  let lastAnswer = now();
  let lastTick = lastAnswer;
  let next = 0;
  let stopped = false;
  const timer = setInterval(() => {
    const at = now();
    // This process was itself held up (its answers may be waiting unread behind this timer):
    // the silence says nothing about the other one, so its window starts again.
    if (at - lastTick > 2 * intervalMs) lastAnswer = at;
    lastTick = at;
    const silent = at - lastAnswer;
    if (silent >= deadMs) {
      stop();
      opts.onStuck(Math.round(silent));
      return;
    }
    opts.ping(++next);
  }, intervalMs);
  // The watch alone must not keep the web handler running.
  timer.unref();
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    answered: (id) => {
      // Any answer to a ping of this watch proves the loop ran since it was sent.
      if (!stopped && id > 0 && id <= next) lastAnswer = now();
    },
    stop,
  };
}
