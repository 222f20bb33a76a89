// RFC 7507 TLS_FALLBACK_SCSV: a hello for a lower version than the server's best, flagged as a
// fallback, must be refused with inappropriate_fallback by a server that implements it.
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { helloFor, HELLO_VERSIONS } from './protocols.js';
import { sendHello } from './raw-hello.js';

export const name = 'fallback-scsv';
export const phase = 'versions';

export interface FallbackScsvResult {
  /** null when the server speaks fewer than two versions (no fallback possible) or on network trouble. */
  supported: boolean | null;
  /** The lower version the flagged hello offered. */
  protocol: ProtocolName | null;
}

const INAPPROPRIATE_FALLBACK = 86;

export async function run(ctx: ProbeContext): Promise<FallbackScsvResult> {
  const supported = HELLO_VERSIONS.filter((v) => ctx.protocols?.[v] === true);
  const lower = supported[supported.length - 2];
  if (!lower) return { supported: null, protocol: null };
  const outcome = await sendHello(ctx, helloFor(ctx, lower, { fallbackScsv: true }));
  if (outcome.kind === 'alert' && outcome.description === INAPPROPRIATE_FALLBACK) return { supported: true, protocol: lower };
  // Anything else the server's TLS stack says is odd for a version it just accepted: leave it unknown.
  return { supported: outcome.kind === 'server-hello' ? false : null, protocol: lower };
}

export function apply(result: CheckResult, value: FallbackScsvResult): void {
  result.fallbackScsv = value.supported;
}
