// A summary against Mozilla's intermediate profile (Server Side TLS guideline v5.7): the baseline
// most compliance questions ("are we OK?") are asked against.
import { acceptedCiphers, isTls13Suite, MOZILLA_INTERMEDIATE_TLS12, MOZILLA_INTERMEDIATE_TLS13 } from '../ciphers.js';
import { handshakeWorked, label, listText, supported } from './facts.js';
import { MOZILLA_CIPHER_FIXES } from './ciphers.js';
import { WEAK_SIGNATURE } from './certificate.js';
import { MODERN_PROTOCOL_FIXES } from './protocols.js';
import type { Fixes, KbEntry, ResultFacts } from './types.js';
import { plural } from '../../text/plural.js';

const ALLOWED = new Set<string>([...MOZILLA_INTERMEDIATE_TLS12, ...MOZILLA_INTERMEDIATE_TLS13]);

/** Every way the server departs from the profile, in words an auditor can check. */
export function mozillaIntermediateGaps(r: ResultFacts): string[] {
  const gaps: string[] = [];
  const extra = supported(r).filter((p) => p !== 'TLSv1.2' && p !== 'TLSv1.3');
  if (extra.length) gaps.push(`${listText(extra.map(label))} enabled (only TLS 1.2 and 1.3 allowed)`);
  if (r.protocols['TLSv1.2'] === false) gaps.push('TLS 1.2 not offered');
  if (r.protocols['TLSv1.3'] === false) gaps.push('TLS 1.3 not offered');
  const outside = [...acceptedCiphers(r.ciphers).keys()].filter((c) => !ALLOWED.has(c.toUpperCase()) && (isTls13Suite(c) || c.toUpperCase().startsWith('TLS_')));
  if (outside.length) gaps.push(`${plural(outside.length, 'cipher suite')} outside the profile: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ', …' : ''}`);
  const c = r.certificate;
  if (c) {
    const t = c.keyType.toUpperCase();
    if (t.includes('RSA') && c.keyBits > 0 && c.keyBits < 2048) gaps.push(`RSA key of ${c.keyBits} bits (2048 required)`);
    if (t.includes('EC') && c.keyBits > 0 && c.keyBits < 256) gaps.push(`EC key of ${c.keyBits} bits (P-256 required)`);
    if (WEAK_SIGNATURE.test(c.signatureAlgorithm)) gaps.push(`certificate signed with ${c.signatureAlgorithm}`);
  }
  return gaps;
}

const FIXES: Fixes = {
  nginx: [...(MODERN_PROTOCOL_FIXES.nginx ?? []), ...(MOZILLA_CIPHER_FIXES.nginx ?? [])],
  apache: [...(MODERN_PROTOCOL_FIXES.apache ?? []), ...(MOZILLA_CIPHER_FIXES.apache ?? [])],
  haproxy: [...(MODERN_PROTOCOL_FIXES.haproxy ?? []), ...(MOZILLA_CIPHER_FIXES.haproxy ?? [])],
  node: [...(MODERN_PROTOCOL_FIXES.node ?? []), ...(MOZILLA_CIPHER_FIXES.node ?? [])],
  java: [...(MODERN_PROTOCOL_FIXES.java ?? []), ...(MOZILLA_CIPHER_FIXES.java ?? [])],
};

export const mozillaIntermediate: KbEntry = {
  id: 'mozilla-intermediate',
  title: "Compliance with Mozilla's intermediate TLS profile",
  severity: (r) => (mozillaIntermediateGaps(r).length ? 'info' : 'ok'),
  applies: (r) => {
    if (!handshakeWorked(r)) return false;
    const gaps = mozillaIntermediateGaps(r);
    return gaps.length
      ? { detail: `Does not meet Mozilla intermediate (v5.7): ${gaps.join('; ')}` }
      : { detail: 'Meets Mozilla intermediate (v5.7): TLS 1.2 and 1.3 only, profile cipher suites, adequate key and signature' };
  },
  tested: handshakeWorked,
  errorPatterns: [],
  why:
    'Mozilla\'s intermediate configuration is the common baseline for servers that must work with nearly every client ' +
    'of the last decade: TLS 1.2 and 1.3 only, ECDHE/DHE key exchange with AES-GCM or ChaCha20-Poly1305, RSA 2048 or ' +
    'ECDSA P-256 certificates, OCSP stapling where the CA supports it. The ssl-config generator produces complete ' +
    'configurations for each server.',
  fixes: FIXES,
  reproduce: "openssl s_client -connect {connect} {servername} -tls1_2 </dev/null\nopenssl s_client -connect {connect} {servername} -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null",
  references: ['https://wiki.mozilla.org/Security/Server_Side_TLS', 'https://ssl-config.mozilla.org/', 'https://www.rfc-editor.org/rfc/rfc9325'],
};
