// Revocation and Certificate Transparency (issue 20): stapled OCSP responses built with
// `openssl ocsp -index … -respout` and served with `s_server -status_file`, a Must-Staple leaf from
// the test's own CA, `--ocsp` against `openssl ocsp -port` on loopback, and the pure rules.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPki, type Issued } from './helpers/pki.js';
import { keepServers, startProcessServer, startSServer } from './helpers/servers.js';
import { runCheck } from '../src/check.js';
import { deriveFindings, explain } from '../src/diagnose/index.js';
import { assessOcsp, checkOcspSignature } from '../src/probe/ocsp-parse.js';
import { analyseCertificate, leafExtensions } from '../src/probe/cert-analysis.js';
import { buildOcspRequest } from '../src/probe/ocsp-fetch.js';
import { goodCertificate, modernServer } from './fixtures/results/base.js';
import { plainPaint, renderCheck } from '../src/format/cli-text.js';
import { renderExplain } from '../src/format/cli-explain.js';
import { createCheckRunner } from '../jobs/check-runner.js';
import { loadConfig } from '../src/config.js';
import type { CheckOptions } from '../src/check.js';
import { summaryFields } from '../src/format/slack-result.js';
import type { CheckResult } from '../src/types.js';
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TAG, children, expectChildren, readDer, type DerNode } from '../src/probe/der.js';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { renderReproduce } from '../src/diagnose/reproduce.js';

const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
const ctMissingReproduce = KNOWLEDGE_BASE.find((e) => e.id === 'ct-missing')?.reproduce ?? '';

const pki = createPki();
const keep = keepServers();
const DAY = 86_400_000;
const x509 = (i: Issued): X509Certificate => new X509Certificate(i.der);

const compromised = pki.issueLeaf('compromised');
pki.revoke(compromised, 'keyCompromise');
const mustStaple = pki.issueLeaf('must-staple', ['tlsfeature = status_request']);
const ca = [pki.root.cert];

async function serve(leaf: Issued, args: string[]): Promise<number> {
  const srv = await keep(startSServer(['-cert_chain', pki.bundle(`rev-${leaf.name}`, [pki.intermediate]), ...args], leaf));
  return srv.port;
}
const check = (port: number, opts: { ocspFetch?: boolean; publicRoots?: string[]; symptom?: string } = {}): Promise<CheckResult> =>
  runCheck(`localhost:${port}`, { ca, timeoutMs: 20_000, lookup: async () => [{ address: '127.0.0.1', family: 4 }], ...opts });

