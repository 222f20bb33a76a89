// diagnose(): which entries become diagnoses, in which order, and how commands are filled in.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../src/diagnose/index.js';
import { renderReproduce } from '../src/diagnose/reproduce.js';
import { goodCertificate, modernServer } from './fixtures/results/base.js';
import * as S from './fixtures/results/scenarios.js';

const ids = (r: Parameters<typeof diagnose>[0], symptom?: string): string[] => diagnose(r, { symptom }).map((d) => d.id);

describe('diagnose', () => {
  it('has nothing to say about a healthy server', () => {
    expect(diagnose(modernServer())).toEqual([]);
    expect(diagnose(modernServer(), { symptom: '' })).toEqual([]);
    expect(diagnose(modernServer(), { symptom: undefined })).toEqual([]);
  });

  it('ranks by severity without a symptom, most fundamental first on ties', () => {
    expect(ids(S.tls10Only).slice(0, 4)).toEqual(['protocol-server-too-old', 'protocol-legacy-tls', 'cipher-weak', 'cipher-no-forward-secrecy']);
    const severities = diagnose(S.everythingEnabled).map((d) => d.severity);
    expect(severities.slice(0, 4)).toEqual(['error', 'error', 'error', 'error']);
    expect(severities.at(-1)).toBe('info');
  });

  it('puts the cause the pasted error names first, even above worse findings', () => {
    const twoProblems = modernServer({
      renegotiation: { secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: 'warning alert 100 no_renegotiation', protocol: 'TLSv1.2' },
      certificate: goodCertificate({ daysLeft: 5 }),
    });
    expect(ids(twoProblems)).toEqual(['cert-expiring']);
    // The refusal is good news and hidden without a symptom; the symptom makes it the answer.
    expect(ids(twoProblems, 'error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation')).toEqual(['renegotiation-refused', 'cert-expiring']);
  });

  it('ranks the matching cause first among several that apply', () => {
    const symptom = 'java.io.EOFException: SSL peer shut down incorrectly';
    const both = modernServer({
      protocols: { SSLv2: false, SSLv3: false, TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': null },
    });
    expect(ids(both)[0]).toBe('middlebox-interference');
    expect(ids(both, symptom)[0]).toBe('middlebox-interference');
    expect(ids(S.everythingEnabled, 'SSL routines:ssl3_get_record:wrong version number')[0]).toBe('cert-weak-signature');
  });

  it('fills the diagnosis: concrete values, fixes per platform, the target in the command', () => {
    const [d] = diagnose(S.noRfc5746);
    expect(d?.id).toBe('renegotiation-insecure');
    expect(d?.severity).toBe('error');
    expect(d?.why.startsWith('The ServerHello carries no renegotiation_info extension')).toBe(true);
    expect(d?.fixes.openssl?.[0]).toMatch(/fix is on the server/);
    expect(d?.reproduce).toBe('openssl s_client -connect vpn.example.com:443 -servername vpn.example.com -tls1_2 </dev/null # fails with "unsafe legacy renegotiation disabled"');
    expect(d?.references).toContain('https://www.rfc-editor.org/rfc/rfc5746');
  });

  it('returns copies: changing a diagnosis does not change the knowledge base', () => {
    const first = diagnose(S.noRfc5746)[0];
    first?.fixes.openssl?.push('tampered');
    first?.references.push('tampered');
    expect(diagnose(S.noRfc5746)[0]?.fixes.openssl).not.toContain('tampered');
    expect(diagnose(S.noRfc5746)[0]?.references).not.toContain('tampered');
  });

  it('diagnoses the fixture stories', () => {
    expect(ids(S.plainHttp)).toEqual(['not-tls']);
    expect(ids(S.expiredCert)).toEqual(['cert-expired']);
    expect(ids(S.inconsistentResumption)).toEqual(['resumption-inconsistent']);
    expect(ids(S.renegRejected)).toEqual([]);
    expect(ids(S.renegRejected, 'Received handshake warning: no_renegotiation')).toEqual(['renegotiation-refused']);
  });
});

describe('renderReproduce', () => {
  const tpl = 'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null\ncurl -v {url}\nnc -vz {host} {port}';

  it('substitutes host, port and SNI', () => {
    expect(renderReproduce(tpl, { host: 'shop.example.com', port: 8443, sni: 'shop.example.com' })).toBe(
      'openssl s_client -connect shop.example.com:8443 -servername shop.example.com -tls1_2 </dev/null\ncurl -v https://shop.example.com:8443/\nnc -vz shop.example.com 8443',
    );
  });

  it('drops -servername for a bare IP and brackets IPv6', () => {
    expect(renderReproduce(tpl, { host: '2001:db8::10', port: 443, sni: null })).toBe(
      'openssl s_client -connect [2001:db8::10]:443 -tls1_2 </dev/null\ncurl -v https://[2001:db8::10]/\nnc -vz 2001:db8::10 443',
    );
  });

  it('quotes anything that is not a plain host name', () => {
    const out = renderReproduce('openssl s_client -connect {connect} {servername}', { host: 'a.example', port: 443, sni: "x'; rm -rf /" });
    expect(out).toBe("openssl s_client -connect a.example:443 -servername 'x'\\''; rm -rf /'");
  });
});

describe('diagnose: good news only when the symptom names it', () => {
  it('keeps the renegotiation refusal out for a generic hint, in for a specific one', () => {
    expect(ids(S.renegRejected, 'error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading')).toEqual([]);
    expect(ids(S.renegRejected, 'AH02042: rejecting client initiated renegotiation')).toEqual(['renegotiation-refused']);
  });

  it('explains a protocol_version alert on a modern server as a client too old', () => {
    expect(ids(modernServer(), 'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version')).toEqual(['protocol-client-too-old']);
  });
});
