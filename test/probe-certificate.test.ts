import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/probe/certificate.js';
import { createPki, type Issued } from './helpers/pki.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { startSServer } from './helpers/servers.js';
import { loopbackCtx, type CtxOptions } from './helpers/probe-ctx.js';

const pki = createPki();
const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/** s_server with `leaf` and the given chain file contents, in that order. */
async function serve(leaf: Issued, chain: Issued[], extra: string[] = []): Promise<number> {
  const chainArgs = chain.length ? ['-cert_chain', pki.bundle(`${leaf.name}-${chain.map((c) => c.name).join('-')}`, chain)] : [];
  const srv = await startSServer([...chainArgs, ...extra], leaf);
  running.push(srv);
  return srv.port;
}

const trustTestRoot: CtxOptions = { ca: [pki.root.cert] };
const fp = (i: Issued): string => new X509Certificate(i.der).fingerprint256;

describe('certificate probe', () => {
  it('a good chain over TLS 1.3: trusted via --ca, served order read from the decrypted handshake', async () => {
    const port = await serve(pki.leaf, [pki.intermediate]);
    const { certificate, error } = await run(loopbackCtx(port, trustTestRoot));
    expect(error).toBeNull();
    expect(certificate).toMatchObject({
      trusted: true, verifyError: null, hostnameMatch: true, selfSigned: false, chainComplete: true, chainIssues: [],
      subject: 'CN=localhost', san: ['localhost', '127.0.0.1'], keyType: 'EC', keyBits: 256, signatureAlgorithm: 'ecdsa-with-SHA256',
    });
    expect(certificate?.chain.map((c) => c.fingerprint256)).toEqual([fp(pki.leaf), fp(pki.intermediate)]);
    expect(certificate?.daysLeft).toBeGreaterThan(80);
  });

  it('the same chain is untrusted without --ca, and the unknown issuer counts as missing', async () => {
    const port = await serve(pki.leaf, [pki.intermediate]);
    const { certificate } = await run(loopbackCtx(port));
    expect(certificate).toMatchObject({ trusted: false, verifyError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', hostnameMatch: true, chainComplete: false });
  });

  it('leaf without its intermediate: missing-intermediate, not trusted even with the root', async () => {
    const port = await serve(pki.leaf, []);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: false, chainComplete: false, chainIssues: ['missing-intermediate'] });
    expect(certificate?.verifyError).toMatch(/^UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)$/);
    expect(certificate?.chain).toHaveLength(1);
  });

  it('root sent along: root-sent, still trusted', async () => {
    const port = await serve(pki.leaf, [pki.intermediate, pki.root]);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: true, chainComplete: true, chainIssues: ['root-sent'] });
    expect(certificate?.chain).toHaveLength(3);
  });

  it('chain out of order over TLS 1.2 (cleartext handshake): wrong-order as served', async () => {
    const port = await serve(pki.leaf, [pki.root, pki.intermediate], ['-tls1_2']);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate?.chainIssues).toEqual(['wrong-order', 'root-sent']);
    expect(certificate?.chain.map((c) => c.fingerprint256)).toEqual([fp(pki.leaf), fp(pki.root), fp(pki.intermediate)]);
  });

  it('chain out of order over TLS 1.3: wrong-order as served', async () => {
    const port = await serve(pki.leaf, [pki.root, pki.intermediate], ['-tls1_3']);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate?.chainIssues).toEqual(['wrong-order', 'root-sent']);
  });

  it.each([
    ['TLS_CHACHA20_POLY1305_SHA256', []],
    ['TLS_AES_128_GCM_SHA256', ['-groups', 'secp384r1']], // P-384 only: forces a HelloRetryRequest first
  ])('served order read through TLS 1.3 with %s %j', async (suite, extra) => {
    const port = await serve(pki.leaf, [pki.root, pki.intermediate], ['-tls1_3', '-ciphersuites', suite, ...extra]);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate?.chainIssues).toEqual(['wrong-order', 'root-sent']);
  });

  it('expired: untrusted with CERT_HAS_EXPIRED, analysed in full', async () => {
    const port = await serve(pki.expired, [pki.intermediate]);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: false, verifyError: 'CERT_HAS_EXPIRED', hostnameMatch: true, chainComplete: true, keyType: 'EC' });
    expect(certificate?.daysLeft).toBeLessThan(0);
    expect(Date.parse(certificate?.notAfter ?? '')).toBeLessThan(Date.now());
  });

  it('not yet valid: CERT_NOT_YET_VALID', async () => {
    const port = await serve(pki.notYetValid, [pki.intermediate]);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: false, verifyError: 'CERT_NOT_YET_VALID' });
    expect(Date.parse(certificate?.notBefore ?? '')).toBeGreaterThan(Date.now());
  });

  it('wrong host: chain trusted, hostname does not match', async () => {
    const port = await serve(pki.wrongHost, [pki.intermediate]);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: true, hostnameMatch: false, san: ['wrong.example', '*.wrong.example'] });
  });

  it('self-signed: DEPTH_ZERO_SELF_SIGNED_CERT, selfSigned', async () => {
    const port = await serve(pki.selfSigned, []);
    const { certificate } = await run(loopbackCtx(port));
    expect(certificate).toMatchObject({ trusted: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', selfSigned: true, chainComplete: true });
  });

  it('an IP target without SNI matches the IP SAN', async () => {
    const port = await serve(pki.leaf, [pki.intermediate]);
    const { certificate } = await run(loopbackCtx(port, { ...trustTestRoot, sni: null, host: '127.0.0.1' }));
    expect(certificate).toMatchObject({ trusted: true, hostnameMatch: true });
  });

  it('SHA-1 signed leaf: node rejects the signature as too weak; reported as such', async () => {
    const port = await serve(pki.sha1, [pki.intermediate], ['-cipher', 'DEFAULT@SECLEVEL=0']);
    const { certificate } = await run(loopbackCtx(port, trustTestRoot));
    expect(certificate).toMatchObject({ signatureAlgorithm: 'ecdsa-with-SHA1', keyType: 'RSA', keyBits: 2048 });
    expect(certificate?.trusted).toBe(false);
    expect(certificate?.verifyError).toBe('CA_MD_TOO_WEAK');
  });

  it('a TLS 1.0-only server is still analysed (legacy retry)', async () => {
    const port = await serve(pki.rsa2048, [pki.intermediate], ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    const { certificate, error } = await run(loopbackCtx(port, trustTestRoot));
    expect(error).toBeNull();
    expect(certificate).toMatchObject({ trusted: true, keyType: 'RSA', keyBits: 2048, chainIssues: [] });
  });

  it('a node:tls server', async () => {
    const srv = await startNodeTls({ cert: pki.leaf.cert + pki.intermediate.cert, key: pki.leaf.key });
    running.push(srv);
    const { certificate } = await run(loopbackCtx(srv.port, trustTestRoot));
    expect(certificate).toMatchObject({ trusted: true, chainComplete: true, chainIssues: [] });
  });

  it('nothing listening: an error, no certificate', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    const result = await run(loopbackCtx(srv.port));
    expect(result).toEqual({ certificate: null, error: expect.objectContaining({ code: 'refused' }), clientAuth: { requested: null, required: null, caNames: [], reason: null } });
  });
});