describe('OCSP assessment (pure, on real responses)', () => {
  it('a good response signed by the issuer is current and verified', () => {
    const o = assessOcsp(readFileSync(pki.ocspResponse(pki.leaf)), x509(pki.leaf), x509(pki.intermediate), new Date());
    expect(o).toMatchObject({ status: 'good', validity: 'current', signatureValid: true, source: 'stapled', scts: 0 });
  });

  it('past nextUpdate, and before thisUpdate, the response is stale', () => {
    const der = readFileSync(pki.ocspResponse(pki.leaf));
    expect(assessOcsp(der, x509(pki.leaf), x509(pki.intermediate), new Date(Date.now() + 8 * DAY)).validity).toBe('expired');
    expect(assessOcsp(der, x509(pki.leaf), x509(pki.intermediate), new Date(Date.now() - DAY)).validity).toBe('not-yet-valid');
  });

  it('a response signed by another CA (the root) is not the issuer\'s', () => {
    const der = readFileSync(pki.ocspResponse(pki.leaf, pki.root));
    expect(checkOcspSignature(der, x509(pki.intermediate)).valid).toBe(false);
    expect(checkOcspSignature(der, null).valid).toBeNull();
  });

  it('reads the revocation reason', () => {
    const o = assessOcsp(readFileSync(pki.ocspResponse(compromised)), x509(compromised), x509(pki.intermediate), new Date());
    expect(o).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise', signatureValid: true });
    expect(Date.parse(o.revocationTime ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('builds a request openssl ocsp understands', () => {
    const req = buildOcspRequest(x509(pki.leaf), x509(pki.intermediate));
    expect(req[0]).toBe(0x30);
    expect(req.length).toBeGreaterThan(60);
  });
});

describe('certificate extensions: Must-Staple, OCSP URL, embedded SCTs, public roots', () => {
  it('reads the TLS Feature extension and the AIA responder', () => {
    expect(leafExtensions(mustStaple.der)).toMatchObject({ mustStaple: true, embeddedScts: 0 });
    expect(leafExtensions(pki.leaf.der)).toMatchObject({ mustStaple: false, ocspUrls: [] });
    const aia = pki.issueLeaf('with-aia', ['authorityInfoAccess = OCSP;URI:http://127.0.0.1:1/ocsp']);
    expect(leafExtensions(aia.der).ocspUrls).toEqual(['http://127.0.0.1:1/ocsp']);
  });

  it('counts embedded SCTs', () => {
    const sct = (n: number): string => `00${(47).toString(16)}${'ab'.repeat(47)}`.repeat(n);
    const list = (n: number): string => (n * 49).toString(16).padStart(4, '0') + sct(n);
    const leaf = pki.issueLeaf('with-scts', [`1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:${list(2)}`]);
    expect(leafExtensions(leaf.der).embeddedScts).toBe(2);
  });

  it('tells a public root from a private CA', () => {
    const base = { served: [pki.leaf.der, pki.intermediate.der], orderKnown: true, authorized: true, authorizationError: null, hostname: 'localhost', anchors: [x509(pki.root)], now: new Date() };
    expect(analyseCertificate(base).publicRoot).toBe(false);
    expect(analyseCertificate({ ...base, publicAnchors: [x509(pki.root)] }).publicRoot).toBe(true);
  });
});

describe('revocation through the whole check (openssl s_server -status_file)', () => {
  it('a stapled "revoked" is critical, with time and reason; explain confirms it', async () => {
    const port = await serve(compromised, ['-status_file', pki.ocspResponse(compromised)]);
    const r = await check(port);
    expect(r.ocsp).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise', signatureValid: true, validity: 'current' });
    const f = r.findings.find((x) => x.id === 'cert-revoked');
    expect(f?.severity).toBe('critical');
    expect(f?.detail).toMatch(/revoked on \d{4}-\d\d-\d\dT.*\(reason: keyCompromise\)/);
    for (const text of ['certificate revoked', 'Error code: SEC_ERROR_REVOKED_CERTIFICATE', 'NET::ERR_CERT_REVOKED']) {
      expect(explain(text, r).candidates[0], text).toMatchObject({ id: 'cert-revoked', verdict: 'confirmed' });
    }
    expect(renderCheck(r)).toMatch(/OCSP status: +revoked \d{4}-\d\d-\d\d \(keyCompromise\)/);
    expect(summaryFields(r).join('\n')).toMatch(/OCSP status: revoked/);
  }, 30_000);

  it('a good staple from the issuer: no revocation finding, explain rules "revoked" out', async () => {
    const port = await serve(pki.leaf, ['-status_file', pki.ocspResponse(pki.leaf)]);
    const r = await check(port);
    expect(r.ocsp).toMatchObject({ status: 'good', signatureValid: true });
    const ids = r.findings.map((x) => x.id);
    for (const id of ['cert-revoked', 'ocsp-response-untrusted', 'ocsp-response-stale', 'must-staple-missing', 'ct-missing']) expect(ids).not.toContain(id);
    expect(explain('ERR_CERT_REVOKED', r).candidates[0]).toMatchObject({ id: 'cert-revoked', verdict: 'ruled-out' });
    // Private CA: CT is not required, and explain says so rather than guessing.
    expect(r.certificate).toMatchObject({ publicRoot: false, ct: { embedded: 0, tlsExtension: 0, ocsp: 0 } });
    expect(explain('NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', r).candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'untested' });
  }, 30_000);

  it('a staple signed by another CA is a warning', async () => {
    const port = await serve(pki.leaf, ['-status_file', pki.ocspResponse(pki.leaf, pki.root)]);
    const r = await check(port);
    expect(r.ocsp?.signatureValid).toBe(false);
    expect(r.findings.find((x) => x.id === 'ocsp-response-untrusted')?.severity).toBe('warning');
  }, 30_000);

  it('a Must-Staple leaf without a staple is an error; with one, fine', async () => {
    const bare = await serve(mustStaple, []);
    const stapled = await serve(mustStaple, ['-status_file', pki.ocspResponse(mustStaple)]);
    const [a, b] = await Promise.all([check(bare), check(stapled)]);
    expect(a.certificate?.mustStaple).toBe(true);
    expect(a.findings.find((x) => x.id === 'must-staple-missing')?.severity).toBe('error');
    expect(explain('MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING', a).candidates[0]).toMatchObject({ id: 'must-staple-missing', verdict: 'confirmed' });
    expect(b.findings.map((x) => x.id)).not.toContain('must-staple-missing');
    expect(renderCheck(a)).toContain('OCSP Must-Staple');
  }, 40_000);
});

/**
 * A copy of an OCSP response with every GeneralizedTime of its ResponseData (producedAt,
 * thisUpdate, nextUpdate) moved by `shiftMs`, re-signed with `signer`'s key: what a responder
 * whose answer has gone stale (or whose clock runs ahead) would send. openssl ocsp cannot backdate.
 * The times keep their length, so they are patched in place; the signature is new, so the response
 * is rebuilt around it.
 */
function shiftedOcspResponse(file: string, shiftMs: number, signer: Issued, name: string): string {
  const der = Buffer.from(readFileSync(file));
  const [, bytesNode] = expectChildren(readDer(der), TAG.sequence);
  const [, response] = expectChildren(children(bytesNode as DerNode)[0], TAG.sequence);
  const basic = readDer((response as DerNode).value);
  const [tbs, , sig] = expectChildren(basic, TAG.sequence);
  if (!tbs || !sig) throw new Error('unreadable response');
  const tbsBytes = basic.value.subarray(0, tbs.end); // shares memory with `der`: edits land in it
  let shifted = 0;
  for (let i = 0; i + 17 <= tbsBytes.length; i++) {
    if (tbsBytes[i] !== TAG.generalizedTime || tbsBytes[i + 1] !== 15) continue;
    const text = tbsBytes.toString('latin1', i + 2, i + 17);
    const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text);
    if (!m) continue;
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + shiftMs;
    tbsBytes.write(new Date(t).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'), i + 2, 'latin1');
    shifted++;
    i += 16;
  }
  if (shifted < 3) throw new Error(`expected producedAt, thisUpdate and nextUpdate, shifted ${shifted}`);
  // An ECDSA signature's DER length varies: the response is rebuilt around it, lengths and all.
  const signature = sign('sha256', tbsBytes, signer.key);
  const basicParts = children(basic).map((p, i) => (i === 2 ? tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), signature])) : raw(p)));
  const [status, wrapper] = expectChildren(readDer(der), TAG.sequence);
  const [typeOid] = expectChildren(children(wrapper as DerNode)[0], TAG.sequence);
  const responseBytes = tlv(TAG.sequence, Buffer.concat([raw(typeOid as DerNode), tlv(TAG.octetString, tlv(TAG.sequence, Buffer.concat(basicParts)))]));
  const out = join(pki.dir, `${name}.ocsp-resp.der`);
  writeFileSync(out, tlv(TAG.sequence, Buffer.concat([raw(status as DerNode), tlv(0xa0, responseBytes)])));
  return out;
}

