// What the hello-tolerance probe measured (result.middlebox) and the TLS 1.3 groups probe found
// (result.keyExchange.postQuantum): large or post-quantum ClientHellos cut by something in the
// path, padded hellos cut, browser hellos refused by the server's own stack, and whether the
// server speaks the post-quantum hybrid current browsers offer.
import type { HelloTolerance } from '../../types.js';
import type { KbEntry, ResultFacts } from './types.js';

const cut = (v: HelloTolerance | undefined): boolean => v === 'dropped' || v === 'reset';
const smallPassed = (r: ResultFacts): boolean => r.middlebox !== undefined && r.middlebox.largeHello !== 'unknown';

/** "dropped (no answer)" / "reset" for a detail line. */
function how(v: HelloTolerance): string {
  return v === 'dropped' ? 'dropped (no answer while the connection stayed open)' : 'reset (cut without a TLS alert)';
}

/** Clients that send X25519MLKEM768 by default, per their vendors (see the post-quantum entry's references). */
export const PQ_CLIENTS = 'Chrome and Edge 131+, Firefox 132+ (desktop), Safari 26 (iOS 26, macOS 26), Go 1.24+, OpenSSL 3.5+ (curl, Python) and Node.js 24.5+';

const RESET_OR_SILENCE = [
  { re: /ECONNRESET|Connection reset by peer/i, example: 'curl: (35) Recv failure: Connection reset by peer', weight: 2 as const },
  { re: /unexpected eof while reading/i, example: 'error:0A000126:SSL routines::unexpected eof while reading', weight: 2 as const },
  { re: /SSL_ERROR_SYSCALL/, example: 'curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443', weight: 2 as const },
  { re: /ERR_CONNECTION_RESET/, example: 'net::ERR_CONNECTION_RESET', weight: 2 as const },
  { re: /ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT/, example: 'This site can’t be reached. example.com took too long to respond. ERR_TIMED_OUT', weight: 1 as const },
  { re: /TLS handshake timeout/i, example: 'net/http: TLS handshake timeout', weight: 2 as const },
  { re: /socket disconnected before secure TLS connection was established/i, example: 'Error: Client network socket disconnected before secure TLS connection was established', weight: 2 as const },
];

