// At most one progress update per interval (Slack allows about one message write per second per
// channel), always ending on the latest state, and nothing sent once stopped.

export interface Throttle<T> {
  /** Records the latest value; sends now if the interval has passed, else once it has. */
  push(value: T): void;
  /** Cancels what is pending and waits for a send in flight, so nothing lands after the final message. */
  stop(): Promise<void>;
}

export function createThrottle<T>(send: (value: T) => Promise<void>, intervalMs: number, now: () => number = Date.now): Throttle<T> {
  let lastSent = -Infinity;
  let pending: { value: T } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const fire = (): void => {
    timer = null;
    if (stopped || !pending || inFlight) return;
    const { value } = pending;
    pending = null;
    lastSent = now();
    // Progress is decoration: a failed update must not fail the check.
    inFlight = send(value)
      .catch(() => undefined)
      .finally(() => {
        inFlight = null;
        if (pending) schedule();
      });
  };

  const schedule = (): void => {
    if (stopped || timer || inFlight) return;
    const wait = Math.max(0, lastSent + intervalMs - now());
    if (wait === 0) fire();
    else timer = setTimeout(fire, wait);
  };

  return {
    push(value) {
      if (stopped) return;
      pending = { value };
      schedule();
    },
    async stop() {
      stopped = true;
      pending = null;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
  };
}
