// Classifies cipher suites by their IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). OpenSSL
// names (ECDHE-RSA-AES128-GCM-SHA256) are tolerated because some probes report them.
import type { ProtocolName } from '../types.js';

export type CipherFlaw = 'null' | 'anon' | 'export' | 'des' | 'rc4' | '3des' | 'no-fs' | 'cbc';

const TLS13_SUITE = /^TLS_(AES_\d+_(GCM|CCM(_8)?)|CHACHA20_POLY1305|SM4_(GCM|CCM))_SHA\d+$/i;

export function isTls13Suite(name: string): boolean {
  return TLS13_SUITE.test(name);
}

export function cipherFlaws(name: string): CipherFlaw[] {
  const n = name.toUpperCase();
  const flaws: CipherFlaw[] = [];
  if (isTls13Suite(n)) return flaws;
  if (/(_WITH_NULL_|^TLS_NULL_|^NULL-|-NULL-|^SSL_NULL)/.test(n)) flaws.push('null');
  if (/(_ANON_|^ADH-|^AECDH-)/.test(n)) flaws.push('anon');
  if (/(EXPORT|^EXP-|^EXP1024-)/.test(n)) flaws.push('export');
  if (/(_WITH_DES_(40_)?CBC_|_DES40_|^DES-CBC-|-DES-CBC-)/.test(n)) flaws.push('des');
  if (/RC4/.test(n)) flaws.push('rc4');
  if (/(3DES|DES-CBC3)/.test(n)) flaws.push('3des');
  if (!hasForwardSecrecy(n)) flaws.push('no-fs');
  if (!/(GCM|CHACHA20|CCM)/.test(n) && !flaws.includes('null') && !flaws.includes('rc4')) flaws.push('cbc');
  return flaws;
}

export function hasForwardSecrecy(name: string): boolean {
  const n = name.toUpperCase();
  if (isTls13Suite(n)) return true;
  // Anonymous DH is ephemeral but unauthenticated: counted under 'anon', not as forward secrecy.
  if (/_ANON_|^ADH-|^AECDH-/.test(n)) return false;
  return /^(TLS|SSL)_(ECDHE|DHE|EDH)_/.test(n) || /^(ECDHE|DHE|EDH)-/.test(n);
}

/**
 * Whether current clients (browsers, OpenSSL 3, Java 17, Go) still offer this suite by default:
 * TLS 1.3 suites, or AES-GCM/ChaCha20/AES-CBC with ECDHE, DHE or RSA key exchange.
 */
export function offeredByCurrentClients(name: string): boolean {
  const n = name.toUpperCase();
  if (isTls13Suite(n)) return !/CCM|SM4/.test(n);
  const iana = /^TLS_(ECDHE_(RSA|ECDSA)|DHE_RSA|RSA)_WITH_(AES_(128|256)_(GCM|CBC)|CHACHA20_POLY1305)_SHA\d*$/.test(n);
  const openssl = /^((ECDHE-(RSA|ECDSA)|DHE-RSA)-)?(AES(128|256)(-GCM)?|CHACHA20-POLY1305)(-SHA\d*)?$/.test(n);
  return iana || openssl;
}

/** Mozilla Server Side TLS guideline v5.7, intermediate profile, as IANA names. */
export const MOZILLA_INTERMEDIATE_TLS12 = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
] as const;
export const MOZILLA_INTERMEDIATE_TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** The same TLS 1.2 list in OpenSSL syntax, for ssl_ciphers / SSLCipherSuite / ssl-default-bind-ciphers. */
export const MOZILLA_INTERMEDIATE_OPENSSL =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305';

/** Every distinct cipher the server accepted, with the protocols it was seen on. */
export function acceptedCiphers(ciphers: Partial<Record<ProtocolName, string[]>>): Map<string, ProtocolName[]> {
  const out = new Map<string, ProtocolName[]>();
  for (const [proto, list] of Object.entries(ciphers) as Array<[ProtocolName, string[] | undefined]>) {
    for (const c of list ?? []) out.set(c, [...(out.get(c) ?? []), proto]);
  }
  return out;
}

/** Accepted ciphers grouped by flaw, e.g. { rc4: ['TLS_RSA_WITH_RC4_128_SHA'] }. */
export function ciphersByFlaw(ciphers: Partial<Record<ProtocolName, string[]>>): Partial<Record<CipherFlaw, string[]>> {
  const out: Partial<Record<CipherFlaw, string[]>> = {};
  for (const name of acceptedCiphers(ciphers).keys()) {
    for (const f of cipherFlaws(name)) (out[f] ??= []).push(name);
  }
  return out;
}
