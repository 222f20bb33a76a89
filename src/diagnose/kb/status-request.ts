// A server that aborts any ClientHello asking for OCSP stapling (the status_request extension).
// Browsers always ask, so they all fail while curl and most libraries (which do not ask) connect.
// Seen with lighttpd + wolfSSL 5.5.4 (Debian 12): wolfSSL cannot verify its own certificate to
// staple a status, and errors out instead of leaving the staple out.
import type { KbEntry } from './types.js';

export const statusRequestAbort: KbEntry = {
  id: 'status-request-abort',
  title: 'The server aborts handshakes that ask for OCSP stapling (status_request), so browsers cannot connect',
  severity: 'error',
  applies: (r) => (r.statusRequestAborts === true
    ? { detail: `A ClientHello carrying status_request is refused (${r.statusRequestFailure ?? 'the handshake fails'}); the same hello without it completes` }
    : false),
  tested: (r) => r.statusRequestAborts === true || r.statusRequestAborts === false,
  errorPatterns: [
    { re: /PR_END_OF_FILE_ERROR/, example: 'Secure Connection Failed. Error code: PR_END_OF_FILE_ERROR', weight: 1 },
    { re: /ERR_CONNECTION_CLOSED/, example: 'This site can’t be reached. net::ERR_CONNECTION_CLOSED', weight: 1 },
    { re: /unexpected eof while reading/i, example: 'error:0A000126:SSL routines::unexpected eof while reading', weight: 1 },
  ],
  why:
    'Every browser sends the status_request extension (RFC 6066 §8) to ask for a stapled OCSP response. A server that ' +
    'cannot provide one must simply leave it out and finish the handshake. Some wolfSSL versions instead abort: when the ' +
    'server cannot verify its own certificate against a CA it has loaded (needed to staple a status), the handshake ' +
    'ends without an alert (lighttpd logs "SSL: -308 error state on socket"). Clients that do not ask, such as curl and ' +
    'most libraries, connect fine, so the site works from scripts and fails in every browser.',
  fixes: {
    lighttpd: [
      'ssl.ca-file = "/etc/lighttpd/ca-chain.pem"  # the server certificate\'s issuer chain, so wolfSSL can verify its own certificate; the status request is then answered without a staple instead of aborting',
      'Or use another TLS module: server.modules += ( "mod_openssl" )  # lighttpd-mod-openssl; mod_gnutls and mod_mbedtls answer the request too',
      'Upgrade wolfSSL to a release with its fix (wolfSSL pull request 7044: leave the staple out instead of failing); Debian 12\'s 5.5.4 lacks it',
    ],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null  # fails: unexpected eof while reading\nopenssl s_client -connect {connect} {servername} </dev/null  # the same without -status connects',
  references: [
    'https://www.rfc-editor.org/rfc/rfc6066#section-8',
    'https://github.com/wolfSSL/wolfssl/pull/7044',
    'https://redmine.lighttpd.net/projects/lighttpd/wiki/Docs_SSL',
  ],
};
