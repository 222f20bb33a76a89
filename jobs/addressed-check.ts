// The real check for the worker, holding the per-host slot of the ADDRESS the target resolved to
// while it probes: keyed by name, fifty names pointing at one server would get fifty times the
// slots; keyed by a second lookup, the slot could be for another address than the one probed.
// runCheck resolves once and hands the resolved target to aroundProbes before connecting.
import { runCheck, type CheckOptions } from '../src/check.js';
import type { ResolvedTarget } from '../src/probe/context.js';
import type { LookupFn } from '../src/target/index.js';
import type { CheckResult } from '../src/types.js';

/** The slot a check holds while it probes: `key` counts in the semaphore, `label` is what a user is told. */
export interface SlotRef {
  key: string;
  label: string;
}

/** Runs `run` holding a slot; throws (HostBusyError) when none came free. */
export type HoldSlot = <T>(slot: SlotRef, run: () => Promise<T>) => Promise<T>;

/** A check that calls `hold` with the address it is about to probe, after resolving and before connecting. */
export type AddressedCheckFn = (input: string, opts: CheckOptions, hold: HoldSlot) => Promise<CheckResult>;

export interface AddressedCheckDeps {
  /** Tests resolve names without DNS; default: the system resolver, as runCheck uses. */
  lookup?: LookupFn;
  /** Tests probe without sockets; default: probeTarget. */
  probe?: (target: ResolvedTarget, opts: CheckOptions, started: number) => Promise<CheckResult>;
}

/** The slot of a resolved target: its address; the label says both when the user typed a name. */
export function slotOf(target: Pick<ResolvedTarget, 'host' | 'ip'>): SlotRef {
  const key = target.ip.toLowerCase();
  return { key, label: target.host.toLowerCase() === key ? target.host : `${target.host} (${target.ip})` };
}

export function createAddressedCheck(deps: AddressedCheckDeps = {}): AddressedCheckFn {
  return (input, opts, hold) =>
    runCheck(input, {
      ...opts,
      lookup: deps.lookup ?? opts.lookup,
      aroundProbes: (target, probe) => {
        const { probe: fake } = deps;
        return hold(slotOf(target), fake ? () => fake(target, opts, performance.now()) : probe);
      },
    });
}
