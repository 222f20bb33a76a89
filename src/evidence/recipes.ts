// Per diagnosis: the s_client flags its reproduce command names (src/diagnose/kb) and the output
// line that shows its symptom. A diagnosis without a recipe gets no evidence (null, with why).
// Facts behind the patterns: /work/shared/docs/tls-facts.md and runs of OpenSSL 3.0.19 here.
import type { CheckResult, ProtocolName } from '../types.js';
import type { OpensslArgs } from './openssl.js';
import type { Observed } from './observe.js';

/** The line that shows the symptom, or null when OpenSSL's output does not show it. */
export type Shows = (o: Observed, r: CheckResult) => string | null;

export interface Recipe {
  /** s_client options after -connect and -servername. */
  args: OpensslArgs | ((r: CheckResult) => OpensslArgs);
  /** Typed at s_client, then stdin is closed ('R' asks it to renegotiate). */
  stdin?: string;
  /** false: send no SNI (-noservername), for diagnoses about SNI itself. */
  sni?: false;
  /** Check the name against the certificate (-verify_hostname / -verify_ip). */
  verifyName?: true;
  shows: Shows;
  /** The symptom in words, for the note when OpenSSL does not show it. */
  expect: string;
  /** Output lines worth quoting besides the common ones (errors, verify results, the handshake). */
  extra?: RegExp[];
  /**
   * The probes whose results alone decide the diagnosis (its knowledge-base entry reads nothing
   * else): once they have settled, its run may start while the rest of the check goes on.
   * Unset: it starts after the check.
   */
  restsOn?: readonly string[];
}

const TLS12: OpensslArgs = [['tls1_2']];
/** Certificate entries read only `certificate`; the version probe says whether there is a TLS server at all. */
const CERTIFICATE_PROBES = ['protocols', 'certificate'] as const;
const VERSION_PROBE = ['protocols'] as const;
const RENEGOTIATE = 'R\n';
/** OpenSSL 3 refuses TLS 1.0/1.1's SHA-1 signatures at its default security level (tls-facts.md). */
const LEGACY_CIPHERS = ['cipher', 'DEFAULT@SECLEVEL=0'] as const;

const line = (re: RegExp): Shows => (o) => o.lines.find((l) => re.test(l)) ?? null;

/** A verify error by number, as "verify error:num=N:..." or "Verify return code: N (...)". */
function verifyError(...nums: number[]): Shows {
  const re = new RegExp(`verify error:num=(${nums.join('|')}):|^Verify return code: (${nums.join('|')}) \\(`);
  return line(re);
}

/** A handshake that completed, optionally only over these versions. */
function connected(versions?: readonly string[]): Shows {
  return (o) => (o.handshake && (!versions || versions.includes(o.handshake.protocol)) ? o.handshake.line : null);
}

/** No handshake, and the reason matches `re`. */
function refused(re: RegExp): Shows {
  return (o) => (o.handshake ? null : (o.lines.find((l) => re.test(l)) ?? null));
}

function timedOut(o: Observed): string | null {
  return o.timedOut ? `(no answer within ${o.timeoutMs} ms: killed)` : null;
}

const either = (...all: Shows[]): Shows => (o, r) => {
  for (const s of all) {
    const hit = s(o, r);
    if (hit) return hit;
  }
  return null;
};

/** The lines s_client prints after typing R, up to the end. */
function afterRenegotiating(o: Observed): string[] | null {
  const i = o.lines.indexOf('RENEGOTIATING');
  return i < 0 ? null : o.lines.slice(i + 1);
}

const renegRefused: Shows = (o, r) => {
  // TLS 1.3 only: nothing to renegotiate; the evidence is that TLS 1.2 is not spoken at all.
  if (r.renegotiation.clientInitiated === 'not-applicable') return refused(/protocol version|unsupported protocol|no protocols available/i)(o, r);
  if (!o.handshake) return null;
  const after = afterRenegotiating(o);
  return after?.find((l) => /no renegotiation|alert|unexpected eof|errno=(104|32)|handshake failure/i.test(l)) ?? null;
};

const renegAccepted: Shows = (o) => {
  const after = afterRenegotiating(o);
  if (!o.handshake || !after || o.exitCode !== 0 || after.some((l) => /error|alert|errno=/i.test(l))) return null;
  return 'RENEGOTIATING';
};

/** Over TLS 1.3 s_client says "IS NOT supported" for every server: only a TLS 1.2 handshake counts. */
const noSecureRenegotiation: Shows = (o) => {
  const refusal = o.lines.find((l) => /unsafe legacy renegotiation disabled/.test(l));
  if (refusal) return refusal;
  if (o.handshake?.protocol !== 'TLSv1.2') return null;
  return o.lines.find((l) => l === 'Secure Renegotiation IS NOT supported') ?? null;
};

