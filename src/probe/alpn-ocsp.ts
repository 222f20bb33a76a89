// ALPN choice and OCSP stapling, each read from a handshake that can only fail for its own reason:
// one offers h2 and http/1.1 (no status request), the other asks for a stapled status (no ALPN).
// Some servers (wolfSSL builds before its fix for it) abort any ClientHello carrying
// status_request; sharing one handshake made that look like "no ALPN" too. When only the status
// request fails, a plain handshake settles whether the request itself is what the server refuses.
// Both handshakes are fresh and to the target's name: their TLS 1.3 tickets are lent to the
// resumption probe, which then makes fewer handshakes of its own (handshake-loans.ts).
import type tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { CheckResult, OcspResult } from '../types.js';
import type { ProbeContext } from './context.js';
import { assessOcsp, issuerOf } from './ocsp-parse.js';
import { catchTickets, lendTickets, type TicketLoan } from './handshake-loans.js';
import { LEGACY_CLIENT, TRUST_NOTHING, withTls, type TlsFailure } from './tls-connect.js';
import { describeAlert } from './tls-alerts.js';

export const name = 'alpn-ocsp';
export const phase = 'address';

export interface AlpnOcspResult {
  alpn: string | null;
  ocspStapled: boolean | null;
  ocsp: OcspResult | null;
  /**
   * The server aborts handshakes whose ClientHello asks for OCSP stapling (status_request, which
   * every browser sends) while the same hello without it succeeds. null: not established.
   */
  statusRequestAborts?: boolean | null;
  /** How it aborted, e.g. "connection closed", when statusRequestAborts is true. */
  statusRequestFailure?: string | null;
}

export const OFFERED_ALPN = ['h2', 'http/1.1'];

const NO_APPLICATION_PROTOCOL = 120;

type Staple = { stapled: false } | { stapled: true; response: Buffer; leaf: X509Certificate | null };
type Outcome<T> = { ok: true; value: T } | { ok: false; failure: TlsFailure };

type Options = tls.ConnectionOptions & { requestOCSP?: boolean };

/**
 * One handshake. Untapped by default (tls-connect.ts: a quarter of a handshake's CPU saved); node's
 * error then describes a failure as the records would, except a warning alert (close_notify, say)
 * just before the server hangs up, which only `tap` sees.
 */
function attempt<T>(ctx: ProbeContext, options: Options, read: (socket: tls.TLSSocket, staple: Buffer | null) => T, loan: TicketLoan | null, tap = false): Promise<Outcome<T>> {
  const seen: { staple: Buffer | null } = { staple: null };
  const tickets = loan ? catchTickets() : null;
  const onSocket = (socket: tls.TLSSocket): void => {
    // node emits this during the handshake, before secureConnect, whenever a status was requested.
    socket.on('OCSPResponse', (response?: Buffer) => {
      if (response?.length) seen.staple = response;
    });
    tickets?.onSocket(socket);
  };
  // No trust store (TRUST_NOTHING): node finds the staple's issuer (issuerCertificate) alike with
  // or without one (checked with the intermediate served and not served).
  return withTls(ctx, { tls: { ...options, ...TRUST_NOTHING }, tap, onSocket }, async (a): Promise<Outcome<T>> => {
    if (!a.ok) return { ok: false, failure: a.failure };
    const value = read(a.socket, seen.staple);
    // A fresh TLS 1.3 handshake to the target's name: its tickets serve the resumption probe.
    if (loan && tickets && a.socket.getProtocol() === 'TLSv1.3') loan.settle(await tickets.sessions(ctx, a));
    return { ok: true, value };
  });
}

const HANDSHAKE_REFUSALS: ReadonlySet<TlsFailure['kind']> = new Set(['alert', 'closed', 'reset', 'tls-error']);

/**
 * As a current client, then (refused) as a legacy one: the property, or how the last try failed.
 * A loan (handshake-loans.ts) is always settled, with tickets or with nothing.
 */
