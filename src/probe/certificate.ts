// The certificate probe: one handshake, the chain as served, trust decided against node's roots
// plus --ca, and everything analysed even when the certificate is bad.
import tls from 'node:tls';
import type { CertificateResult, CheckError, CheckResult, ClientAuthResult } from '../types.js';
import type { ProbeContext } from './context.js';
import { analyseCertificate, publicAnchorsFor, trustAnchors } from './cert-analysis.js';
import { askAfterHandshake, clientAuthFrom, requiredFrom } from './client-auth.js';
import { certificateRequest, servedHandshake } from './served-chain.js';
import { describeAlert } from './tls-alerts.js';
import { LEGACY_CLIENT, withTls, type TlsConnected, type TlsFailure } from './tls-connect.js';

export const name = 'certificate';
export const phase = 'address';

export interface CertificateProbeResult {
  certificate: CertificateResult | null;
  error: CheckError | null;
  /** How the handshake failed when no certificate was read (the orchestrator reports broken handshakes). */
  handshakeFailure?: TlsFailure['kind'] | null;
  /** The server's CertificateRequest, read from the same handshake (mutual TLS). */
  clientAuth?: ClientAuthResult;
}

export const UNKNOWN_CLIENT_AUTH: ClientAuthResult = { requested: null, required: null, caNames: [], reason: null };

/** Enough for any sane handshake flight; the capture stops there. */
const CAPTURE_BYTES = 512 * 1024;

/**
 * Certificates from node's issuer-linked view, for when the wire bytes cannot be read. node appends
 * the root from its own store, which the server may not have sent, so trust anchors are left out:
 * this view can never show "root-sent" or an order problem.
 */
function chainFromPeer(socket: tls.TLSSocket, isAnchor: (der: Buffer) => boolean): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // A root's issuerCertificate is itself: stop at the first repeat.
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (out.length === 0 || !isAnchor(cert.raw)) out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}

// node names only the classic verify errors and calls the rest UNSPECIFIED; OpenSSL's message for
// them is still on the native handle, so map it back to OpenSSL's X509_V_ERR_* name.
const VERIFY_MESSAGES: Readonly<Record<string, string>> = {
  'CA signature digest algorithm too weak': 'CA_MD_TOO_WEAK',
  'EE certificate key too weak': 'EE_KEY_TOO_SMALL',
  'CA certificate key too weak': 'CA_KEY_TOO_SMALL',
  'key usage does not include certificate signing': 'KEYUSAGE_NO_CERTSIGN',
  'unhandled critical extension': 'UNHANDLED_CRITICAL_EXTENSION',
  'permitted subtree violation': 'PERMITTED_VIOLATION',
  'excluded subtree violation': 'EXCLUDED_VIOLATION',
  'subject issuer mismatch': 'SUBJECT_ISSUER_MISMATCH',
  'Certificate public key has explicit ECC parameters': 'EC_KEY_EXPLICIT_PARAMS',
  'Cannot find certificate signature algorithm': 'UNSUPPORTED_SIGNATURE_ALGORITHM',
};

function verifyErrorOf(socket: tls.TLSSocket): string | null {
  const code = socket.authorizationError ? String(socket.authorizationError) : null;
  if (code !== 'UNSPECIFIED') return code;
  const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  const message = typeof handle?.verifyError === 'function' ? handle.verifyError()?.message : undefined;
  return (message && VERIFY_MESSAGES[message]) || code;
}

type Handshake = ReturnType<typeof servedHandshake>;

function analyse(ctx: ProbeContext, attempt: TlsConnected, handshake: Handshake): CertificateProbeResult {
  const { socket } = attempt;
  let parsed: ReturnType<typeof trustAnchors> | undefined;
  const anchors = (): ReturnType<typeof trustAnchors> => (parsed ??= trustAnchors(ctx.ca));
  const peer = socket.getPeerX509Certificate();
  if (!peer) return { certificate: null, error: null };
  let served = handshake.chain;
  let orderKnown = true;
  // The wire view must agree with what node verified; otherwise trust node's view.
  if (!served?.[0] || !peer.raw.equals(served[0])) {
    served = chainFromPeer(socket, (der) => anchors().includes(der));
    orderKnown = false;
  }
  const authorizationError = verifyErrorOf(socket);
  const certificate = analyseCertificate({
    served,
    // The handshake's own parse of the leaf: parsing a certificate is the costly part of reading it.
    leaf: peer,
    orderKnown,
    authorized: socket.authorized,
    authorizationError,
    hostname: ctx.target.sni ?? ctx.target.host,
    anchors,
    now: new Date(),
    publicAnchors: publicAnchorsFor(ctx.publicRoots),
  });
  return { certificate, error: null };
}

type Attempt = CertificateProbeResult & { failure: TlsFailure | null };

/** The CertificateRequest of a completed handshake, and what the server does without a certificate. */
async function clientAuthOf(ctx: ProbeContext, a: TlsConnected, request: Handshake['request']): Promise<ClientAuthResult> {
  if (!request) return clientAuthFrom(null, { required: false });
  return clientAuthFrom(request, requiredFrom(await askAfterHandshake(ctx, a.socket, a.handshakeMs)));
}

/** A refused handshake may still have shown a CertificateRequest (TLS ≤1.2 sends it in the clear). */
function clientAuthOfFailure(failure: TlsFailure, capture: Buffer): ClientAuthResult {
  // A TLS 1.3 flight is unreadable without its secret; the cleartext one needs none.
  const request = certificateRequest(capture, [], null, undefined);
  if (!request) return UNKNOWN_CLIENT_AUTH;
  const how = failure.alert ? describeAlert(failure.alert) : failure.kind === 'closed' ? 'a closed connection' : failure.kind;
  return clientAuthFrom(request, { required: true, reason: `the server asked for a client certificate and refused the handshake without one (${how})` });
}

