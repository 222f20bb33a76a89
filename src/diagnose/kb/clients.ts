// Client simulation (result.clients): which common clients' default ClientHellos get a handshake
// they accept, and for those that do not, why, with the fix on either side.
import type { ClientResult } from '../../types.js';
import { familiesIn } from '../../clients/families.js';
import { CLIENT_PROFILES } from '../../clients/profiles.js';
import type { KbEntry, ResultFacts } from './types.js';

/** Clients people use today: one of these failing is an outage for real users, not legacy clean-up. */
const CURRENT: ReadonlySet<string> = new Set(['chrome', 'firefox', 'safari', 'android-11', 'java-17', 'java-11', 'openssl-3', 'node-20', 'go', 'envoy']);

const failing = (r: ResultFacts): ClientResult[] => (r.clients ?? []).filter((c) => c.connects === false);

export const clientsCannotConnect: KbEntry = {
  id: 'clients-cannot-connect',
  title: 'Some common clients cannot connect',
  severity: (r) => (failing(r).some((c) => CURRENT.has(c.id)) ? 'error' : failing(r).length ? 'warning' : 'info'),
  applies: (r) => {
    const bad = failing(r);
    if (!bad.length) return false;
    const total = r.clients?.length ?? 0;
    return { detail: `${bad.length} of ${total} common clients cannot connect: ${bad.map((c) => `${c.name} (${c.reason ?? 'refused'})`).join('; ')}` };
  },
  tested: (r) => (r.clients?.length ?? 0) > 0,
  // A Java stack trace is about the Java profiles: Java 17 connecting rules this cause out for it
  // even when OpenSSL 1.0.2 fails. Text that names no client keeps every profile.
  forSymptom: (r, symptom) => {
    const families = familiesIn(symptom);
    if (!families.length || !r.clients) return r;
    const ids = new Set(CLIENT_PROFILES.filter((p) => families.includes(p.family)).map((p) => p.id));
    return { ...r, clients: r.clients.filter((c) => ids.has(c.id)) };
  },
  errorPatterns: [
    { re: /Received fatal alert: protocol_version/, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version', weight: 1 },
    { re: /Received fatal alert: handshake_failure/, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure', weight: 1 },
    // Android's platform TLS (Conscrypt) when the handshake fails on a protocol or cipher mismatch.
    {
      re: /SSL handshake aborted: ssl=0x[0-9a-f]+: Failure in SSL library, usually a protocol error/,
      example: 'javax.net.ssl.SSLHandshakeException: SSL handshake aborted: ssl=0x7c2e8a1f08: Failure in SSL library, usually a protocol error',
      weight: 1,
    },
  ],
  why:
    'Each client offers its own protocol versions, cipher suites, groups and signature algorithms, and refuses ' +
    'some server parameters (OpenSSL 3 on Debian refuses RSA keys and DH groups below 2048 bits; OpenSSL 3, ' +
    'browsers and Go refuse certificates signed with SHA-1). A server tuned ' +
    'for current browsers can leave out what an older JVM, an OpenSSL 1.0.2 system (RHEL/CentOS 7), Android 7 ' +
    '(no TLS 1.3) or a Go client needs, so "it works in my browser" while a partner\'s integration fails; ' +
    'Windows 7 speaks only TLS 1.0 until TLS 1.2 is enabled in its registry. Adding TLS 1.2 with ' +
    'ECDHE and AES-GCM suites back costs nothing in security today; adding TLS 1.0/1.1, CBC-only or RSA ' +
    'key-exchange suites re-opens known weaknesses (no forward secrecy, Lucky13) and fails PCI DSS, so the ' +
    'better fix for those clients is on the client.',
  fixes: {
    nginx: [
      'ssl_protocols TLSv1.2 TLSv1.3;  # TLS 1.2 for clients without TLS 1.3 (Java 8 before 8u261, OpenSSL 1.0.2)',
      'ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;  # Mozilla intermediate',
    ],
    apache: [
      'SSLProtocol -all +TLSv1.2 +TLSv1.3',
      'SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
    ],
    haproxy: ['ssl-default-bind-options ssl-min-ver TLSv1.2  # global section'],
    'java-client': [
      'Java 8: update to 8u261 or later (TLS 1.3), or at least enable TLS 1.2: -Djdk.tls.client.protocols=TLSv1.2',
      'Java 11+: TLS 1.2 and 1.3 are on by default; check jdk.tls.disabledAlgorithms in the JVM\'s java.security if it still fails',
    ],
    openssl: ['Move clients on OpenSSL 1.0.2 (RHEL/CentOS 7) to a system with OpenSSL 1.1.1 or 3.x; 1.0.2 has no TLS 1.3, ChaCha20 or X25519'],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null   # the ceiling of OpenSSL 1.0.2 and Java 8\n' +
    'openssl s_client -connect {connect} {servername} </dev/null   # OpenSSL 3 defaults',
  references: [
    'https://wiki.mozilla.org/Security/Server_Side_TLS',
    'https://ssl-config.mozilla.org/',
    'https://www.java.com/en/jre-jdk-cryptoroadmap.html',
  ],
};