const CHAIN_SUBJECT = /^(\d+) s:(.*)$/;
const CHAIN_ISSUER = /^i:(.*)$/;
const CHAIN_LINES = [CHAIN_SUBJECT, CHAIN_ISSUER];

/** A certificate whose subject is not the issuer of the one before it. */
const chainOutOfOrder: Shows = (o) => {
  const chain: Array<{ line: string; subject: string; issuer: string | null }> = [];
  for (const l of o.lines) {
    const s = CHAIN_SUBJECT.exec(l);
    if (s) chain.push({ line: l, subject: s[2] ?? '', issuer: null });
    const i = CHAIN_ISSUER.exec(l);
    const last = chain[chain.length - 1];
    if (i && last && last.issuer === null) last.issuer = i[1] ?? '';
  }
  for (let k = 1; k < chain.length; k++) {
    const prev = chain[k - 1];
    const cur = chain[k];
    if (prev && cur && prev.issuer !== cur.subject) return cur.line;
  }
  return null;
};

const PKEY = /^a:PKEY: (\S+), (\d+) \(bit\); sigalg: (\S+)/;
const NOT_AFTER = /^v:NotBefore: .*; NotAfter: (.+)$/;
const DAY_MS = 86_400_000;

/** The leaf's line (the first printed): key size below 2048 bits for RSA/DSA. */
const weakKey: Shows = either(
  verifyError(66, 67),
  line(/key too small|ee key too small|ca key too small/i),
  (o) => {
    const leaf = o.lines.find((l) => PKEY.test(l));
    const m = leaf ? PKEY.exec(leaf) : null;
    return m && /rsa|dsa/i.test(m[1] ?? '') && Number(m[2]) < 2048 ? (leaf ?? null) : null;
  },
);

const weakSignature: Shows = either(
  verifyError(68),
  line(/md too weak/i),
  (o) => {
    const leaf = o.lines.find((l) => PKEY.test(l));
    return leaf && /sigalg: \S*(SHA1|MD5|MD2)\b/i.test(leaf) ? leaf : null;
  },
);

/** The leaf's NotAfter (printed by OpenSSL 3.0+) within 30 days of now, as the kb entry applies. */
const expiringSoon: Shows = (o) => {
  const leaf = o.lines.find((l) => NOT_AFTER.test(l));
  const when = leaf ? Date.parse(NOT_AFTER.exec(leaf)?.[1] ?? '') : NaN;
  return Number.isFinite(when) && when > Date.now() && when - Date.now() <= 30 * DAY_MS ? (leaf ?? null) : null;
};

/** -tls1 or -tls1_1, whichever old version the server speaks, oldest first. */
function legacyVersion(r: CheckResult): OpensslArgs {
  const flag: Array<[ProtocolName, string]> = [['TLSv1', 'tls1'], ['TLSv1.1', 'tls1_1']];
  const found = flag.find(([p]) => r.protocols[p] === true)?.[1] ?? 'tls1';
  return [[found], LEGACY_CIPHERS];
}

/** The version the renegotiation probe used (TLS 1.2 unless the server lacks it). */
function renegVersion(r: CheckResult): OpensslArgs {
  const p = r.renegotiation.protocol;
  if (p === 'TLSv1.1') return [['tls1_1'], LEGACY_CIPHERS];
  if (p === 'TLSv1') return [['tls1'], LEGACY_CIPHERS];
  return TLS12;
}

const resumedThenNot: Shows = (o) => {
  const runs = o.lines.filter((l) => /^(New|Reused), /.test(l)).slice(1);
  return runs.some((l) => l.startsWith('Reused')) ? (runs.find((l) => l.startsWith('New')) ?? null) : null;
};