export const largeHelloCut: KbEntry = {
  id: 'middlebox-large-hello',
  title: 'Large (post-quantum) ClientHellos are dropped or reset on the way to the server',
  // Measured, it stops current browsers (error); as a mere guess from an error text it ranks below
  // the general middlebox entry, which covers this case too.
  severity: (r) => (cut(r.middlebox?.largeHello) ? 'error' : 'warning'),
  applies: (r) => {
    const m = r.middlebox;
    if (!m || !cut(m.largeHello)) return false;
    const size = m.sizes ? ` (${m.sizes.large} bytes)` : '';
    const cause = cut(m.paddedLargeHello)
      ? 'a hello padded to the same size is cut too, so the limit is size: something cannot take a ClientHello spanning two TCP segments'
      : m.paddedLargeHello === 'ok'
        ? 'a hello padded to the same size passes, so the content is rejected (the post-quantum group X25519MLKEM768, GREASE or another browser extension), by a device in the path or by the server\'s own TLS stack'
        : 'whether size or content is the trigger is unknown';
    return { detail: `A browser-like ClientHello with an X25519MLKEM768 key share${size} was ${how(m.largeHello)}, while a small hello got a TLS answer; ${cause}` };
  },
  tested: smallPassed,
  errorPatterns: RESET_OR_SILENCE,
  why:
    'Browsers send a post-quantum key share (X25519MLKEM768, 1,216 bytes) since Chrome 124/131, Firefox 132 and ' +
    'Safari 26, which makes their ClientHello about 1.7 KB: larger than one TCP segment. Firewalls, IPS and ' +
    'TLS-inspecting proxies that read the server name from the first segment only, or that reject unknown groups, ' +
    'drop or reset such hellos, while older clients with small hellos (curl on OpenSSL 3.0, Java) still connect. ' +
    'So "the site works with curl but not in Chrome" (ERR_CONNECTION_RESET, ERR_TIMED_OUT) or "only some ' +
    'clients fail". When size is the trigger, the device in the path is at fault, and it also blocks every client ' +
    'that upgrades; a path-MTU black hole (full-size packets lost) looks the same. When only the content is, the ' +
    'server\'s own TLS stack may be hanging up without an alert: some wolfSSL builds (lighttpd mod_wolfssl) do that ' +
    'to browser hellos.',
  fixes: {
    network: [
      'Update the firewall / IPS / TLS-inspection software: vendors fixed ClientHello reassembly after browsers shipped post-quantum key shares (affected products and advisories: https://tldr.fail/)',
      'Until it is updated, exempt this service from TLS inspection (a no-decrypt / SSL-inspection bypass rule for its address or name)',
      'No inspecting device on the path? Look for a path-MTU black hole: ping -M do -s 1472 HOST fails while ping -M do -s 1200 HOST passes',
      'Content, not size, is rejected and nothing inspects TLS? Then the server\'s TLS library hangs up on the browser hello: update it, or put the site behind a TLS terminator that accepts current browsers (e.g. nginx or HAProxy on OpenSSL)',
    ],
    browser: [
      'Stop-gap while the device is fixed (Chrome, managed machines): set the enterprise policy PostQuantumKeyAgreementEnabled to false; Google documents it as temporary (available through Chrome 145)',
    ],
    openssl: [
      'Stop-gap for OpenSSL 3.5+ clients: openssl s_client -groups X25519:P-256, curl --curves X25519:P-256, or Groups = X25519:P-256 in the client\'s openssl.cnf keep the ClientHello small',
    ],
    'node-client': ["Stop-gap for Node.js 24.5+ clients: tls.connect({ ecdhCurve: 'X25519:P-256' }) keeps the ClientHello small"],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -groups X25519MLKEM768:X25519 </dev/null   # OpenSSL 3.5+: a browser-size hello\n' +
    'openssl s_client -connect {connect} {servername} -tls1_3 -groups ffdhe8192:X25519 -alpn "h2,http/1.1,$(printf \'x%.0s\' $(seq 255))" </dev/null   # OpenSSL 3.0: a 1,490-byte hello\n' +
    'openssl s_client -connect {connect} {servername} -groups X25519 </dev/null   # a small hello, for comparison',
  references: [
    'https://tldr.fail/',
    'https://blog.chromium.org/2024/05/advancing-our-amazing-bet-on-asymmetric.html',
    'https://chromeenterprise.google/policies/#PostQuantumKeyAgreementEnabled',
    'https://datatracker.ietf.org/doc/draft-ietf-tls-ecdhe-mlkem/',
    'https://www.rfc-editor.org/rfc/rfc8446#section-9.3',
  ],
};

export const paddedHelloCut: KbEntry = {
  id: 'middlebox-padded-hello',
  title: 'ClientHellos padded to 512 bytes are dropped or reset on the way to the server',
  severity: (r) => (cut(r.middlebox?.paddedHello) ? 'warning' : 'info'),
  applies: (r) => {
    const m = r.middlebox;
    if (!m || !cut(m.paddedHello)) return false;
    return { detail: `A ClientHello padded to ${m.sizes?.padded ?? 512} bytes with the padding extension (RFC 7685) was ${how(m.paddedHello)}, while the same hello unpadded got a TLS answer` };
  },
  tested: smallPassed,
  errorPatterns: RESET_OR_SILENCE.slice(0, 3),
  why:
    'Clients pad ClientHellos of 256 to 511 bytes to 512 with the padding extension (RFC 7685), because some load ' +
    'balancers hang on hellos of those sizes. Something in this path cuts the padded hello instead, so clients that ' +
    'pad (OpenSSL with SSL_OP_TLSEXT_PADDING, part of SSL_OP_ALL and of s_client -bugs) fail while others pass. ' +
    'Usually an old load balancer, IPS or firewall rule that rejects the unknown extension or the size.',
  fixes: {
    network: [
      'Update the load balancer / IPS / firewall in front of the server, or exempt this service from its TLS inspection',
    ],
    openssl: ['Stop-gap: do not set SSL_OP_TLSEXT_PADDING (or SSL_OP_ALL) on the client while the device is fixed'],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -bugs </dev/null   # pads the hello to 512 bytes\n' +
    'openssl s_client -connect {connect} {servername} </dev/null   # unpadded, for comparison',
  references: ['https://www.rfc-editor.org/rfc/rfc7685', 'https://www.openssl.org/docs/man3.0/man3/SSL_CTX_set_options.html'],
};

export const browserHelloRefused: KbEntry = {
  id: 'browser-hello-refused',
  title: 'The server refuses a browser-like ClientHello with an alert',
  severity: 'error',
  applies: (r) => {
    const m = r.middlebox;
    if (!m || m.largeHello !== 'refused') return false;
    return { detail: 'A browser-like ClientHello (GREASE, X25519MLKEM768, status_request, ALPN, compress_certificate) got a TLS alert, while a small hello got a ServerHello' };
  },
  tested: smallPassed,
  errorPatterns: [
    { re: /ERR_SSL_PROTOCOL_ERROR/, example: 'This site can’t provide a secure connection. ERR_SSL_PROTOCOL_ERROR', weight: 1 },
    { re: /SSL_ERROR_(ILLEGAL_PARAMETER|HANDSHAKE_FAILURE)_ALERT/, example: 'Error code: SSL_ERROR_HANDSHAKE_FAILURE_ALERT', weight: 1 },
  ],
  why:
    'TLS servers must ignore extensions, groups and cipher suites they do not know (RFC 8446 §4.1.2 and §9.3; ' +
    'GREASE, RFC 8701, exists to keep them honest). This one answers a hello shaped like a current browser\'s with ' +
    'an alert while it accepts a minimal hello: its TLS library (or a TLS-terminating device in front of it) chokes ' +
    'on something browsers send, such as a GREASE value, the post-quantum group or the OCSP status_request (some ' +
    'wolfSSL builds abort on it). Browsers then fail while command-line clients work.',
  fixes: {
    network: ['Update the TLS library or the TLS-terminating appliance in front of the server; test again with a current browser'],
    openssl: ['Find the extension it rejects: openssl s_client -connect HOST:443 -servername HOST -status (adds status_request), then -groups X25519MLKEM768:X25519 (OpenSSL 3.5+)'],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -status </dev/null\nopenssl s_client -connect {connect} {servername} </dev/null',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-9.3', 'https://www.rfc-editor.org/rfc/rfc8701'],
};

export const postQuantum: KbEntry = {
  id: 'post-quantum-key-exchange',
  title: 'Post-quantum key exchange (X25519MLKEM768)',
  severity: 'info',
  applies: (r) => {
    const kx = r.keyExchange;
    if (kx?.postQuantum === true) {
      return { detail: `The server accepts ${(kx.groups ?? []).filter((g) => /MLKEM/.test(g)).join(', ') || 'an ML-KEM group'} in TLS 1.3: connections from ${PQ_CLIENTS} are protected against recording now and decrypting later` };
    }
    if (kx?.postQuantum === false) {
      const groups = kx.groups?.length ? `its TLS 1.3 groups: ${kx.groups.join(', ')}` : 'it does not speak TLS 1.3';
      return { detail: `The server does not negotiate post-quantum key exchange (${groups}); ${PQ_CLIENTS} offer X25519MLKEM768 and fall back to classical key exchange here` };
    }
    return false;
  },
  tested: (r) => typeof r.keyExchange?.postQuantum === 'boolean',
  errorPatterns: [],
  why:
    'X25519MLKEM768 combines X25519 with ML-KEM-768 (FIPS 203), so traffic recorded today stays confidential even ' +
    'against a future quantum computer. Browsers and current TLS libraries offer it by default; a server negotiates ' +
    'it once its TLS library supports it (OpenSSL 3.5, Go 1.24, BoringSSL, AWS-LC). Nothing breaks without it: ' +
    'clients fall back to X25519 or P-256. Its key share makes ClientHellos larger, which is what trips old middleboxes.',
  fixes: {
    nginx: ["Build nginx against OpenSSL 3.5 or later and keep `ssl_ecdh_curve auto;` (the default): OpenSSL 3.5's default groups include X25519MLKEM768"],
    apache: ['Run mod_ssl on OpenSSL 3.5 or later: its default groups then include X25519MLKEM768 (an explicit group list set with SSLOpenSSLConfCmd must name it too)'],
    haproxy: ['Link HAProxy against OpenSSL 3.5 or later (or AWS-LC): its default groups then include X25519MLKEM768 (an explicit curves list must name it too)'],
    node: ['Node.js 24.5 and later (OpenSSL 3.5) accept X25519MLKEM768 by default; an explicit ecdhCurve list must include it'],
    openssl: ['Check a server with an OpenSSL 3.5+ client: openssl s_client -connect HOST:443 -servername HOST -groups X25519MLKEM768 </dev/null'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -groups X25519MLKEM768 </dev/null   # needs OpenSSL 3.5+',
  references: [
    'https://datatracker.ietf.org/doc/draft-ietf-tls-ecdhe-mlkem/',
    'https://developers.cloudflare.com/ssl/post-quantum-cryptography/pqc-support/',
    'https://security.googleblog.com/2024/09/a-new-path-for-kyber-on-web.html',
    'https://github.com/openssl/openssl/releases/tag/openssl-3.5.0',
    'https://go.dev/doc/go1.24#cryptotlspkgcryptotls',
  ],
};
