// Cipher suites: nothing in common with current clients, and suites that are unsafe or weak.
import { acceptedCiphers, ciphersByFlaw, hasForwardSecrecy, isTls13Suite, MOZILLA_INTERMEDIATE_OPENSSL, MOZILLA_INTERMEDIATE_TLS13, offeredByCurrentClients } from '../ciphers.js';
import { alertNumber, CURL_HANDSHAKE_FAILED, RENEGOTIATION_ATTEMPTED } from './alerts.js';
import { anyProtocolTested, handshakeWorked, supported, undetermined } from './facts.js';
import { RISKY, type Fixes, type KbEntry, type ResultFacts } from './types.js';

const TLS13_SUITES = MOZILLA_INTERMEDIATE_TLS13.join(':');

/** Server lines that set Mozilla's intermediate cipher list (guideline v5.7). */
export const MOZILLA_CIPHER_FIXES: Fixes = {
  nginx: [`ssl_ciphers ${MOZILLA_INTERMEDIATE_OPENSSL};`, 'ssl_prefer_server_ciphers off;'],
  apache: [`SSLCipherSuite ${MOZILLA_INTERMEDIATE_OPENSSL}`, 'SSLHonorCipherOrder off'],
  haproxy: [`ssl-default-bind-ciphers ${MOZILLA_INTERMEDIATE_OPENSSL}`, `ssl-default-bind-ciphersuites ${TLS13_SUITES}`],
  node: ["Remove the custom `ciphers` option from tls.createServer() so Node.js's default list applies, or set ciphers to the list above"],
  java: [
    'Keep RC4, DES, 3DES_EDE_CBC, anon, NULL in jdk.tls.disabledAlgorithms ($JAVA_HOME/conf/security/java.security; Java 8: $JAVA_HOME/jre/lib/security/java.security)',
    // Listing only TLS 1.2 suites here switches TLS 1.3 off (measured with JDK 17): the TLS 1.3 suites come first.
    `-Djdk.tls.server.cipherSuites=${MOZILLA_INTERMEDIATE_TLS13.join(',')},TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256  # keep the three TLS 1.3 suites: a list of TLS 1.2 suites only switches TLS 1.3 off`,
  ],
};

function allCiphers(r: ResultFacts): string[] {
  return [...acceptedCiphers(r.ciphers).keys()];
}

function names(list: string[] | undefined, max = 6): string {
  const l = list ?? [];
  return l.length > max ? `${l.slice(0, max).join(', ')} and ${l.length - max} more` : l.join(', ');
}

