// Reads a TLS ≤ 1.2 ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4): the DH prime of a DHE
// suite, the named curve of an ECDHE one. The signature after the parameters is not needed and
// not read. Pure; never throws.
import { createHash } from 'node:crypto';
import { HANDSHAKE, type HandshakeMessage } from './server-response.js';

export type KeyExchangeParams =
  | { kind: 'dh'; bits: number; group: string }
  | { kind: 'ecdh'; curveId: number; curve: string }
  | { kind: 'unreadable'; why: string };

/**
 * RFC 7919 groups, by SHA-256 of the prime (big-endian, no leading zeros): the primes themselves
 * are 23,552 bits together. Hashes computed from `openssl genpkey -genparam -algorithm DH
 * -pkeyopt group:ffdheN` (OpenSSL 3.0.19), whose built-in primes are RFC 7919's.
 */
const FFDHE_BY_HASH: ReadonlyMap<string, string> = new Map([
  ['9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966', 'ffdhe2048'],
  ['0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17', 'ffdhe3072'],
  ['4648414224ac881b3d0dc59b466f96d06a558278776807797ecf1f66ff397b3e', 'ffdhe4096'],
  ['227ac9066b3ddd9e193670cda2388fa884f65ba0cf98b742d1fe77a6687c79c7', 'ffdhe6144'],
  ['770b14efaf6f049929c523113b3fa99a8d11dab1b18af3609590122075d19833', 'ffdhe8192'],
]);

/** TLS Supported Groups registry (IANA) names of the curves a TLS ≤ 1.2 server may name. */
export const CURVE_NAMES: Readonly<Record<number, string>> = {
  1: 'sect163k1', 2: 'sect163r1', 3: 'sect163r2', 4: 'sect193r1', 5: 'sect193r2', 6: 'sect233k1', 7: 'sect233r1',
  8: 'sect239k1', 9: 'sect283k1', 10: 'sect283r1', 11: 'sect409k1', 12: 'sect409r1', 13: 'sect571k1', 14: 'sect571r1',
  15: 'secp160k1', 16: 'secp160r1', 17: 'secp160r2', 18: 'secp192k1', 19: 'secp192r1', 20: 'secp224k1', 21: 'secp224r1',
  22: 'secp256k1', 23: 'secp256r1', 24: 'secp384r1', 25: 'secp521r1', 26: 'brainpoolP256r1', 27: 'brainpoolP384r1',
  28: 'brainpoolP512r1', 29: 'x25519', 30: 'x448', 31: 'brainpoolP256r1tls13', 32: 'brainpoolP384r1tls13',
  33: 'brainpoolP512r1tls13', 41: 'curveSM2',
};

/**
 * Every named curve of TLS ≤ 1.2 (RFC 8422 §5.1.1, RFC 7027, RFC 4492), in the order current
 * clients rank them, the legacy ones after. A server following the client's order so reports the
 * curve current clients get; one with its own order shows its favourite, even a weak one that only
 * older clients (which offer those curves) would then be given. The cipher probe's TLS ≤ 1.2
 * hellos and ecdhe-curves' offer exactly this list, so the curve in the answer that found an
 * ECDHE suite is the one ecdhe-curves would read for it.
 */
export const NAMED_CURVES_TLS12: readonly number[] = [
  29, 23, 24, 25, 30, // x25519, secp256r1, secp384r1, secp521r1, x448
  26, 27, 28, // brainpoolP256r1, brainpoolP384r1, brainpoolP512r1
  22, 21, 20, // secp256k1, secp224r1, secp224k1
  14, 13, 12, 11, 10, 9, 8, 7, 6, // sect571r1 … sect233k1
  19, 18, 17, 16, 15, // secp192r1, secp192k1, secp160r2, secp160r1, secp160k1
  5, 4, 3, 2, 1, // sect193r2, sect193r1, sect163r2, sect163r1, sect163k1
];

export function curveName(id: number): string {
  return CURVE_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** Bit length of an unsigned big-endian integer. */
export function bitLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

/** The RFC 7919 name of a DH prime, or "custom". */
export function dhGroupName(prime: Buffer): string {
  let i = 0;
  while (i < prime.length && prime[i] === 0) i++;
  const hash = createHash('sha256').update(prime.subarray(i)).digest('hex');
  return FFDHE_BY_HASH.get(hash) ?? 'custom';
}

/** Parses a ServerKeyExchange body for a DHE (`dh`) or ECDHE (`ecdh`) suite. */
export function parseServerKeyExchange(body: Buffer, kx: 'dh' | 'ecdh'): KeyExchangeParams {
  try {
    if (kx === 'dh') {
      // ServerDHParams: dh_p<1..2^16-1>, dh_g<1..2^16-1>, dh_Ys<1..2^16-1>
      if (body.length < 2) return { kind: 'unreadable', why: 'ServerKeyExchange too short' };
      const pLen = body.readUInt16BE(0);
      if (pLen === 0 || body.length < 2 + pLen) return { kind: 'unreadable', why: 'DH prime truncated' };
      const prime = body.subarray(2, 2 + pLen);
      return { kind: 'dh', bits: bitLength(prime), group: dhGroupName(prime) };
    }
    // ServerECDHParams: ECParameters { curve_type (3 = named_curve), NamedCurve }, ECPoint
    if (body.length < 3) return { kind: 'unreadable', why: 'ServerKeyExchange too short' };
    const curveType = body[0] as number;
    if (curveType !== 3) return { kind: 'unreadable', why: `explicit curve parameters (curve_type ${curveType})` };
    const curveId = body.readUInt16BE(1);
    return { kind: 'ecdh', curveId, curve: curveName(curveId) };
  } catch (err) {
    return { kind: 'unreadable', why: (err as Error).message };
  }
}

/**
 * The ECDH parameters in a TLS ≤ 1.2 first flight (ServerHello.flight) of an ECDHE suite; `psk`
 * for ECDHE_PSK, whose PSK identity hint comes first (RFC 5489 §2), then the same parameters.
 */
export function ecdheParamsInFlight(flight: readonly HandshakeMessage[] | undefined, psk: boolean): KeyExchangeParams {
  let ske = flight?.find((m) => m.type === HANDSHAKE.serverKeyExchange)?.body;
  if (!ske) return { kind: 'unreadable', why: 'no ServerKeyExchange in the server\'s first flight' };
  if (psk) ske = ske.length >= 2 ? ske.subarray(2 + ske.readUInt16BE(0)) : Buffer.alloc(0);
  return parseServerKeyExchange(ske, 'ecdh');
}
