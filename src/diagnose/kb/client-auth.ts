// Mutual TLS: the server wants a client certificate, or rejects the one it got. Invisible to an
// anonymous probe, so it only ever comes up from pasted error text.
import { alertNumber } from './alerts.js';
import type { KbEntry } from './types.js';

export const clientCertRejected: KbEntry = {
  id: 'client-certificate-rejected',
  title: 'The server requires or rejects a client certificate (mutual TLS)',
  severity: 'info',
  applies: () => false,
  tested: () => false,
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
    nginx: ['ssl_client_certificate /etc/nginx/client-ca.pem;  # must hold the CA that issues the client certificates', 'ssl_verify_depth 2;  # when client certificates come from an intermediate CA'],
    apache: ['SSLCACertificateFile /etc/httpd/client-ca.pem  # the CA that issues client certificates', 'SSLVerifyDepth 2'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem ca-file /etc/haproxy/client-ca.pem verify required'],
    openssl: ['Send the certificate and key: curl --cert client.pem --key client.key https://HOST/', 'openssl s_client -connect HOST:443 -servername HOST -cert client.pem -key client.key'],
    'node-client': ["tls.connect({ host, port, cert: fs.readFileSync('client.pem'), key: fs.readFileSync('client.key') })"],
    'java-client': ['-Djavax.net.ssl.keyStore=client.p12 -Djavax.net.ssl.keyStoreType=PKCS12 -Djavax.net.ssl.keyStorePassword=...'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -cert client.pem -key client.key </dev/null',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2.4', 'https://www.rfc-editor.org/rfc/rfc8446#section-6.2'],
};
