// Acknowledgements before the work that follows them. Fifty slash commands at once are served
// one after another on one event loop, so the last ack waits for all the CPU the loop spends
// before it: a command's enqueue (BullMQ's job, its Lua call, the log line) waits here until no
// request read by the receiver is still waiting for its ack, and Redis answers the acks' own
// commands (replay guard, rate limits) without the jobs' scripts queued in front of them.
// Everything waiting resumes in one callback, so the enqueues of a burst go out together (one
// write on an auto-pipelined connection instead of one each).

/** How long work may wait for acks at most: a steady stream of requests must not hold it for ever. */
export const MAX_ACK_WAIT_MS = 200;

export interface AckOrder {
  /** The receiver has a request it has not answered yet. */
  begin(): void;
  /** That request is answered (or its connection is gone). */
  end(): void;
  /** Resolves once no request waits for its ack (at most `maxWaitMs` later), together with all other work waiting. */
  afterAcks(): Promise<void>;
}

export function createAckOrder(maxWaitMs = MAX_ACK_WAIT_MS): AckOrder {
  let pending = 0;
  let waiting: (() => void)[] = [];
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  const release = (): void => {
    scheduled = false;
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    for (const resolve of batch) resolve();
  };
  // After setImmediate: the acks sent in this turn of the event loop leave before the work they release.
  const releaseSoon = (): void => {
    if (scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(release);
  };
  return {
    begin() {
      pending++;
    },
    end() {
      pending = Math.max(0, pending - 1);
      if (pending === 0) releaseSoon();
    },
    afterAcks() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (pending === 0) releaseSoon();
        else timer ??= setTimeout(release, maxWaitMs);
      });
    },
  };
}

/** Without a receiver that counts its requests (Socket Mode, tests): after the acks of this turn of the event loop. */
export const immediateAckOrder = (): AckOrder => createAckOrder(0);
