// Key exchange for TLS ≤ 1.2: a DHE group too small for current clients (or for anyone: Logjam),
// and a 2048-bit group of the server's own making where a standard one would do.
import type { DhParams } from '../../types.js';
import type { KbEntry, ResultFacts } from './types.js';

/** RFC 7919 / NIST SP 800-57: 2048 bits gives 112-bit security, OpenSSL's security level 2. */
const MIN_DH_BITS = 2048;
/** Export-grade and Logjam range: 512-bit export groups, and 768 bits is within academic reach (weakdh.org). */
const LOGJAM_BITS = 768;

function dh(r: ResultFacts): DhParams | null {
  return r.keyExchange?.dh ?? null;
}

/** An RFC 7919 group file, the fix every server below loads. */
const FFDHE_FILE = 'openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out /etc/ssl/ffdhe2048.pem  # RFC 7919 group, no generation wait';

export const weakDh: KbEntry = {
  id: 'weak-dh',
  title: 'The DHE key exchange uses a DH group smaller than 2048 bits',
  severity: (r) => ((dh(r)?.bits ?? MIN_DH_BITS) <= LOGJAM_BITS ? 'critical' : 'error'),
  applies: (r) => {
    const p = dh(r);
    if (!p || p.bits >= MIN_DH_BITS) return false;
    const logjam = p.bits <= LOGJAM_BITS ? ' — export-grade strength, breakable today (Logjam)' : '';
    return {
      detail: `${p.suite} (${p.protocol}) uses a ${p.bits}-bit DH group (${p.group})${logjam}: ` +
        'OpenSSL 3 clients at security level 2 (the default on Debian, Ubuntu and RHEL: curl, Python, Ruby, PHP) fail with "dh key too small" whenever they negotiate DHE',
    };
  },
  tested: (r) => r.error === null && r.keyExchange?.dh !== undefined,
  errorPatterns: [
    { re: /dh key too small/i, example: 'curl: (35) OpenSSL/3.0.19: error:0A00018A:SSL routines::dh key too small', weight: 3 },
    { re: /0A00018A/, example: '40775851E57F0000:error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small:../ssl/statem/statem_clnt.c:2092:', weight: 3 },
    { re: /DH_KEY_TOO_SMALL/, example: 'ssl.SSLError: [SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006)', weight: 3 },
    { re: /DH ServerKeyExchange does not comply to algorithm constraints/i, example: 'javax.net.ssl.SSLHandshakeException: DH ServerKeyExchange does not comply to algorithm constraints', weight: 3 },
    { re: /ERR_SSL_WEAK_SERVER_EPHEMERAL_DH_KEY/, example: 'ERR_SSL_WEAK_SERVER_EPHEMERAL_DH_KEY', weight: 3 },
    { re: /SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY/, example: 'Error code: SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY', weight: 3 },
  ],
  why:
    'With a DHE suite the server picks the Diffie-Hellman group, and a group below 2048 bits gives less than the 112-bit ' +
    'security current clients require. OpenSSL 3 at security level 2 (Debian, Ubuntu and RHEL builds; curl, Python, Ruby ' +
    'and PHP use it) aborts the handshake with "dh key too small" (0A00018A); Java refuses groups below 1024 bits ' +
    '(jdk.tls.disabledAlgorithms "DH keySize < 1024"); Chrome and Firefox no longer offer DHE at all. Node.js (its bundled ' +
    'OpenSSL at level 1) and Java still accept 1024 bits, so the failure shows only on some clients, and only when DHE is ' +
    'what gets negotiated: a TLS 1.2 client without ECDHE in common, or a server that prefers DHE. Groups of 768 bits or ' +
    'less (export grade) can be broken outright (Logjam, CVE-2015-4000).',
  fixes: {
    nginx: [
      FFDHE_FILE,
      'ssl_dhparam /etc/ssl/ffdhe2048.pem;',
      'Or drop DHE: remove ssl_dhparam (nginx 1.11+ then uses no DHE suites) and keep ECDHE in ssl_ciphers',
    ],
    apache: [
      FFDHE_FILE,
      'SSLOpenSSLConfCmd DHParameters "/etc/ssl/ffdhe2048.pem"  # Apache 2.4.8+; without it Apache sizes the group to the certificate key',
      'Or drop DHE: SSLCipherSuite ECDHE+AESGCM:ECDHE+CHACHA20',
    ],
    haproxy: [
      FFDHE_FILE,
      'ssl-dh-param-file /etc/ssl/ffdhe2048.pem  # global section',
      'tune.ssl.default-dh-param 2048  # global section: the size used when no DH parameters are given',
    ],
    java: ['-Djdk.tls.ephemeralDHKeySize=2048  # JSSE servers: size of the ephemeral DH group'],
    node: ["tls.createServer({ dhparam: 'auto', ... })  // a well-known group of 2048 bits or more; or leave dhparam out: no DHE suites"],
    openssl: [
      'The fix is on the server (above): a client cannot safely accept a small DH group',
      'Client side, without lowering security: offer no DHE suites, e.g. curl --ciphers ECDHE+AESGCM:ECDHE+CHACHA20 URL (TLS 1.2)',
    ],
  },
  reproduce:
    "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'DHE:@SECLEVEL=2' </dev/null 2>&1 | grep -E 'dh key too small|Cipher is'\n" +
    "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'DHE:@SECLEVEL=0' </dev/null 2>/dev/null | grep 'Server Temp Key'",
  references: [
    'https://www.rfc-editor.org/rfc/rfc7919',
    'https://weakdh.org/',
    'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_dhparam',
    'https://httpd.apache.org/docs/2.4/mod/mod_ssl.html#sslopensslconfcmd',
    'https://docs.haproxy.org/2.6/configuration.html',
    'https://docs.openssl.org/3.0/man3/SSL_CTX_set_security_level/',
  ],
};