/** DER: tag, length, value. */
function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, value]);
}
const raw = (n: DerNode): Buffer => tlv(n.tag, n.value);

/**
 * A copy of an OCSP response whose SingleResponse carries `n` SCTs in its singleExtensions
 * (RFC 6962 §3.3, OID 1.3.6.1.4.1.11129.2.4.5), re-signed with `signer`'s key: what a CA that
 * delivers SCTs through OCSP staples. openssl ocsp cannot add the extension.
 */
function ocspWithScts(file: string, n: number, signer: Issued, name: string): string {
  const der = readFileSync(file);
  const [status, wrapper] = expectChildren(readDer(der), TAG.sequence);
  const [typeOid, response] = expectChildren(children(wrapper as DerNode)[0], TAG.sequence);
  const [tbs, alg, , certs] = expectChildren(readDer((response as DerNode).value), TAG.sequence);
  const parts = children(tbs as DerNode);
  const at = parts.findIndex((p) => p.tag === TAG.generalizedTime) + 1; // responses follow producedAt
  const [single, ...others] = children(parts[at] as DerNode);
  const sctExt = tlv(0x30, Buffer.concat([
    tlv(TAG.oid, Buffer.from('2b06010401d679020405', 'hex')),
    tlv(TAG.octetString, tlv(TAG.octetString, Buffer.from(sctListHex(n), 'hex'))),
  ]));
  const newSingle = tlv(0x30, Buffer.concat([...children(single as DerNode).map(raw), tlv(0xa1, tlv(0x30, sctExt))]));
  const responses = tlv(0x30, Buffer.concat([newSingle, ...others.map(raw)]));
  const newTbs = tlv(0x30, Buffer.concat(parts.map((p, i) => (i === at ? responses : raw(p)))));
  const signature = sign('sha256', newTbs, signer.key);
  const basic = tlv(0x30, Buffer.concat([newTbs, raw(alg as DerNode), tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), signature])), ...(certs ? [raw(certs)] : [])]));
  const out = tlv(0x30, Buffer.concat([raw(status as DerNode), tlv(0xa0, tlv(0x30, Buffer.concat([raw(typeOid as DerNode), tlv(TAG.octetString, basic)])))]));
  const path = join(pki.dir, `${name}.ocsp-resp.der`);
  writeFileSync(path, out);
  return path;
}