export const noCommonCipher: KbEntry = {
  id: 'no-common-cipher',
  title: 'No cipher suite in common with current clients',
  severity: 'critical',
  applies: (r) => {
    if (r.error !== null) return false;
    const all = allCiphers(r);
    if (supported(r).length > 0) {
      if (all.length === 0 || all.some(offeredByCurrentClients)) return false;
      return { detail: `The server accepts only ${names(all)}, which current browsers and OpenSSL 3 clients do not offer` };
    }
    // Every version answered (alerts, no silence) and none completed a handshake.
    if (!anyProtocolTested(r) || undetermined(r).length > 0) return false;
    return { detail: 'Every protocol version was refused with an alert: no handshake completed with any cipher suite the probes offered' };
  },
  tested: anyProtocolTested,
  errorPatterns: [
    // A handshake_failure after a renegotiation attempt is a refused renegotiation (Java answers 40, not 100).
    { re: /sslv3 alert handshake failure/i, example: 'error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40', weight: 2, unless: RENEGOTIATION_ATTEMPTED },
    { ...alertNumber(40, 2), unless: RENEGOTIATION_ATTEMPTED },
    { re: /no shared cipher/i, example: 'error:0A0000C1:SSL routines::no shared cipher', weight: 3 },
    { re: /no ciphers available/i, example: 'error:0A0000B5:SSL routines::no ciphers available', weight: 3 },
    { re: /Received fatal alert: handshake_failure/i, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure', weight: 2, unless: RENEGOTIATION_ATTEMPTED },
    { re: /remote error: tls: handshake failure/i, example: 'remote error: tls: handshake failure', weight: 2, unless: RENEGOTIATION_ATTEMPTED },
    { re: /TLS alert: '?HandshakeFailure/i, example: "Authentication failed because the remote party sent a TLS alert: 'HandshakeFailure'.", weight: 2, unless: RENEGOTIATION_ATTEMPTED },
    { re: /SSL_ERROR_NO_CYPHER_OVERLAP/, example: 'Error code: SSL_ERROR_NO_CYPHER_OVERLAP', weight: 3 },
    { re: /ERR_SSL_VERSION_OR_CIPHER_MISMATCH/, example: 'example.com uses an unsupported protocol. ERR_SSL_VERSION_OR_CIPHER_MISMATCH', weight: 2 },
    { re: /insufficient[ _]security/i, example: 'error:0A00042F:SSL routines::tlsv1 alert insufficient security', weight: 2 },
    { re: /no suitable signature algorithm/i, example: 'error:0A000076:SSL routines::no suitable signature algorithm', weight: 2 },
    { re: /do not possess a common algorithm/i, example: 'System.ComponentModel.Win32Exception: The client and server cannot communicate, because they do not possess a common algorithm', weight: 2 },
    CURL_HANDSHAKE_FAILED,
  ],
  why:
    'Client and server each have a list of cipher suites (and, for the certificate, signature algorithms); when the ' +
    'lists do not overlap the server answers handshake_failure (40). Typical causes: a server restricted to suites ' +
    'clients dropped (RC4, 3DES, static RSA only), a client pinned to a short list, an ECDSA certificate with only RSA ' +
    'suites enabled (or the reverse), or a server that requires a client certificate and aborts without one.',
  fixes: {
    ...MOZILLA_CIPHER_FIXES,
    openssl: [
      "See what the client offers: openssl ciphers -v 'DEFAULT'",
      'Offer a current suite explicitly: curl --ciphers ECDHE-RSA-AES128-GCM-SHA256 https://HOST/',
      `${RISKY} accept the server's legacy suites: openssl s_client -connect HOST:443 -cipher 'DEFAULT@SECLEVEL=0'`,
    ],
    'node-client': ["tls.connect({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256' }) to match what the server accepts"],
    'java-client': [
      `-Djdk.tls.client.cipherSuites=${MOZILLA_INTERMEDIATE_TLS13.join(',')},TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256  # applies to every TLS connection of the JVM; without the TLS 1.3 suites TLS 1.3 is off`,
    ],
  },
  reproduce:
    "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256' </dev/null\n" +
    'curl -v {url}',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-4.1.1', 'https://www.rfc-editor.org/rfc/rfc9325', 'https://wiki.mozilla.org/Security/Server_Side_TLS'],
};

export const insecureCiphers: KbEntry = {
  id: 'cipher-insecure',
  title: 'Cipher suites without encryption or authentication are accepted',
  severity: 'error',
  applies: (r) => {
    const f = ciphersByFlaw(r.ciphers);
    const bad = [...new Set([...(f.null ?? []), ...(f.anon ?? []), ...(f.export ?? []), ...(f.des ?? [])])];
    return bad.length ? { detail: `Accepted: ${names(bad)} (NULL, anonymous, EXPORT or single-DES suites)` } : false;
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'NULL suites send data in clear text, anonymous (anon/ADH) suites skip server authentication so anyone in the path ' +
    'can impersonate the server, EXPORT suites use 40-56 bit keys that are broken in hours (FREAK, Logjam) and single ' +
    'DES has a 56-bit key. No client should negotiate them, but a misconfigured or attacker-controlled one can.',
  fixes: MOZILLA_CIPHER_FIXES,
  // OpenSSL 3 still has NULL and anonymous suites (at security level 0) but no EXPORT or single-DES suites.
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'aNULL:eNULL:@SECLEVEL=0' </dev/null  # EXPORT and DES: no OpenSSL 3 client offers them",
  references: ['https://www.rfc-editor.org/rfc/rfc9325#section-4.1', 'https://nvd.nist.gov/vuln/detail/CVE-2015-0204', 'https://nvd.nist.gov/vuln/detail/CVE-2015-4000'],
};

export const weakCiphers: KbEntry = {
  id: 'cipher-weak',
  title: 'Weak cipher suites (RC4, 3DES) are accepted',
  severity: 'warning',
  applies: (r) => {
    const f = ciphersByFlaw(r.ciphers);
    const weak = [...new Set([...(f.rc4 ?? []), ...(f['3des'] ?? [])])];
    return weak.length ? { detail: `Accepted: ${names(weak)}` } : false;
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'RC4 has exploitable keystream biases and is prohibited by RFC 7465; 3DES uses 64-bit blocks, so long connections ' +
    'leak plaintext through birthday collisions (SWEET32, CVE-2016-2183). Current clients no longer offer either, ' +
    'so keeping them only serves downgrades and fails compliance scans.',
  fixes: MOZILLA_CIPHER_FIXES,
  // OpenSSL 3 has no RC4 or 3DES at all ("no cipher match"); GnuTLS 3.7 still offers both on request.
  reproduce: "gnutls-cli --priority 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC:+ARCFOUR-128' -p {port} {host} </dev/null  # a Description line with 3DES-CBC or ARCFOUR-128: accepted",
  references: ['https://www.rfc-editor.org/rfc/rfc7465', 'https://nvd.nist.gov/vuln/detail/CVE-2016-2183'],
};

export const noForwardSecrecy: KbEntry = {
  id: 'cipher-no-forward-secrecy',
  title: 'Cipher suites without forward secrecy are accepted',
  // Only a warning when nothing else is offered: then every session key hangs on the server key.
  severity: (r) => (allCiphers(r).some(hasForwardSecrecy) ? 'info' : 'warning'),
  applies: (r) => {
    const noFs = ciphersByFlaw(r.ciphers)['no-fs'] ?? [];
    if (noFs.length === 0) return false;
    const all = allCiphers(r);
    const every = noFs.length === all.length;
    return { detail: `${every ? 'No accepted suite has' : `${noFs.length} of ${all.length} accepted suites lack`} forward secrecy: ${names(noFs)}` };
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'Suites with static RSA (TLS_RSA_WITH_*) or static (EC)DH key exchange derive every session key from the server\'s ' +
    'long-term key: whoever records traffic today and obtains that key later decrypts all of it. ECDHE and DHE suites, ' +
    'and all of TLS 1.3, do not have this problem. Static RSA is also the precondition for the ROBOT family of attacks.',
  fixes: MOZILLA_CIPHER_FIXES,
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'kRSA' </dev/null",
  references: ['https://www.rfc-editor.org/rfc/rfc9325#section-4.1', 'https://wiki.mozilla.org/Security/Server_Side_TLS'],
};

export const cbcOnly: KbEntry = {
  id: 'cipher-cbc-only',
  title: 'TLS 1.2 offers only CBC cipher suites (no AEAD)',
  severity: (r) => (r.protocols['TLSv1.3'] === true ? 'info' : 'warning'),
  applies: (r) => {
    const tls12 = (r.ciphers['TLSv1.2'] ?? []).filter((c) => !isTls13Suite(c));
    if (r.protocols['TLSv1.2'] !== true || tls12.length === 0) return false;
    if (tls12.some((c) => /GCM|CHACHA20|CCM/i.test(c))) return false;
    return { detail: `TLS 1.2 accepts only CBC-mode suites: ${names(tls12)}` };
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'CBC suites in TLS use MAC-then-encrypt, the construction behind padding-oracle and timing attacks (Lucky13 and its ' +
    'successors). AES-GCM and ChaCha20-Poly1305 (AEAD) avoid it and are faster on current hardware. Every client from ' +
    'the last decade supports them.',
  fixes: MOZILLA_CIPHER_FIXES,
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20' </dev/null",
  references: ['https://www.rfc-editor.org/rfc/rfc9325#section-4.2', 'https://www.rfc-editor.org/rfc/rfc7366'],
};
