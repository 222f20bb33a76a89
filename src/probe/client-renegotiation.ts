// Client-initiated renegotiation: does the server honour a ClientHello on an established
// connection, how many times in a row, and how exactly does it refuse? Peers often report a
// refusing server as vulnerable; here "accepted" is only ever said after completed handshakes.
import { constants } from 'node:crypto';
import type tls from 'node:tls';
import type { CheckResult, ProtocolMap, ProtocolName, RenegotiationResult } from '../types.js';
import { CHAIN_URGENCY, connectionBudget, type ProbeContext } from './context.js';
import { certificateRequest, serverHelloExtensions } from './served-chain.js';
import { CONTENT_TYPE, LEGACY_CLIENT, TRUST_NOTHING, withTls, type RecordInfo, type RecordTap, type TlsFailure } from './tls-connect.js';
import { alertFromOpenSslError, describeAlert } from './tls-alerts.js';
import { plural } from '../text/plural.js';

export const name = 'client-renegotiation';
export const phase = 'versions';

export type ClientRenegotiationResult = Required<RenegotiationResult>;

/** Renegotiations attempted on one connection; a server honouring all of them has no limit we can see. */
export const RENEGOTIATION_ROUNDS = 10;

const LEGACY: readonly ProtocolName[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1'];

// Renegotiation does not exist in TLS 1.3, so the test runs on the best older version. Servers
// without RFC 5746 are exactly the ones whose renegotiation matters most (CVE-2009-3555), so the
// client must agree to connect to them and to renegotiate insecurely with them.
const LEGACY_OPTIONS: tls.ConnectionOptions = {
  ...LEGACY_CLIENT,
  maxVersion: 'TLSv1.2',
  secureOptions: LEGACY_CLIENT.secureOptions | constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION,
  ...TRUST_NOTHING,
};

/** renegotiation_info (RFC 5746) in the ServerHello. */
const RENEGOTIATION_INFO = 0xff01;
/** The initial handshake is all that is parsed; renegotiations are encrypted anyway. */
const CAPTURE_BYTES = 64 * 1024;

/** What one renegotiation attempt ended with, as observed. */
export interface StepObservation {
  completed: boolean;
  timedOut: boolean;
  error: unknown;
  /** Records the server sent since this attempt started. */
  records: RecordInfo[];
  eof: boolean;
  netError: NodeJS.ErrnoException | null;
  /** The TLS layer reported end or close before anything else. */
  closed: boolean;
}

/** The refusal in words, never claiming more than was observed. */
export function refusalReason(o: StepObservation): string {
  const encryptedAlert = o.records.some((r) => r.type === CONTENT_TYPE.alert && !r.alert);
  const clear = o.records.find((r) => r.alert)?.alert;
  if (clear) return describeAlert(clear);
  const alert = alertFromOpenSslError(o.error);
  if (alert) return describeAlert(alert);
  if (o.timedOut) return encryptedAlert ? 'timeout after an encrypted alert (a warning OpenSSL ignores)' : 'timeout';
  if (o.netError?.code === 'ECONNRESET' || o.netError?.code === 'EPIPE') return 'connection reset';
  if (o.netError) return `connection error: ${o.netError.code ?? o.netError.message}`;
  if (o.eof || o.closed) return encryptedAlert ? 'connection closed after an encrypted alert (likely close_notify)' : 'connection closed';
  const message = o.error instanceof Error ? o.error.message : String(o.error);
  return `error: ${message}`;
}

/** Runs one renegotiation on an established TLS ≤1.2 socket and watches how it ends. */
export function renegotiateOnce(socket: tls.TLSSocket, tap: RecordTap, ms: number): Promise<StepObservation> {
  const mark = tap.records.length;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (partial: Pick<StepObservation, 'completed' | 'timedOut' | 'error' | 'closed'>): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      resolve({ ...partial, records: tap.records.slice(mark), eof: tap.eof, netError: tap.netError });
    };
    const onError = (error: unknown): void => finish({ completed: false, timedOut: false, error, closed: false });
    // Let a pending 'error' (which carries the alert) win over the close that follows it.
    const onClosed = (): void => void setImmediate(() => finish({ completed: false, timedOut: false, error: null, closed: true }));
    const timer = setTimeout(() => finish({ completed: false, timedOut: true, error: null, closed: false }), Math.max(1, ms));
    socket.on('error', onError);
    socket.on('end', onClosed);
    socket.on('close', onClosed);
    // node:tls calls back only on the next 'secure'; a refusal arrives as 'error' instead.
    const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => {
      if (err) onError(err);
      else finish({ completed: true, timedOut: false, error: null, closed: false });
    });
    if (!started) finish({ completed: false, timedOut: false, error: new Error('renegotiation could not be started'), closed: false });
  });
}

/** Folds the per-round outcome into the contract's verdict. */
export function verdict(acceptedCount: number, refusal: string | null, rounds = RENEGOTIATION_ROUNDS): Pick<ClientRenegotiationResult, 'clientInitiated' | 'acceptedCount' | 'reason'> {
  if (acceptedCount >= rounds) return { clientInitiated: 'accepted', acceptedCount, reason: null };
  if (acceptedCount > 0) return { clientInitiated: 'limited', acceptedCount, reason: refusal };
  return { clientInitiated: 'rejected', acceptedCount: 0, reason: refusal };
}