describe('revocation gaps on real servers: unknown, stale, delegated responders', () => {
  it('a staple saying "unknown" (a certificate the responder has no record of) is a warning', async () => {
    // Signed by the intermediate outside its `openssl ca` database, so the index does not know it.
    const csr = join(pki.dir, 'unlisted.csr');
    const cert = join(pki.dir, 'unlisted.pem');
    const ext = join(pki.dir, 'unlisted.ext');
    writeFileSync(ext, ['[ v3 ]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', 'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:localhost,IP:127.0.0.1', ''].join('\n'));
    execFileSync('openssl', ['req', '-new', '-key', pki.leaf.keyFile, '-subj', '/CN=localhost', '-out', csr], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', pki.intermediate.certFile, '-CAkey', pki.intermediate.keyFile, '-set_serial', '4242',
      '-days', '30', '-extfile', ext, '-extensions', 'v3', '-out', cert], { stdio: 'ignore' });
    const pem = readFileSync(cert, 'utf8');
    const unlisted: Issued = { ...pki.leaf, name: 'unlisted', cert: pem, certFile: cert, der: Buffer.from(new X509Certificate(pem).raw) };
    const port = await serve(unlisted, ['-status_file', pki.ocspResponse(unlisted)]);
    const r = await check(port);
    expect(r.ocsp).toMatchObject({ status: 'unknown', signatureValid: true, validity: 'current' });
    expect(r.findings.find((x) => x.id === 'ocsp-status-unknown')?.severity).toBe('warning');
    expect(explain('Error code: SEC_ERROR_OCSP_UNKNOWN_CERT', r).candidates[0]).toMatchObject({ id: 'ocsp-status-unknown', verdict: 'confirmed' });
    expect(renderCheck(r)).toMatch(/OCSP status: +unknown/);
  }, 30_000);

  it('a staple past its nextUpdate, and one not valid yet, are warnings', async () => {
    const good = pki.ocspResponse(pki.leaf);
    const expired = shiftedOcspResponse(good, -10 * DAY, pki.intermediate, 'expired');
    const early = shiftedOcspResponse(good, 2 * DAY, pki.intermediate, 'early');
    const [a, b] = await Promise.all([serve(pki.leaf, ['-status_file', expired]), serve(pki.leaf, ['-status_file', early])]);
    const [old, ahead] = await Promise.all([check(a), check(b)]);
    expect(old.ocsp).toMatchObject({ status: 'good', validity: 'expired', signatureValid: true });
    expect(Date.parse(old.ocsp?.nextUpdate ?? '')).toBeLessThan(Date.now());
    expect(old.findings.find((x) => x.id === 'ocsp-response-stale')).toMatchObject({ severity: 'warning', detail: expect.stringMatching(/expired at its nextUpdate/) });
    expect(ahead.ocsp).toMatchObject({ status: 'good', validity: 'not-yet-valid', signatureValid: true });
    expect(ahead.findings.find((x) => x.id === 'ocsp-response-stale')?.detail).toMatch(/not valid before its thisUpdate/);
    expect(renderCheck(old)).toMatch(/OCSP status: +good, response expired/);
  }, 30_000);

  it('SCTs delivered in the stapled OCSP response are counted, and CT is then satisfied', async () => {
    const stapled = ocspWithScts(pki.ocspResponse(pki.leaf), 3, pki.intermediate, 'with-scts');
    const o = assessOcsp(readFileSync(stapled), x509(pki.leaf), x509(pki.intermediate), new Date());
    expect(o).toMatchObject({ status: 'good', signatureValid: true, scts: 3 });
    const port = await serve(pki.leaf, ['-status_file', stapled]);
    const r = await check(port, { publicRoots: [pki.root.cert] });
    expect(r.certificate?.ct).toMatchObject({ embedded: 0, tlsExtension: 0, ocsp: 3 });
    expect(r.findings.map((x) => x.id)).not.toContain('ct-missing');
    expect(renderCheck(r)).toContain('SCTs present (3, not verified against logs): 0 embedded, 0 in the TLS extension, 3 in OCSP');
  }, 30_000);

  it('a delegated responder: trusted with id-kp-OCSPSigning, a warning without it', async () => {
    const delegated = pki.issueLeaf('ocsp-responder', ['extendedKeyUsage = OCSPSigning']);
    const plain = pki.issueLeaf('not-a-responder');
    expect(new X509Certificate(delegated.cert).keyUsage).toContain('1.3.6.1.5.5.7.3.9');
    const [a, b] = await Promise.all([
      serve(pki.leaf, ['-status_file', pki.ocspResponse(pki.leaf, delegated)]),
      serve(pki.leaf, ['-status_file', pki.ocspResponse(pki.leaf, plain)]),
    ]);
    const [ok, bad] = await Promise.all([check(a), check(b)]);
    expect(ok.ocsp).toMatchObject({ status: 'good', signatureValid: true });
    expect(ok.findings.map((x) => x.id)).not.toContain('ocsp-response-untrusted');
    expect(bad.ocsp).toMatchObject({ status: 'good', signatureValid: false, signatureProblem: expect.stringMatching(/without the OCSP signing purpose/) });
    expect(bad.findings.find((x) => x.id === 'ocsp-response-untrusted')?.severity).toBe('warning');
    expect(explain('Error code: SEC_ERROR_OCSP_INVALID_SIGNING_CERT', bad).candidates[0]).toMatchObject({ id: 'ocsp-response-untrusted', verdict: 'confirmed' });
  }, 30_000);
});

