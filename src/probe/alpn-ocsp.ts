// ALPN choice and OCSP stapling, read from one handshake that offers h2 and http/1.1 and asks
// for a stapled status.
import type tls from 'node:tls';
import type { CheckResult, OcspResult } from '../types.js';
import type { ProbeContext } from './context.js';
import { assessOcsp, issuerOf } from './ocsp-parse.js';
import { LEGACY_CLIENT, withTls, type TlsFailure } from './tls-connect.js';

export const name = 'alpn-ocsp';
export const phase = 'address';

export interface AlpnOcspResult {
  alpn: string | null;
  ocspStapled: boolean | null;
  ocsp: OcspResult | null;
}

export const OFFERED_ALPN = ['h2', 'http/1.1'];

const NO_APPLICATION_PROTOCOL = 120;

type Outcome = { ok: true; result: AlpnOcspResult } | { ok: false; failure: TlsFailure };

function attempt(ctx: ProbeContext, options: tls.ConnectionOptions): Promise<Outcome> {
  const seen: { staple: Buffer | null } = { staple: null };
  const onSocket = (socket: tls.TLSSocket): void => {
    // node emits this during the handshake, before secureConnect, whenever a status was requested.
    socket.on('OCSPResponse', (response?: Buffer) => {
      if (response?.length) seen.staple = response;
    });
  };
  return withTls(ctx, { tls: { ...options, requestOCSP: true }, onSocket }, (a): Outcome => {
    if (!a.ok) return { ok: false, failure: a.failure };
    const protocol = a.socket.alpnProtocol;
    const alpn = typeof protocol === 'string' && protocol ? protocol : null;
    const stapled = seen.staple;
    if (!stapled) return { ok: true, result: { alpn, ocspStapled: false, ocsp: null } };
    const leaf = a.socket.getPeerX509Certificate() ?? null;
    const ocsp = assessOcsp(stapled, leaf, issuerOf(leaf), new Date());
    return { ok: true, result: { alpn, ocspStapled: true, ocsp } };
  });
}

const HANDSHAKE_REFUSALS: ReadonlySet<TlsFailure['kind']> = new Set(['alert', 'closed', 'reset', 'tls-error']);

export async function run(ctx: ProbeContext): Promise<AlpnOcspResult> {
  const unknown: AlpnOcspResult = { alpn: null, ocspStapled: null, ocsp: null };
  const first = await attempt(ctx, { ALPNProtocols: OFFERED_ALPN });
  if (first.ok) return first.result;
  if (!HANDSHAKE_REFUSALS.has(first.failure.kind)) return unknown;
  // A server that speaks neither protocol may refuse ALPN outright; still learn about OCSP.
  if (first.failure.alert?.description === NO_APPLICATION_PROTOCOL) {
    const plain = await attempt(ctx, {});
    return plain.ok ? { ...plain.result, alpn: null } : unknown;
  }
  const legacy = await attempt(ctx, { ...LEGACY_CLIENT, ALPNProtocols: OFFERED_ALPN });
  return legacy.ok ? legacy.result : unknown;
}

export function apply(result: CheckResult, value: AlpnOcspResult): void {
  result.alpn = value.alpn;
  result.ocspStapled = value.ocspStapled;
  result.ocsp = value.ocsp;
  // SCTs delivered in the staple (Certificate Transparency); the certificate probe applies first.
  if (result.certificate?.ct && value.ocsp?.source === 'stapled') result.certificate.ct.ocsp = value.ocsp.scts ?? null;
}
