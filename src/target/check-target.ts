// Validating a target before it is queued: the same parser as the CLI, then, for an address typed
// as such, the Slack address policy, so "/tlscheck 10.0.0.1" is refused at once without a job.
// Names are judged by the check runner after DNS (jobs/check-runner.ts), where the address is known.
import { hostPort } from './host-port.js';
import type { ParseResult } from './parse.js';
import type { PolicyVerdict } from './policy.js';

export type ParseTargetFn = (input: string, opts: { sni?: string }) => ParseResult;

export interface AddressPolicyLike {
  check(ip: string): PolicyVerdict;
}

export type TargetCheck =
  | { ok: true; input: string; sni: string | null; label: string }
  | { ok: false; problem: string };

export function checkTarget(target: string, sni: string | null, parse: ParseTargetFn, policy: AddressPolicyLike): TargetCheck {
  const parsed = parse(target, sni ? { sni } : {});
  if (!parsed.ok) return { ok: false, problem: parsed.error };
  const { host, port, isIp } = parsed.target;
  const input = hostPort(host, port);
  if (isIp) {
    const verdict = policy.check(host);
    if (!verdict.allowed) return { ok: false, problem: `⛔ Not checked: ${verdict.reason}.` };
  }
  const label = sni && sni !== host ? `${input} (SNI ${sni})` : input;
  return { ok: true, input, sni, label };
}
