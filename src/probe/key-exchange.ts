// Key-exchange strength for TLS ≤ 1.2: the DH group behind the server's DHE suites and the curve
// behind its ECDHE ones, read from the ServerKeyExchange of one hand-built hello per family.
// Cost: two connections, sent together right after the version probe, so one round trip that
// runs alongside the cipher enumeration instead of after it. The same hellos ask for SCTs in the
// signed_certificate_timestamp extension (Certificate Transparency).
import type { CheckResult, DhParams, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { cipherSuiteById, suitesForVersion } from './codec/cipher-suites.js';
import { HANDSHAKE, type ServerHello } from './codec/server-response.js';
import { parseServerKeyExchange } from './codec/server-key-exchange.js';
import { countScts } from './codec/sct-list.js';
import type { HelloVersion } from './codec/client-hello.js';
import { helloFor } from './protocols.js';
import { sendHello, type HelloOutcome } from './raw-hello.js';

export const name = 'key-exchange';
export const phase = 'versions';

export interface KeyExchangeProbeResult {
  /** DH group of the DHE suites; null: no DHE suite accepted; undefined: not determined. */
  dh?: DhParams | null;
  /**
   * The ECDHE suite the server picked → its named curve; {} when no ECDHE suite is accepted;
   * undefined: not determined. The ecdhe-curves probe, applied after, replaces it with every suite's.
   */
  curves?: Record<string, string>;
  /** SCTs in the signed_certificate_timestamp extension; null when no ServerHello told. */
  sctTlsExtension: number | null;
  /** Why a field stayed undetermined, per family. */
  problems: string[];
}

/** RFC 6962 §3.3.1: the client asks with an empty extension. */
const SIGNED_CERTIFICATE_TIMESTAMP = 18;
const SCT_REQUEST = { type: SIGNED_CERTIFICATE_TIMESTAMP, data: Buffer.alloc(0) };

/** Highest first: the DH group and curve do not change with the version, one version is enough. */
const TLS12_AND_BELOW: readonly HelloVersion[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'];

type Family = 'DHE' | 'ECDHE';

interface FamilyOutcome {
  family: Family;
  /** The ServerHello when the server picked one of the offered suites. */
  hello: ServerHello | null;
  /** The server declined every suite of the family (an alert or a hang-up after the hello). */
  refused: boolean;
  problem: string | null;
}

function familySuites(version: HelloVersion, family: Family): number[] {
  return suitesForVersion(version).filter((id) => cipherSuiteById(id)?.kx === family);
}

/** One hello, retried once if the network (not the server's TLS stack) failed. */
async function ask(ctx: ProbeContext, hello: () => Buffer): Promise<HelloOutcome> {
  const first = await sendHello(ctx, hello(), { flight: true });
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello(), { flight: true });
}

async function probeFamily(ctx: ProbeContext, version: HelloVersion, family: Family): Promise<FamilyOutcome> {
  const offered = familySuites(version, family);
  if (offered.length === 0) return { family, hello: null, refused: true, problem: null };
  const o = await ask(ctx, () => helloFor(ctx, version, { ciphers: offered, extensions: [SCT_REQUEST] }));
  if (o.kind === 'server-hello') {
    if (o.versionName === version && offered.includes(o.cipher)) return { family, hello: o, refused: false, problem: null };
    return { family, hello: null, refused: false, problem: `${family}: the server answered ${o.versionName ?? 'an unknown version'} ${o.cipherName} to a ${version} hello offering only ${family} suites` };
  }
  // An alert or a silent close in answer to a well-formed hello is how servers decline suites.
  if (o.kind === 'alert' || o.kind === 'closed') return { family, hello: null, refused: true, problem: null };
  const why = o.kind === 'error' ? `${o.error.code}: ${o.error.message}` : o.kind;
  return { family, hello: null, refused: false, problem: `${family}: no answer (${why})` };
}

function keyExchangeOf(hello: ServerHello): Buffer | null {
  return hello.flight?.find((m) => m.type === HANDSHAKE.serverKeyExchange)?.body ?? null;
}

function sctCount(hello: ServerHello | null): number | null {
  if (!hello) return null;
  const ext = hello.extensions.find((e) => e.type === SIGNED_CERTIFICATE_TIMESTAMP);
  return ext ? countScts(ext.data) ?? 0 : 0;
}

/** Pure: the result from both families' outcomes. */
export function summarise(version: HelloVersion, dhe: FamilyOutcome, ecdhe: FamilyOutcome): KeyExchangeProbeResult {
  const result: KeyExchangeProbeResult = { sctTlsExtension: sctCount(ecdhe.hello) ?? sctCount(dhe.hello), problems: [] };
  for (const o of [dhe, ecdhe]) if (o.problem) result.problems.push(o.problem);
  if (dhe.refused) result.dh = null;
  else if (dhe.hello) {
    const ske = keyExchangeOf(dhe.hello);
    const params = ske ? parseServerKeyExchange(ske, 'dh') : null;
    if (params?.kind === 'dh') {
      result.dh = { bits: params.bits, group: params.group, suite: dhe.hello.cipherName, protocol: version as ProtocolName };
    } else {
      result.problems.push(`DHE: ${params?.kind === 'unreadable' ? params.why : 'no ServerKeyExchange in the server\'s first flight'}`);
    }
  }
  if (ecdhe.refused) result.curves = {};
  else if (ecdhe.hello) {
    const ske = keyExchangeOf(ecdhe.hello);
    const params = ske ? parseServerKeyExchange(ske, 'ecdh') : null;
    if (params?.kind === 'ecdh') result.curves = { [ecdhe.hello.cipherName]: params.curve };
    else result.problems.push(`ECDHE: ${params?.kind === 'unreadable' ? params.why : 'no ServerKeyExchange in the server\'s first flight'}`);
  }
  return result;
}

export async function run(ctx: ProbeContext): Promise<KeyExchangeProbeResult> {
  const version = TLS12_AND_BELOW.find((v) => ctx.protocols?.[v] === true);
  if (!version) return { sctTlsExtension: null, problems: [] };
  const [dhe, ecdhe] = await Promise.all([probeFamily(ctx, version, 'DHE'), probeFamily(ctx, version, 'ECDHE')]);
  return summarise(version, dhe, ecdhe);
}

/** Writes its own keyExchange fields (the TLS 1.3 groups probe writes others) and the SCTs of the TLS extension. */
export function apply(result: CheckResult, value: KeyExchangeProbeResult): void {
  result.keyExchange ??= {};
  if (value.dh !== undefined) result.keyExchange.dh = value.dh;
  if (value.curves !== undefined) result.keyExchange.curves = value.curves;
  // The certificate probe is applied first (registry order) and creates certificate.ct.
  if (result.certificate?.ct) result.certificate.ct.tlsExtension = value.sctTlsExtension;
}
