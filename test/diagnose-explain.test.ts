// explain(): real error strings (most captured from curl, openssl, Node.js 20 and Java 17 against
// local test servers), pasted with the noise they come with, with and without a live check.
import { describe, expect, it } from 'vitest';
import { EmptySymptomError, explain, type ExplainResult } from '../src/diagnose/index.js';
import type { CheckResult } from '../src/types.js';
import { modernServer } from './fixtures/results/base.js';
import * as S from './fixtures/results/scenarios.js';

const JAVA_FRAMES = '\n\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)\n\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:371)';
const NODE_FRAMES = '\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1659:34)\n    at TLSSocket.emit (node:events:517:28)';
const STAMP = '2026-01-12T08:14:03.511Z ERROR [http-client] ';

const top = (e: ExplainResult): string | undefined => e.candidates[0]?.id;
const verdicts = (e: ExplainResult): Record<string, string> => Object.fromEntries(e.candidates.map((c) => [c.id, c.verdict]));

/** [pasted text, most likely cause without a live check] */
const REAL_WORLD: Array<[string, string]> = [
  [`${STAMP}curl: (35) OpenSSL/3.0.19: error:0A000152:SSL routines::unsafe legacy renegotiation disabled`, 'renegotiation-insecure'],
  ['140735194923968:error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:s3_pkt.c:1493:SSL alert number 40', 'no-common-cipher'],
  [`Caused by: javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure${JAVA_FRAMES}`, 'no-common-cipher'],
  [`${STAMP}javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)${JAVA_FRAMES}`, 'java-protocol-disabled'],
  ['curl: (35) OpenSSL/3.0.19: error:0A000438:SSL routines::tlsv1 alert internal error', 'alert-internal-error'],
  ['Get "https://api.example.com/": remote error: tls: internal error', 'alert-internal-error'],
  ["System.Security.Authentication.AuthenticationException: Authentication failed because the remote party sent a TLS alert: 'InternalError'.", 'alert-internal-error'],
  ['curl: (35) OpenSSL/3.0.19: error:0A00018A:SSL routines::dh key too small', 'weak-dh'],
  ['Get "https://api.example.com/v1/orders": remote error: tls: handshake failure', 'no-common-cipher'],
  ['Get "https://api.example.com/v1/orders": remote error: tls: protocol version not supported', 'protocol-server-too-old'],
  ['Secure Connection Failed\nAn error occurred during a connection to legacy.example.com.\nError code: SSL_ERROR_NO_CYPHER_OVERLAP', 'no-common-cipher'],
  ['[Tue May 04 10:54:25.460469 2021] [ssl:error] [pid 53] [client 192.168.85.135:52327] AH02042: rejecting client initiated renegotiation', 'renegotiation-refused'],
  [`Error: write EPROTO 806C03BEDE7F0000:error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1617:\n{ code: 'ERR_SSL_NO_RENEGOTIATION' }`, 'renegotiation-refused'],
  ['javax.net.ssl.SSLHandshakeException: received handshake warning: no_renegotiation', 'renegotiation-refused'],
  [`${STAMP}curl: (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version`, 'protocol-server-too-old'],
  ['\u001b[31merror\u001b[0m upstream: 40C7:error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading:../ssl/record/rec_layer_s3.c:318:', 'middlebox-interference'],
  ['javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake\nCaused by: java.io.EOFException: SSL peer shut down incorrectly', 'middlebox-interference'],
  ['curl: (35) OpenSSL/3.0.19: error:0A000458:SSL routines::tlsv1 unrecognized name', 'sni-required'],
  ['curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number', 'not-tls'],
  ['javax.net.ssl.SSLException: Unsupported or unrecognized SSL message', 'not-tls'],
  [`Error: certificate has expired${NODE_FRAMES} {\n  code: 'CERT_HAS_EXPIRED'\n}`, 'cert-expired'],
  ['java.security.cert.CertificateExpiredException: NotAfter: Sat Feb 01 00:00:00 UTC 2020', 'cert-expired'],
  ['curl: (60) SSL: no alternative certificate subject name matches target host name \'api.example.com\'', 'cert-hostname-mismatch'],
  ['Error: unable to verify the first certificate\n  code: \'UNABLE_TO_VERIFY_LEAF_SIGNATURE\'', 'cert-chain-incomplete'],
  ['curl: (60) SSL certificate problem: self-signed certificate\nMore details here: https://curl.se/docs/sslcerts.html', 'cert-self-signed'],
  ['Error [ERR_TLS_SESSION_ATTACK]: TLS session renegotiation attack detected', 'renegotiation-limited'],
  ['Get "https://intranet.example.com/admin": local error: tls: no renegotiation', 'renegotiation-server-initiated'],
  ['error:0A00045C:SSL routines::tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1605:SSL alert number 116', 'client-certificate-rejected'],
  ['New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256\nReused, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256\nNew, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256', 'resumption-inconsistent'],
  ['handshake died: alert number 70', 'protocol-server-too-old'],
];

