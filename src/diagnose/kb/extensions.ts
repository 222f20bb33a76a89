// Handshake extensions: SNI (required, or a different default certificate), OCSP stapling, ALPN.
import { alertNumber } from './alerts.js';
import { handshakeWorked } from './facts.js';
import type { KbEntry } from './types.js';

export const sniRequired: KbEntry = {
  id: 'sni-required',
  title: 'The server requires SNI',
  severity: 'warning',
  applies: (r) => (r.sni.required === true ? { detail: 'Handshakes without a server name (SNI) are refused' } : false),
  tested: (r) => r.error === null && r.sni.required !== null,
  errorPatterns: [
    { re: /unrecognized[ _]name/i, example: 'error:0A000458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:../ssl/record/rec_layer_s3.c:1601:SSL alert number 112', weight: 3 },
    alertNumber(112, 3),
    { re: /TLS alert: '?112/, example: "Authentication failed because the remote party sent a TLS alert: '112'.", weight: 3 },
  ],
  why:
    'The client did not send a server name (SNI), or sent one the server does not host, and the server answers ' +
    'unrecognized_name (112) or closes. Clients that omit SNI: connections by IP address, old Java (6) and Android (2.x), ' +
    'Windows XP, some health checks, scripts and proxies. Older Java clients also treat the warning-level ' +
    'unrecognized_name Apache sends for an unknown name as fatal ("handshake alert: unrecognized_name").',
  fixes: {
    nginx: ['A default server for handshakes without SNI: `listen 443 ssl default_server;` with a valid ssl_certificate (instead of `ssl_reject_handshake on;`)'],
    apache: ['Set ServerName to the name clients use in each <VirtualHost>; `SSLStrictSNIVHostCheck off` admits clients without SNI to the first vhost'],
    // With strict-sni HAProxy never falls back to a default certificate, so adding one changes nothing.
    haproxy: ['Remove strict-sni from the bind line: with it, handshakes without a matching SNI name are refused whatever certificates are loaded'],
    node: ['Pass a default key/cert to tls.createServer() in addition to the SNICallback / addContext() entries'],
    openssl: ['Send the name: curl https://HOST/ (not https://IP/), or curl --resolve HOST:443:IP https://HOST/', 'openssl s_client -connect IP:443 -servername HOST'],
    'node-client': ["tls.connect({ host, servername: 'example.com' })  // servername is required when host is an IP"],
    'java-client': ['Connect by host name so JSSE sends SNI; SSLParameters.setServerNames(List.of(new SNIHostName("example.com")))'],
  },
  reproduce: 'openssl s_client -connect {connect} -noservername </dev/null\nopenssl s_client -connect {connect} {servername} </dev/null',
  references: ['https://www.rfc-editor.org/rfc/rfc6066#section-3', 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_reject_handshake'],
};

export const internalError: KbEntry = {
  id: 'alert-internal-error',
  title: 'The server aborted the handshake with internal_error (alert 80)',
  severity: 'error',
  // The probes record no alert numbers per handshake; SNI behaviour is the closest thing they see.
  applies: () => false,
  tested: () => false,
  evidence: (r) =>
    r.sni.required === true
      ? 'Not measured directly; handshakes without SNI are refused here, so certificate selection by name is in play'
      : 'Not measured directly: the probes record no alert numbers; compare the reproduce commands with and without the name',
  errorPatterns: [
    { re: /tlsv1 alert internal error/i, example: 'curl: (35) OpenSSL/3.0.19: error:0A000438:SSL routines::tlsv1 alert internal error', weight: 3 },
    alertNumber(80, 3),
    { re: /remote error: tls: internal error/i, example: 'Get "https://api.example.com/": remote error: tls: internal error', weight: 3 },
    { re: /Received fatal alert: internal_error/i, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: internal_error', weight: 3 },
    { re: /TLS alert: '?InternalError/i, example: "System.Security.Authentication.AuthenticationException: Authentication failed because the remote party sent a TLS alert: 'InternalError'.", weight: 3 },
  ],
  why:
    'The server hit a problem of its own during the handshake and gave up. Most often it has no certificate for the ' +
    'name the client sent (SNI): Go servers such as Caddy and Traefik answer internal_error when no certificate matches ' +
    '(measured with Caddy 2.6), and so do servers whose certificate selection callback fails or whose key lives in an ' +
    'HSM or KMS that did not answer. Some stacks also use it for a version or group they have switched off. The ' +
    'server\'s own log names the reason; on the client side, compare a handshake with the exact name and one without.',
  fixes: {
    nginx: ['error_log /var/log/nginx/error.log info;  # nginx logs the reason of each failed handshake at level info'],
    apache: ['LogLevel ssl:info  # mod_ssl logs the reason of each failed handshake at level info'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/  # a directory (or crt-list) holding a certificate for every name clients send'],
    openssl: [
      'Send the name the server holds a certificate for: openssl s_client -connect HOST:443 -servername HOST',
      'Caddy/Traefik (Go): add the name to the site block or router so a certificate is issued for it',
    ],
    'node-client': ["tls.connect({ host: '203.0.113.10', servername: 'example.com' })  // the name the server has a certificate for"],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null  # "tlsv1 alert internal error ... SSL alert number 80"',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-6.2', 'https://www.rfc-editor.org/rfc/rfc6066#section-3', 'https://pkg.go.dev/crypto/tls#Config'],
};

export const sniDefaultCert: KbEntry = {
  id: 'sni-default-certificate',
  title: 'Clients without SNI get a different certificate',
  severity: 'info',
  applies: (r) =>
    r.sni.differentCertWithoutSni === true
      ? { detail: 'Without SNI the server presents another certificate than with it: clients that omit SNI see a name mismatch' }
      : false,
  tested: (r) => r.error === null && r.sni.differentCertWithoutSni !== null && r.sni.differentCertWithoutSni !== undefined,
  errorPatterns: [],
  why:
    'Name-based virtual hosting picks the certificate from the SNI name. A client that sends none (IP connections, ' +
    'some health checks and legacy clients) gets the default server\'s certificate and fails name verification.',
  fixes: {
    nginx: ['Make the intended site the default: `listen 443 ssl default_server;` in its server block'],
    apache: ['The first <VirtualHost> for an address:port answers clients without SNI: list the intended site first'],
    haproxy: ['The first certificate loaded on the bind is the default: list the intended site first in crt-list'],
    openssl: ['Always send SNI: connect by name, or openssl s_client -connect IP:443 -servername HOST'],
  },
  reproduce: 'openssl s_client -connect {connect} -noservername </dev/null 2>/dev/null | openssl x509 -noout -subject',
  references: ['https://www.rfc-editor.org/rfc/rfc6066#section-3'],
};

export const noOcspStapling: KbEntry = {
  id: 'ocsp-not-stapled',
  title: 'No OCSP response is stapled',
  severity: 'info',
  applies: (r) => (r.ocspStapled === false && r.certificate && !r.certificate.selfSigned ? { detail: 'The server sent no OCSP response with its certificate' } : false),
  tested: (r) => r.error === null && r.ocspStapled !== null,
  errorPatterns: [
    { re: /OCSP response: no response sent/i, example: 'OCSP response: no response sent', weight: 2 },
  ],
  why:
    'With stapling the server hands clients a fresh, CA-signed revocation status, sparing them a separate request to ' +
    'the CA. Certificates with the OCSP Must-Staple extension fail in Firefox without it. Some CAs no longer run OCSP ' +
    'responders at all; if the certificate has no OCSP URL there is nothing to staple and this can be ignored.',
  fixes: {
    nginx: ['ssl_stapling on;', 'ssl_stapling_verify on;', 'ssl_trusted_certificate /etc/ssl/example.com/chain.pem;', 'resolver 1.1.1.1;  # nginx needs a resolver to reach the OCSP responder'],
    apache: ['SSLUseStapling On  # in the <VirtualHost>', 'SSLStaplingCache "shmcb:/var/run/httpd/ssl_stapling(32768)"  # server config, outside any <VirtualHost>'],
    haproxy: ['Needs HAProxy 2.8+ (2.8 configuration manual, crt-list options): ocsp-update on for the certificate in a crt-list line such as /etc/haproxy/certs/site.pem [ocsp-update on]'],
    node: ["server.on('OCSPRequest', (cert, issuer, cb) => cb(null, cachedOcspResponse))  // fetch and cache the response yourself"],
    java: ['-Djdk.tls.server.enableStatusRequestExtension=true'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -A3 "OCSP response"',
  references: ['https://www.rfc-editor.org/rfc/rfc6066#section-8', 'https://www.rfc-editor.org/rfc/rfc6961', 'https://www.rfc-editor.org/rfc/rfc7633', 'https://docs.haproxy.org/2.8/configuration.html#5.3.2'],
};

export const noAlpnH2: KbEntry = {
  id: 'alpn-no-h2',
  title: 'HTTP/2 is not negotiated',
  severity: 'info',
  applies: (r) => {
    if (!handshakeWorked(r) || r.alpn === 'h2') return false;
    // Only a finding for web ports: ALPN is meaningless to SMTP, LDAP and friends.
    if (r.alpn === null && r.target.port !== 443) return false;
    return { detail: r.alpn ? `ALPN selected ${r.alpn} although h2 was offered` : 'The server selected no ALPN protocol although h2 was offered' };
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'Browsers speak HTTP/2 only when the server selects "h2" through ALPN during the handshake. Without it every page ' +
    'load uses HTTP/1.1 with its per-connection request limits.',
  fixes: {
    nginx: ['http2 on;  # needs nginx 1.25.1+ (ngx_http_v2_module docs); older versions: `listen 443 ssl http2;`'],
    apache: ['Protocols h2 http/1.1  # needs mod_http2 loaded'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem alpn h2,http/1.1'],
    node: ['http2.createSecureServer({ key, cert, allowHTTP1: true }, handler)'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -alpn h2,http/1.1 </dev/null 2>/dev/null | grep ALPN\ncurl -sv --http2 --max-time 10 -o /dev/null {url}',
  references: ['https://www.rfc-editor.org/rfc/rfc7301', 'https://www.rfc-editor.org/rfc/rfc9113#section-3.2', 'https://nginx.org/en/docs/http/ngx_http_v2_module.html'],
};
