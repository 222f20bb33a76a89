// Key exchange: Diffie-Hellman parameters too small for current clients. The live DH measurement
// comes from the key-exchange probe (issue 20); until it reports, this cause is explained from
// the error text only and left untested by the check.
import { RISKY, type KbEntry } from './types.js';

export const weakDh: KbEntry = {
  id: 'weak-dh',
  title: 'The server uses Diffie-Hellman parameters too small for current clients',
  severity: 'error',
  applies: () => false,
  tested: () => false,
  evidence: () => 'The probes do not measure the DHE group size yet: try the reproduce command',
  errorPatterns: [
    // OpenSSL 3 at Debian's security level 2 refuses DH below 2048 bits (measured: curl and s_client vs a 1024-bit DHE server).
    { re: /dh key too small|0A00018A/i, example: 'curl: (35) OpenSSL/3.0.19: error:0A00018A:SSL routines::dh key too small', weight: 3 },
    { re: /ERR_SSL_WEAK_SERVER_EPHEMERAL_DH_KEY|SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY/, example: 'Error code: SSL_ERROR_WEAK_SERVER_EPHEMERAL_DH_KEY', weight: 3 },
  ],
  why:
    'With a DHE cipher suite the server picks the Diffie-Hellman group. Groups below 2048 bits are within reach of ' +
    'precomputation attacks (Logjam, CVE-2015-4000), so OpenSSL 3 as Debian and Ubuntu build it (security level 2) ' +
    'refuses anything under 2048 bits with "dh key too small", browsers refuse under 1024, and Java refuses under 1024 ' +
    '(jdk.tls.disabledAlgorithms: DH keySize < 1024). Node.js 20, built with its own OpenSSL at level 1, still accepts ' +
    '1024 bits, which is why one client fails and another does not. The fix is on the server: a 2048-bit (or larger) ' +
    'group, or ECDHE suites ahead of DHE so current clients never use DHE at all.',
  fixes: {
    nginx: ['ssl_dhparam /etc/nginx/dhparam.pem;  # made with: openssl dhparam -out /etc/nginx/dhparam.pem 2048'],
    apache: ['SSLOpenSSLConfCmd DHParameters "/etc/apache2/dhparam.pem"  # httpd 2.4.8+ with OpenSSL 1.0.2+; made with openssl dhparam 2048'],
    haproxy: ['ssl-dh-param-file /etc/haproxy/dhparam.pem  # in the global section; or `tune.ssl.default-dh-param 2048`'],
    node: ["tls.createServer({ dhparam: fs.readFileSync('dhparam.pem') })  // a 2048-bit group from openssl dhparam 2048"],
    java: ['-Djdk.tls.ephemeralDHKeySize=2048'],
    openssl: [
      'The fix is on the server. Meanwhile prefer ECDHE when the server offers it: curl --ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256 https://HOST/',
      `${RISKY} accept 1024-bit DH on Debian/Ubuntu: curl --ciphers 'DEFAULT@SECLEVEL=1' https://HOST/`,
    ],
  },
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 -cipher 'DHE' </dev/null 2>&1 | grep -E 'Server Temp Key|dh key too small'",
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2015-4000',
    'https://www.rfc-editor.org/rfc/rfc7919',
    'https://docs.openssl.org/3.0/man3/SSL_CTX_set_security_level/',
    'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_dhparam',
  ],
};
