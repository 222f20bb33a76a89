// Acknowledgements before the work that follows them. Fifty slash commands at once are served
// one after another on one event loop, so the last ack waits for all the CPU the loop spends
// before it: a command's enqueue (BullMQ's job, its Lua call, the log line) waits here until no
// request read by the receiver is still waiting for its ack, and Redis answers the acks' own
// commands (replay guard, rate limits) without the jobs' scripts queued in front of them.
// Everything waiting resumes in one callback, so the enqueues of a burst go out together (one
// write on an auto-pipelined connection instead of one each).
//
// A burst does not arrive in one turn of the event loop: its requests come over some ms, and the
// receiver catches up between them. Released at the first moment none waited, the enqueues of the
// early ones ran between later acks, and their checks could start (the workers, Redis,
// the sockets' kernel work) while later commands still waited. In the bot bench with checks
// running (bursts alternating between the two in the same runs, 15 each), 6 bursts released that
// way had a last ack of 95-165 ms; with a quiet gap, none was over 88 ms. So work waits for a gap
// of ACK_QUIET_MS with no request waiting; a request arriving in the gap starts it again.

/** How long work may wait for acks at most: a steady stream of requests must not hold it for ever. */
export const MAX_ACK_WAIT_MS = 200;
/**
 * The gap with no request waiting for its ack after which work is released: longer than the
 * spacing of a burst's requests as they reach the receiver, short beside a check (the delay it
 * adds to a lone command's check is this, once).
 */
export const ACK_QUIET_MS = 10;

export interface AckOrder {
  /** The receiver has a request it has not answered yet. */
  begin(): void;
  /** That request is answered (or its connection is gone). */
  end(): void;
  /** Resolves once no request has waited for its ack for `quietMs` (at most `maxWaitMs` after it was asked), together with all other work waiting. */
  afterAcks(): Promise<void>;
}

export function createAckOrder(maxWaitMs = MAX_ACK_WAIT_MS, quietMs = ACK_QUIET_MS): AckOrder {
  let pending = 0;
  let waiting: (() => void)[] = [];
  let scheduled = false;
  let bound: NodeJS.Timeout | undefined;
  let quiet: NodeJS.Timeout | undefined;
  const release = (): void => {
    scheduled = false;
    clearTimeout(bound);
    clearTimeout(quiet);
    bound = undefined;
    quiet = undefined;
    const batch = waiting;
    waiting = [];
    for (const resolve of batch) resolve();
  };
  // Without a quiet gap, after setImmediate: the acks sent in this turn of the event loop leave before the work they release.
  const releaseSoon = (): void => {
    if (scheduled || waiting.length === 0) return;
    scheduled = true;
    if (quietMs > 0) quiet = setTimeout(release, quietMs);
    else setImmediate(release);
  };
  return {
    begin() {
      pending++;
      if (quiet === undefined) return;
      // A request in the gap: the burst goes on.
      clearTimeout(quiet);
      quiet = undefined;
      scheduled = false;
    },
    end() {
      pending = Math.max(0, pending - 1);
      if (pending === 0) releaseSoon();
    },
    afterAcks() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        // The bound holds from the first waiter on, whether requests are waiting now or come in the gap.
        bound ??= setTimeout(release, maxWaitMs);
        if (pending === 0) releaseSoon();
      });
    },
  };
}

/** Without a receiver that counts its requests (Socket Mode, tests): after the acks of this turn of the event loop. */
export const immediateAckOrder = (): AckOrder => createAckOrder(0, 0);