/**
 * With --ca (TLSCHECK_CA_FILE for the bot) the handshake trusts node's roots plus those. A
 * SecureContext loading some 150 PEM roots takes tens of milliseconds of CPU to build (70 ms
 * measured on the shared development machine, against 0.6 ms without them), so one is built per
 * CA list (the bot passes the same one to every check) and client profile, not per check.
 */
const caContexts = new Map<string, tls.SecureContext>();
/** A few CA lists at most in one process; more means lists change, and old contexts are dropped. */
const CA_CONTEXTS_MAX = 16;

function contextWithCa(ca: readonly string[], options: tls.ConnectionOptions): tls.SecureContext {
  // The options that shape a context (the probe's profiles set nothing else), and the CA list by content.
  const { minVersion, maxVersion, ciphers, secureOptions } = options;
  const key = JSON.stringify([minVersion ?? null, maxVersion ?? null, ciphers ?? null, secureOptions ?? null, ca]);
  let context = caContexts.get(key);
  if (!context) {
    if (caContexts.size >= CA_CONTEXTS_MAX) caContexts.clear();
    context = tls.createSecureContext({ minVersion, maxVersion, ciphers, secureOptions, ca: [...tls.rootCertificates, ...ca] });
    caContexts.set(key, context);
  }
  return context;
}

function attempt(ctx: ProbeContext, options: tls.ConnectionOptions): Promise<Attempt> {
  const secureContext = ctx.ca?.length ? contextWithCa(ctx.ca, options) : undefined;
  return withTls(ctx, { captureBytes: CAPTURE_BYTES, keylog: true, tls: { ...options, ...(secureContext ? { secureContext } : {}) } }, async (a): Promise<Attempt> => {
    if (!a.ok) return { certificate: null, error: a.error, failure: a.failure, clientAuth: clientAuthOfFailure(a.failure, a.tap.capturedBuffer()) };
    // The chain and the CertificateRequest come from one read (and one decryption) of the flight.
    const handshake = servedHandshake(a.tap.capturedBuffer(), a.keylog, a.socket.getProtocol(), a.socket.getCipher()?.standardName);
    let analysed: CertificateProbeResult;
    try {
      analysed = analyse(ctx, a, handshake);
    } catch (err) {
      // A certificate node accepted but we cannot parse: report it rather than fail the check.
      analysed = { certificate: null, error: { code: 'not-tls', message: `unreadable certificate: ${(err as Error).message}` } };
    }
    return { ...analysed, failure: null, clientAuth: await clientAuthOf(ctx, a, handshake.request) };
  });
}

/** A handshake refusal (not a network problem) may just mean an old protocol or cipher. */
const RETRY_ON: ReadonlySet<TlsFailure['kind']> = new Set(['alert', 'closed', 'reset', 'tls-error']);

export async function run(ctx: ProbeContext): Promise<CertificateProbeResult> {
  // First as a current node client would connect, so trust matches what real clients see.
  const first = await attempt(ctx, {});
  if (!first.failure || !RETRY_ON.has(first.failure.kind)) return { certificate: first.certificate, error: first.error, clientAuth: first.clientAuth };
  const legacy = await attempt(ctx, LEGACY_CLIENT);
  // The first attempt's CertificateRequest counts when the legacy one shows none.
  const clientAuth = legacy.clientAuth?.requested ? legacy.clientAuth : first.clientAuth?.requested ? first.clientAuth : legacy.clientAuth;
  return legacy.failure
    ? { certificate: null, error: first.error, handshakeFailure: first.failure.kind, clientAuth }
    : { certificate: legacy.certificate, error: legacy.error, clientAuth };
}

export function apply(result: CheckResult, value: CertificateProbeResult, ctx: ProbeContext): void {
  if (value.clientAuth) result.clientAuth = value.clientAuth;
  if (value.certificate) result.certificate = value.certificate;
  else result.error = brokenHandshake(ctx, result, value);
}

/**
 * ClientHellos are answered (some version is supported) but no handshake completes for reasons
 * that are not a refusal: a certificate chain larger than any client accepts, a server that hangs
 * up mid-handshake. Without this the result had no certificate and no finding, and read as ✅.
 * Alerts (old-protocol-only servers, mutual TLS) and timeouts are left to the findings.
 */
const BROKEN_HANDSHAKE: ReadonlySet<string> = new Set(['closed', 'reset', 'tls-error']);
function brokenHandshake(ctx: ProbeContext, result: CheckResult, cert: CertificateProbeResult): CheckError | null {
  if (result.error || !cert.error || !cert.handshakeFailure || !BROKEN_HANDSHAKE.has(cert.handshakeFailure)) return result.error;
  if (!Object.values(result.protocols).some((v) => v === true)) return result.error;
  // OpenSSL's "…:SSL routines:read_state_machine:excessive message size:…/statem.c:609:" → its reason.
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(cert.error.message)?.[1] ?? cert.error.message;
  const where = `${ctx.target.ip.includes(':') ? `[${ctx.target.ip}]` : ctx.target.ip}:${ctx.target.port}`;
  const hint = /excessive message size/i.test(reason) ? ' — its certificate chain is larger than TLS clients accept' : '';
  return { code: 'reset', message: `${where}: the server answers ClientHellos, but no TLS handshake completes (${reason.trim()}${hint})` };
}

/** No certificate because no handshake completed in time: nothing is known of it. */
export function incomplete(value: CertificateProbeResult): string | null {
  return !value.certificate && value.error?.code === 'timeout' ? `no certificate read: ${value.error.message}` : null;
}
