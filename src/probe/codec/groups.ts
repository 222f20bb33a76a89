// TLS supported groups (IANA "TLS Supported Groups" registry) and the key shares a hand-built
// ClientHello can carry for them. Probe handshakes never complete, so a key share only has to be
// well-formed enough that the server accepts it and answers; one per group per process is enough.
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';

/** Code point → IANA name. Names are the registry's, so JSON readers can look them up. */
export const GROUP_NAMES: Readonly<Record<number, string>> = {
  0x0017: 'secp256r1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
  0x001d: 'x25519',
  0x001e: 'x448',
  0x001f: 'brainpoolP256r1tls13',
  0x0020: 'brainpoolP384r1tls13',
  0x0021: 'brainpoolP512r1tls13',
  0x0100: 'ffdhe2048',
  0x0101: 'ffdhe3072',
  0x0102: 'ffdhe4096',
  0x0103: 'ffdhe6144',
  0x0104: 'ffdhe8192',
  // draft-ietf-tls-mlkem (pure ML-KEM) and draft-ietf-tls-ecdhe-mlkem (hybrids).
  0x0200: 'MLKEM512',
  0x0201: 'MLKEM768',
  0x0202: 'MLKEM1024',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
  // The pre-standard Kyber hybrid Chrome 124-130 sent; obsolete, but still seen on servers.
  0x6399: 'X25519Kyber768Draft00',
};

export const GROUP = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  MLKEM512: 0x0200,
  MLKEM768: 0x0201,
  MLKEM1024: 0x0202,
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
  X25519Kyber768Draft00: 0x6399,
} as const;

/** Groups built on ML-KEM (FIPS 203): what current clients mean by post-quantum key exchange. */
export const ML_KEM_GROUPS: ReadonlySet<number> = new Set([
  GROUP.MLKEM512, GROUP.MLKEM768, GROUP.MLKEM1024, GROUP.SecP256r1MLKEM768, GROUP.X25519MLKEM768, GROUP.SecP384r1MLKEM1024,
]);

export function groupName(id: number): string {
  return GROUP_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

/** RFC 8701 GREASE values (0x0A0A, 0x1A1A, … 0xFAFA): reserved so servers learn to ignore unknown ones. */
export const GREASE_VALUES: readonly number[] = Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x101);

/**
 * An ML-KEM encapsulation key of the given rank (FIPS 203 §7.2): ByteEncode12 of k·256 coefficients
 * below q = 3329, then the 32-byte seed ρ. Servers run the standard's modulus check on it, so the
 * coefficients must really be reduced; random ones are as good as a real key for a probe that
 * never decapsulates.
 */
export function mlKemEncapsulationKey(rank: 2 | 3 | 4): Buffer {
  const q = 3329;
  const coefficients = rank * 256;
  const out = Buffer.alloc((coefficients * 12) / 8 + 32);
  const raw = randomBytes(coefficients * 2);
  for (let i = 0; i < coefficients; i += 2) {
    const a = raw.readUInt16LE(i * 2) % q;
    const b = raw.readUInt16LE(i * 2 + 2) % q;
    const o = (i / 2) * 3;
    out[o] = a & 0xff;
    out[o + 1] = (a >> 8) | ((b & 0x0f) << 4);
    out[o + 2] = b >> 4;
  }
  randomBytes(32).copy(out, out.length - 32);
  return out;
}

function rawPublicKey(type: 'x25519' | 'x448'): Buffer {
  const { publicKey } = type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(type === 'x25519' ? -32 : -56);
}

function ecPoint(curve: string): Buffer {
  const ecdh = createECDH(curve);
  return ecdh.generateKeys(); // uncompressed point, as TLS 1.3 requires (RFC 8446 §4.2.8.2)
}

/** How to make each group's client key share; hybrids concatenate as draft-ietf-tls-ecdhe-mlkem says. */
const SHARE_MAKERS: Readonly<Record<number, () => Buffer>> = {
  [GROUP.x25519]: () => rawPublicKey('x25519'),
  [GROUP.x448]: () => rawPublicKey('x448'),
  [GROUP.secp256r1]: () => ecPoint('prime256v1'),
  [GROUP.secp384r1]: () => ecPoint('secp384r1'),
  [GROUP.secp521r1]: () => ecPoint('secp521r1'),
  [GROUP.MLKEM512]: () => mlKemEncapsulationKey(2),
  [GROUP.MLKEM768]: () => mlKemEncapsulationKey(3),
  [GROUP.MLKEM1024]: () => mlKemEncapsulationKey(4),
  // ML-KEM first for X25519MLKEM768, the EC point first for the NIST-curve hybrids.
  [GROUP.X25519MLKEM768]: () => Buffer.concat([mlKemEncapsulationKey(3), keyShareFor(GROUP.x25519)]),
  [GROUP.SecP256r1MLKEM768]: () => Buffer.concat([keyShareFor(GROUP.secp256r1), mlKemEncapsulationKey(3)]),
  [GROUP.SecP384r1MLKEM1024]: () => Buffer.concat([keyShareFor(GROUP.secp384r1), mlKemEncapsulationKey(4)]),
  // Kyber768 keys have the ML-KEM-768 layout; X25519 comes first in this draft.
  [GROUP.X25519Kyber768Draft00]: () => Buffer.concat([keyShareFor(GROUP.x25519), mlKemEncapsulationKey(3)]),
};

const shares = new Map<number, Buffer>();

/** Whether keyShareFor can make a share for this group (FFDHE and brainpool shares are not built). */
export function canShare(group: number): boolean {
  return group in SHARE_MAKERS || GREASE_VALUES.includes(group);
}

/**
 * The client key share for `group`, made once per process (generating keys for every hello of a
 * check costs measurable CPU, and the handshakes never complete). GREASE groups get one byte.
 */
export function keyShareFor(group: number): Buffer {
  if (GREASE_VALUES.includes(group)) return Buffer.alloc(1);
  let share = shares.get(group);
  if (!share) {
    const make = SHARE_MAKERS[group];
    if (!make) throw new Error(`no key share builder for group ${groupName(group)}`);
    share = make();
    shares.set(group, share);
  }
  return share;
}
