// --ocsp: when the server staples nothing, ask the OCSP responder named in the certificate
// (RFC 6960 over HTTP POST). Off by default: it contacts a third party, the certificate's CA.
// The responder's address goes through the same address policy as the target.
import { X509Certificate, createHash } from 'node:crypto';
import type tls from 'node:tls';
import type { CheckResult, OcspResult } from '../types.js';
import { connectionBudget, type ProbeContext } from './context.js';
import { TAG, expectChildren, readDer, type DerNode } from './der.js';
import { leafExtensions } from './cert-analysis.js';
import { assessOcsp, issuerOf, keyHash } from './ocsp-parse.js';
import { withTls } from './tls-connect.js';
import { resolveInput } from '../target/index.js';

/** A response is a few kilobytes; more means something else answered. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export const name = 'ocsp-fetch';
export const phase = 'address';

export interface OcspFetchResult {
  /** The responder's answer, assessed; null when none could be had (see `problem`) or none was asked. */
  ocsp: OcspResult | null;
  problem: string | null;
}

const NOT_ASKED: OcspFetchResult = { ocsp: null, problem: null };

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

function raw(node: DerNode): Buffer {
  return der(node.tag, node.value);
}

/** OCSPRequest for one certificate, CertID with SHA-1 as every responder supports (RFC 6960 §4.1.1, RFC 5019). */
export function buildOcspRequest(leaf: X509Certificate, issuer: X509Certificate): Buffer {
  const tbs = expectChildren(expectChildren(readDer(leaf.raw), TAG.sequence)[0], TAG.sequence);
  const i = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const serial = tbs[i] as DerNode;
  const issuerName = tbs[i + 2] as DerNode;
  const sha1 = der(TAG.sequence, der(TAG.oid, Buffer.from('2b0e03021a', 'hex')), der(TAG.null));
  const certId = der(TAG.sequence,
    sha1,
    der(TAG.octetString, createHash('sha1').update(raw(issuerName)).digest()),
    der(TAG.octetString, keyHash(issuer)),
    raw(serial));
  return der(TAG.sequence, der(TAG.sequence, der(TAG.sequence, der(TAG.sequence, certId))));
}

async function post(ctx: ProbeContext, url: URL, ip: string, body: Buffer): Promise<Buffer> {
  // Loaded here, not with the module: every check evaluates this module, only --ocsp posts, and
  // node:http costs a CLI run a few ms before its first hello.
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: ip,
      port: Number(url.port || 80),
      path: `${url.pathname}${url.search}` || '/',
      method: 'POST',
      headers: { host: url.host, 'content-type': 'application/ocsp-request', 'content-length': body.length },
      timeout: connectionBudget(ctx),
      signal: ctx.signal,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`more than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode ?? '?'}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * With ctx.ocspFetch only (no connection otherwise): one handshake asking for a staple; when none
 * comes, asks the responder of the leaf. Never throws: problems come back in words.
 */
export async function run(ctx: ProbeContext): Promise<OcspFetchResult> {
  if (!ctx.ocspFetch) return NOT_ASKED;
  const seen = { staple: false };
  const onSocket = (socket: tls.TLSSocket): void => {
    socket.on('OCSPResponse', (response?: Buffer) => {
      if (response?.length) seen.staple = true;
    });
  };
  const certs = await withTls(ctx, { tls: { requestOCSP: true }, onSocket }, (a) => {
    if (!a.ok) return null;
    const leaf = a.socket.getPeerX509Certificate();
    return leaf ? { leaf, issuer: issuerOf(leaf) } : null;
  });
  // A stapled response makes the third-party request unnecessary.
  if (seen.staple) return NOT_ASKED;
  if (!certs) return { ocsp: null, problem: 'no handshake to read the certificate from' };
  const { leaf, issuer } = certs;
  if (!issuer || issuer.fingerprint256 === leaf.fingerprint256) return { ocsp: null, problem: "the certificate's issuer is not known (not served, not in the trust store)" };
  const responder = leafExtensions(leaf.raw).ocspUrls.find((u) => u.startsWith('http://'));
  if (!responder) return { ocsp: null, problem: 'the certificate names no http:// OCSP responder' };
  try {
    const url = new URL(responder);
    // Same address policy as the target: a certificate must not steer the bot into the local network.
    const resolved = await resolveInput(url.port ? `${url.hostname}:${url.port}` : `${url.hostname}:80`, { policy: ctx.addressPolicy });
    const answer = await post(ctx, url, resolved.ip, buildOcspRequest(leaf, issuer));
    return { ocsp: { ...assessOcsp(answer, leaf, issuer, new Date(), 'responder'), responder }, problem: null };
  } catch (err) {
    return { ocsp: null, problem: `asking ${responder} failed: ${(err as Error).message}` };
  }
}


/** The responder's answer stands in for a staple only when the server stapled nothing (alpn-ocsp applies first). */
export function apply(result: CheckResult, value: OcspFetchResult): void {
  if (value.problem) result.ocspFetchError = value.problem;
  if (value.ocsp && result.ocspStapled === false) result.ocsp = value.ocsp;
}
