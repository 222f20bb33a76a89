// Renegotiation: refused (the secure default, fixed on the client), capped, accepted without a cap
// (DoS), servers that renegotiate themselves, and servers without RFC 5746. Facts: tls-facts.md.
import { alertNumber, RENEGOTIATION_THEN_ALERT_40 } from './alerts.js';
import { label } from './facts.js';
import { RISKY, type KbEntry, type ResultFacts } from './types.js';
import { plural } from '../../text/plural.js';

const REFS_RENEG = ['https://www.rfc-editor.org/rfc/rfc5746', 'https://nvd.nist.gov/vuln/detail/CVE-2011-1473'];
const RENEG_REPRODUCE = "(printf 'R\\n'; sleep 2) | openssl s_client -connect {connect} {servername} -tls1_2";

const renegTested = (r: ResultFacts): boolean => r.error === null && r.renegotiation.clientInitiated !== 'unknown';

function over(r: ResultFacts): string {
  return r.renegotiation.protocol ? ` over ${label(r.renegotiation.protocol)}` : '';
}

function reason(r: ResultFacts): string {
  return r.renegotiation.reason ? ` (${r.renegotiation.reason})` : '';
}

/** What the client-initiated renegotiation test saw, in one line: the evidence behind every renegotiation verdict. */
export function renegotiationEvidence(r: ResultFacts): string {
  if (r.error) return `no TLS handshake completed (${r.error.message})`;
  const n = r.renegotiation.acceptedCount;
  switch (r.renegotiation.clientInitiated) {
    case 'rejected': {
      const why = r.renegotiation.reason;
      return why && /alert/.test(why)
        ? `The server answered ${why} to a client-initiated renegotiation${over(r)}`
        : `Client-initiated renegotiation was refused${over(r)}${reason(r)}`;
    }
    case 'limited':
      return `The server honoured ${plural(n, 'client-initiated renegotiation')}${over(r)}, then cut the client off${reason(r)}`;
    case 'accepted':
      return `The server honoured ${n} client-initiated renegotiations in a row${over(r)}`;
    case 'not-applicable':
      return 'The server speaks only TLS 1.3, which has no renegotiation at all';
    default:
      return `The renegotiation test gave no verdict${reason(r)}`;
  }
}

