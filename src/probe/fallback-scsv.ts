// RFC 7507 TLS_FALLBACK_SCSV: a hello for a lower version than the server's best, flagged as a
// fallback, must be refused with inappropriate_fallback by a server that implements it. Some
// refuse without the alert: GnuTLS leaves sending it to the application (gnutls-serv does,
// lighttpd's mod_gnutls just closes), so a close is read against the same hello without the SCSV.
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { helloFor, HELLO_VERSIONS } from './protocols.js';
import { sendHello, type HelloOutcome } from './raw-hello.js';

export interface FallbackScsvResult {
  /** null when the server speaks fewer than two versions (no fallback possible) or on network trouble. */
  supported: boolean | null;
  /** The lower version the flagged hello offered. */
  protocol: ProtocolName | null;
  /** How the flagged hello was refused, e.g. "fatal alert 86 inappropriate_fallback". */
  refusal?: string | null;
}

export const name = 'fallback-scsv';
export const phase = 'versions';

const INAPPROPRIATE_FALLBACK = 86;

/** Closed or reset without a word: a refusal only if the unflagged hello is still accepted. */
function silentlyRefused(o: HelloOutcome): boolean {
  return o.kind === 'closed' || (o.kind === 'error' && o.error.code === 'reset');
}

export async function run(ctx: ProbeContext): Promise<FallbackScsvResult> {
  const supported = HELLO_VERSIONS.filter((v) => ctx.protocols?.[v] === true);
  const lower = supported[supported.length - 2];
  if (!lower) return { supported: null, protocol: null };
  const outcome = await sendHello(ctx, helloFor(ctx, lower, { fallbackScsv: true }));
  if (outcome.kind === 'alert' && outcome.description === INAPPROPRIATE_FALLBACK) {
    return { supported: true, protocol: lower, refusal: `${outcome.level} alert 86 inappropriate_fallback` };
  }
  if (outcome.kind === 'server-hello') return { supported: false, protocol: lower, refusal: null };
  if (silentlyRefused(outcome)) {
    // The version probe already had this hello, minus the SCSV, accepted; asking again now rules
    // out a server that happened to drop this one connection.
    const plain = await sendHello(ctx, helloFor(ctx, lower));
    if (plain.kind === 'server-hello' && plain.versionName === lower) {
      return { supported: true, protocol: lower, refusal: `connection ${outcome.kind === 'closed' ? 'closed' : 'reset'} without alert 86; the same hello without the SCSV is accepted` };
    }
  }
  // Anything else the server's TLS stack says is odd for a version it just accepted: leave it unknown.
  return { supported: null, protocol: lower, refusal: null };
}

export function apply(result: CheckResult, value: FallbackScsvResult): void {
  result.fallbackScsv = value.supported;
}
