// Which client wrote a pasted error, from the marks its TLS stack leaves in the text, so explain()
// can judge the server against that client's profiles rather than every client's.
import type { ClientProfile } from './profiles.js';

const MARKS: ReadonlyArray<readonly [ClientProfile['family'], RegExp]> = [
  // Android's platform TLS (Conscrypt) throws javax.net.ssl exceptions too; its own frames tell it apart.
  ['android', /com\.android\.org\.conscrypt|\bandroid\.(?:os|net|app)\.|\bAndroid\b/],
  ['java', /javax\.net\.ssl|\bsun\.security\.|\bjava\.(?:io|net|lang)\.\w+Exception|\.java:\d+\)/],
  ['openssl', /SSL routines|OpenSSL|\berror:0A0[0-9A-F]{5}|curl: \(\d+\)/],
  ['node', /\bERR_(?:SSL|TLS)_[A-Z_]+|node:internal|Client network socket disconnected/],
  ['gnutls', /GnuTLS|gnutls_handshake/i],
  ['go', /remote error: tls:|\btls: (?:handshake failure|first record|failed to verify)|\bx509: /],
  ['schannel', /SEC_E_[A-Z_]+|Schannel|System\.Net\.WebException|The request was aborted: Could not create SSL\/TLS secure channel/],
  ['browser', /net::ERR_|SSL_ERROR_[A-Z_]+|ERR_SSL_VERSION_OR_CIPHER_MISMATCH|This site can[’']t/],
];

/** Client families whose marks appear in the text; empty when it names none. */
export function familiesIn(text: string): Array<ClientProfile['family']> {
  const found = MARKS.filter(([, re]) => re.test(text)).map(([family]) => family);
  // An Android trace is javax.net.ssl as well, with BoringSSL's "SSL routines" lines inside: it is
  // about the Android profiles, not the JDK's or OpenSSL's.
  return found.includes('android') ? found.filter((f) => f !== 'java' && f !== 'openssl') : found;
}