function asProtocol(name: string | null): ProtocolName | null {
  const known: readonly string[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return name && known.includes(name) ? (name as ProtocolName) : null;
}

/** Only TLS 1.3 known to work and every older version known refused: nothing to renegotiate. */
function onlyTls13(protocols: ProtocolMap | undefined): boolean {
  if (!protocols) return false;
  return protocols['TLSv1.3'] === true && LEGACY.every((p) => protocols[p] === false);
}

function describeHandshakeFailure(f: TlsFailure): string {
  const what = f.alert ? describeAlert(f.alert) : f.kind === 'closed' ? 'connection closed' : f.kind === 'reset' ? 'connection reset' : f.kind;
  return `no TLS ≤1.2 handshake: ${what}`;
}

export async function run(ctx: ProbeContext): Promise<ClientRenegotiationResult> {
  const unknown = (reason: string): ClientRenegotiationResult => ({ secure: null, clientInitiated: 'unknown', acceptedCount: 0, reason, protocol: null });
  if (onlyTls13(ctx.protocols)) {
    return { secure: null, clientInitiated: 'not-applicable', acceptedCount: 0, reason: 'the server speaks only TLS 1.3', protocol: 'TLSv1.3' };
  }

  type Legacy = { result: ClientRenegotiationResult } | { failure: TlsFailure; clientCertificate: boolean };
  // CHAIN_URGENCY: up to ten renegotiations in a row on one connection, two
  // round trips each, make this the longest chain of the check; queued behind one-off hellos it
  // would finish last.
  const legacy = await withTls(ctx, { tls: LEGACY_OPTIONS, captureBytes: CAPTURE_BYTES, urgent: CHAIN_URGENCY }, async (attempt): Promise<Legacy> => {
    // The server's cleartext flight may hold a CertificateRequest: then the refusal is about the
    // missing client certificate, not about TLS ≤1.2.
    if (!attempt.ok) return { failure: attempt.failure, clientCertificate: certificateRequest(attempt.tap.capturedBuffer(), [], null, undefined) !== null };
    const { socket, tap } = attempt;
    const protocol = asProtocol(socket.getProtocol());
    if (protocol === 'TLSv1.3') return { result: unknown('the server negotiated TLS 1.3 despite a TLS 1.2 cap') };
    const extensions = serverHelloExtensions(tap.capturedBuffer());
    const secure = extensions ? extensions.includes(RENEGOTIATION_INFO) : null;
    // Keep the TLS layer reading so renegotiation records are processed; data itself is not wanted.
    socket.on('data', () => undefined);
    let accepted = 0;
    // Out of time is not a refusal. Any honoured renegotiation already shows the server accepts them.
    const outOfTime = (): Legacy => {
      const reason = `check deadline reached after ${plural(accepted, 'renegotiation')}; no refusal seen`;
      return { result: { secure, clientInitiated: accepted > 0 ? 'accepted' : 'unknown', acceptedCount: accepted, reason, protocol } };
    };
    for (let round = 0; round < RENEGOTIATION_ROUNDS; round++) {
      const budget = connectionBudget(ctx);
      if (budget <= 0 || ctx.signal.aborted) return outOfTime();
      const step = await renegotiateOnce(socket, tap, budget);
      if (!step.completed) {
        // A step cut short by the check's own deadline or abort says nothing about the server.
        if (ctx.signal.aborted || (step.timedOut && Date.now() >= ctx.deadline)) return outOfTime();
        return { result: { secure, ...verdict(accepted, refusalReason(step)), protocol } };
      }
      accepted++;
    }
    return { result: { secure, ...verdict(accepted, null), protocol } };
  });

  if ('result' in legacy) return legacy.result;
  const { failure } = legacy;
  if (legacy.clientCertificate) {
    return unknown(`a client certificate is required: the server asked for one and refused the TLS ≤1.2 handshake without it (${describeHandshakeFailure(failure).replace(/^no TLS ≤1\.2 handshake: /, '')})`);
  }
  if (failure.kind === 'timeout' || failure.kind === 'aborted' || failure.kind === 'refused' || failure.kind === 'not-tls') {
    return unknown(describeHandshakeFailure(failure));
  }
  // The older versions were refused outright: find out whether TLS 1.3 is why.
  // Only success counts here, so no record tap (it costs a JS stream layer under the handshake).
  const modern = await withTls(ctx, { tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ...TRUST_NOTHING }, tap: false }, (a) => a.ok);
  if (modern) {
    const reason = `only TLS 1.3 completes a handshake (${describeHandshakeFailure(failure)})`;
    return { secure: null, clientInitiated: 'not-applicable', acceptedCount: 0, reason, protocol: 'TLSv1.3' };
  }
  return unknown(describeHandshakeFailure(failure));
}

export function apply(result: CheckResult, value: ClientRenegotiationResult): void {
  result.renegotiation = { ...result.renegotiation, ...value };
}

/** 'unknown' (no TLS ≤1.2 handshake in time, or cut by the deadline) or rounds cut by the deadline. */
export function incomplete(value: ClientRenegotiationResult): string | null {
  if (value.clientInitiated === 'unknown') return value.reason ?? 'client-initiated renegotiation unknown';
  return value.reason?.startsWith('check deadline reached') ? value.reason : null;
}
