// Which protocol versions the server speaks: one hand-built hello per version, all at once.
import type { CheckError, CheckResult, ErrorCode, ProtocolMap, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { buildClientHello, buildSSLv2ClientHello, VERSION_CODES, type ClientHelloOptions, type HelloVersion } from './codec/client-hello.js';
import { cipherSuiteById, suitesForVersion } from './codec/cipher-suites.js';
import { ecdheParamsInFlight, NAMED_CURVES_TLS12 } from './codec/server-key-exchange.js';
import { describeOutcome, isTlsAnswer, sendHello, type HelloOutcome } from './raw-hello.js';
import type { NotTlsLabel, ServerHello } from './codec/server-response.js';

export const name = 'protocols';
/** The phase boundary: the orchestrator starts the 'versions' probes once this one is applied. */
export const phase = 'address';

export const HELLO_VERSIONS: readonly HelloVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface OutcomeSummary {
  kind: HelloOutcome['kind'];
  /** e.g. "ServerHello TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" or "alert fatal 70 protocol_version". */
  detail: string;
}

export interface ProtocolsResult {
  protocols: ProtocolMap;
  outcomes: Partial<Record<ProtocolName, OutcomeSummary>>;
  /** Set only when no version got any TLS answer: the target is unreachable or not TLS. */
  error: CheckError | null;
}

/** A hello for `version` offering every usable suite of that version, with the target's SNI. */
export function helloFor(ctx: ProbeContext, version: HelloVersion, extra: Partial<ClientHelloOptions> = {}): Buffer {
  return buildClientHello({ version, ciphers: suitesForVersion(version), sni: ctx.target.sni, ...extra });
}

/**
 * A hello of the version probe or the cipher probe (which lists the suites): TLS ≤ 1.2 ones offer
 * every named curve, as ecdhe-curves does, so the ServerKeyExchange of the answer that found an
 * ECDHE suite names the curve ecdhe-curves would be given for that suite alone, and it need not ask.
 */
export function listingHello(ctx: ProbeContext, version: HelloVersion, extra: Partial<ClientHelloOptions> = {}): Buffer {
  return helloFor(ctx, version, version === 'TLSv1.3' ? extra : { groups: NAMED_CURVES_TLS12, ...extra });
}

/** Only an answer picking an ECDHE suite is read on to its ServerKeyExchange (the curve). */
export const ecdheFlight = (r: ServerHello): boolean => cipherSuiteById(r.cipher)?.kx === 'ECDHE';

/** The curve in an answer read with ecdheFlight, or null when it has none (or none readable). */
export function ecdheCurveOf(o: HelloOutcome): string | null {
  if (o.kind !== 'server-hello' || !o.flight) return null;
  const params = ecdheParamsInFlight(o.flight, cipherSuiteById(o.cipher)?.auth === 'PSK');
  return params.kind === 'ecdh' ? params.curve : null;
}

/**
 * Support means the server agreed to exactly the offered version. A higher version in answer to
 * a lower hello is a server bug, not support; a lower one is the server declining. A TLS 1.3
 * HelloRetryRequest already commits to 1.3, so it counts.
 */
export function supportVerdict(version: ProtocolName, outcome: HelloOutcome): boolean | null {
  switch (outcome.kind) {
    case 'server-hello':
      return version !== 'SSLv2' && outcome.version === VERSION_CODES[version];
    case 'sslv2-server-hello':
      return version === 'SSLv2' && outcome.ciphers.length > 0;
    case 'error':
      return null;
    default:
      return false;
  }
}

const NOT_TLS_MESSAGES: Readonly<Record<NotTlsLabel, string>> = {
  http: 'the peer answered with HTTP (plain HTTP on this port?)',
  ssh: 'the peer is an SSH server, not TLS',
  smtp: 'the peer greeted with an SMTP banner: this port expects STARTTLS, not implicit TLS',
  ftp: 'the peer greeted with an FTP banner: this port expects AUTH TLS, not implicit TLS',
  pop3: 'the peer greeted with a POP3 banner: this port expects STLS, not implicit TLS',
  imap: 'the peer greeted with an IMAP banner: this port expects STARTTLS, not implicit TLS',
  unknown: 'the peer answered with bytes that are not TLS',
};

// When the failures disagree, the more telling one wins ties.
const ERROR_PRECEDENCE: readonly ErrorCode[] = ['refused', 'dns', 'blocked', 'timeout', 'reset'];

/** Why no version got a TLS answer, from every version's outcome. */
export function classifyFailure(ctx: Pick<ProbeContext, 'target'>, outcomes: readonly HelloOutcome[]): CheckError {
  const where = `${ctx.target.ip.includes(':') ? `[${ctx.target.ip}]` : ctx.target.ip}:${ctx.target.port}`;
  const notTls = outcomes.find((o) => o.kind === 'not-tls');
  if (notTls?.kind === 'not-tls') {
    return { code: 'not-tls', message: `${where}: ${NOT_TLS_MESSAGES[notTls.label]} — ${notTls.detail}` };
  }
  const counts = new Map<ErrorCode, { n: number; message: string }>();
  for (const o of outcomes) {
    const [code, message] = o.kind === 'error'
      ? [o.error.code, o.error.message]
      : [('reset' as ErrorCode), 'the server closed the connection without answering the ClientHello'];
    const entry = counts.get(code) ?? { n: 0, message };
    entry.n++;
    counts.set(code, entry);
  }
  let best: ErrorCode = 'reset';
  let bestN = -1;
  for (const code of ERROR_PRECEDENCE) {
    const n = counts.get(code)?.n ?? 0;
    if (n > bestN) [best, bestN] = [code, n];
  }
  return { code: best, message: `${where}: ${counts.get(best)?.message ?? 'no TLS answer'}` };
}

/**
 * Per check: the suite each version's hello (every usable suite of that version offered) was
 * answered with. The ciphers probe would open with that same hello, so it starts from the answer.
 */
const picks = new WeakMap<ProbeContext, Partial<Record<HelloVersion, { cipher: number; curve: string | null }>>>();

/** The suite the server picked from every usable suite of `version`, when the version probe saw one. */
export function firstPick(ctx: ProbeContext, version: HelloVersion): number | null {
  return picks.get(ctx)?.[version]?.cipher ?? null;
}

/** The ECDHE curve that pick came with (null: not an ECDHE suite, or not read). */
export function firstPickCurve(ctx: ProbeContext, version: HelloVersion): string | null {
  return picks.get(ctx)?.[version]?.curve ?? null;
}

export async function run(ctx: ProbeContext, opts: { sslv2?: boolean } = {}): Promise<ProtocolsResult> {
  const probes: Array<[ProtocolName, Buffer]> = HELLO_VERSIONS.map((v) => [v, listingHello(ctx, v)]);
  if (opts.sslv2 ?? true) probes.push(['SSLv2', buildSSLv2ClientHello()]);
  const outcomes = await Promise.all(probes.map(([, hello]) => sendHello(ctx, hello, { flight: ecdheFlight })));

  const protocols: ProtocolMap = { SSLv3: null, TLSv1: null, 'TLSv1.1': null, 'TLSv1.2': null, 'TLSv1.3': null };
  const summaries: ProtocolsResult['outcomes'] = {};
  const picked: Partial<Record<HelloVersion, { cipher: number; curve: string | null }>> = {};
  probes.forEach(([version], i) => {
    const outcome = outcomes[i] as HelloOutcome;
    protocols[version] = supportVerdict(version, outcome);
    summaries[version] = { kind: outcome.kind, detail: describeOutcome(outcome) };
    if (version !== 'SSLv2' && outcome.kind === 'server-hello' && outcome.versionName === version && suitesForVersion(version).includes(outcome.cipher)) {
      picked[version] = { cipher: outcome.cipher, curve: ecdheCurveOf(outcome) };
    }
  });
  picks.set(ctx, picked);
  const error = outcomes.some(isTlsAnswer) ? null : classifyFailure(ctx, outcomes);
  return { protocols, outcomes: summaries, error };
}

export function apply(result: CheckResult, value: ProtocolsResult): void {
  result.protocols = value.protocols;
  result.error = value.error;
}

/** Versions that got no answer at all (network trouble, the deadline): their support is unknown. */
export function incomplete(value: ProtocolsResult): string | null {
  if (value.error) return null; // the check's error says it all
  const unknown = (Object.keys(value.protocols) as ProtocolName[]).filter((v) => value.protocols[v] === null);
  if (unknown.length === 0) return null;
  return unknown.map((v) => `${v} unknown (${value.outcomes[v]?.detail ?? 'no answer'})`).join('; ');
}