describe('--ocsp: asking the responder (openssl ocsp -port on loopback)', () => {
  it('off by default; with ocspFetch the responder\'s "revoked" is reported', async () => {
    // The leaf must name the responder's port, and the responder reads its index at start: pick a free port first.
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const ocspPort = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const leaf = pki.issueLeaf('aia-revoked', [`authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ocspPort}/`]);
    pki.revoke(leaf, 'superseded');
    await keep(startProcessServer('openssl', ['ocsp', '-port', String(ocspPort), '-index', pki.intermediateIndex, '-CA', pki.intermediate.certFile,
      '-rsigner', pki.intermediate.certFile, '-rkey', pki.intermediate.keyFile, '-nmin', '60'], /ACCEPT \S+:(\d+)/));
    const port = await serve(leaf, []);
    const off = await check(port);
    expect(off.ocspStapled).toBe(false);
    expect(off.ocsp).toBeNull();
    const on = await check(port, { ocspFetch: true });
    expect(on.ocspStapled).toBe(false);
    expect(on.ocsp).toMatchObject({ status: 'revoked', revocationReason: 'superseded', source: 'responder', signatureValid: true, validity: 'current' });
    expect(on.ocsp?.responder).toBe(`http://127.0.0.1:${ocspPort}/`);
    expect(on.findings.find((x) => x.id === 'cert-revoked')?.detail).toMatch(/^The OCSP responder \(http:\/\/127\.0\.0\.1:\d+\/\) says/);
    expect(renderCheck(on)).toMatch(/OCSP status: +revoked .*asked http:/);
  }, 40_000);

  it('under the bot\'s address policy a responder outside the allowed ranges is refused, not contacted', async () => {
    const leaf = pki.issueLeaf('aia-elsewhere', ['authorityInfoAccess = OCSP;URI:http://127.0.0.2:9/']);
    const port = await serve(leaf, []);
    const r = await runCheck(`127.0.0.1:${port}`, { ca, timeoutMs: 20_000, ocspFetch: true, enforcePolicy: true, allowCidrs: ['127.0.0.1/32'] });
    expect(r.error).toBeNull();
    expect(r.ocsp).toBeNull();
    expect(r.ocspFetchError).toMatch(/asking http:\/\/127\.0\.0\.2:9\/ failed: Refusing 127\.0\.0\.2/);
  }, 40_000);
});

