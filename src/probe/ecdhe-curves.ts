// The ECDHE curve per ECDHE suite for TLS ≤ 1.2: for every ECDHE suite the cipher probe found
// accepted, one hand-built hello offering only that suite, read up to its ServerKeyExchange.
// Servers normally use one curve for all suites, but not always (per-certificate or per-suite
// settings), and the one suite the key-exchange probe sees cannot tell. Cost: one hello per
// ECDHE suite, all sent together once the cipher probe is done (one round of round trips).
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { cipherSuiteByName } from './codec/cipher-suites.js';
import { HANDSHAKE } from './codec/server-response.js';
import { parseServerKeyExchange } from './codec/server-key-exchange.js';
import type { HelloVersion } from './codec/client-hello.js';
import { helloFor } from './protocols.js';
import { describeOutcome, sendHello, type HelloOutcome } from './raw-hello.js';

export const name = 'ecdhe-curves';
export const phase = 'ciphers';

export interface EcdheCurvesResult {
  /** false: nothing to ask (no TLS ≤ 1.2), and nothing written. */
  ran: boolean;
  /** IANA suite name → curve, for each suite that answered. */
  curves: Record<string, string>;
  /** Accepted ECDHE suites on TLS ≤ 1.2 (as far as the cipher probe knows). */
  suites: number;
  /** Every accepted ECDHE suite has its curve, and the cipher list they came from was whole. */
  complete: boolean;
  /** How it was established and, when incomplete, what is missing. */
  detail: string;
}

/** Newest first: a suite is asked on the highest TLS ≤ 1.2 version that accepted it. */
const TLS12_AND_BELOW: readonly HelloVersion[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'];

/**
 * Every named curve of TLS ≤ 1.2 (RFC 8422 §5.1.1, RFC 7027, RFC 4492), in the order current
 * clients rank them, the legacy ones after. A server following the client's order so reports the
 * curve current clients get; one with its own order shows its favourite, even a weak one that only
 * older clients (which offer those curves) would then be given.
 */
export const OFFERED_CURVES: readonly number[] = [
  29, 23, 24, 25, 30, // x25519, secp256r1, secp384r1, secp521r1, x448
  26, 27, 28, // brainpoolP256r1, brainpoolP384r1, brainpoolP512r1
  22, 21, 20, // secp256k1, secp224r1, secp224k1
  14, 13, 12, 11, 10, 9, 8, 7, 6, // sect571r1 … sect233k1
  19, 18, 17, 16, 15, // secp192r1, secp192k1, secp160r2, secp160r1, secp160k1
  5, 4, 3, 2, 1, // sect193r2, sect193r1, sect163r2, sect163r1, sect163k1
];

interface Asked {
  suite: string;
  version: HelloVersion;
}

/** Pure: each accepted ECDHE suite once, on its highest version. */
export function ecdheSuitesToAsk(suites: Partial<Record<ProtocolName, string[]>>): Asked[] {
  const seen = new Set<string>();
  const out: Asked[] = [];
  for (const version of TLS12_AND_BELOW) {
    for (const suite of suites[version] ?? []) {
      const s = cipherSuiteByName(suite);
      if (!s || s.kx !== 'ECDHE' || seen.has(suite)) continue;
      seen.add(suite);
      out.push({ suite, version });
    }
  }
  return out;
}

/** One hello, retried once if the network (not the server's TLS stack) failed. */
async function ask(ctx: ProbeContext, hello: () => Buffer): Promise<HelloOutcome> {
  const first = await sendHello(ctx, hello(), { flight: true });
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello(), { flight: true });
}

