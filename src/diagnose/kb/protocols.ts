// Protocol versions: a server too old for current clients, clients too old for the server, and
// legacy versions still enabled. Shared config lines live in one place so entries cannot drift.
import type { ProtocolName } from '../../types.js';
import { alertNumber, BROWSER_PROTOCOL_ERROR, CURL_HANDSHAKE_FAILED } from './alerts.js';
import { anyProtocolTested, label, listText, supported } from './facts.js';
import { RISKY, type ErrorPattern, type Fixes, type KbEntry, type ResultFacts } from './types.js';

/** The server lines that set TLS 1.2 + 1.3, verified against each server's documentation. */
export const MODERN_PROTOCOL_FIXES: Fixes = {
  nginx: ['ssl_protocols TLSv1.2 TLSv1.3;  # TLS 1.3 needs nginx built with OpenSSL 1.1.1+ (see `nginx -V`)'],
  apache: ['SSLProtocol -all +TLSv1.2 +TLSv1.3  # TLS 1.3 needs httpd 2.4.36+ with OpenSSL 1.1.1+'],
  haproxy: ['ssl-default-bind-options ssl-min-ver TLSv1.2  # in the global section; or on each bind line: `bind :443 ssl crt /etc/haproxy/certs/site.pem ssl-min-ver TLSv1.2`'],
  node: ["tls.createServer({ minVersion: 'TLSv1.2' })  // the default since Node.js 12; remove minVersion: 'TLSv1' or secureProtocol overrides"],
  java: [
    '-Djdk.tls.server.protocols=TLSv1.2,TLSv1.3',
    'Keep SSLv3, TLSv1, TLSv1.1 in jdk.tls.disabledAlgorithms ($JAVA_HOME/conf/security/java.security; Java 8: $JAVA_HOME/jre/lib/security/java.security; the default since 8u291/11.0.11)',
  ],
};