describe('explain without a live check', () => {
  it.each(REAL_WORLD)('%s', (text, expected) => {
    const e = explain(text);
    expect(e.recognised).toBe(true);
    expect(top(e)).toBe(expected);
    for (const c of e.candidates) {
      expect(c.verdict).toBe('untested');
      expect(c.score).toBeGreaterThan(0);
      expect(c.score).toBeLessThanOrEqual(1);
      expect(c.matched.length).toBeGreaterThan(0);
    }
    expect(e.diagnoses[0]?.id).toBe(expected);
    expect(e.diagnoses[0]?.reproduce).toContain('HOST');
  });

  it('lists every plausible cause of an ambiguous error, not just one', () => {
    const e = explain('javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target');
    expect(e.candidates.map((c) => c.id)).toEqual(expect.arrayContaining(['cert-chain-incomplete', 'cert-self-signed', 'cert-untrusted']));
    const dates = explain('Your connection is not private\nNET::ERR_CERT_DATE_INVALID');
    expect(dates.candidates.map((c) => c.id)).toEqual(['cert-expired', 'cert-not-yet-valid']);
  });

  it('weighs generic messages lower than specific ones', () => {
    const generic = explain('System.Security.Authentication.AuthenticationException: The remote certificate is invalid according to the validation procedure.');
    expect(generic.recognised).toBe(true);
    expect(generic.candidates.every((c) => c.score < 0.5)).toBe(true);
    const specific = explain('curl: (35) OpenSSL/3.0.19: error:0A000152:SSL routines::unsafe legacy renegotiation disabled');
    expect(specific.candidates[0]?.score).toBe(1);
    const browser = explain("This site can't provide a secure connection\nERR_SSL_PROTOCOL_ERROR");
    expect(browser.candidates.map((c) => c.id)).toEqual(expect.arrayContaining(['not-tls', 'middlebox-interference', 'protocol-server-too-old']));
  });

  it('does not read Java stack frames or timestamps as alert numbers', () => {
    const e = explain(`2026-01-12 10:40:00,070 javax.net.ssl.SSLException: Unsupported or unrecognized SSL message${JAVA_FRAMES}`);
    expect(e.candidates.map((c) => c.id)).toEqual(['not-tls']);
  });
});

