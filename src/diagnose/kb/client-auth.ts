// Mutual TLS: the server wants a client certificate, or rejects the one it got. The check sees the
// server's CertificateRequest (with the CAs it accepts) and whether it refuses clients without one.
import { alertNumber } from './alerts.js';
import type { Applies, KbEntry, ResultFacts } from './types.js';

function caText(names: readonly string[]): string {
  if (names.length === 0) return 'it names no CA, so any certificate it can verify may be offered';
  const shown = names.slice(0, 5).map((n) => `"${n}"`).join('; ');
  return `it accepts certificates issued by ${names.length === 1 ? 'this CA' : 'these CAs'}: ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
}

function clientAuthApplies(r: ResultFacts): false | Applies {
  const auth = r.clientAuth;
  if (!auth?.requested) return false;
  const how = auth.required === true ? 'requires a client certificate' : auth.required === false ? 'asks for an optional client certificate' : 'asks for a client certificate (whether it insists is unknown)';
  const reason = auth.reason ? ` (${auth.reason})` : '';
  return { detail: `The server ${how}${reason}; ${caText(auth.caNames)}` };
}

export const clientCertRejected: KbEntry = {
  id: 'client-certificate-rejected',
  title: 'The server requires or rejects a client certificate (mutual TLS)',
  // Deliberate on an mTLS API, but every client without a certificate fails there.
  severity: (r) => (r.clientAuth?.required === true ? 'warning' : 'info'),
  applies: clientAuthApplies,
  tested: (r) => r.clientAuth !== undefined && r.clientAuth.requested !== null,
  errorPatterns: [
    { re: /certificate[ _]required|CertificateRequired/i, example: 'error:0A00045C:SSL routines::tlsv13 alert certificate required', weight: 3 },
    alertNumber(116, 3),
    { re: /peer did not return a certificate|No required SSL certificate was sent/i, example: '400 Bad Request: No required SSL certificate was sent', weight: 3 },
    { re: /bad[ _]?certificate(?! status| hash)/i, example: 'error:0A000412:SSL routines::sslv3 alert bad certificate', weight: 2 },
    alertNumber(42, 2),
    { re: /alert unknown ca|unknown[ _]ca\b|UnknownCA/i, example: 'error:0A000418:SSL routines::tlsv1 alert unknown ca', weight: 2 },
    alertNumber(48, 2),
    { re: /sslv3 alert certificate expired|alert: certificate_expired/i, example: 'error:0A000415:SSL routines::sslv3 alert certificate expired', weight: 3 },
    // TLS 1.2 servers often answer a missing client certificate with a plain handshake_failure.
    { re: /handshake[ _]failure/i, example: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure', weight: 1 },
  ],
  why:
    'These alerts come from the server and are about the client\'s own certificate: certificate_required (116) when ' +
    'the client sent none, bad_certificate (42) when it could not be verified, unknown_ca (48) when it was issued by ' +
    'a CA the server does not accept, certificate_expired (45) when it ran out. TLS 1.2 servers often send a plain ' +
    'handshake_failure (40) in the same situation. Read in a server\'s own log, the same alerts mean the opposite: the ' +
    'client rejected the server\'s certificate (see the certificate findings).',
  fixes: {
    nginx: [
      'ssl_client_certificate /etc/nginx/client-ca.pem; ssl_verify_client optional;  # the CAs whose client certificates are accepted (their names go into the request); optional serves clients without one as well: test $ssl_client_verify = SUCCESS where a certificate is needed',
      'ssl_verify_depth 2;  # when client certificates come from an intermediate CA',
    ],
    apache: [
      'SSLCACertificateFile /etc/apache2/client-ca.pem  # the CAs that issue client certificates',
      'SSLVerifyClient optional  # serve clients without one too; then require it per path: Require expr "%{SSL_CLIENT_VERIFY} == \'SUCCESS\'"',
      'SSLVerifyDepth 2',
    ],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem ca-file /etc/haproxy/client-ca.pem verify optional  # verify required to insist'],
    node: ["tls.createServer({ cert, key, requestCert: true, rejectUnauthorized: false, ca: [clientCa] })  // then check socket.authorized where a certificate is needed"],
    openssl: [
      'Send a certificate from one of the CAs the server names, with its key: curl --cert client.pem --key client.key https://HOST/',
      'openssl s_client -connect HOST:443 -servername HOST -cert client.pem -key client.key',
    ],
    'node-client': ["tls.connect({ host, port, servername: host, cert: fs.readFileSync('client.pem'), key: fs.readFileSync('client.key') })  // https.request takes the same cert and key"],
    'java-client': [
      'openssl pkcs12 -export -in client.pem -inkey client.key -out client.p12 -name client  # a PKCS#12 keystore from the PEM pair',
      '-Djavax.net.ssl.keyStore=client.p12 -Djavax.net.ssl.keyStoreType=PKCS12 -Djavax.net.ssl.keyStorePassword=...',
    ],
  },
  reproduce: "openssl s_client -connect {connect} {servername} </dev/null 2>&1 | sed -n '/Acceptable client certificate CA names/,/Server Temp Key/p'",
  references: [
    'https://www.rfc-editor.org/rfc/rfc8446#section-4.3.2',
    'https://www.rfc-editor.org/rfc/rfc5246#section-7.4.4',
    'https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2.4',
    'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_verify_client',
    'https://httpd.apache.org/docs/2.4/mod/mod_ssl.html#sslverifyclient',
  ],
};