/**
 * A SignedCertificateTimestampList (RFC 6962 §3.3) of `n` well-formed v1 SCTs: log id, timestamp,
 * no extensions, an ECDSA-SHA256 "signature" that no log made. Enough to be read as present.
 */
function sctListHex(n: number): string {
  const sct = Buffer.concat([
    Buffer.from([0]), Buffer.alloc(32, 0x5c), Buffer.from('0000018c0b0e0f00', 'hex'), Buffer.from([0, 0]),
    Buffer.from([4, 3, 0, 8]), Buffer.alloc(8, 0x42),
  ]);
  const one = Buffer.concat([Buffer.from([sct.length >> 8, sct.length & 0xff]), sct]);
  const list = Buffer.concat(Array.from({ length: n }, () => one));
  return Buffer.concat([Buffer.from([list.length >> 8, list.length & 0xff]), list]).toString('hex');
}

describe('Certificate Transparency through the whole check, with the test root declared public', () => {
  // No public root can issue a test certificate: the engine takes its set of public roots as an
  // input (node's bundled roots by default; the CLI and the bot never change it).
  const publicRoots = [pki.root.cert];
  const withScts = pki.issueLeaf('with-2-scts', [`1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:${sctListHex(2)}`]);
  const ctText = 'NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED';

  it('a leaf without SCTs below a "public" root: ct-missing, and explain confirms the Chrome error', async () => {
    const port = await serve(pki.leaf, []);
    const r = await check(port, { publicRoots, symptom: ctText });
    expect(r.certificate).toMatchObject({ trusted: true, publicRoot: true, ct: { embedded: 0, tlsExtension: 0, ocsp: null, signaturesVerified: false } });
    const f = r.findings.find((x) => x.id === 'ct-missing');
    expect(f?.severity).toBe('warning');
    const answer = explain(ctText, r);
    expect(answer.candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'confirmed' });
    expect(r.diagnoses?.[0]?.id).toBe('ct-missing');
    // What `tlscheck explain "…" host:port` prints for this answer.
    const text = renderExplain(answer, r, plainPaint);
    expect(text).toContain('The publicly trusted certificate comes with no SCTs');
    expect(text).toMatch(/confirmed/i);
    expect(renderCheck(r)).toContain('SCTs: none: 0 embedded, 0 in the TLS extension, none stapled');
    // The same server judged by node's roots (the default): a private CA, exempt.
    const byDefault = await check(port);
    expect(byDefault.certificate?.publicRoot).toBe(false);
    expect(byDefault.findings.map((x) => x.id)).not.toContain('ct-missing');
    expect(explain(ctText, byDefault).candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'untested' });
    // The entry's reproduce command prints no SCT extension for this certificate.
    expect(r.diagnoses?.find((d) => d.id === 'ct-missing')?.reproduce).toContain(`-connect localhost:${port}`);
    const reproduce = renderReproduce(ctMissingReproduce, { host: '127.0.0.1', port, sni: 'localhost' });
    expect(sh(reproduce)).not.toMatch(/Signed Certificate Timestamp/);
  }, 40_000);

  it('a leaf with an embedded SCT list: present (2, not verified against logs), no warning, explain rules it out', async () => {
    const port = await serve(withScts, []);
    const r = await check(port, { publicRoots, symptom: ctText });
    expect(r.certificate).toMatchObject({ publicRoot: true, ct: { embedded: 2, tlsExtension: 0, signaturesVerified: false } });
    expect(r.findings.map((x) => x.id)).not.toContain('ct-missing');
    const e = explain(ctText, r).candidates[0];
    expect(e).toMatchObject({ id: 'ct-missing', verdict: 'ruled-out' });
    expect(e?.evidence).toMatch(/SCTs present \(2: 2 embedded.*not verified against logs/);
    expect(renderCheck(r)).toContain('SCTs present (2, not verified against logs): 2 embedded, 0 in the TLS extension, none stapled');
    expect(summaryFields(r).join('\n')).toContain('SCTs present (2, not verified against logs)');
    // The reproduce command shows the SCTs openssl reads from this certificate.
    const reproduce = renderReproduce(ctMissingReproduce, { host: '127.0.0.1', port, sni: 'localhost' });
    expect(sh(reproduce)).toMatch(/Signed Certificate Timestamp/);
  }, 40_000);
});