describe('explain with a live check', () => {
  const check = (text: string, result: CheckResult): ExplainResult => explain(text, result);

  it('confirms "no renegotiation" when the server refused, rules it out when it accepted', () => {
    const text = 'error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation';
    expect(verdicts(check(text, S.renegRejected))['renegotiation-refused']).toBe('confirmed');
    const accepted = check(text, S.noRfc5746);
    expect(verdicts(accepted)['renegotiation-refused']).toBe('ruled-out');
    expect(accepted.diagnoses.map((d) => d.id)).not.toContain('renegotiation-refused');
    const unknown = modernServer({ renegotiation: { secure: true, clientInitiated: 'unknown', acceptedCount: 0 } });
    expect(verdicts(check(text, unknown))['renegotiation-refused']).toBe('untested');
  });

  it('fills a confirmed diagnosis with what the check saw and the real target', () => {
    const e = check('curl: (35) OpenSSL/3.0.19: error:0A000152:SSL routines::unsafe legacy renegotiation disabled', S.noRfc5746);
    expect(e.candidates[0]).toMatchObject({ id: 'renegotiation-insecure', verdict: 'confirmed', score: 1 });
    expect(e.diagnoses[0]?.why).toMatch(/^The ServerHello carries no renegotiation_info extension/);
    expect(e.diagnoses[0]?.reproduce).toContain('-connect vpn.example.com:443 -servername vpn.example.com');
    expect(verdicts(check('unsafe legacy renegotiation disabled', modernServer()))['renegotiation-insecure']).toBe('ruled-out');
  });

  it('tells a server too old from a client too old', () => {
    const text = 'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version';
    const old = check(text, S.tls10Only);
    // Client simulation is a candidate for any Java handshake error too (untested without client results).
    expect(old.candidates.filter((c) => c.id !== 'clients-cannot-connect').map((c) => [c.id, c.verdict])).toEqual([
      ['protocol-server-too-old', 'confirmed'],
      ['protocol-client-too-old', 'ruled-out'],
    ]);
    const modern = check(text, modernServer());
    expect(modern.candidates.filter((c) => c.id !== 'clients-cannot-connect').map((c) => [c.id, c.verdict])).toEqual([
      ['protocol-client-too-old', 'confirmed'],
      ['protocol-server-too-old', 'ruled-out'],
    ]);
    expect(modern.diagnoses.map((d) => d.id).filter((id) => id !== 'clients-cannot-connect')).toEqual(['protocol-client-too-old']);
  });

  it("keeps Java's \"No appropriate protocol\" on the client's JVM, whatever the server speaks", () => {
    const text = 'javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)';
    for (const r of [S.tls10Only, modernServer()]) {
      const e = check(text, r);
      expect(e.candidates.map((c) => c.id)).toEqual(['java-protocol-disabled']);
      expect(e.candidates[0]?.verdict).toBe('untested');
      expect(e.diagnoses[0]?.fixes['java-client']?.[0]).toMatch(/-Djdk\.tls\.client\.protocols=TLSv1\.2,TLSv1\.3/);
    }
    expect(check(text, modernServer()).candidates[0]?.evidence).toMatch(/server completes TLS 1\.2 and TLS 1\.3/);
  });

  it('alert 80 and weak DH are explained, and left untested by probes that cannot see them', () => {
    const internal = check('error:0A000438:SSL routines::tlsv1 alert internal error:SSL alert number 80', S.sniRequired);
    expect(internal.candidates[0]).toMatchObject({ id: 'alert-internal-error', verdict: 'untested', evidence: expect.stringMatching(/without SNI are refused/) });
    const dh = check('error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small', modernServer());
    expect(dh.candidates[0]).toMatchObject({ id: 'weak-dh', verdict: 'untested' });
    expect(dh.diagnoses[0]?.fixes.nginx?.some((l) => /^ssl_dhparam \//.test(l))).toBe(true);
  });

  it('picks the trust problem the server really has', () => {
    const text = 'x509: certificate signed by unknown authority';
    const chain = check(text, S.missingIntermediate);
    expect(chain.candidates[0]).toMatchObject({ id: 'cert-chain-incomplete', verdict: 'confirmed' });
    expect(verdicts(chain)['cert-self-signed']).toBe('ruled-out');
    expect(check(text, S.selfSigned).candidates[0]).toMatchObject({ id: 'cert-self-signed', verdict: 'confirmed' });
  });

  it('confirms the expired certificate and rules out "not yet valid"', () => {
    const e = check('NET::ERR_CERT_DATE_INVALID', S.expiredCert);
    expect(e.candidates.map((c) => [c.id, c.verdict])).toEqual([
      ['cert-expired', 'confirmed'],
      ['cert-not-yet-valid', 'ruled-out'],
    ]);
    expect(e.diagnoses.map((d) => d.id)).toEqual(['cert-expired']);
  });

  it('confirms plain HTTP behind "wrong version number"; certificate causes stay untested', () => {
    const e = check('curl: (35) OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number', S.plainHttp);
    expect(e.candidates[0]).toMatchObject({ id: 'not-tls', verdict: 'confirmed' });
    expect(verdicts(check('wrong version number', modernServer()))['not-tls']).toBe('ruled-out');
    const cert = check('curl: (60) SSL certificate problem: self-signed certificate', S.plainHttp);
    expect(cert.candidates.every((c) => c.verdict === 'untested')).toBe(true);
  });

  it('confirms a middlebox, SNI, inconsistent resumption and the renegotiation cap from the check', () => {
    expect(check('unexpected eof while reading', S.middleboxResets).candidates[0]).toMatchObject({ id: 'middlebox-interference', verdict: 'confirmed' });
    expect(check('tlsv1 unrecognized name', S.sniRequired).candidates[0]).toMatchObject({ id: 'sni-required', verdict: 'confirmed' });
    expect(check('New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\nReused, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\nNew, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256', S.inconsistentResumption).candidates[0])
      .toMatchObject({ id: 'resumption-inconsistent', verdict: 'confirmed' });
    expect(check('ERR_TLS_SESSION_ATTACK', S.renegLimited).candidates[0]).toMatchObject({ id: 'renegotiation-limited', verdict: 'confirmed' });
  });

  it('leaves causes the probes cannot see untested', () => {
    const e = check('error:0A00045C:SSL routines::tlsv13 alert certificate required', modernServer());
    expect(e.candidates[0]).toMatchObject({ id: 'client-certificate-rejected', verdict: 'untested' });
    expect(e.diagnoses[0]?.id).toBe('client-certificate-rejected');
  });
});

describe('explain: unrecognised and empty text', () => {
  it('says so, and offers the nearest candidates by shared words as weak guesses', () => {
    const e = explain('handshake weirdness: the certificate chain looks odd on the load balancer');
    expect(e.recognised).toBe(false);
    expect(e.candidates.length).toBeGreaterThan(0);
    expect(e.candidates.length).toBeLessThanOrEqual(3);
    for (const c of e.candidates) {
      expect(c.score).toBeLessThan(0.3);
      expect(c.matched).toMatch(/certificate|chain|handshake/);
    }
    expect(e.diagnoses).toEqual([]);
  });

  it('returns no candidates for text with nothing in common with any cause', () => {
    expect(explain('my app is slow and sometimes drops')).toEqual({ recognised: false, candidates: [], diagnoses: [] });
  });

  it('throws EmptySymptomError (exit code 2) for empty or blank text', () => {
    expect(() => explain('')).toThrow(EmptySymptomError);
    expect(() => explain('  \n\t')).toThrow(EmptySymptomError);
    let caught: unknown;
    try {
      explain(' ');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'EMPTY_SYMPTOM', exitCode: 2 });
  });
});
