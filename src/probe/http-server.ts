// The HTTP Server header, read over TLS with one HEAD request, so fix advice can name the
// software (nginx, Apache...). Anything that is not HTTP gives null without complaint.
import net from 'node:net';
import type { CheckResult } from '../types.js';
import type { ProbeContext } from './context.js';
import { connectionBudget } from './context.js';
import { lendLeaf, type LeafLoan } from './handshake-loans.js';
import { LEGACY_CLIENT, TRUST_NOTHING, withTls } from './tls-connect.js';

export const name = 'http-server';
export const phase = 'address';

export interface HttpServerResult {
  server: string | null;
}

/** Response headers beyond this are not read: the Server header comes early in practice. */
export const MAX_HEAD_BYTES = 16 * 1024;
/**
 * The Server header is a hint for fix advice, not worth stalling the check for: a web server
 * answers HEAD within a few round trips, and a server that handles one connection at a time
 * (embedded stacks, `openssl s_server`) would make every other probe wait while we do. The cap
 * is 1 s or 4 round trips, whichever is longer, so a long path still gets its answer.
 */
const MAX_WAIT_MS = 1000;
const MAX_WAIT_ROUND_TRIPS = 4;
const MIN_WAIT_MS = 250;
/** handshakeMs spans about two round trips; a HEAD answer needs one plus the server's work. */
const WAIT_PER_HANDSHAKE = 5;
const MAX_VALUE_LENGTH = 200;

/** The Server header of an HTTP/1.x response head, from complete lines only. */
export function parseServerHeader(head: string): string | null {
  const lines = head.split('\n');
  // The last piece is a partial line unless the head ended; either way it is not trusted.
  lines.pop();
  if (!/^HTTP\/\d(?:\.\d)? \d{3}\b/.test(lines[0] ?? '')) return null;
  for (const raw of lines.slice(1)) {
    const line = raw.replace(/\r$/, '');
    if (line === '') break;
    const m = /^server\s*:\s*(.*)$/i.exec(line);
    if (m) {
      const value = (m[1] ?? '').trim().replace(/[^\x20-\x7e]/g, '').slice(0, MAX_VALUE_LENGTH);
      return value || null;
    }
  }
  return null;
}

/** Host header value: the SNI name (or address) plus any non-default port. */
export function hostHeader(name: string, port: number): string {
  const host = net.isIPv6(name) ? `[${name}]` : name;
  return port === 443 ? host : `${host}:${port}`;
}

export async function run(ctx: ProbeContext): Promise<HttpServerResult> {
  const name = ctx.target.sni ?? ctx.target.host;
  // The SNI probe, when it asked, takes this handshake's leaf as its own handshake with SNI.
  const loan = lendLeaf(ctx);
  try {
    return await headRequest(ctx, name, loan);
  } finally {
    loan?.settle(null);
  }
}

function headRequest(ctx: ProbeContext, name: string, loan: LeafLoan | null): Promise<HttpServerResult> {
  // A failed handshake means no header, whatever the reason: no record tap needed (it costs a JS
  // stream layer under the handshake and every read).
  return withTls(ctx, { tls: { ...LEGACY_CLIENT, ...TRUST_NOTHING, ALPNProtocols: ['http/1.1'] }, tap: false }, (a) => {
    if (!a.ok) return { server: null };
    const { socket } = a;
    loan?.settle({ fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? null });
    return new Promise<HttpServerResult>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('end', done);
        socket.off('close', done);
        resolve({ server: parseServerHeader(Buffer.concat(chunks).toString('latin1')) });
      };
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_HEAD_BYTES || Buffer.concat(chunks).includes('\r\n\r\n')) done();
      };
      const wait = Math.max(MIN_WAIT_MS, WAIT_PER_HANDSHAKE * a.handshakeMs);
      const cap = Math.max(MAX_WAIT_MS, MAX_WAIT_ROUND_TRIPS * (ctx.rttMs ?? 0));
      const timer = setTimeout(done, Math.min(cap, wait, connectionBudget(ctx)));
      socket.on('data', onData);
      socket.on('end', done);
      socket.on('close', done);
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${hostHeader(name, ctx.target.port)}\r\nUser-Agent: tlscheck\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
    });
  });
}

export function apply(result: CheckResult, value: HttpServerResult): void {
  result.server = value.server;
}
