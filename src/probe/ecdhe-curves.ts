// The ECDHE curve per ECDHE suite for TLS ≤ 1.2: for every ECDHE suite the cipher probe found
// accepted, the curve in the ServerKeyExchange of the answer to one hand-built hello that picked
// it. Servers normally use one curve for all suites, but not always (per-certificate or per-suite
// settings), and the one suite the key-exchange probe sees cannot tell. The cipher probe's hellos
// offer the same curves as this probe's and read an ECDHE pick's answer on to its
// ServerKeyExchange, so most suites' curves come with the list; a suite whose curve that did not
// read (the chain cut, an unreadable flight) costs one hello offering only it, all sent together.
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { cipherSuiteByName } from './codec/cipher-suites.js';
import { ecdheParamsInFlight } from './codec/server-key-exchange.js';
import type { HelloVersion } from './codec/client-hello.js';
import { listingHello } from './protocols.js';
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
  const params = ecdheParamsInFlight(o.flight, cipherSuiteByName(asked.suite)?.auth === 'PSK');
  return params.kind === 'ecdh' ? { curve: params.curve } : { problem: `${asked.suite}: ${params.kind === 'unreadable' ? params.why : 'not an ECDHE ServerKeyExchange'}` };
}

/** A curve already known for a suite: read from the cipher probe's answer that found it. */
export interface Known {
  curve: string;
}

/**
 * Pure: the result from the suites asked and their answers (or the curve the cipher probe already
 * read for them); `listCut` names versions whose cipher list was cut.
 */
export function summarise(asked: readonly Asked[], outcomes: ReadonlyArray<HelloOutcome | Known | undefined>, listCut: readonly ProtocolName[]): EcdheCurvesResult {
  const curves: Record<string, string> = {};
  const problems: string[] = [];
  let known = 0;
  asked.forEach((a, i) => {
    const o = outcomes[i];
    const r = !o ? { problem: `${a.suite}: not asked` } : 'curve' in o ? (known++, o) : curveOf(a, o);
    if ('curve' in r) curves[a.suite] = r.curve;
    else problems.push(r.problem);
  });
  const cut = listCut.filter((v) => (TLS12_AND_BELOW as readonly string[]).includes(v));
  const versions = [...new Set(asked.map((a) => a.version))].join(', ');
  const many = `${asked.length} accepted ECDHE suite${asked.length === 1 ? '' : 's'}`;
  const alone = asked.length - known;
  const head = known === 0
    ? `Each of ${many} offered alone (${versions}) with every named curve`
    : `Each of ${many} (${versions}): its curve read from the answer to a hello offering every named curve that picked it (the cipher probe's${alone > 0 ? `; ${alone} offered alone` : ''})`;
  const notes = [asked.length ? head : 'No ECDHE suite accepted on TLS ≤ 1.2'];
  if (problems.length) notes.push(`no curve for ${problems.join('; ')}`);
  if (cut.length) notes.push(`the cipher list of ${cut.join(', ')} was cut short, so there may be more ECDHE suites`);
  return { ran: true, curves, suites: asked.length, complete: problems.length === 0 && cut.length === 0, detail: notes.join('; ') };
}

export async function run(ctx: ProbeContext): Promise<EcdheCurvesResult> {
  if (!TLS12_AND_BELOW.some((v) => ctx.protocols?.[v] === true)) return { ran: false, curves: {}, suites: 0, complete: true, detail: 'No TLS ≤ 1.2' };
  if (!ctx.ciphers) {
    return { ran: false, curves: {}, suites: 0, complete: false, detail: 'The cipher probe gave no list of accepted suites, so the curve of each ECDHE suite was not asked' };
  }
  const { suites, curves } = ctx.ciphers;
  const asked = ecdheSuitesToAsk(suites);
  // Only the suites whose curve the cipher probe did not read; all at once: ctx.limit keeps them
  // within the per-target socket cap, the signal within the deadline.
  const outcomes = await Promise.all(asked.map((a): Promise<HelloOutcome | Known> => {
    const curve = curves?.[a.version]?.[a.suite];
    if (curve !== undefined) return Promise.resolve({ curve });
    const id = cipherSuiteByName(a.suite)?.id as number;
    return ask(ctx, () => listingHello(ctx, a.version, { ciphers: [id] }));
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