const VERSION_MISMATCH: ErrorPattern[] = [
  { re: /tlsv1 alert protocol version/i, example: 'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70', weight: 2 },
  alertNumber(70, 2),
  { re: /unsupported protocol/i, example: 'error:0A000102:SSL routines:ssl_choose_client_version:unsupported protocol:../ssl/statem/statem_lib.c:1952:', weight: 2 },
  { re: /Received fatal alert: protocol_version/i, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version', weight: 2 },
  { re: /protocol version not supported/i, example: 'remote error: tls: protocol version not supported', weight: 2 },
  { re: /TLS alert: '?ProtocolVersion/i, example: "Authentication failed because the remote party sent a TLS alert: 'ProtocolVersion'.", weight: 2 },
  { re: /no protocols available/i, example: 'error:0A0000BF:SSL routines::no protocols available', weight: 2 },
  { re: /SSL_ERROR_UNSUPPORTED_VERSION|SSL_ERROR_PROTOCOL_VERSION_ALERT/, example: 'Error code: SSL_ERROR_UNSUPPORTED_VERSION', weight: 2 },
  { re: /ERR_SSL_VERSION_OR_CIPHER_MISMATCH/, example: 'example.com uses an unsupported protocol. ERR_SSL_VERSION_OR_CIPHER_MISMATCH', weight: 1 },
];

function oldOnly(r: ResultFacts): ProtocolName[] {
  return supported(r).filter((p) => p !== 'TLSv1.2' && p !== 'TLSv1.3');
}

export const serverTooOld: KbEntry = {
  id: 'protocol-server-too-old',
  title: 'The server offers no protocol version current clients accept',
  severity: 'critical',
  applies: (r) => {
    if (r.protocols['TLSv1.2'] !== false || r.protocols['TLSv1.3'] !== false) return false;
    const old = oldOnly(r);
    if (old.length === 0) return false;
    return { detail: `The server supports only ${listText(old.map(label))}; TLS 1.2 and TLS 1.3 are refused` };
  },
  tested: anyProtocolTested,
  errorPatterns: [
    ...VERSION_MISMATCH,
    // Debian/Ubuntu OpenSSL 3 at security level 2 refuses the SHA-1 signatures TLS 1.0/1.1 use.
    { re: /legacy sigalg disallowed or unsupported/i, example: 'curl: (35) OpenSSL/3.0.19: error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported', weight: 2 },
    CURL_HANDSHAKE_FAILED,
    BROWSER_PROTOCOL_ERROR,
  ],
  why:
    'Browsers, OpenSSL 3 at its default security level, Java (8u291+, 11.0.11+) and Go (1.18+) refuse TLS 1.0 and 1.1 (RFC 8996) ' +
    'and most refuse SSL 3.0 outright. A server that offers nothing newer fails every one of them with a ' +
    'protocol_version alert (70) or "unsupported protocol". The server\'s TLS library or its configuration must be ' +
    'upgraded; re-enabling old versions on every client is a security regression.',
  fixes: {
    ...MODERN_PROTOCOL_FIXES,
    openssl: [
      'The fix belongs on the server: upgrade its TLS library or configuration to offer TLS 1.2',
      `${RISKY} reach the old server anyway: curl --tlsv1.0 --ciphers 'DEFAULT@SECLEVEL=0' https://HOST/`,
    ],
    'node-client': [
      'The fix belongs on the server: upgrade its TLS library or configuration to offer TLS 1.2',
      `${RISKY} tls.connect({ minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' })`,
    ],
    'java-client': [
      'The fix belongs on the server: upgrade its TLS library or configuration to offer TLS 1.2',
      `${RISKY} remove TLSv1 from jdk.tls.disabledAlgorithms in java.security (weakens every connection of that JVM)`,
    ],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null\ncurl -v --tlsv1.2 {url}',
  references: ['https://www.rfc-editor.org/rfc/rfc8996', 'https://www.rfc-editor.org/rfc/rfc9325'],
};

export const clientTooOld: KbEntry = {
  id: 'protocol-client-too-old',
  title: 'Clients limited to old protocol versions cannot connect',
  // Requiring TLS 1.2 is the recommended setting; TLS 1.3-only shuts out noticeably more clients.
  severity: (r) => (r.protocols['TLSv1.2'] === true ? 'ok' : 'info'),
  applies: (r) => {
    const s = supported(r);
    if (s.length === 0 || oldOnly(r).length > 0) return false;
    const min = s[0] === 'TLSv1.2' ? 'TLS 1.2' : 'TLS 1.3';
    return min === 'TLS 1.2'
      ? { detail: 'The server requires TLS 1.2 or newer; clients limited to TLS 1.0/1.1 get a protocol_version alert' }
      : { detail: 'The server accepts only TLS 1.3; clients without TLS 1.3 (Java 8 clients without TLS 1.3 enabled, OpenSSL 1.0.2, Windows before 11 / Server 2022, Android before 10) fail' };
  },
  tested: anyProtocolTested,
  errorPatterns: [
    ...VERSION_MISMATCH,
    { re: /do not possess a common algorithm/i, example: 'System.ComponentModel.Win32Exception: The client and server cannot communicate, because they do not possess a common algorithm', weight: 2 },
  ],
  why:
    'The server refuses the versions an older client offers, so the handshake ends with a protocol_version alert (70) ' +
    'before anything else is compared. TLS 1.2 as the minimum is the current recommendation; the fix is on the client: ' +
    'a TLS library from this decade, or a configuration that no longer pins TLS 1.0.',
  fixes: {
    nginx: ['ssl_protocols TLSv1.2 TLSv1.3;  # admits TLS 1.2 clients when the server is TLS 1.3-only', `${RISKY} ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;  # re-enables deprecated versions for every client`],
    apache: ['SSLProtocol -all +TLSv1.2 +TLSv1.3', `${RISKY} SSLProtocol -all +TLSv1 +TLSv1.1 +TLSv1.2 +TLSv1.3  # re-enables deprecated versions`],
    openssl: ['Use OpenSSL 1.0.1+ for TLS 1.2 and 1.1.1+ for TLS 1.3 (`openssl version`)', 'curl --tlsv1.2 https://HOST/  # sets the minimum, not the maximum'],
    'node-client': ["Remove maxVersion: 'TLSv1' / secureProtocol: 'TLSv1_method'; Node.js 12+ offers TLS 1.2 and 1.3 by default"],
    'java-client': [
      'Java 8u261+ or 11+: -Djdk.tls.client.protocols=TLSv1.2,TLSv1.3',
      'HttpsURLConnection also reads -Dhttps.protocols=TLSv1.2,TLSv1.3',
    ],
  },
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null\nopenssl s_client -connect {connect} {servername} -tls1_2 </dev/null",
  references: ['https://www.rfc-editor.org/rfc/rfc8996', 'https://www.rfc-editor.org/rfc/rfc8446#appendix-D'],
};

export const sslEnabled: KbEntry = {
  id: 'protocol-ssl-enabled',
  title: 'SSL 3.0 (or SSL 2.0) is enabled',
  severity: 'error',
  applies: (r) => {
    const on = (['SSLv2', 'SSLv3'] as const).filter((p) => r.protocols[p] === true);
    return on.length ? { detail: `${listText(on.map(label))} ${on.length > 1 ? 'are' : 'is'} enabled` } : false;
  },
  tested: anyProtocolTested,
  errorPatterns: [],
  why:
    'SSL 3.0 is broken by POODLE (CVE-2014-3566) and prohibited by RFC 7568; SSL 2.0 by RFC 6176. No current client ' +
    'offers them, so they only serve attackers who force a downgrade.',
  fixes: MODERN_PROTOCOL_FIXES,
  reproduce: 'openssl s_client -connect {connect} {servername} -ssl3 </dev/null  # needs an OpenSSL built with SSLv3',
  references: ['https://www.rfc-editor.org/rfc/rfc7568', 'https://www.rfc-editor.org/rfc/rfc6176', 'https://nvd.nist.gov/vuln/detail/CVE-2014-3566'],
};

export const legacyTls: KbEntry = {
  id: 'protocol-legacy-tls',
  title: 'TLS 1.0 or TLS 1.1 is enabled',
  severity: 'warning',
  applies: (r) => {
    const on = (['TLSv1', 'TLSv1.1'] as const).filter((p) => r.protocols[p] === true);
    return on.length ? { detail: `${listText(on.map(label))} ${on.length > 1 ? 'are' : 'is'} enabled` } : false;
  },
  tested: anyProtocolTested,
  errorPatterns: [],
  why:
    'RFC 8996 deprecates TLS 1.0 and 1.1: they rely on SHA-1 and MD5 in the handshake and on CBC constructions with ' +
    'known attacks (BEAST, Lucky13). Current clients no longer offer them, so keeping them only helps downgrade ' +
    'attacks and fails compliance scans (PCI DSS, Mozilla intermediate).',
  fixes: MODERN_PROTOCOL_FIXES,
  // OpenSSL 3 needs security level 0 for TLS 1.0/1.1 (SHA-1 signatures), or it fails with "legacy sigalg disallowed".
  reproduce: "openssl s_client -connect {connect} {servername} -tls1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null\nopenssl s_client -connect {connect} {servername} -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null",
  references: ['https://www.rfc-editor.org/rfc/rfc8996', 'https://www.rfc-editor.org/rfc/rfc9325'],
};

/** Java's "No appropriate protocol": thrown before a byte is sent, so the server is not involved. */
export const javaProtocolDisabled: KbEntry = {
  id: 'java-protocol-disabled',
  title: 'The Java client has disabled every protocol it was asked to use (a local JVM setting)',
  severity: 'info',
  // A setting inside the client's JVM: nothing the server does shows it.
  applies: () => false,
  tested: () => false,
  evidence: (r) => {
    const s = supported(r);
    return s.length
      ? `Not visible from outside; the server completes ${listText(s.map(label))}, so the client only has to enable one of them`
      : 'Not visible from outside: the setting lives in the client\'s JVM';
  },
  errorPatterns: [
    // JDK 17 with setEnabledProtocols({"TLSv1"}): thrown in HandshakeContext before the ClientHello (measured; the server saw only EOF).
    { re: /No appropriate protocol/i, example: 'javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)', weight: 3 },
  ],
  why:
    'Java throws this before it sends anything: every protocol the application enabled (SSLSocket.setEnabledProtocols, ' +
    '-Djdk.tls.client.protocols, -Dhttps.protocols) is listed in jdk.tls.disabledAlgorithms (SSLv3, TLSv1 and TLSv1.1 ' +
    'since 8u291/11.0.11), or none of the enabled cipher suites fits those protocols. The server never sees the ' +
    'connection and needs no change. Typically an old application pins TLSv1 or TLSv1.1 and the JVM was upgraded.',
  fixes: {
    'java-client': [
      'Stop pinning old versions: remove setEnabledProtocols(new String[] {"TLSv1"}) and -Dhttps.protocols=TLSv1, or set -Djdk.tls.client.protocols=TLSv1.2,TLSv1.3',
      'See what this JVM disables: grep -A2 "^jdk.tls.disabledAlgorithms" $JAVA_HOME/conf/security/java.security  (Java 8: $JAVA_HOME/jre/lib/security/java.security)',
      `${RISKY} only for a server that offers nothing newer: a file with a jdk.tls.disabledAlgorithms line without TLSv1, passed with -Djava.security.properties=legacy.security (weakens every connection of that JVM)`,
    ],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null  # the server speaks TLS 1.2: the Java client must enable it',
  references: [
    'https://docs.oracle.com/en/java/javase/17/security/java-secure-socket-extension-jsse-reference-guide.html',
    'https://www.oracle.com/java/technologies/javase/8u291-relnotes.html',
    'https://www.rfc-editor.org/rfc/rfc8996',
  ],
};

export const noFallbackScsv: KbEntry = {
  id: 'fallback-scsv-missing',
  title: 'Downgrade protection (TLS_FALLBACK_SCSV) is missing',
  severity: 'info',
  applies: (r) => {
    // Only meaningful when there is an older version to fall back to.
    if (r.fallbackScsv !== false || supported(r).length < 2) return false;
    return { detail: `A downgraded handshake marked with TLS_FALLBACK_SCSV was accepted instead of refused, while the server supports ${listText(supported(r).map(label))}` };
  },
  tested: (r) => r.error === null && r.fallbackScsv !== null && r.fallbackScsv !== undefined,
  errorPatterns: [],
  why:
    'RFC 7507 lets a client that retries with a lower version mark the retry; a server supporting something higher ' +
    'must then abort with inappropriate_fallback (86). Without it, an attacker who breaks the first handshake can push ' +
    'clients down to the oldest version enabled. Disabling old versions removes the risk altogether.',
  fixes: {
    ...MODERN_PROTOCOL_FIXES,
    openssl: ['OpenSSL honours TLS_FALLBACK_SCSV since 1.0.1j: upgrade the server library, or disable versions below TLS 1.2'],
  },
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' -fallback_scsv </dev/null  # expect alert 86 inappropriate fallback",
  references: ['https://www.rfc-editor.org/rfc/rfc7507'],
};