export const RECIPES: Readonly<Record<string, Recipe>> = {
  'cert-expired': { args: [], shows: verifyError(10), expect: 'a "certificate has expired" verify error (10)', restsOn: CERTIFICATE_PROBES },
  'cert-not-yet-valid': { args: [], shows: verifyError(9), expect: 'a "certificate is not yet valid" verify error (9)', restsOn: CERTIFICATE_PROBES },
  'cert-expiring': { args: [], shows: expiringSoon, expect: 'a leaf certificate expiring within 30 days', extra: [NOT_AFTER], restsOn: CERTIFICATE_PROBES },
  'cert-hostname-mismatch': { args: [], verifyName: true, shows: verifyError(62, 64), expect: 'a "hostname mismatch" verify error (62)', extra: [CHAIN_SUBJECT], restsOn: CERTIFICATE_PROBES },
  'cert-self-signed': { args: [], shows: verifyError(18, 19), expect: 'a "self-signed certificate" verify error (18/19)', restsOn: CERTIFICATE_PROBES },
  'cert-untrusted': { args: [], shows: verifyError(2, 19, 20, 21), expect: 'an untrusted-chain verify error (2, 19, 20 or 21)', extra: CHAIN_LINES, restsOn: CERTIFICATE_PROBES },
  'cert-chain-incomplete': { args: [['showcerts']], shows: verifyError(2, 20, 21), expect: 'an "unable to get local issuer certificate" verify error (20/21)', extra: CHAIN_LINES, restsOn: CERTIFICATE_PROBES },
  'cert-chain-order': { args: [['showcerts']], shows: chainOutOfOrder, expect: 'a certificate that does not issue the one before it', extra: CHAIN_LINES, restsOn: CERTIFICATE_PROBES },
  'cert-weak-signature': { args: [], shows: weakSignature, expect: 'a SHA-1 or MD5 signature', extra: [PKEY], restsOn: CERTIFICATE_PROBES },
  'cert-weak-key': { args: [], shows: weakKey, expect: 'an RSA/DSA key under 2048 bits', extra: [PKEY], restsOn: CERTIFICATE_PROBES },
  'no-common-cipher': {
    args: [['tls1_2'], ['cipher', 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256']],
    shows: refused(/handshake failure|no shared cipher|no ciphers available|insufficient security/i),
    expect: 'a handshake failure with current cipher suites',
  },
  'cipher-insecure': { args: [['tls1_2'], ['cipher', 'aNULL:eNULL:@SECLEVEL=0']], shows: connected(), expect: 'a handshake with a NULL or anonymous suite (OpenSSL 3 has no export or DES suites to offer)' },
  'cipher-weak': { args: [['tls1_2'], ['cipher', 'RC4:3DES:@SECLEVEL=0']], shows: connected(), expect: 'a handshake with an RC4 or 3DES suite' },
  'cipher-no-forward-secrecy': { args: [['tls1_2'], ['cipher', 'kRSA']], shows: connected(), expect: 'a handshake with RSA key exchange' },
  'cipher-cbc-only': {
    args: [['tls1_2'], ['cipher', 'ECDHE+AESGCM:ECDHE+CHACHA20']],
    shows: refused(/handshake failure|no shared cipher|insufficient security/i),
    expect: 'a handshake failure with AEAD-only cipher suites',
  },
  'not-tls': { args: [], shows: refused(/wrong version number|packet length too long|record layer failure|unexpected eof|http request/i), expect: 'a "wrong version number" or similar non-TLS answer' },
  'connection-refused': { args: [], shows: line(/Connection refused|errno=111/), expect: 'a refused connection' },
  'connection-timeout': { args: [], shows: either(timedOut, line(/errno=110|timed out/i)), expect: 'no answer' },
  'middlebox-interference': {
    args: TLS12,
    shows: either(refused(/unexpected eof|errno=(104|32)|Connection reset|Broken pipe/i), (o) => (o.handshake ? null : timedOut(o))),
    expect: 'a reset, an early close or silence during the handshake',
  },
  'sni-required': {
    args: [], sni: false, shows: refused(/unrecognized name|handshake failure|internal error|alert/i), expect: 'a handshake failure without SNI', restsOn: ['protocols', 'sni'],
  },
  'protocol-server-too-old': {
    args: TLS12,
    shows: refused(/unsupported protocol|protocol version|wrong version number|no protocols available|legacy sigalg/i),
    expect: 'a protocol version failure when asking for TLS 1.2',
  },
  'protocol-ssl-enabled': { args: [['ssl3']], shows: connected(['SSLv3']), expect: 'an SSL 3.0 handshake', restsOn: VERSION_PROBE },
  'protocol-legacy-tls': { args: legacyVersion, shows: connected(['TLSv1.0', 'TLSv1', 'TLSv1.1']), expect: 'a TLS 1.0 or 1.1 handshake', restsOn: VERSION_PROBE },
  'renegotiation-client-accepted': {
    args: renegVersion, stdin: RENEGOTIATE, shows: renegAccepted, expect: 'a completed renegotiation after RENEGOTIATING', extra: [/^RENEGOTIATING$/, /^DONE$/],
  },
  'renegotiation-refused': { args: renegVersion, stdin: RENEGOTIATE, shows: renegRefused, expect: 'a refusal after RENEGOTIATING', extra: [/^RENEGOTIATING$/] },
  'renegotiation-insecure': {
    args: TLS12, shows: noSecureRenegotiation, expect: '"unsafe legacy renegotiation disabled" over TLS 1.2',
    // Both write renegotiation.secure; the RFC 5746 probe's answer wins once both have settled.
    restsOn: ['protocols', 'client-renegotiation', 'secure-renegotiation'],
  },
  'resumption-inconsistent': {
    args: [['tls1_2'], ['reconnect']], shows: resumedThenNot, expect: 'some reconnections resumed and some not', extra: [/^(New|Reused), /],
    restsOn: ['protocols', 'resumption'],
  },
};

/** "this OpenSSL cannot test it": an option or suite it was built without. */
export const CANNOT_TEST = /Unknown option|no cipher match|Call to SSL_CONF_cmd|unknown cipher|not supported in this build/i;
