// RFC 5746 secure renegotiation: does the ServerHello carry renegotiation_info? Asked on the
// highest version up to TLS 1.2 (TLS 1.3 dropped renegotiation altogether).
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import type { HelloVersion } from './codec/client-hello.js';
import { helloFor } from './protocols.js';
import { sendHello, type HelloOutcome } from './raw-hello.js';

export const name = 'secure-renegotiation';
export const phase = 'versions';

export interface SecureRenegotiationResult {
  /** null: unknown (network trouble) or not applicable (TLS 1.3 only, or no version at all). */
  secure: boolean | null;
  protocol: ProtocolName | null;
}

const CANDIDATES: readonly HelloVersion[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'];

function verdict(version: HelloVersion, o: HelloOutcome): boolean | null {
  if (o.kind !== 'server-hello' || o.versionName !== version) return null;
  return o.renegotiationInfo.present;
}

export async function run(ctx: ProbeContext): Promise<SecureRenegotiationResult> {
  // Without the orchestrator's map, TLS 1.2 is the best guess.
  const version = ctx.protocols ? CANDIDATES.find((v) => ctx.protocols?.[v] === true) : 'TLSv1.2';
  if (!version) return { secure: null, protocol: null };
  // The extension and the SCSV each oblige an RFC 5746 server to answer with the extension; both
  // are sent because some old stacks reject hellos with extensions they do not know. SSLv3
  // hellos carry no extensions, so there the builder turns renegotiationInfo into the SCSV.
  const outcomes = await Promise.all([
    sendHello(ctx, helloFor(ctx, version, { renegotiationInfo: true })),
    sendHello(ctx, helloFor(ctx, version, { renegotiationScsv: true })),
  ]);
  const verdicts = outcomes.map((o) => verdict(version, o));
  const secure = verdicts.includes(true) ? true : verdicts.includes(false) ? false : null;
  return { secure, protocol: version };
}

/**
 * This probe asks for RFC 5746 explicitly; the client-renegotiation probe's full handshake is the
 * fallback view, so the registry applies that one first and this one only overrides a known answer.
 */
export function apply(result: CheckResult, value: SecureRenegotiationResult): void {
  result.renegotiation.secure = value.secure ?? result.renegotiation.secure ?? null;
}
