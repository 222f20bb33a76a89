// deriveFindings() on the hand-built results: which facts, at which severity, with which values.
import { describe, expect, it } from 'vitest';
import { deriveFindings, diagnose, findingsAndDiagnoses } from '../src/diagnose/index.js';
import { cipherFlaws, hasForwardSecrecy, offeredByCurrentClients } from '../src/diagnose/ciphers.js';
import type { Finding } from '../src/types.js';
import { failedConnection, goodCertificate, modernServer } from './fixtures/results/base.js';
import * as S from './fixtures/results/scenarios.js';

const byId = (findings: Finding[], id: string): Finding | undefined => findings.find((f) => f.id === id);
const failing = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error' || f.severity === 'critical').map((f) => f.id);

describe('deriveFindings', () => {
  it('finds nothing wrong with a healthy modern server, and says what is good', () => {
    const findings = deriveFindings(modernServer());
    expect(failing(findings)).toEqual([]);
    expect(findings.filter((f) => f.severity === 'warning')).toEqual([]);
    expect(byId(findings, 'mozilla-intermediate')?.severity).toBe('ok');
    expect(byId(findings, 'renegotiation-refused')?.severity).toBe('ok');
  });

  it('orders findings worst first', () => {
    const order = ['critical', 'error', 'warning', 'info', 'ok'];
    const ranks = deriveFindings(S.everythingEnabled).map((f) => order.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('TLS 1.0-only server: critical for current clients, with the versions named', () => {
    const findings = deriveFindings(S.tls10Only);
    const tooOld = byId(findings, 'protocol-server-too-old');
    expect(tooOld?.severity).toBe('critical');
    expect(tooOld?.detail).toBe('The server supports only TLS 1.0; TLS 1.2 and TLS 1.3 are refused');
    expect(byId(findings, 'protocol-legacy-tls')?.detail).toBe('TLS 1.0 is enabled');
    expect(byId(findings, 'cipher-weak')?.detail).toContain('TLS_RSA_WITH_RC4_128_SHA');
    expect(byId(findings, 'cipher-no-forward-secrecy')?.severity).toBe('warning');
    expect(byId(findings, 'protocol-client-too-old')).toBeUndefined();
  });

  it('expired certificate: critical, with the date and the days', () => {
    const f = byId(deriveFindings(S.expiredCert), 'cert-expired');
    expect(f?.severity).toBe('critical');
    expect(f?.detail).toBe('The certificate for CN=shop.example.com expired on 2025-12-30 (12 days ago)');
    // An expired certificate is not also "untrusted" or "expiring".
    expect(failing(deriveFindings(S.expiredCert))).toEqual(['cert-expired']);
  });

  it('expiry windows: error within 7 days, warning within 14 and 30, nothing beyond', () => {
    expect(byId(deriveFindings(S.expiresIn5Days), 'cert-expiring')).toMatchObject({ severity: 'error', detail: expect.stringContaining('within 7 days') });
    expect(byId(deriveFindings(S.expiresIn12Days), 'cert-expiring')).toMatchObject({ severity: 'warning', detail: expect.stringContaining('within 14 days') });
    expect(byId(deriveFindings(S.expiresIn25Days), 'cert-expiring')).toMatchObject({ severity: 'warning', detail: expect.stringContaining('within 30 days') });
    expect(byId(deriveFindings(modernServer({ certificate: goodCertificate({ daysLeft: 31 }) })), 'cert-expiring')).toBeUndefined();
  });

  it('not yet valid: from the verify code, or from notBefore after the check time', () => {
    const byCode = modernServer({ certificate: goodCertificate({ trusted: false, verifyError: 'CERT_NOT_YET_VALID' }) });
    expect(byId(deriveFindings(byCode), 'cert-not-yet-valid')?.severity).toBe('error');
    // Checked 2026-01-10 (90 days before notAfter 2026-04-10) while notBefore is 2026-02-01.
    const byDates = modernServer({ certificate: goodCertificate({ notBefore: '2026-02-01T00:00:00.000Z', daysLeft: 90 }) });
    expect(byId(deriveFindings(byDates), 'cert-not-yet-valid')?.detail).toContain('2026-02-01');
    expect(byId(deriveFindings(modernServer()), 'cert-not-yet-valid')).toBeUndefined();
  });

  it('renegotiation refused: good news, not a failure', () => {
    const findings = deriveFindings(S.renegRejected);
    expect(byId(findings, 'renegotiation-refused')).toEqual({
      id: 'renegotiation-refused',
      severity: 'ok',
      title: 'The server refuses client-initiated renegotiation',
      detail: 'The server answered warning alert 100 no_renegotiation to a client-initiated renegotiation over TLS 1.2',
    });
    expect(failing(findings)).toEqual([]);
  });

  it('TLS 1.3-only: renegotiation is not applicable, and old clients are shut out', () => {
    const findings = deriveFindings(S.tls13Only);
    expect(byId(findings, 'renegotiation-refused')?.detail).toContain('has no renegotiation');
    expect(byId(findings, 'protocol-client-too-old')?.severity).toBe('info');
    expect(failing(findings)).toEqual([]);
  });

  it('no RFC 5746: error; accepted client renegotiation: warning', () => {
    const findings = deriveFindings(S.noRfc5746);
    expect(byId(findings, 'renegotiation-insecure')?.severity).toBe('error');
    expect(byId(findings, 'renegotiation-client-accepted')).toMatchObject({ severity: 'warning', detail: expect.stringContaining('10 client-initiated') });
  });

  it('renegotiation capped: info with the count', () => {
    expect(byId(deriveFindings(S.renegLimited), 'renegotiation-limited')?.detail).toContain('honoured 3 client-initiated');
  });

  it('inconsistent resumption: warning showing the New/Reused pattern', () => {
    const f = byId(deriveFindings(S.inconsistentResumption), 'resumption-inconsistent');
    expect(f?.severity).toBe('warning');
    expect(f?.detail).toContain('tickets: new, reused, new, reused');
  });

  it('plain HTTP on the port: a single critical finding', () => {
    const findings = deriveFindings(S.plainHttp);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['not-tls', 'critical']]);
    expect(findings[0]?.detail).toContain('plain HTTP');
  });

  it('connection failures: one critical finding each, nothing about TLS they could not see', () => {
    expect(deriveFindings(S.connectionTimeout).map((f) => f.id)).toEqual(['connection-timeout']);
    expect(deriveFindings(S.connectionReset).map((f) => [f.id, f.severity])).toEqual([['middlebox-interference', 'critical']]);
    expect(deriveFindings(failedConnection({ code: 'refused', message: 'ECONNREFUSED' })).map((f) => f.id)).toEqual(['connection-refused']);
    expect(deriveFindings(failedConnection({ code: 'dns', message: 'ENOTFOUND' })).map((f) => f.id)).toEqual(['dns-failure']);
    // The address policy refused the target: not a verdict on the server.
    expect(deriveFindings(failedConnection({ code: 'blocked', message: 'Refusing 10.0.0.1: private address.' }))[0]?.severity).toBe('info');
  });

  it('a middlebox resetting only some handshakes: warning naming the version', () => {
    const f = byId(deriveFindings(S.middleboxResets), 'middlebox-interference');
    expect(f).toMatchObject({ severity: 'warning', detail: expect.stringContaining('TLS 1.3') });
  });

  it('certificate trust problems are told apart', () => {
    expect(failing(deriveFindings(S.selfSigned))).toEqual(['cert-self-signed']);
    expect(failing(deriveFindings(S.missingIntermediate))).toEqual(['cert-chain-incomplete']);
    expect(failing(deriveFindings(S.hostnameMismatch))).toEqual(['cert-hostname-mismatch']);
    expect(byId(deriveFindings(S.hostnameMismatch), 'cert-hostname-mismatch')?.detail).toBe(
      'The certificate covers shop.example.com, www.shop.example.com; not api.example.com',
    );
    const privateCa = modernServer({ certificate: goodCertificate({ trusted: false, verifyError: 'SELF_SIGNED_CERT_IN_CHAIN' }) });
    expect(failing(deriveFindings(privateCa))).toEqual(['cert-untrusted']);
  });

  it('a legacy do-everything server gets each problem once, at its severity', () => {
    const findings = deriveFindings(S.everythingEnabled);
    const sev = Object.fromEntries(findings.map((f) => [f.id, f.severity]));
    expect(sev).toMatchObject({
      'protocol-ssl-enabled': 'error',
      'protocol-legacy-tls': 'warning',
      'cipher-insecure': 'error',
      'cipher-weak': 'warning',
      'cipher-no-forward-secrecy': 'warning',
      'cipher-cbc-only': 'warning',
      'cert-weak-signature': 'error',
      'cert-weak-key': 'error',
      'renegotiation-client-accepted': 'warning',
      'fallback-scsv-missing': 'info',
      'resumption-none': 'info',
      'alpn-no-h2': 'info',
      'ocsp-not-stapled': 'info',
      'mozilla-intermediate': 'info',
    });
    expect(byId(findings, 'protocol-legacy-tls')?.detail).toBe('TLS 1.0 and TLS 1.1 are enabled');
    expect(byId(findings, 'cipher-insecure')?.detail).toContain('TLS_RSA_WITH_NULL_SHA');
    expect(byId(findings, 'mozilla-intermediate')?.detail).toContain('RSA key of 1024 bits');
    expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
  });

  it('SNI required: warning', () => {
    expect(byId(deriveFindings(S.sniRequired), 'sni-required')?.severity).toBe('warning');
  });

  it('reads a result missing optional fields without failing', () => {
    const sparse = modernServer({ certificate: { ...goodCertificate(), chainIssues: undefined, verifyError: undefined } });
    delete (sparse as { fallbackScsv?: unknown }).fallbackScsv;
    delete (sparse.resumption as { attempts?: unknown }).attempts;
    expect(failing(deriveFindings(sparse))).toEqual([]);
  });
});

describe('cipher classification by IANA name', () => {
  it.each([
    ['TLS_RSA_WITH_NULL_SHA', ['null', 'no-fs']],
    ['TLS_DH_anon_WITH_AES_128_CBC_SHA', ['anon', 'no-fs', 'cbc']],
    ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', ['export', 'rc4', 'no-fs']],
    ['TLS_RSA_WITH_DES_CBC_SHA', ['des', 'no-fs', 'cbc']],
    ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', ['3des', 'no-fs', 'cbc']],
    ['TLS_ECDHE_RSA_WITH_RC4_128_SHA', ['rc4']],
    ['TLS_RSA_WITH_AES_128_GCM_SHA256', ['no-fs']],
    ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', ['cbc']],
    ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', []],
    ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', []],
    ['TLS_AES_256_GCM_SHA384', []],
    ['ECDHE-RSA-AES128-GCM-SHA256', []],
    ['DES-CBC3-SHA', ['3des', 'no-fs', 'cbc']],
  ])('%s → %j', (name, flaws) => {
    expect(cipherFlaws(name).sort()).toEqual([...flaws].sort());
  });

  it('knows what current clients still offer', () => {
    expect(offeredByCurrentClients('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')).toBe(true);
    expect(offeredByCurrentClients('TLS_RSA_WITH_AES_256_CBC_SHA')).toBe(true);
    expect(offeredByCurrentClients('TLS_AES_128_GCM_SHA256')).toBe(true);
    expect(offeredByCurrentClients('TLS_RSA_WITH_RC4_128_SHA')).toBe(false);
    expect(offeredByCurrentClients('TLS_RSA_WITH_3DES_EDE_CBC_SHA')).toBe(false);
    expect(offeredByCurrentClients('TLS_RSA_WITH_CAMELLIA_128_CBC_SHA')).toBe(false);
    expect(hasForwardSecrecy('TLS_ECDH_anon_WITH_AES_128_CBC_SHA')).toBe(false);
  });

  it('flags a server whose only suites no current client offers', () => {
    const rc4Only = modernServer({
      protocols: { SSLv2: false, SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false },
      ciphers: { 'TLSv1.2': ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'] },
    });
    expect(byId(deriveFindings(rc4Only), 'no-common-cipher')?.severity).toBe('critical');
    const refusedEverywhere = modernServer({
      protocols: { SSLv2: false, SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false },
      ciphers: {},
      certificate: null,
    });
    expect(byId(deriveFindings(refusedEverywhere), 'no-common-cipher')?.detail).toContain('Every protocol version was refused');
  });
});

describe('findingsAndDiagnoses', () => {
  it('gives exactly deriveFindings and diagnose, from one pass over the knowledge base', () => {
    const scenarios = Object.values(S).filter((r): r is ReturnType<typeof modernServer> => typeof r === 'object' && r !== null && 'target' in r);
    const results = [modernServer(), failedConnection({ code: 'refused', message: 'refused' }), ...scenarios];
    expect(results.length).toBeGreaterThan(10);
    for (const r of results) {
      for (const symptom of [undefined, 'unable to get local issuer certificate', 'handshake failure']) {
        expect(findingsAndDiagnoses(r, { symptom })).toEqual({ findings: deriveFindings(r), diagnoses: diagnose(r, { symptom }) });
      }
    }
  });
});