describe('the Slack bot: responders asked only with TLSCHECK_OCSP_FETCH=true, public roots never changed', () => {
  it('passes ocspFetch to the engine only when configured, and never publicRoots', async () => {
    const seen: CheckOptions[] = [];
    const base = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'shh-secret' };
    for (const env of [base, { ...base, TLSCHECK_OCSP_FETCH: 'false' }, { ...base, TLSCHECK_OCSP_FETCH: 'true' }]) {
      const config = loadConfig({ env, dotenvPath: false });
      const runner = createCheckRunner({ check: async (_i, o) => (seen.push(o), modernServer()), allowCidrs: [], ocspFetch: config.ocspFetch === true });
      await runner.run({ input: 'example.com:443', sni: null, queuedAt: Date.now() });
    }
    expect(seen.map((o) => o.ocspFetch === true)).toEqual([false, false, true]);
    expect(seen.every((o) => o.publicRoots === undefined)).toBe(true);
  });
});

describe('rules on hand-built results (pure)', () => {
  const ids = (r: CheckResult): string[] => deriveFindings(r).map((f) => `${f.id}:${f.severity}`);

  it('DH sizes: ≤ 768 critical, < 2048 error, custom 2048 info, ffdhe none', () => {
    const dh = (bits: number, group = 'custom'): CheckResult => modernServer({ keyExchange: { dh: { bits, group, suite: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', protocol: 'TLSv1.2' } } });
    expect(ids(dh(512))).toContain('weak-dh:critical');
    expect(ids(dh(1024))).toContain('weak-dh:error');
    expect(ids(dh(2048))).toContain('dh-custom-group:info');
    expect(ids(dh(2048, 'ffdhe2048')).join()).not.toMatch(/weak-dh|dh-custom/);
    expect(ids(dh(4096)).join()).not.toMatch(/weak-dh|dh-custom/);
  });

  it('OCSP: unknown and stale are warnings', () => {
    expect(ids(modernServer({ ocspStapled: true, ocsp: { status: 'unknown', nextUpdate: null } }))).toContain('ocsp-status-unknown:warning');
    expect(ids(modernServer({ ocspStapled: true, ocsp: { status: 'good', nextUpdate: '2020-01-01T00:00:00.000Z', validity: 'expired' } }))).toContain('ocsp-response-stale:warning');
  });

  it('CT: a public certificate without SCTs is a warning; with one, or a private CA, or an unasked channel, nothing', () => {
    const ct = (embedded: number | null, tlsExtension: number | null, publicRoot: boolean): CheckResult =>
      modernServer({ certificate: goodCertificate({ publicRoot, ct: { embedded, tlsExtension, ocsp: null } }) });
    expect(ids(ct(0, 0, true))).toContain('ct-missing:warning');
    expect(ids(ct(2, 0, true)).join()).not.toContain('ct-missing');
    expect(ids(ct(0, 1, true)).join()).not.toContain('ct-missing');
    expect(ids(ct(0, 0, false)).join()).not.toContain('ct-missing');
    expect(ids(ct(0, null, true)).join()).not.toContain('ct-missing');
    const r = ct(0, 0, true);
    expect(explain('NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', r).candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'confirmed' });
    // TLS 1.3 only (the TLS extension not asked): SCTs seen embedded rule the cause out; none seen leaves it open.
    expect(explain('NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', ct(2, null, true)).candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'ruled-out' });
    expect(explain('NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', ct(0, null, true)).candidates[0]).toMatchObject({ id: 'ct-missing', verdict: 'untested' });
  });
});
