import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseCertificate, certFields, checkChain, daysLeft, keyInfo, splitPem, trustAnchors } from '../src/probe/cert-analysis.js';
import { DerError, decodeOid, decodeTime, readDer } from '../src/probe/der.js';
import { createPki, type Issued } from './helpers/pki.js';
import { localhostCert, tempDir } from './helpers/servers.js';

const pki = createPki();
const x = (i: Issued): X509Certificate => new X509Certificate(i.der);

describe('DER reader', () => {
  it('decodes OIDs, including multi-byte arcs', () => {
    expect(decodeOid(Buffer.from('2a864886f70d01010b', 'hex'))).toBe('1.2.840.113549.1.1.11');
    expect(decodeOid(Buffer.from('2b6570', 'hex'))).toBe('1.3.101.112');
  });
  it('maps two-digit UTCTime years per RFC 5280 and reads GeneralizedTime', () => {
    const utc = (s: string): string => decodeTime({ tag: 0x17, value: Buffer.from(s), end: 0 });
    expect(utc('491231235959Z')).toBe('2049-12-31T23:59:59.000Z');
    expect(utc('500101000000Z')).toBe('1950-01-01T00:00:00.000Z');
    expect(decodeTime({ tag: 0x18, value: Buffer.from('20510102030405Z'), end: 0 })).toBe('2051-01-02T03:04:05.000Z');
  });
  it('throws DerError on truncated input instead of reading past the end', () => {
    expect(() => readDer(Buffer.from([0x30, 0x05, 0x02]))).toThrow(DerError);
    expect(() => readDer(Buffer.from([0x30, 0x84, 0xff]))).toThrow(DerError);
    expect(() => certFields(pki.leaf.der.subarray(0, 100))).toThrow(DerError);
  });
});

