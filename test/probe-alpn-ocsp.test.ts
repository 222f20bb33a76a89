import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/probe/alpn-ocsp.js';
import { normaliseSerial, parseOcspResponse } from '../src/probe/ocsp-parse.js';
import { createPki, type Issued } from './helpers/pki.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { startSServer } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const pki = createPki();
const goodResponse = pki.ocspResponse(pki.leaf);
const revokedResponse = pki.ocspResponse(pki.revokedLeaf);
const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});
async function serve(leaf: Issued, args: string[]): Promise<number> {
  const srv = await startSServer(['-cert_chain', pki.bundle(`alpn-${leaf.name}`, [pki.intermediate]), ...args], leaf);
  running.push(srv);
  return srv.port;
}
const serial = (i: Issued): string => new X509Certificate(i.der).serialNumber;
const DAY = 86_400_000;

describe('OCSP response parsing (pure)', () => {
  it('reads a good status and its validity window', () => {
    const r = parseOcspResponse(readFileSync(goodResponse), serial(pki.leaf));
    expect(r).toMatchObject({ responseStatus: 'successful', status: 'good', matchedSerial: true, revocationTime: null });
    const next = Date.parse(r.nextUpdate ?? '');
    expect(next - Date.parse(r.thisUpdate ?? '')).toBeGreaterThan(6 * DAY);
    expect(next - Date.now()).toBeLessThan(8 * DAY);
  });
  it('reads a revoked status with its revocation time', () => {
    const r = parseOcspResponse(readFileSync(revokedResponse), serial(pki.revokedLeaf));
    expect(r.status).toBe('revoked');
    expect(Date.parse(r.revocationTime ?? '')).toBeLessThanOrEqual(Date.now());
  });
  it('gives no status when the staple is about another certificate', () => {
    expect(parseOcspResponse(readFileSync(goodResponse), serial(pki.expired))).toMatchObject({ status: null, matchedSerial: false });
  });
  it('reads non-successful response statuses and never throws on garbage', () => {
    expect(parseOcspResponse(Buffer.from('30030a0103', 'hex'))).toMatchObject({ responseStatus: 'tryLater', status: null });
    expect(parseOcspResponse(Buffer.from('garbage'))).toMatchObject({ responseStatus: 'unreadable', status: null });
    const truncated = readFileSync(goodResponse).subarray(0, 60);
    expect(parseOcspResponse(truncated).status).toBeNull();
  });
  it('normalises serials the way DER and node print them', () => {
    expect(normaliseSerial('00a1:0b')).toBe('A10B');
    expect(normaliseSerial('0')).toBe('0');
  });
});

describe('ALPN and OCSP probe', () => {
  it('stapled good response, ALPN h2', async () => {
    const port = await serve(pki.leaf, ['-status_file', goodResponse, '-alpn', 'h2']);
    const result = await run(loopbackCtx(port));
    expect(result).toMatchObject({ alpn: 'h2', ocspStapled: true, ocsp: { status: 'good' } });
    expect(Date.parse(result.ocsp?.nextUpdate ?? '')).toBeGreaterThan(Date.now());
  });

  it('stapled revoked response', async () => {
    const port = await serve(pki.revokedLeaf, ['-status_file', revokedResponse, '-alpn', 'http/1.1']);
    expect(await run(loopbackCtx(port))).toMatchObject({ alpn: 'http/1.1', ocspStapled: true, ocsp: { status: 'revoked' } });
  });

  it('stapled over TLS 1.2 too', async () => {
    const port = await serve(pki.leaf, ['-status_file', goodResponse, '-tls1_2']);
    expect(await run(loopbackCtx(port))).toMatchObject({ alpn: null, ocspStapled: true, ocsp: { status: 'good' } });
  });

  it('no stapling, no ALPN', async () => {
    const port = await serve(pki.leaf, []);
    expect(await run(loopbackCtx(port))).toEqual({ alpn: null, ocspStapled: false, ocsp: null });
  });

  it('a server refusing both offered protocols (alert 120): retried without ALPN', async () => {
    const port = await serve(pki.leaf, ['-alpn', 'acme-tls/1', '-status_file', goodResponse]);
    expect(await run(loopbackCtx(port))).toMatchObject({ alpn: null, ocspStapled: true, ocsp: { status: 'good' } });
  });

  it('node:tls server with ALPN', async () => {
    const srv = await startNodeTls({ ALPNProtocols: ['http/1.1'] });
    running.push(srv);
    expect(await run(loopbackCtx(srv.port))).toEqual({ alpn: 'http/1.1', ocspStapled: false, ocsp: null });
  });

  it('nothing listening: unknown', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    expect(await run(loopbackCtx(srv.port))).toEqual({ alpn: null, ocspStapled: null, ocsp: null });
  });
});