async function withFallback<T>(ctx: ProbeContext, options: Options, read: (socket: tls.TLSSocket, staple: Buffer | null) => T, loan: TicketLoan | null = null): Promise<Outcome<T>> {
  try {
    const first = await attempt(ctx, options, read, loan);
    if (first.ok || !HANDSHAKE_REFUSALS.has(first.failure.kind) || first.failure.alert?.description === NO_APPLICATION_PROTOCOL) return first;
    return await attempt(ctx, { ...LEGACY_CLIENT, ...options }, read, loan);
  } finally {
    loan?.settle(null);
  }
}

const negotiated = (socket: tls.TLSSocket): string | null => {
  const protocol = socket.alpnProtocol;
  return typeof protocol === 'string' && protocol ? protocol : null;
};

const stapleOf = (socket: tls.TLSSocket, staple: Buffer | null): Staple =>
  staple ? { stapled: true, response: staple, leaf: socket.getPeerX509Certificate() ?? null } : { stapled: false };

function describeFailure(f: TlsFailure): string {
  if (f.alert) return describeAlert(f.alert);
  return f.kind === 'closed' ? 'connection closed without an alert' : f.kind === 'reset' ? 'connection reset' : f.message || f.kind;
}

async function alpnOf(ctx: ProbeContext, loan: TicketLoan | null): Promise<string | null> {
  const outcome = await withFallback(ctx, { ALPNProtocols: OFFERED_ALPN }, negotiated, loan);
  // Alert 120: the server speaks neither offered protocol, which is an answer too.
  return outcome.ok ? outcome.value : null;
}

export async function run(ctx: ProbeContext): Promise<AlpnOcspResult> {
  // Both loans are taken now, in the turn the resumption probe asked for them.
  const loans = [lendTickets(ctx), lendTickets(ctx)] as const;
  const [alpn, ocsp] = await Promise.all([alpnOf(ctx, loans[0]), withFallback(ctx, { requestOCSP: true }, stapleOf, loans[1])]);
  if (ocsp.ok) {
    const staple = ocsp.value;
    if (!staple.stapled) return { alpn, ocspStapled: false, ocsp: null, statusRequestAborts: false };
    const assessed = assessOcsp(staple.response, staple.leaf, issuerOf(staple.leaf), new Date());
    return { alpn, ocspStapled: true, ocsp: assessed, statusRequestAborts: false };
  }
  if (!HANDSHAKE_REFUSALS.has(ocsp.failure.kind)) return { alpn, ocspStapled: null, ocsp: null, statusRequestAborts: null };
  // The hello that asked for a status was refused: the same hello without the request decides,
  // and the refused one again, under the record tap, says first-hand how it was refused (the
  // report quotes it). Only servers that refuse pay for it, and both run at once.
  const [plain, again] = await Promise.all([
    withFallback(ctx, {}, () => true),
    attempt(ctx, { ...LEGACY_CLIENT, requestOCSP: true }, () => true, null, true),
  ]);
  if (!plain.ok) return { alpn, ocspStapled: null, ocsp: null, statusRequestAborts: null };
  // Refused once, accepted on the second try: nothing settled.
  if (again.ok) return { alpn, ocspStapled: null, ocsp: null, statusRequestAborts: null };
  return { alpn, ocspStapled: null, ocsp: null, statusRequestAborts: true, statusRequestFailure: describeFailure(again.failure) };
}

export function apply(result: CheckResult, value: AlpnOcspResult): void {
  result.alpn = value.alpn;
  result.ocspStapled = value.ocspStapled;
  result.ocsp = value.ocsp;
  if (value.statusRequestAborts !== undefined) result.statusRequestAborts = value.statusRequestAborts;
  if (value.statusRequestFailure) result.statusRequestFailure = value.statusRequestFailure;
  // SCTs delivered in the staple (Certificate Transparency); the certificate probe applies first.
  if (result.certificate?.ct && value.ocsp?.source === 'stapled') result.certificate.ct.ocsp = value.ocsp.scts ?? null;
}
