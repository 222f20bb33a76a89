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

/**
 * Bits of the curves RFC 8422 §5.1.1 deprecated (every RFC 4492 curve but secp256r1, secp384r1 and
 * secp521r1). Security is half the size; below 224 bits is below 112-bit security, which OpenSSL's
 * security level 2 requires (level 1, 80 bits, already refuses curves below 160).
 */
const LEGACY_CURVE_BITS: Readonly<Record<string, number>> = {
  sect163k1: 163, sect163r1: 163, sect163r2: 163, sect193r1: 193, sect193r2: 193, sect233k1: 233, sect233r1: 233,
  sect239k1: 239, sect283k1: 283, sect283r1: 283, sect409k1: 409, sect409r1: 409, sect571k1: 571, sect571r1: 571,
  secp160k1: 160, secp160r1: 160, secp160r2: 160, secp192k1: 192, secp192r1: 192, secp224k1: 224, secp224r1: 224,
  secp256k1: 256,
};
const WEAK_CURVE_BITS = 224;

/** Suites per legacy curve, weakest curve first. */
function legacyCurves(r: ResultFacts): Array<{ curve: string; bits: number; suites: string[] }> {
  const by = new Map<string, string[]>();
  for (const [suite, curve] of Object.entries(r.keyExchange?.curves ?? {})) {
    if (LEGACY_CURVE_BITS[curve] !== undefined) by.set(curve, [...(by.get(curve) ?? []), suite]);
  }
  return [...by].map(([curve, suites]) => ({ curve, bits: LEGACY_CURVE_BITS[curve] ?? 0, suites })).sort((a, b) => a.bits - b.bits);
}

const CURRENT_CURVES = 'X25519:P-256:P-384';

export const legacyEcdheCurve: KbEntry = {
  id: 'weak-ecdhe-curve',
  title: 'ECDHE suites use a weak or deprecated elliptic curve',
  severity: (r) => ((legacyCurves(r)[0]?.bits ?? WEAK_CURVE_BITS) < WEAK_CURVE_BITS ? 'warning' : 'info'),
  applies: (r) => {
    const found = legacyCurves(r);
    if (found.length === 0) return false;
    const all = Object.keys(r.keyExchange?.curves ?? {}).length;
    const parts = found.map(({ curve, bits, suites }) => {
      const which = suites.length === all && all > 1 ? `all ${all} ECDHE suites` : suites.join(', ');
      const strength = bits < WEAK_CURVE_BITS ? `, ${Math.floor(bits / 2)}-bit security` : '';
      return `${curve} (${bits} bits${strength}) on ${which}`;
    });
    return {
      detail: `Offered every named curve with x25519 and secp256r1 first, the server chose ${parts.join('; ')}: it ranks ` +
        'this curve above current ones, so every client that offers it (older Java, embedded and legacy TLS stacks) gets it',
    };
  },
  tested: (r) => r.error === null && r.keyExchange?.curves !== undefined,
  errorPatterns: [],
  why:
    'With an ECDHE suite the server picks the curve from those the client offers. RFC 8422 deprecated every curve of ' +
    'RFC 4492 except secp256r1, secp384r1 and secp521r1 (x25519 and x448 came with it); curves below 224 bits give less ' +
    'than the 112-bit security current policy requires (NIST SP 800-57; OpenSSL refuses them at security level 2, and ' +
    'below 160 bits already at level 1). Current browsers and OpenSSL 3 clients do not offer these curves, so they get ' +
    'a current one; a client that does offer them gets the weak one, because the server prefers it.',
  fixes: {
    nginx: ['ssl_ecdh_curve X25519:prime256v1:secp384r1;'],
    apache: ['SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1  # Apache 2.4.8+ with OpenSSL 1.0.2+'],
    haproxy: [`ssl-default-bind-curves ${CURRENT_CURVES}  # global section; or "curves ${CURRENT_CURVES}" on the bind line`],
    node: [`tls.createServer({ ecdhCurve: '${CURRENT_CURVES}', ... })`],
    java: ['-Djdk.tls.namedGroups="x25519,secp256r1,secp384r1"  # JSSE servers and clients: the groups offered and accepted'],
    openssl: [
      `openssl s_server ... -curves ${CURRENT_CURVES}  # the server's curve list (SSL_CTX_set1_groups_list)`,
      `Client side: offer only current curves, e.g. openssl s_client -curves ${CURRENT_CURVES} or curl --curves ${CURRENT_CURVES}`,
    ],
  },
  reproduce:
    "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'ECDHE:@SECLEVEL=0' -curves X25519:prime256v1:secp384r1:secp521r1:secp256k1:secp224r1:secp192r1:sect571r1:sect283r1:sect233r1:sect163r2 </dev/null 2>/dev/null | grep 'Server Temp Key'",
  references: [
    'https://www.rfc-editor.org/rfc/rfc8422#section-5.1.1',
    'https://docs.openssl.org/3.0/man3/SSL_CTX_set_security_level/',
    'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_ecdh_curve',
    'https://httpd.apache.org/docs/2.4/mod/mod_ssl.html#sslopensslconfcmd',
    'https://docs.haproxy.org/2.6/configuration.html#3.1-ssl-default-bind-curves',
    'https://docs.oracle.com/en/java/javase/17/security/java-secure-socket-extension-jsse-reference-guide.html',
  ],
};