export const renegRefused: KbEntry = {
  id: 'renegotiation-refused',
  title: 'The server refuses client-initiated renegotiation',
  // The secure default almost everywhere: good news for the server, the explanation for a failing client.
  severity: 'ok',
  applies: (r) => {
    const c = r.renegotiation.clientInitiated;
    return c === 'rejected' || c === 'not-applicable' ? { detail: renegotiationEvidence(r) } : false;
  },
  tested: renegTested,
  evidence: renegotiationEvidence,
  errorPatterns: [
    // Go's "local error: tls: no renegotiation" is the client refusing the server: another entry.
    { re: /(?<!local error: tls: )no[ _]renegotiation/i, example: 'error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation:../ssl/record/rec_layer_s3.c:1617:', weight: 3 },
    alertNumber(100, 3),
    { re: /rejecting client initiated renegotiation/i, example: '[ssl:error] [pid 53] [client 192.168.85.135:52327] AH02042: rejecting client initiated renegotiation', weight: 3 },
    // A Java server with -Djdk.tls.rejectClientInitiatedRenegotiation=true logs this and answers alert 40, not 100.
    { re: /Client initiated renegotiation is not allowed/i, example: 'javax.net.ssl.SSLHandshakeException: Client initiated renegotiation is not allowed', weight: 3 },
    { re: RENEGOTIATION_THEN_ALERT_40, example: 'RENEGOTIATING\n40C79904B47F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40', weight: 3 },
    { re: /TLS alert: '?NoRenegotiation/i, example: "Authentication failed because the remote party sent a TLS alert: 'NoRenegotiation'.", weight: 3 },
    { re: /renegotiation is not allowed in TLS 1\.3/i, example: 'renegotiation is not allowed in TLS 1.3', weight: 2 },
    // Some stacks close the connection instead of sending the alert.
    { re: /unexpected eof while reading/i, example: 'error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading', weight: 1 },
  ],
  why:
    'The client tried to renegotiate an established TLS 1.2 (or older) connection, usually to present a client ' +
    'certificate or to rekey, and the server said no. That is the secure default: OpenSSL 3 servers answer with a ' +
    'no_renegotiation alert (100), nginx and HAProxy refuse it on every connection and offer no setting to allow it, ' +
    'Apache httpd on OpenSSL 1.1.0h or newer leaves the refusal to OpenSSL (the client sees "no renegotiation"; only ' +
    'older releases logged AH02042), a Java server with jdk.tls.rejectClientInitiatedRenegotiation=true answers a fatal ' +
    'handshake_failure (40) instead, and TLS 1.3 has no renegotiation at all. Allowing it lets one client make the server ' +
    'do expensive handshakes at will (CVE-2011-1473), so the fix belongs on the client: stop renegotiating, send the ' +
    'client certificate in the first handshake, or use TLS 1.3 post-handshake authentication.',
  fixes: {
    nginx: [
      'nginx refuses client-initiated renegotiation on every connection (since 0.8.23) and has no directive to allow it: change the client',
      'Client certificates are requested in the first handshake: `ssl_verify_client optional;` (or on) with `ssl_client_certificate /etc/nginx/client-ca.pem;`',
    ],
    apache: [
      'httpd on OpenSSL 1.1.0h+ refuses client-initiated renegotiation inside OpenSSL (nothing is logged) and has no directive to allow it: change the client',
      '`SSLInsecureRenegotiation on` does not change that: clients without RFC 5746 connect either way; it only allows insecure renegotiation with them',
      'Request the client certificate in the first handshake: `SSLVerifyClient require` in the <VirtualHost>, not in a <Location>/<Directory>',
    ],
    haproxy: [
      'HAProxy refuses client-initiated renegotiation on every bind and has no option to allow it: change the client',
      'Client certificates are requested in the first handshake: `bind :443 ssl crt /etc/haproxy/certs/site.pem ca-file /etc/haproxy/client-ca.pem verify optional`',
    ],
    node: ['Request the certificate up front: tls.createServer({ requestCert: true, rejectUnauthorized: false }) and check socket.authorized'],
    java: [
      'Java accepts client-initiated renegotiation by default (jdk.tls.rejectClientInitiatedRenegotiation defaults to false); with -Djdk.tls.rejectClientInitiatedRenegotiation=true it refuses with alert 40 handshake_failure',
      'Request the client certificate in the first handshake instead: SSLParameters.setWantClientAuth(true) (or setNeedClientAuth(true))',
    ],
    openssl: [
      "Stop renegotiating: remove SSL_renegotiate() calls (or typing 'R' in s_client) from the client",
      'Send the client certificate in the first handshake: curl --cert client.pem --key client.key https://HOST/',
      'Over TLS 1.3 use post-handshake authentication instead: openssl s_client -connect HOST:443 -enable_pha -cert client.pem -key client.key',
    ],
    'node-client': ["Remove tlsSocket.renegotiate() calls; pass the certificate up front: tls.connect({ host, port, cert, key })"],
    'java-client': [
      'Do not call SSLSocket.startHandshake() again on an established connection',
      'Send the client certificate in the first handshake: -Djavax.net.ssl.keyStore=client.p12 -Djavax.net.ssl.keyStorePassword=...',
    ],
  },
  reproduce: RENEG_REPRODUCE,
  references: [
    ...REFS_RENEG,
    'https://www.rfc-editor.org/rfc/rfc8446#section-4.6.2',
    'https://docs.openssl.org/3.0/man3/SSL_CTX_set_options/',
  ],
};

export const renegServerInitiated: KbEntry = {
  id: 'renegotiation-server-initiated',
  title: 'The server renegotiates mid-connection to ask for a client certificate',
  severity: 'info',
  // Only visible with a request to the protected path; the probes cannot see it.
  applies: () => false,
  tested: () => false,
  errorPatterns: [
    // mod_ssl ssl_engine_kernel.c: AH02261 (the renegotiation it started failed), AH02263 (it finished without a certificate).
    { re: /Re-negotiation handshake failed/i, example: '[ssl:error] [pid 4021] [client 10.0.0.7:51542] AH02261: Re-negotiation handshake failed', weight: 3 },
    { re: /local error: tls: no renegotiation/i, example: 'Get "https://example.com/admin": local error: tls: no renegotiation', weight: 3 },
    { re: /Client certificate missing/i, example: '[ssl:error] [pid 4021] [client 10.0.0.7:51542] AH02263: Re-negotiation handshake failed: Client certificate missing', weight: 2 },
    // Over TLS 1.3 httpd asks for post-handshake authentication instead, which most browsers do not offer.
    { re: /cannot perform post-handshake authentication/i, example: '[ssl:error] [pid 4021] [client 10.0.0.7:51542] AH10158: cannot perform post-handshake authentication', weight: 3 },
  ],
  why:
    'Apache httpd renegotiates by itself when SSLVerifyClient (or SSLCipherSuite) is set in a per-directory context ' +
    '(<Location>, <Directory>, .htaccess): the first handshake has no client certificate, so httpd starts a new one ' +
    'when the protected path is requested. Clients that refuse renegotiation (Go by default, HTTP/2 connections, ' +
    'anything over TLS 1.3 without post-handshake authentication, which most browsers do not implement) then fail ' +
    'with 403 and AH02261 (AH02263 when the renegotiation ends without a certificate; over TLS 1.3 httpd tries ' +
    'post-handshake authentication and logs AH10158). Moving the directive to the virtual host removes the renegotiation.',
  fixes: {
    apache: [
      'Move `SSLVerifyClient require` from the <Location>/<Directory> block into the <VirtualHost>: the certificate is then requested in the first handshake',
      "Only some paths need a certificate: `SSLVerifyClient optional` in the <VirtualHost>, then `Require expr \"%{SSL_CLIENT_VERIFY} == 'SUCCESS'\"` in the <Location>",
    ],
    openssl: ['Send the certificate from the start: curl --cert client.pem --key client.key https://HOST/protected'],
  },
  reproduce: 'curl -v --cert client.pem --key client.key {url}',
  references: ['https://httpd.apache.org/docs/2.4/mod/mod_ssl.html#sslverifyclient', 'https://www.rfc-editor.org/rfc/rfc8446#section-4.6.2'],
};

export const renegLimited: KbEntry = {
  id: 'renegotiation-limited',
  title: 'The server caps client-initiated renegotiation',
  severity: 'info',
  applies: (r) => (r.renegotiation.clientInitiated === 'limited' ? { detail: renegotiationEvidence(r) } : false),
  tested: renegTested,
  evidence: renegotiationEvidence,
  errorPatterns: [
    { re: /TLS session renegotiation attack detected|ERR_TLS_SESSION_ATTACK/, example: 'Error [ERR_TLS_SESSION_ATTACK]: TLS session renegotiation attack detected', weight: 3 },
  ],
  why:
    'The server allows a few client-initiated renegotiations and then closes the connection: Node.js servers allow 3 ' +
    'per 10 minutes (tls.CLIENT_RENEG_LIMIT, tls.CLIENT_RENEG_WINDOW), F5 and other load balancers cut off after a ' +
    'few. A client that renegotiates on a timer or per request works for a while and then fails, which looks random. ' +
    'The cap is a DoS mitigation (CVE-2011-1473); the fix is a client that renegotiates less or reconnects instead.',
  fixes: {
    node: ['tls.CLIENT_RENEG_LIMIT = 3; tls.CLIENT_RENEG_WINDOW = 600;  // the defaults; raise only for trusted clients that truly need more'],
    openssl: ['Open a new connection instead of renegotiating to rekey; over TLS 1.3 the library rekeys with KeyUpdate itself'],
    'node-client': ['Call tlsSocket.renegotiate() at most once per connection, or reconnect instead'],
    'java-client': ['Do not call SSLSocket.startHandshake() repeatedly on one connection; reconnect instead'],
  },
  reproduce: "(for i in 1 2 3 4 5; do printf 'R\\n'; sleep 1; done) | openssl s_client -connect {connect} {servername} -tls1_2",
  references: [...REFS_RENEG, 'https://nodejs.org/api/tls.html#client-initiated-renegotiation-attack-mitigation'],
};

export const renegAccepted: KbEntry = {
  id: 'renegotiation-client-accepted',
  title: 'Client-initiated renegotiation is accepted without limit',
  severity: 'warning',
  applies: (r) => (r.renegotiation.clientInitiated === 'accepted' ? { detail: renegotiationEvidence(r) } : false),
  tested: renegTested,
  evidence: renegotiationEvidence,
  errorPatterns: [],
  why:
    'Each renegotiation costs the server a full handshake (a private-key operation) and the client almost nothing, ' +
    'so one client can keep a server busy over a single connection (CVE-2011-1473). Current OpenSSL, nginx, Apache ' +
    'mod_ssl and HAProxy refuse client-initiated renegotiation; a server that accepts it runs an old or unusual stack.',
  fixes: {
    nginx: ['Upgrade nginx and its OpenSSL: current nginx refuses client-initiated renegotiation on every connection'],
    apache: ['Upgrade httpd and OpenSSL: on OpenSSL 1.1.0h+ client-initiated renegotiation is refused inside OpenSSL'],
    haproxy: ['HAProxy refuses it on every bind: if HAProxy passes TLS through (mode tcp), fix the backend that answers'],
    node: ['tls.createServer({ secureOptions: crypto.constants.SSL_OP_NO_RENEGOTIATION })'],
    java: ['-Djdk.tls.rejectClientInitiatedRenegotiation=true  # the default is false: JDK 17 accepts client-initiated renegotiation over TLS 1.2'],
    openssl: ['OpenSSL 3 servers refuse it by default: remove SSL_OP_ALLOW_CLIENT_RENEGOTIATION (s_server -client_renegotiation)'],
  },
  reproduce: RENEG_REPRODUCE,
  references: [...REFS_RENEG, 'https://docs.openssl.org/3.0/man3/SSL_CTX_set_options/'],
};

export const renegInsecure: KbEntry = {
  id: 'renegotiation-insecure',
  title: 'The server lacks secure renegotiation (RFC 5746)',
  severity: 'error',
  applies: (r) =>
    r.renegotiation.secure === false
      ? { detail: 'The ServerHello carries no renegotiation_info extension: OpenSSL 3 clients (curl, Node.js, Python) refuse to connect' }
      : false,
  tested: (r) => r.error === null && r.renegotiation.secure !== null,
  evidence: (r) => {
    if (r.error) return `no TLS handshake completed (${r.error.message})`;
    if (r.renegotiation.secure === true) return 'The ServerHello carries the renegotiation_info extension: the server implements RFC 5746';
    if (r.renegotiation.clientInitiated === 'not-applicable') return 'The server speaks only TLS 1.3, where RFC 5746 does not apply';
    return 'No TLS 1.2 (or older) ServerHello was read, so RFC 5746 support is unknown';
  },
  errorPatterns: [
    { re: /unsafe[ _]legacy[ _]renegotiation[ _]disabled/i, example: 'error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:', weight: 3 },
    { re: /Failed to negotiate the use of secure renegotiation/i, example: 'javax.net.ssl.SSLHandshakeException: Failed to negotiate the use of secure renegotiation', weight: 3 },
    { re: /(insecure|unsafe) renegotiation is not allowed/i, example: 'javax.net.ssl.SSLHandshakeException: Unsafe renegotiation is not allowed', weight: 2 },
  ],
  why:
    'Servers whose TLS library predates 2010 do not implement RFC 5746, the fix for the renegotiation prefix-injection ' +
    'attack (CVE-2009-3555). Since OpenSSL 3.0 clients refuse to connect to such servers at all ("unsafe legacy ' +
    'renegotiation disabled"), so curl, Node.js 17+, Python and PHP on current systems fail while older clients and ' +
    'Java still connect. The fix is to upgrade the server\'s TLS library; allowing legacy connections on clients ' +
    're-opens the attack for every server they talk to.',
  fixes: {
    nginx: ['Rebuild or upgrade nginx with a current OpenSSL (see `nginx -V`): every OpenSSL since 0.9.8m implements RFC 5746'],
    apache: ['Upgrade httpd and the OpenSSL it links (see `httpd -V` and the mod_ssl startup log line)'],
    haproxy: ['Upgrade HAProxy and the OpenSSL it links (see `haproxy -vv`)'],
    java: ['Upgrade the JRE: Java implements RFC 5746 since 6u22'],
    openssl: [
      "The fix is on the server: upgrade its TLS library (appliances: ask the vendor for a firmware with RFC 5746)",
      `${RISKY} for this client only, an openssl.cnf with "Options = UnsafeLegacyServerConnect" in [system_default_sect], used via OPENSSL_CONF=/path/legacy.cnf curl https://HOST/`,
      `${RISKY} openssl s_client -connect HOST:443 -legacy_server_connect`,
    ],
    'node-client': [
      'The fix is on the server: upgrade its TLS library',
      `${RISKY} tls.connect({ host, port, secureOptions: crypto.constants.SSL_OP_LEGACY_SERVER_CONNECT })`,
    ],
    'java-client': ['Java clients still connect to such servers by default (sun.security.ssl.allowLegacyHelloMessages=true) but never renegotiate with them'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null  # fails with "unsafe legacy renegotiation disabled"',
  references: ['https://www.rfc-editor.org/rfc/rfc5746', 'https://nvd.nist.gov/vuln/detail/CVE-2009-3555', 'https://docs.openssl.org/3.0/man7/migration_guide/'],
};
