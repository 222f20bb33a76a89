// Failures before any TLS handshake: nothing listening, nothing answering, something that is not
// TLS answering, or something in the path resetting or swallowing handshakes.
import { label, listText, middleboxMeasured, middleboxOf, middleboxTrouble, supported, undetermined } from './facts.js';
import { alertNumber, BROWSER_PROTOCOL_ERROR, CURL_HANDSHAKE_FAILED } from './alerts.js';
import type { KbEntry, ResultFacts } from './types.js';

const always = (): boolean => true;
const errorIs = (r: ResultFacts, code: string): boolean => r.error?.code === code;

export const notTls: KbEntry = {
  id: 'not-tls',
  title: 'The port does not speak TLS',
  severity: 'critical',
  applies: (r) => (errorIs(r, 'not-tls') ? { detail: `The server answered without TLS: ${r.error?.message ?? ''}`.trim() } : false),
  // A handshake (or a TLS alert) proves the port speaks TLS; a timeout proves nothing.
  tested: (r) => r.error === null || errorIs(r, 'not-tls'),
  errorPatterns: [
    { re: /wrong[ _]version[ _]number/i, example: 'error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:350:', weight: 3 },
    { re: /Unsupported or unrecognized SSL message/i, example: 'javax.net.ssl.SSLException: Unsupported or unrecognized SSL message', weight: 3 },
    { re: /first record does not look like a TLS handshake/i, example: 'Get "https://example.com:8080/": tls: first record does not look like a TLS handshake', weight: 3 },
    { re: /server gave HTTP response to HTTPS client/i, example: 'http: server gave HTTP response to HTTPS client', weight: 3 },
    { re: /SSL_ERROR_RX_RECORD_TOO_LONG/, example: 'Secure Connection Failed. Error code: SSL_ERROR_RX_RECORD_TOO_LONG', weight: 3 },
    { re: /packet length too long/i, example: 'error:0A0000C6:SSL routines::packet length too long', weight: 2 },
    // OpenSSL 1.0.x clients reading plain text where a ServerHello should be.
    { re: /SSL23_GET_SERVER_HELLO:unknown protocol/i, example: 'curl: (35) error:140770FC:SSL routines:SSL23_GET_SERVER_HELLO:unknown protocol', weight: 3 },
    BROWSER_PROTOCOL_ERROR,
  ],
  why:
    'The client started a TLS handshake but the service on this port answered with something else: plain HTTP, ' +
    'an SMTP/IMAP/FTP banner that expects STARTTLS, or another protocol. OpenSSL reports the first bytes it cannot ' +
    'parse as a record with a "wrong version number". Every TLS client fails the same way; the cause is the port, ' +
    'the listener configuration or a proxy forwarding TLS to a plain-text backend.',
  fixes: {
    nginx: ['listen 443 ssl;  # the "ssl" parameter makes the port speak TLS; without it nginx serves plain HTTP'],
    apache: ['Listen 443 https', 'SSLEngine on  # inside the <VirtualHost *:443> that serves this port'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem  # the "ssl" keyword terminates TLS on this bind'],
    node: ["https.createServer({ key, cert }, app).listen(443)  // not http.createServer on the TLS port"],
    java: ['Serve this port with an SSLServerSocket / HTTPS connector (Tomcat: SSLEnabled="true" on the <Connector>)'],
    openssl: [
      'Plain HTTP on this port? Use it as such: curl -v http://HOST:PORT/',
      'STARTTLS services (SMTP 25/587, IMAP 143, POP3 110, FTP 21): openssl s_client -starttls smtp -connect HOST:587',
    ],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null\ncurl -v http://{connect}/',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-5.1', 'https://nginx.org/en/docs/http/configuring_https_servers.html'],
};

export const connectionRefused: KbEntry = {
  id: 'connection-refused',
  title: 'Connection refused: nothing listens on this port',
  severity: 'critical',
  applies: (r) => (errorIs(r, 'refused') ? { detail: r.error?.message ?? 'connection refused' } : false),
  tested: always,
  errorPatterns: [
    { re: /ECONNREFUSED/, example: 'Error: connect ECONNREFUSED 127.0.0.1:443', weight: 3 },
    { re: /Connection refused/i, example: 'java.net.ConnectException: Connection refused', weight: 3 },
    { re: /ERR_CONNECTION_REFUSED/, example: 'net::ERR_CONNECTION_REFUSED', weight: 3 },
    { re: /curl: \(7\)/, example: "curl: (7) Failed to connect to example.com port 443 after 2 ms: Couldn't connect to server", weight: 2 },
  ],
  why:
    'The host answered the TCP connection attempt with a reset: no process listens on this address and port, or a ' +
    'firewall rejects the connection actively. TLS never starts, so no TLS setting is involved.',
  fixes: {
    nginx: ['listen 443 ssl;  # and check with `ss -ltnp` that nginx is running and bound to the address clients use'],
    apache: ['Listen 443 https  # then `apachectl configtest && systemctl status httpd`'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem  # check `haproxy -c -f /etc/haproxy/haproxy.cfg`'],
    node: ["server.listen(443, '0.0.0.0')  // or '::'; listening on 127.0.0.1 refuses remote clients"],
    openssl: ['Check the port from the client host: curl -v https://HOST:PORT/  ("Connection refused": nothing listens there)'],
  },
  reproduce: 'curl -v {url}  # "Connection refused"',
  references: ['https://www.rfc-editor.org/rfc/rfc9293#section-3.5.2'],
};

export const connectionTimeout: KbEntry = {
  id: 'connection-timeout',
  title: 'No answer: the connection or handshake timed out',
  severity: 'critical',
  applies: (r) => (errorIs(r, 'timeout') ? { detail: r.error?.message ?? 'timeout' } : false),
  tested: always,
  errorPatterns: [
    { re: /ETIMEDOUT/, example: 'Error: connect ETIMEDOUT 203.0.113.10:443', weight: 2 },
    { re: /curl: \(28\)/, example: 'curl: (28) Connection timed out after 2000 milliseconds', weight: 2 },
    { re: /(Read|connect) timed out/i, example: 'java.net.SocketTimeoutException: Read timed out', weight: 2 },
    { re: /i\/o timeout/i, example: 'dial tcp 203.0.113.10:443: i/o timeout', weight: 2 },
    { re: /ERR_CONNECTION_TIMED_OUT/, example: 'net::ERR_CONNECTION_TIMED_OUT', weight: 2 },
    { re: /TLS handshake timeout/i, example: 'net/http: TLS handshake timeout', weight: 2 },
  ],
  why:
    'Packets to this address and port got no answer at all. Usually a firewall or security group drops them, the ' +
    'address is wrong (an old DNS record, an internal address), or the server is overloaded. When the TCP connection ' +
    'opens but the TLS handshake stalls, a middlebox that holds some ClientHellos is the usual suspect.',
  fixes: {
    nginx: ['listen 443 ssl;  # on an address reachable from the client; then open TCP 443 in the firewall / security group'],
    apache: ['Listen 443 https  # then open TCP 443 in the firewall / security group'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem  # then open TCP 443 in the firewall / security group'],
    openssl: [
      'Test from the client network: curl -v --connect-timeout 5 https://HOST:PORT/',
      'Behind an HTTP proxy: curl --proxy http://proxy.example:3128 https://HOST/',
    ],
    'java-client': ['Behind an HTTP proxy: -Dhttps.proxyHost=proxy.example -Dhttps.proxyPort=3128'],
  },
  reproduce: 'curl -v --connect-timeout 3 {url}  # "Connection timed out" or "SSL connection timeout"',
  references: ['https://www.rfc-editor.org/rfc/rfc9293#section-3.8.3'],
};

export const dnsFailure: KbEntry = {
  id: 'dns-failure',
  title: 'The name does not resolve',
  severity: 'critical',
  applies: (r) => (errorIs(r, 'dns') ? { detail: r.error?.message ?? 'DNS lookup failed' } : false),
  tested: always,
  errorPatterns: [
    { re: /ENOTFOUND|getaddrinfo/, example: 'Error: getaddrinfo ENOTFOUND example.invalid', weight: 3 },
    { re: /Could not resolve host/i, example: 'curl: (6) Could not resolve host: example.invalid', weight: 3 },
    { re: /UnknownHostException/, example: 'java.net.UnknownHostException: example.invalid', weight: 3 },
    { re: /no such host/i, example: 'dial tcp: lookup example.invalid: no such host', weight: 3 },
    { re: /ERR_NAME_NOT_RESOLVED/, example: 'net::ERR_NAME_NOT_RESOLVED', weight: 3 },
  ],
  why: 'The host name has no address record the resolver could find, so no connection was attempted.',
  fixes: {
    openssl: ['Check the record: dig +short HOST A; dig +short HOST AAAA', 'Test against a known address: curl --resolve HOST:443:203.0.113.10 https://HOST/'],
  },
  reproduce: 'dig +short {host}',
  references: ['https://www.rfc-editor.org/rfc/rfc1034'],
};

export const targetBlocked: KbEntry = {
  id: 'target-blocked',
  title: 'The target was not checked: its address is not allowed',
  // Not a verdict on the server: the check refused to connect (private or reserved address).
  severity: 'info',
  applies: (r) => (errorIs(r, 'blocked') ? { detail: r.error?.message ?? 'blocked by the address policy' } : false),
  tested: always,
  errorPatterns: [],
  why:
    'tlscheck refuses to connect to private, loopback and other reserved addresses unless they are allowed, so no ' +
    'probe ran against this target.',
  fixes: {
    openssl: ['Check the server directly from a host that can reach it: openssl s_client -connect HOST:PORT -servername HOST </dev/null'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null',
  references: ['https://www.rfc-editor.org/rfc/rfc6890'],
};

/** Probes that got neither a ServerHello nor an alert, while others did (or none did). */
function silentProbes(r: ResultFacts): false | { detail: string } {
  if (errorIs(r, 'reset')) return { detail: `Every handshake attempt was cut off: ${r.error?.message ?? 'connection reset'}` };
  if (r.error !== null) return false;
  const found: string[] = [];
  const silent = undetermined(r);
  if (silent.length > 0) {
    const answered = supported(r);
    const answeredText = answered.length ? `, while ${listText(answered.map(label))} completed` : '';
    found.push(`Handshakes offering ${listText(silent.map(label))} got a reset or no answer instead of a TLS alert${answeredText}`);
  }
  const hellos = middleboxTrouble(middleboxOf(r));
  if (hellos) found.push(`${hellos[0]?.toUpperCase() ?? ''}${hellos.slice(1)}, while a small one was answered`);
  return found.length ? { detail: found.join('. ') } : false;
}

// Ids of the middlebox probe's own entries (kb/middlebox.ts); ids, not imports: no entry calls another.
const LARGE_HELLO = 'middlebox-large-hello';
const PADDED_HELLO = 'middlebox-padded-hello';
const BROWSER_HELLO = 'browser-hello-refused';

/** The result with the hello verdicts that applied entries report set to unknown. */
function withoutHelloVerdicts(r: ResultFacts, applied: ReadonlySet<string>): ResultFacts {
  const m = r.middlebox;
  if (!m || typeof m !== 'object') return r;
  const large = applied.has(LARGE_HELLO) || applied.has(BROWSER_HELLO);
  const padded = applied.has(PADDED_HELLO);
  return {
    ...r,
    middlebox: {
      ...m,
      ...(large ? { largeHello: 'unknown' as const } : {}),
      ...(padded ? { paddedHello: 'unknown' as const } : {}),
    },
  };
}

function middleboxEvidence(r: ResultFacts): string {
  if (r.error) return `no TLS handshake completed (${r.error.message})`;
  const m = middleboxOf(r);
  const hellos = middleboxMeasured(m) ? '; large and padded ClientHellos were answered too' : '';
  return `Every probed version got a ServerHello or a TLS alert, none a reset or silence${hellos}`;
}

export const middlebox: KbEntry = {
  id: 'middlebox-interference',
  title: 'Handshakes are reset or swallowed instead of answered',
  severity: (r) => (supported(r).length === 0 ? 'critical' : 'warning'),
  applies: silentProbes,
  tested: (r) => r.error === null || errorIs(r, 'reset'),
  // A large or padded hello cut is reported by its own entry, with the device and the fix; this one
  // then speaks only of what those do not cover (version probes reset or unanswered).
  yieldsTo: { ids: [LARGE_HELLO, PADDED_HELLO, BROWSER_HELLO], without: withoutHelloVerdicts },
  evidence: middleboxEvidence,
  errorPatterns: [
    { re: /ECONNRESET|Connection reset by peer/i, example: 'curl: (35) Send failure: Connection reset by peer', weight: 2 },
    { re: /unexpected eof while reading/i, example: 'error:0A000126:SSL routines:ssl3_read_n:unexpected eof while reading:../ssl/record/rec_layer_s3.c:318:', weight: 2 },
    { re: /SSL_ERROR_SYSCALL/, example: 'curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443', weight: 2 },
    { re: /socket disconnected before secure TLS connection was established/i, example: 'Error: Client network socket disconnected before secure TLS connection was established', weight: 2 },
    { re: /Remote host terminated the handshake/i, example: 'javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake', weight: 2 },
    { re: /SSL peer shut down incorrectly/i, example: 'java.io.EOFException: SSL peer shut down incorrectly', weight: 2 },
    { re: /ERR_CONNECTION_RESET/, example: 'net::ERR_CONNECTION_RESET', weight: 2 },
    { re: /TLS handshake timeout/i, example: 'net/http: TLS handshake timeout', weight: 2 },
    { re: /inappropriate[ _]fallback/i, example: 'error:0A00043E:SSL routines::tlsv1 alert inappropriate fallback', weight: 2 },
    alertNumber(86, 2),
    { re: /socket hang up/i, example: 'Error: socket hang up', weight: 1 },
    CURL_HANDSHAKE_FAILED,
    BROWSER_PROTOCOL_ERROR,
  ],
  why:
    'A TLS server that dislikes a ClientHello answers with an alert (protocol_version, handshake_failure). Here some ' +
    'handshakes got a TCP reset, a bare close or silence instead, which is what firewalls with TLS inspection, WAFs, ' +
    'IPS devices and some load balancers do when a ClientHello does not fit their rules: unknown extensions, an old ' +
    'version, a missing or unexpected SNI, or a ClientHello larger than one TCP segment (post-quantum key shares make ' +
    'current browsers send such ClientHellos). Clients whose ClientHello happens to pass work, the rest fail with ' +
    '"connection reset" or "unexpected eof", which is why the failure looks client-specific.',
  fixes: {
    nginx: ['Compare with a handshake that bypasses the middlebox (from inside the network): openssl s_client -connect BACKEND_IP:443 -servername HOST </dev/null'],
    apache: ['Compare with a handshake that bypasses the middlebox: openssl s_client -connect BACKEND_IP:443 -servername HOST </dev/null'],
    haproxy: ['Compare with a handshake to the backend directly: openssl s_client -connect BACKEND_IP:443 -servername HOST </dev/null'],
    openssl: [
      'Find what the middlebox dislikes: openssl s_client -connect HOST:443 -servername HOST -tls1_2 (then -tls1_3, -noservername, -groups X25519)',
      'Update the middlebox or exempt this service from TLS inspection once the failing ClientHello is known',
    ],
    'node-client': ["Stop-gap while the middlebox is fixed: tls.connect({ ecdhCurve: 'X25519:P-256' }) keeps the ClientHello small"],
    'java-client': ['Debug the handshake: -Djavax.net.debug=ssl:handshake', 'Stop-gap while the middlebox is fixed: -Djdk.tls.namedGroups=x25519,secp256r1'],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -tls1_2 </dev/null\nopenssl s_client -connect {connect} {servername} -tls1_3 </dev/null\n' +
    'openssl s_client -connect {connect} -noservername </dev/null',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-9.3', 'https://www.rfc-editor.org/rfc/rfc7507'],
};
