import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/probe/alpn-ocsp.js';
import { normaliseSerial, parseOcspResponse } from '../src/probe/ocsp-parse.js';
import { createPki, type Issued } from './helpers/pki.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { startSServer } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { keepServers } from './helpers/servers.js';
import { startLighttpd } from './helpers/stacks.js';
import { offersExtension, startHelloFilter } from './helpers/hello-filter.js';
import { run as certificateProbe } from '../src/probe/certificate.js';
import { deriveFindings, diagnose } from '../src/diagnose/index.js';
import { modernServer } from './fixtures/results/base.js';

/** The test PKI's leaf with its intermediate, as one PEM (lighttpd's ssl.pemfile wants both). */
const chainPair = (): typeof pki.leaf => ({ ...pki.leaf, cert: pki.leaf.cert + pki.intermediate.cert });

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
    // The handshake trusts nothing (TRUST_NOTHING), yet the issuer that signed the staple is found.
    expect(result.ocsp).toMatchObject({ signatureValid: true, signatureProblem: null });
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
    expect(await run(loopbackCtx(port))).toEqual({ alpn: null, ocspStapled: false, ocsp: null, statusRequestAborts: false });
  });

  it('a server refusing both offered protocols (alert 120): retried without ALPN', async () => {
    const port = await serve(pki.leaf, ['-alpn', 'acme-tls/1', '-status_file', goodResponse]);
    expect(await run(loopbackCtx(port))).toMatchObject({ alpn: null, ocspStapled: true, ocsp: { status: 'good' } });
  });

  it('node:tls server with ALPN', async () => {
    const srv = await startNodeTls({ ALPNProtocols: ['http/1.1'] });
    running.push(srv);
    expect(await run(loopbackCtx(srv.port))).toEqual({ alpn: 'http/1.1', ocspStapled: false, ocsp: null, statusRequestAborts: false });
  });

  it('nothing listening: unknown', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    expect(await run(loopbackCtx(srv.port))).toEqual({ alpn: null, ocspStapled: null, ocsp: null, statusRequestAborts: null });
  });
});

describe('servers that abort a ClientHello asking for OCSP stapling (status_request)', () => {
  const keep = keepServers();

  it('lighttpd + wolfSSL 5.5 without its issuer loaded: ALPN still read, the abort reported', async () => {
    const srv = await keep(startLighttpd('wolfssl', { pair: chainPair() }));
    expect(await run(loopbackCtx(srv.port))).toEqual({
      alpn: 'h2', ocspStapled: null, ocsp: null, statusRequestAborts: true, statusRequestFailure: 'connection closed without an alert',
    });
  });

  it('the same server with its issuer chain as ssl.ca-file (the server-side fix): no abort', async () => {
    const srv = await keep(startLighttpd('wolfssl', { pair: chainPair(), extra: [`ssl.ca-file = "${pki.bundle('wolf-ca', [pki.root, pki.intermediate])}"`] }));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ alpn: 'h2', ocspStapled: false, statusRequestAborts: false });
    // The CA file does not turn on client authentication (ssl.verifyclient.activate stays off).
    expect((await certificateProbe(loopbackCtx(srv.port))).clientAuth).toMatchObject({ requested: false });
  });

  it.each([
    ['close', 'connection closed without an alert'],
    ['reset', 'connection reset'],
    ['close-notify', 'warning alert 0 close_notify'],
  ] as const)('a front end that answers status_request with a bare %s: ALPN still read, the abort described', async (action, statusRequestFailure) => {
    const backend = await keep(startSServer(['-alpn', 'h2']));
    const gate = await keep(startHelloFilter({ backendPort: backend.port, action, matches: (hello) => offersExtension(hello, 5) }));
    expect(await run(loopbackCtx(gate.port))).toEqual({ alpn: 'h2', ocspStapled: null, ocsp: null, statusRequestAborts: true, statusRequestFailure });
  });

  it('the diagnosis: an error, with the lighttpd fix and a two-line reproduce', () => {
    const r = modernServer({ statusRequestAborts: true, statusRequestFailure: 'connection closed without an alert' });
    const d = diagnose(r).find((x) => x.id === 'status-request-abort');
    expect(d).toMatchObject({ severity: 'error' });
    expect(d?.why).toMatch(/^A ClientHello carrying status_request is refused \(connection closed without an alert\)/);
    expect(d?.fixes.lighttpd?.[0]).toMatch(/^ssl\.ca-file = /);
    expect(d?.reproduce.split('\n')).toHaveLength(2);
    expect(deriveFindings(modernServer({ statusRequestAborts: false })).some((f) => f.id === 'status-request-abort')).toBe(false);
  });

  it.each(['gnutls', 'mbedtls'] as const)('lighttpd + %s answers the status request normally', async (stack) => {
    const srv = await keep(startLighttpd(stack, { pair: chainPair() }));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ alpn: 'h2', ocspStapled: false, statusRequestAborts: false });
  });
});