describe('certificate fields', () => {
  it('reads signature algorithm, validity and SANs of an EC leaf', () => {
    const f = certFields(pki.leaf.der);
    const cert = x(pki.leaf);
    expect(f.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(f.san).toEqual(['localhost', '127.0.0.1']);
    expect(f.notBefore).toBe(new Date(cert.validFrom).toISOString());
    expect(f.notAfter).toBe(new Date(cert.validTo).toISOString());
    expect(keyInfo(cert)).toEqual({ keyType: 'EC', keyBits: 256 });
  });
  it('recognises SHA-1 signatures, RSA signatures and RSA key sizes', () => {
    // The signature algorithm follows the issuer's key: the test intermediate is EC.
    expect(certFields(pki.sha1.der).signatureAlgorithm).toBe('ecdsa-with-SHA1');
    expect(certFields(pki.rsa2048.der).signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(certFields(new X509Certificate(localhostCert().cert).raw).signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(keyInfo(x(pki.rsa2048))).toEqual({ keyType: 'RSA', keyBits: 2048 });
  });
  it.skipIf(pki.rsa1024 === null)('reports a 1024-bit RSA key', () => {
    expect(keyInfo(x(pki.rsa1024 as Issued))).toEqual({ keyType: 'RSA', keyBits: 1024 });
  });
  it('formats IPv6, e-mail and URI SANs; Ed25519 keys', () => {
    const dir = tempDir();
    const key = join(dir, 'ed.key');
    const cert = join(dir, 'ed.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=v6',
      '-addext', 'subjectAltName=IP:::1,IP:2001:db8::1,email:a@example.com,URI:https://example.com/,DNS:v6.example'], { stdio: 'ignore', timeout: 20_000 });
    const parsed = new X509Certificate(readFileSync(cert));
    const f = certFields(parsed.raw);
    expect(f.san).toEqual(['::1', '2001:db8::1', 'email:a@example.com', 'URI:https://example.com/', 'v6.example']);
    expect(f.signatureAlgorithm).toBe('ED25519');
    expect(keyInfo(parsed)).toEqual({ keyType: 'Ed25519', keyBits: 256 });
  });
  it('counts whole days left, negative once expired', () => {
    const now = new Date('2030-01-10T12:00:00Z');
    expect(daysLeft('2030-01-20T11:59:59Z', now)).toBe(9);
    expect(daysLeft('2030-01-10T12:00:00Z', now)).toBe(0);
    expect(daysLeft('2030-01-10T11:00:00Z', now)).toBe(-1);
    expect(daysLeft('2029-12-31T12:00:00Z', now)).toBe(-10);
  });
});

describe('chain checks', () => {
  const anchors = [x(pki.root)];
  const check = (certs: Issued[], a = anchors): ReturnType<typeof checkChain> => checkChain(certs.map(x), a);

  it('leaf + intermediate up to a trusted root: complete, no issues', () => {
    expect(check([pki.leaf, pki.intermediate])).toEqual({ complete: true, issues: [], path: [0, 1] });
  });
  it('leaf alone: missing intermediate', () => {
    expect(check([pki.leaf])).toMatchObject({ complete: false, issues: ['missing-intermediate'] });
  });
  it('root sent, in order', () => {
    expect(check([pki.leaf, pki.intermediate, pki.root])).toMatchObject({ complete: true, issues: ['root-sent'] });
  });
  it('root before intermediate: wrong order and root sent', () => {
    expect(check([pki.leaf, pki.root, pki.intermediate])).toMatchObject({ complete: true, issues: ['wrong-order', 'root-sent'] });
  });
  it('an unrelated extra certificate', () => {
    expect(check([pki.leaf, pki.intermediate, pki.selfSigned]).issues).toEqual(['root-sent', 'extra-cert']);
  });
  it('a self-signed leaf is its own complete chain', () => {
    expect(check([pki.selfSigned], [])).toMatchObject({ complete: true, issues: [] });
  });
  it('no anchor for the intermediate\'s issuer: incomplete by the served chain\'s own evidence', () => {
    expect(check([pki.leaf, pki.intermediate], [])).toMatchObject({ complete: false, issues: ['missing-intermediate'] });
  });
  it('a certificate listing itself cannot loop', () => {
    expect(check([pki.leaf, pki.leaf, pki.leaf]).complete).toBe(false);
  });
  it('no order claim when the order was not observed', () => {
    expect(checkChain([pki.leaf, pki.root, pki.intermediate].map(x), anchors, false).issues).toEqual(['root-sent']);
  });
});

describe('analyseCertificate', () => {
  const base = { orderKnown: true, authorized: true, authorizationError: null, anchors: [x(pki.root)], now: new Date() };

  it('analyses an expired, untrusted chain in full', () => {
    const r = analyseCertificate({ ...base, served: [pki.expired.der, pki.intermediate.der], authorized: false, authorizationError: 'CERT_HAS_EXPIRED', hostname: 'localhost' });
    expect(r).toMatchObject({ trusted: false, verifyError: 'CERT_HAS_EXPIRED', hostnameMatch: true, selfSigned: false, chainComplete: true, subject: 'CN=localhost', keyType: 'EC', keyBits: 256 });
    expect(r.daysLeft).toBeLessThan(0);
    expect(r.issuer).toBe('CN=tlscheck Test Intermediate, O=tlscheck tests');
    expect(r.chain.map((c) => c.subject)).toEqual(['CN=localhost', 'CN=tlscheck Test Intermediate, O=tlscheck tests']);
    expect(r.chain[0]?.fingerprint256).toBe(x(pki.expired).fingerprint256);
  });
  it('matches host names with tls.checkServerIdentity rules, IPs against IP SANs', () => {
    const served = [pki.wrongHost.der, pki.intermediate.der];
    expect(analyseCertificate({ ...base, served, hostname: 'localhost' }).hostnameMatch).toBe(false);
    expect(analyseCertificate({ ...base, served, hostname: 'a.wrong.example' }).hostnameMatch).toBe(true);
    expect(analyseCertificate({ ...base, served, hostname: 'a.b.wrong.example' }).hostnameMatch).toBe(false);
    const leaf = [pki.leaf.der, pki.intermediate.der];
    expect(analyseCertificate({ ...base, served: leaf, hostname: '127.0.0.1' }).hostnameMatch).toBe(true);
    expect(analyseCertificate({ ...base, served: leaf, hostname: '127.0.0.2' }).hostnameMatch).toBe(false);
  });
  it('flags a self-signed leaf', () => {
    const r = analyseCertificate({ ...base, served: [pki.selfSigned.der], authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', hostname: 'localhost' });
    expect(r).toMatchObject({ selfSigned: true, chainComplete: true, chainIssues: [], verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});

describe('trust anchors', () => {
  it('holds node\'s roots plus every certificate of a --ca bundle', () => {
    const system = trustAnchors();
    expect(system.size).toBeGreaterThan(50);
    const bundle = pki.root.cert + pki.intermediate.cert;
    expect(splitPem(bundle)).toHaveLength(2);
    expect(trustAnchors([bundle, 'not a certificate']).size).toBe(system.size + 2);
  });

  it('gives a private CA the same chain verdict with --ca and under NODE_EXTRA_CA_CERTS (never "missing intermediate" for a chain node trusts)', () => {
    const served = [pki.leaf, pki.intermediate].map(x);
    expect(checkChain(served, trustAnchors([], {})).issues).toEqual(['missing-intermediate']);
    const withCa = checkChain(served, trustAnchors([pki.root.cert], {}));
    const underNodeExtra = checkChain(served, trustAnchors([], { NODE_EXTRA_CA_CERTS: pki.root.certFile }));
    expect(withCa).toEqual({ complete: true, issues: [], path: [0, 1] });
    expect(underNodeExtra).toEqual(withCa);
    // An unreadable NODE_EXTRA_CA_CERTS adds nothing, as in node.
    expect(trustAnchors([], { NODE_EXTRA_CA_CERTS: join(tempDir(), 'absent.pem') }).size).toBe(trustAnchors([], {}).size);
  });
});
