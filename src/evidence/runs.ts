// The s_client runs of one check, by command: diagnoses whose recipes make the same command (the
// plain connect of every certificate diagnosis) share one run, and a run started early, while the
// probes still ran, serves the diagnosis that picks the same command at the end. The key is the
// paste-able command, which holds every argument and the stdin: equal keys are equal runs.
import type { Invocation } from './command.js';
import { runOpenssl, type OpensslOutcome } from './openssl.js';

/** Runs fn in one of the check's socket slots (the per-target cap), holding it until fn settles. */
export type SocketSlot = <T>(fn: () => Promise<T>) => Promise<T>;

export interface SharedRun {
  outcome: Promise<OpensslOutcome>;
  /** The hard limit it was started with: observe() reports a timeout in these terms. */
  timeoutMs: number;
}

export interface EvidenceRuns {
  /**
   * The run of this command: the one already started, or a new one. With `slot` (the check's
   * socket cap, while its probes run) s_client starts only once a slot is free, and holds it.
   */
  run(inv: Invocation, timeoutMs: number, signal?: AbortSignal, slot?: SocketSlot): SharedRun;
  has(command: string): boolean;
  /** How many were started (early ones included). */
  readonly size: number;
  /** Kills the runs no diagnosis used (an early guess the final result did not pick); ends early starts. */
  discardExcept(used: ReadonlySet<string>): void;
  /** Set by discardExcept: the final result has had its evidence. */
  readonly closed: boolean;
}

export function createEvidenceRuns(): EvidenceRuns {
  const runs = new Map<string, SharedRun & { stop: AbortController }>();
  let closed = false;
  return {
    run(inv, timeoutMs, signal, slot) {
      const known = runs.get(inv.command);
      if (known) return known;
      const stop = new AbortController();
      const onAbort = (): void => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) stop.abort();
      const start = (): Promise<OpensslOutcome> => runOpenssl(inv.action, inv.args, { stdin: inv.stdin, timeoutMs, signal: stop.signal });
      const outcome = (slot ? slot(start) : start())
        .finally(() => signal?.removeEventListener('abort', onAbort));
      const shared = { outcome, timeoutMs, stop };
      runs.set(inv.command, shared);
      return shared;
    },
    has: (command) => runs.has(command),
    get size() {
      return runs.size;
    },
    get closed() {
      return closed;
    },
    discardExcept(used) {
      closed = true;
      for (const [command, r] of runs) if (!used.has(command)) r.stop.abort();
    },
  };
}
