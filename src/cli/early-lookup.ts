// A check's DNS lookup, started before the engine's modules are evaluated: the first hellos wait
// on the name's addresses, so looking them up while the engine loads takes the lookup (or the
// load) off a run's wall time. Only a lookup the check itself would make is started early.
import { parseTarget, resolveTarget, systemLookup, type LookupFn } from '../target/index.js';

/**
 * Starts the lookup of `input`'s host now and returns the check's lookup, which answers that
 * host with it; undefined when the check would look nothing up (an IP address, invalid input).
 */
export function startLookup(input: string, sni: string | undefined): LookupFn | undefined {
  const parsed = parseTarget(input, { sni });
  if (!parsed.ok) return undefined;
  let early: { host: string; answer: ReturnType<LookupFn> } | undefined;
  // resolveTarget validates as the check will and calls the lookup only where the check would;
  // its outcome is the check's to report, when the check resolves the same host through `early`.
  resolveTarget(parsed.target, {
    lookup: (host) => {
      early = { host, answer: systemLookup(host) };
      return early.answer;
    },
  }).catch(() => undefined);
  if (!early) return undefined;
  const { host, answer } = early;
  return (name) => (name === host ? answer : systemLookup(name));
}
