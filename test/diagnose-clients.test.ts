// The client-simulation entry: severity by who fails, and explain() judging the server against the
// client that wrote the error (a Java stack trace → the Java profiles).
import { describe, expect, it } from 'vitest';
import { deriveFindings, explain } from '../src/diagnose/index.js';
import { familiesIn } from '../src/clients/families.js';
import { modernServer } from './fixtures/results/base.js';
import type { CheckResult, ClientResult } from '../src/types.js';

const client = (id: string, name: string, connects: boolean | null, reason: string | null = null): ClientResult =>
  ({ id, name, connects, protocol: connects ? 'TLSv1.3' : null, cipher: null, group: null, reason });
const JAVA_TRACE = 'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version\n\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)';
const NO_PROTOCOL = 'no common protocol version (alert 70 protocol_version)';

function withClients(clients: ClientResult[]): CheckResult {
  return modernServer({ clients });
}

describe('clients-cannot-connect', () => {
  it('legacy clients only: warning naming each with its reason', () => {
    const r = withClients([client('chrome', 'Chrome', true), client('java-8', 'Java 8', false, NO_PROTOCOL), client('openssl-1.0.2', 'OpenSSL 1.0.2', false, NO_PROTOCOL)]);
    const f = deriveFindings(r).find((x) => x.id === 'clients-cannot-connect');
    expect(f).toMatchObject({ severity: 'warning' });
    expect(f?.detail).toBe(`2 of 3 common clients cannot connect: Java 8 (${NO_PROTOCOL}); OpenSSL 1.0.2 (${NO_PROTOCOL})`);
  });

  it('a current client fails: error', () => {
    const r = withClients([client('chrome', 'Chrome', false, 'no common cipher suite, group or signature algorithm (alert 40 handshake_failure)')]);
    expect(deriveFindings(r).find((x) => x.id === 'clients-cannot-connect')?.severity).toBe('error');
  });

  it('everyone connects, or nothing is known: no finding', () => {
    expect(deriveFindings(withClients([client('chrome', 'Chrome', true), client('go', 'Go', null, 'no verdict')])).map((f) => f.id)).not.toContain('clients-cannot-connect');
  });
});

describe('explain judges the server against the client that wrote the error', () => {
  it('recognises the client families in pasted errors', () => {
    expect(familiesIn(JAVA_TRACE)).toEqual(['java']);
    expect(familiesIn('error:0A000102:SSL routines::unsupported protocol')).toEqual(['openssl']);
    expect(familiesIn('net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH')).toContain('browser');
    expect(familiesIn('remote error: tls: handshake failure')).toEqual(['go']);
    expect(familiesIn('it does not work')).toEqual([]);
    // An Android app's trace is javax.net.ssl too; Conscrypt's frames make it Android's, not the JDK's.
    expect(familiesIn('javax.net.ssl.SSLHandshakeException: Handshake failed\n\tat com.android.org.conscrypt.ConscryptFileDescriptorSocket.startHandshake(ConscryptFileDescriptorSocket.java:286)')).toEqual(['android']);
  });

  it('a Java stack trace and Java 8 failing: confirmed, the diagnosis names Java 8 and not OpenSSL 1.0.2', () => {
    const r = withClients([client('java-8', 'Java 8', false, NO_PROTOCOL), client('java-17', 'Java 17', true), client('openssl-1.0.2', 'OpenSSL 1.0.2', false, NO_PROTOCOL)]);
    const e = explain(JAVA_TRACE, r);
    expect(e.candidates.find((c) => c.id === 'clients-cannot-connect')?.verdict).toBe('confirmed');
    const d = e.diagnoses.find((x) => x.id === 'clients-cannot-connect');
    expect(d?.why).toMatch(/^1 of 2 common clients cannot connect: Java 8/);
    expect(d?.why).not.toMatch(/OpenSSL 1\.0\.2 \(no common/);
  });

  it('an Android trace is judged against the Android profiles: Android 7 failing confirms it, Java 8 failing alone does not', () => {
    const trace = 'javax.net.ssl.SSLHandshakeException: SSL handshake aborted: ssl=0x7c2e8a1f08: Failure in SSL library, usually a protocol error\n' +
      'error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL\n\tat com.android.org.conscrypt.NativeCrypto.SSL_do_handshake(Native Method)';
    expect(familiesIn(trace)).toEqual(['android']);
    const r = withClients([client('android-7', 'Android 7', false, NO_PROTOCOL), client('android-11', 'Android 11', true), client('java-8', 'Java 8', false, NO_PROTOCOL)]);
    const d = explain(trace, r).diagnoses.find((x) => x.id === 'clients-cannot-connect');
    expect(d?.why).toMatch(/^1 of 2 common clients cannot connect: Android 7/);
    const onlyJava = withClients([client('android-7', 'Android 7', true), client('android-11', 'Android 11', true), client('java-8', 'Java 8', false, NO_PROTOCOL)]);
    expect(explain(trace, onlyJava).candidates.find((c) => c.id === 'clients-cannot-connect')?.verdict).toBe('ruled-out');
  });

  it('a Java stack trace while every Java profile connects: ruled out for that client, whoever else fails', () => {
    const r = withClients([client('java-8', 'Java 8', true), client('java-17', 'Java 17', true), client('openssl-1.0.2', 'OpenSSL 1.0.2', false, NO_PROTOCOL)]);
    expect(explain(JAVA_TRACE, r).candidates.find((c) => c.id === 'clients-cannot-connect')?.verdict).toBe('ruled-out');
  });
});
