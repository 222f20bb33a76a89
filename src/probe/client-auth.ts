// Does a server that sends a CertificateRequest refuse clients without a certificate? Some refuse
// the handshake itself (Apache `SSLVerifyClient require`: fatal alert 40 on TLS 1.2, 116
// certificate_required after the client's Finished on TLS 1.3); others complete it and refuse at
// the application (nginx `ssl_verify_client on`: HTTP 400 "No required SSL certificate was sent").
// One request on the established connection tells these apart from `optional`.
import type tls from 'node:tls';
import type { ClientAuthResult } from '../types.js';
import type { CertificateRequestInfo } from './codec/certificate-request.js';
import { connectionBudget, type ProbeContext } from './context.js';
import { hostHeader } from './http-server.js';
import { alertFromOpenSslError, describeAlert, type TlsAlert } from './tls-alerts.js';

/** Alerts a server sends a client that has no (acceptable) certificate. */
const REFUSALS: ReadonlySet<number> = new Set([40, 42, 48, 49, 116]);

/** Servers answer a request within a few round trips; handshakeMs spans about two. */
const WAIT_PER_HANDSHAKE = 5;
const MIN_WAIT_MS = 250;
const MAX_WAIT_MS = 1500;
const MAX_RESPONSE_BYTES = 16 * 1024;

/** What came back after the handshake, in answer to one HTTP request. */
export interface AfterHandshake {
  alert: TlsAlert | null;
  /** The response bytes (head and some body), latin1. */
  response: string;
}

// Application-level refusals that name the missing client certificate (nginx's 400 page, others).
const REFUSAL_TEXT = /No required SSL certificate was sent|client certificate (?:is )?required|SSL certificate error/i;

/** Decides `required` from what followed the handshake. Pure. */
export function requiredFrom(after: AfterHandshake): Pick<ClientAuthResult, 'required' | 'reason'> {
  if (after.alert && REFUSALS.has(after.alert.description)) {
    return { required: true, reason: `the server ended the connection with ${describeAlert(after.alert)} when no client certificate was sent` };
  }
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})\b/.exec(after.response);
  if (!status?.[1]) return { required: null, reason: 'the handshake completes without a client certificate; no HTTP answer showed whether one is required' };
  const code = Number(status[1]);
  if (REFUSAL_TEXT.test(after.response)) {
    return { required: true, reason: `the handshake completes, but HTTP answers ${code}: "${REFUSAL_TEXT.exec(after.response)?.[0] ?? ''}"` };
  }
  if (code < 400) return { required: false, reason: `optional: the server answered HTTP ${code} without a client certificate` };
  return { required: null, reason: `the handshake completes without a client certificate; HTTP answers ${code} without naming it` };
}

/** The result for a handshake that showed (or did not show) a CertificateRequest. */
export function clientAuthFrom(request: CertificateRequestInfo | null, decided: Pick<ClientAuthResult, 'required' | 'reason'>): ClientAuthResult {
  if (!request) return { requested: false, required: false, caNames: [], reason: null };
  return { requested: true, caNames: request.caNames, ...decided };
}

/**
 * Sends one GET on an established connection and waits for the answer or the server's alert.
 * Resolves, never rejects.
 */
export function askAfterHandshake(ctx: ProbeContext, socket: tls.TLSSocket, handshakeMs: number): Promise<AfterHandshake> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let alert: TlsAlert | null = null;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', done);
      socket.off('close', done);
      resolve({ alert, response: Buffer.concat(chunks).toString('latin1') });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_RESPONSE_BYTES) done();
    };
    const onError = (err: unknown): void => {
      alert = alertFromOpenSslError(err);
      done();
    };
    const wait = Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, WAIT_PER_HANDSHAKE * handshakeMs), connectionBudget(ctx));
    const timer = setTimeout(done, wait);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', done);
    socket.on('close', done);
    const name = ctx.target.sni ?? ctx.target.host;
    socket.write(`GET / HTTP/1.1\r\nHost: ${hostHeader(name, ctx.target.port)}\r\nUser-Agent: tlscheck\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  });
}