export const dhCustomGroup: KbEntry = {
  id: 'dh-custom-group',
  title: 'The DHE key exchange uses a custom 2048-bit DH group',
  severity: 'info',
  applies: (r) => {
    const p = dh(r);
    if (!p || p.bits !== MIN_DH_BITS || p.group !== 'custom') return false;
    return { detail: `${p.suite} (${p.protocol}) uses a ${p.bits}-bit DH group the server generated itself, not an RFC 7919 group` };
  },
  tested: (r) => r.error === null && r.keyExchange?.dh !== undefined,
  errorPatterns: [],
  why:
    'Clients cannot check in the handshake that a custom group is a safe prime of the claimed strength; RFC 7919 defines ' +
    'fixed, vetted groups (ffdhe2048 and up) for this reason, and they are the only finite-field groups TLS 1.3 allows. ' +
    '2048 bits is still accepted everywhere, so this is advice, not a failure; dropping DHE in favour of ECDHE is simpler still.',
  fixes: {
    nginx: [FFDHE_FILE, 'ssl_dhparam /etc/ssl/ffdhe2048.pem;'],
    apache: [FFDHE_FILE, 'SSLOpenSSLConfCmd DHParameters "/etc/ssl/ffdhe2048.pem"'],
    haproxy: [FFDHE_FILE, 'ssl-dh-param-file /etc/ssl/ffdhe2048.pem  # global section'],
    node: ["tls.createServer({ dhparam: 'auto', ... })  // instead of a generated dhparam file"],
  },
  // OpenSSL prints "Server Temp Key: DH, 2048 bits" for custom and RFC 7919 groups alike: the prime
  // itself tells them apart (every ffdhe prime opens with 64 one bits, then 0xADF85458A2BB4A9A).
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'DHE' -msg </dev/null 2>/dev/null | grep -A2 ServerKeyExchange   # the prime follows its length (01 00 for 2048 bits): RFC 7919 groups start ff ff ff ff ff ff ff ff ad f8 54 58, a custom group does not",
  references: ['https://www.rfc-editor.org/rfc/rfc7919#section-1', 'https://www.rfc-editor.org/rfc/rfc8446#section-4.2.7'],
};