/** Pure: the curve in the answer to a hello offering only `suite`, or why there is none. */
export function curveOf(asked: Asked, o: HelloOutcome): { curve: string } | { problem: string } {
  if (o.kind !== 'server-hello') return { problem: `${asked.suite}: ${describeOutcome(o)}` };
  if (o.versionName !== asked.version || o.cipherName !== asked.suite) {
    return { problem: `${asked.suite}: the server answered ${o.versionName ?? 'an unknown version'} ${o.cipherName} to a ${asked.version} hello offering only this suite` };
  }
  let ske = o.flight?.find((m) => m.type === HANDSHAKE.serverKeyExchange)?.body;
  if (!ske) return { problem: `${asked.suite}: no ServerKeyExchange in the server's first flight` };
  // ECDHE_PSK (RFC 5489 §2): the PSK identity hint comes first, then the same ECDH parameters.
  if (cipherSuiteByName(asked.suite)?.auth === 'PSK') ske = ske.length >= 2 ? ske.subarray(2 + ske.readUInt16BE(0)) : Buffer.alloc(0);
  const params = parseServerKeyExchange(ske, 'ecdh');
  return params.kind === 'ecdh' ? { curve: params.curve } : { problem: `${asked.suite}: ${params.kind === 'unreadable' ? params.why : 'not an ECDHE ServerKeyExchange'}` };
}

/** Pure: the result from the suites asked and their answers; `listCut` names versions whose cipher list was cut. */
export function summarise(asked: readonly Asked[], outcomes: readonly HelloOutcome[], listCut: readonly ProtocolName[]): EcdheCurvesResult {
  const curves: Record<string, string> = {};
  const problems: string[] = [];
  asked.forEach((a, i) => {
    const o = outcomes[i];
    const r = o ? curveOf(a, o) : { problem: `${a.suite}: not asked` };
    if ('curve' in r) curves[a.suite] = r.curve;
    else problems.push(r.problem);
  });
  const cut = listCut.filter((v) => (TLS12_AND_BELOW as readonly string[]).includes(v));
  const versions = [...new Set(asked.map((a) => a.version))].join(', ');
  const notes = [asked.length ? `Each of ${asked.length} accepted ECDHE suite${asked.length === 1 ? '' : 's'} offered alone (${versions}) with every named curve` : 'No ECDHE suite accepted on TLS ≤ 1.2'];
  if (problems.length) notes.push(`no curve for ${problems.join('; ')}`);
  if (cut.length) notes.push(`the cipher list of ${cut.join(', ')} was cut short, so there may be more ECDHE suites`);
  return { ran: true, curves, suites: asked.length, complete: problems.length === 0 && cut.length === 0, detail: notes.join('; ') };
}

export async function run(ctx: ProbeContext): Promise<EcdheCurvesResult> {
  if (!TLS12_AND_BELOW.some((v) => ctx.protocols?.[v] === true)) return { ran: false, curves: {}, suites: 0, complete: true, detail: 'No TLS ≤ 1.2' };
  if (!ctx.ciphers) {
    return { ran: false, curves: {}, suites: 0, complete: false, detail: 'The cipher probe gave no list of accepted suites, so the curve of each ECDHE suite was not asked' };
  }
  const asked = ecdheSuitesToAsk(ctx.ciphers.suites);
  // All at once: ctx.limit keeps them within the per-target socket cap, the signal within the deadline.
  const outcomes = await Promise.all(asked.map((a) => {
    const id = cipherSuiteByName(a.suite)?.id as number;
    return ask(ctx, () => helloFor(ctx, a.version, { ciphers: [id], groups: OFFERED_CURVES }));
  }));
  return summarise(asked, outcomes, ctx.ciphers.partial);
}

/**
 * Runs after key-exchange (registry order) and replaces its one-suite `curves` with the curve of
 * every suite. When it could not ask, what key-exchange found stays, marked as not the whole list.
 */
export function apply(result: CheckResult, value: EcdheCurvesResult): void {
  if (!value.ran && value.complete) return;
  const kx = (result.keyExchange ??= {});
  if (value.ran) kx.curves = value.curves;
  kx.curvesComplete = value.complete;
  kx.curvesDetail = value.ran ? value.detail : `${value.detail}${kx.curves && Object.keys(kx.curves).length ? ': only the suite the server picked from all its ECDHE suites is shown' : ''}`;
}

export function incomplete(value: EcdheCurvesResult): string | null {
  return value.complete ? null : value.detail;
}
