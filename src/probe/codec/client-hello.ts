// Hand-built ClientHellos: tlscheck probes what the server speaks without the local TLS library's
// opinions (Node's OpenSSL refuses SSLv3, export suites, etc.), like sslscan and testssl.sh do.
import { randomBytes } from 'node:crypto';
import { SSLV2_CIPHER_KINDS, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV } from './cipher-suites.js';
import { GREASE_VALUES, GROUP, keyShareFor } from './groups.js';

export type HelloVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Wire value of each protocol version. */
export const VERSION_CODES: Readonly<Record<HelloVersion, number>> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export const EXT = {
  serverName: 0x0000,
  statusRequest: 0x0005,
  supportedGroups: 0x000a,
  ecPointFormats: 0x000b,
  signatureAlgorithms: 0x000d,
  alpn: 0x0010,
  signedCertificateTimestamp: 0x0012,
  padding: 0x0015,
  extendedMasterSecret: 0x0017,
  compressCertificate: 0x001b,
  sessionTicket: 0x0023,
  supportedVersions: 0x002b,
  pskKeyExchangeModes: 0x002d,
  keyShare: 0x0033,
  renegotiationInfo: 0xff01,
} as const;


// TLS ≤ 1.2 hellos advertise only EC groups: a server implementing RFC 7919 that sees FFDHE groups
// it lacks stops choosing DHE suites, which would hide its (possibly weak) custom DH parameters.
const GROUPS_TLS12 = [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.x448];
const GROUPS_TLS13 = [...GROUPS_TLS12, GROUP.ffdhe2048, GROUP.ffdhe3072];

// Broad on purpose, down to SHA-1 and DSA: the probe must get a ServerHello from old servers too.
export const SIGNATURE_ALGORITHMS: readonly number[] = [
  0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
  0x0807, 0x0808, // ed25519, ed448
  0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
  0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256/384/512
  0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
  0x0303, 0x0301, 0x0302, // sha224 with ecdsa, rsa, dsa
  0x0402, 0x0502, 0x0602, // dsa with sha256/384/512
  0x0203, 0x0201, 0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
];

export interface Extension {
  type: number;
  data: Buffer;
}

export interface ClientHelloOptions {
  version: HelloVersion;
  ciphers: readonly number[];
  /** Host name for SNI; IP literals and null are not sent (RFC 6066 forbids addresses). */
  sni?: string | null;
  /** Extra extensions, appended after the ones the builder chooses. */
  extensions?: readonly Extension[];
  /** Adds the empty renegotiation_info extension (ignored for SSLv3, which has no extensions). */
  renegotiationInfo?: boolean;
  /** Adds TLS_EMPTY_RENEGOTIATION_INFO_SCSV to the cipher list. */
  renegotiationScsv?: boolean;
  /** Adds TLS_FALLBACK_SCSV (RFC 7507) to the cipher list. */
  fallbackScsv?: boolean;
  alpn?: readonly string[];
  /** Fixed values make hellos byte-reproducible in tests. */
  random?: Buffer;
  sessionId?: Buffer;
  /** x25519 public key for the TLS 1.3 key_share; a fresh one by default. */
  x25519PublicKey?: Buffer;
  /** supported_groups in order (default: EC groups, plus FFDHE for TLS 1.3). */
  groups?: readonly number[];
  /**
   * TLS 1.3 key shares, by group, in order (default: x25519). An empty list sends an empty
   * key_share (RFC 8446 §4.2.8 allows it): the server must then name its group in a
   * HelloRetryRequest, which tells its choice without any key material.
   */
  keyShares?: readonly number[];
  signatureAlgorithms?: readonly number[];
  /** supported_versions for a TLSv1.3 hello, in order (default: TLS 1.3 alone). */
  supportedVersions?: readonly HelloVersion[];
  /**
   * Padding extension (RFC 7685): 'auto' (default) lifts hellos of 256..511 bytes to 512, the
   * sizes some load balancers hang on; a number pads the handshake message (with its 4-byte
   * header) to exactly that many bytes when it is shorter; false never pads.
   */
  padding?: 'auto' | number | false;
  /** status_request (OCSP stapling, RFC 6066 §8), as browsers send it. */
  statusRequest?: boolean;
  /** extended_master_secret (RFC 7627), empty. */
  extendedMasterSecret?: boolean;
  /** session_ticket (RFC 5077), empty: asks for a ticket. */
  sessionTicket?: boolean;
  /** signed_certificate_timestamp (RFC 6962), empty. */
  signedCertificateTimestamp?: boolean;
  /** compress_certificate (RFC 8879) with these algorithms (2 = brotli). */
  compressCertificate?: readonly number[];
  /** RFC 8701 GREASE in the cipher list, groups, key shares, versions and two extensions, like browsers. */
  grease?: boolean;
}

// The encoders below allocate each piece once: a check builds over a hundred hellos, and one
// two-byte Buffer per suite and per length prefix made the builder a visible share of its CPU.

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

export function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** A vector with a 1- or 2-byte length prefix. */
export function vec8(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + data.length);
  out[0] = data.length & 0xff;
  data.copy(out, 1);
  return out;
}

export function vec16(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + data.length);
  out.writeUInt16BE(data.length & 0xffff, 0);
  data.copy(out, 2);
  return out;
}

function list16(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) out.writeUInt16BE((values[i] as number) & 0xffff, i * 2);
  return out;
}

/** The default signature_algorithms body, encoded once. */
let defaultSignatureAlgorithms: Buffer | undefined;
function signatureAlgorithmsBody(list: readonly number[] | undefined): Buffer {
  if (list) return vec16(list16(list));
  return (defaultSignatureAlgorithms ??= vec16(list16(SIGNATURE_ALGORITHMS)));
}

/**
 * Random bytes for hellos (client random, legacy session id, GREASE picks), cut from a block
 * filled by the CSPRNG a few KiB at a time: one randomBytes call per field cost more than the rest
 * of the hello. Each caller gets its own copy; no byte is handed out twice.
 */
const RANDOM_BLOCK = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;
export function helloRandom(n: number): Buffer {
  if (n > RANDOM_BLOCK) return randomBytes(n);
  if (randomOffset + n > randomPool.length) {
    randomPool = randomBytes(RANDOM_BLOCK);
    randomOffset = 0;
  }
  const out = Buffer.from(randomPool.subarray(randomOffset, randomOffset + n));
  randomOffset += n;
  return out;
}

function ext(type: number, data: Buffer): Extension {
  return { type, data };
}

/**
 * An x25519 public key (raw 32 bytes) for the key_share. Probe handshakes never complete, so one
 * key per process is enough: servers only check that the point is valid, and generating a key
 * for each of the dozens of hellos in a check costs measurable CPU.
 */
export function x25519PublicKey(): Buffer {
  return keyShareFor(GROUP.x25519);
}

// A check sends one name in every hello, so the last answer is kept. IP literals never go in SNI
// (RFC 6066 §3): a name with ':' is IPv6, digits and dots IPv4 (no TLD is all digits); net.isIP's
// IPv6 expression cost ~10 ms to compile in a cold process's first check.
const IP_LITERAL = /^[\d.]+$|:/;
let lastServerName: { sni: string; extension: Extension | null } | undefined;

function serverNameExtension(sni: string | null | undefined): Extension | null {
  if (!sni) return null;
  if (lastServerName?.sni === sni) return lastServerName.extension;
  const extension = IP_LITERAL.test(sni) ? null : ext(EXT.serverName, vec16(Buffer.concat([u8(0), vec16(Buffer.from(sni.replace(/\.$/, ''), 'ascii'))])));
  lastServerName = { sni, extension };
  return extension;
}

/** One GREASE value per hello, as browsers pick them: random, so servers cannot special-case one. */
function greaseValue(): number {
  return GREASE_VALUES[helloRandom(1)[0] as number % GREASE_VALUES.length] as number;
}

function keyShareExtension(opts: ClientHelloOptions, grease: number | null): Extension {
  const groups = opts.keyShares ?? [GROUP.x25519];
  const entries = groups.map((g) => {
    const key = g === GROUP.x25519 && opts.x25519PublicKey ? opts.x25519PublicKey : keyShareFor(g);
    return Buffer.concat([u16(g), vec16(key)]);
  });
  if (grease !== null) entries.unshift(Buffer.concat([u16(grease), vec16(keyShareFor(grease))]));
  return ext(EXT.keyShare, vec16(Buffer.concat(entries)));
}

// Extension bodies every hello of a kind carries alike, made once: the encoder only reads them.
const EMPTY: Buffer = Buffer.alloc(0);
const UNCOMPRESSED_POINTS = vec8(Buffer.from([0]));
// status_type ocsp(1), no responder ids, no request extensions.
const OCSP_STATUS_REQUEST = Buffer.from([1, 0, 0, 0, 0]);
const EMPTY_RENEGOTIATION_INFO = vec8(EMPTY);
const PSK_DHE_KE = vec8(Buffer.from([1]));
const ONE_ZERO_BYTE = Buffer.alloc(1);

// Order of the defaults is the builder's historical one (probes' bytes stay the same); the
// optional browser extensions slot in where browsers put them relative to those.
function standardExtensions(opts: ClientHelloOptions, grease: number | null): Extension[] {
  const tls13 = opts.version === 'TLSv1.3';
  const out: Extension[] = [];
  if (grease !== null) out.push(ext(grease, EMPTY));
  const sni = serverNameExtension(opts.sni);
  if (sni) out.push(sni);
  if (opts.extendedMasterSecret) out.push(ext(EXT.extendedMasterSecret, EMPTY));
  const groups = opts.groups ?? (tls13 ? GROUPS_TLS13 : GROUPS_TLS12);
  out.push(ext(EXT.supportedGroups, vec16(list16(grease !== null ? [grease, ...groups] : groups))));
  out.push(ext(EXT.ecPointFormats, UNCOMPRESSED_POINTS));
  if (opts.sessionTicket) out.push(ext(EXT.sessionTicket, EMPTY));
  // signature_algorithms only exists from TLS 1.2 on; some 1.0 servers reject unknown extensions.
  if (opts.version === 'TLSv1.2' || tls13) {
    out.push(ext(EXT.signatureAlgorithms, signatureAlgorithmsBody(opts.signatureAlgorithms)));
  }
  if (opts.alpn?.length) {
    out.push(ext(EXT.alpn, vec16(Buffer.concat(opts.alpn.map((p) => vec8(Buffer.from(p, 'ascii')))))));
  }
  if (opts.statusRequest) out.push(ext(EXT.statusRequest, OCSP_STATUS_REQUEST));
  if (opts.signedCertificateTimestamp) out.push(ext(EXT.signedCertificateTimestamp, EMPTY));
  if (opts.renegotiationInfo) out.push(ext(EXT.renegotiationInfo, EMPTY_RENEGOTIATION_INFO));
  if (tls13) {
    // By default only 1.3 in supported_versions, so a ServerHello proves 1.3 support rather than a fallback.
    const versions = (opts.supportedVersions ?? ['TLSv1.3']).map((v) => VERSION_CODES[v]);
    out.push(ext(EXT.supportedVersions, vec8(list16(grease !== null ? [grease, ...versions] : versions))));
    out.push(keyShareExtension(opts, grease));
    out.push(ext(EXT.pskKeyExchangeModes, PSK_DHE_KE));
  }
  if (opts.compressCertificate?.length) {
    out.push(ext(EXT.compressCertificate, vec8(list16(opts.compressCertificate))));
  }
  // Browsers end with a second GREASE extension carrying one byte (RFC 8701 §3).
  if (grease !== null) out.push(ext(grease === 0xfafa ? 0x0a0a : grease + 0x1010, ONE_ZERO_BYTE));
  return out;
}

function extensionsLength(list: readonly Extension[]): number {
  let n = 0;
  for (const e of list) n += 4 + e.data.length;
  return n;
}

function writeExtensions(list: readonly Extension[], out: Buffer, at: number): number {
  let o = at;
  for (const e of list) {
    o = out.writeUInt16BE(e.type & 0xffff, o);
    o = out.writeUInt16BE(e.data.length & 0xffff, o);
    o += e.data.copy(out, o);
  }
  return o;
}

/** The padding extension (RFC 7685) for a handshake message of `length` bytes (with header), if any. */
function paddingExtension(mode: 'auto' | number | false, length: number): Extension | null {
  // Some load balancers hang on hellos whose handshake message is 256..511 bytes (RFC 7685 §1),
  // so 'auto' pushes such hellos to 512.
  if (mode === 'auto') {
    return length >= 256 && length < 512 ? ext(EXT.padding, Buffer.alloc(Math.max(0, 512 - length - 4))) : null;
  }
  // The extension's own 4-byte header must fit too; a zero-length padding extension is legal.
  if (mode === false || mode < length + 4) return null;
  return ext(EXT.padding, Buffer.alloc(mode - length - 4));
}

/** ClientHello record(s) for one probe. */
export function buildClientHello(opts: ClientHelloOptions): Buffer {
  const sslv3 = opts.version === 'SSLv3';
  const legacyVersion = opts.version === 'TLSv1.3' ? VERSION_CODES['TLSv1.2'] : VERSION_CODES[opts.version];
  const grease = opts.grease && !sslv3 ? greaseValue() : null;
  const ciphers = grease !== null ? [grease, ...opts.ciphers] : [...opts.ciphers];
  if (opts.renegotiationScsv || (sslv3 && opts.renegotiationInfo)) ciphers.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  if (opts.fallbackScsv) ciphers.push(TLS_FALLBACK_SCSV);
  // TLS 1.3 servers in middlebox-compatibility mode expect a 32-byte legacy session id.
  const sessionId = opts.sessionId ?? (opts.version === 'TLSv1.3' ? helloRandom(32) : EMPTY);
  const random = opts.random ?? helloRandom(32);
  // version, random, session id, cipher suites, compression methods (null only).
  const headLength = 2 + random.length + 1 + sessionId.length + 2 + 2 * ciphers.length + 2;
  let exts: Extension[] | null = null;
  let extsLength = 0;
  if (!sslv3) {
    exts = [...standardExtensions(opts, grease), ...(opts.extensions ?? [])];
    const padding = paddingExtension(opts.padding ?? 'auto', headLength + 2 + extensionsLength(exts) + 4);
    if (padding) exts.push(padding);
    extsLength = extensionsLength(exts);
  }
  const bodyLength = headLength + (exts ? 2 + extsLength : 0);
  // The record, handshake header and body written into one buffer (each piece was its own
  // Buffer, concatenated four times over); the lengths keep the encoders' masks.
  const out = Buffer.allocUnsafe(5 + 4 + bodyLength);
  let o = out.writeUInt8(22, 0);
  // Record version: 0x0301 is what deployed clients send for every TLS hello (some servers drop
  // records with a higher one); SSLv3 hellos say 0x0300 so SSLv3-only stacks accept them.
  o = out.writeUInt16BE(sslv3 ? VERSION_CODES.SSLv3 : VERSION_CODES.TLSv1, o);
  o = out.writeUInt16BE((4 + bodyLength) & 0xffff, o);
  o = out.writeUInt8(1, o); // client_hello
  o = out.writeUInt8((bodyLength >> 16) & 0xff, o);
  o = out.writeUInt16BE(bodyLength & 0xffff, o);
  o = out.writeUInt16BE(legacyVersion & 0xffff, o);
  o += random.copy(out, o);
  o = out.writeUInt8(sessionId.length & 0xff, o);
  o += sessionId.copy(out, o);
  o = out.writeUInt16BE((2 * ciphers.length) & 0xffff, o);
  for (const c of ciphers) o = out.writeUInt16BE(c & 0xffff, o);
  o = out.writeUInt8(1, o);
  o = out.writeUInt8(0, o);
  if (exts) {
    o = out.writeUInt16BE(extsLength & 0xffff, o);
    writeExtensions(exts, out, o);
  }
  return out;
}

/** An SSLv2 CLIENT-HELLO offering every SSLv2 cipher kind: only an SSLv2 server answers it in kind. */
export function buildSSLv2ClientHello(challenge: Buffer = helloRandom(16)): Buffer {
  const specs = Buffer.concat(SSLV2_CIPHER_KINDS.map((k) => u24(k.id)));
  const msg = Buffer.concat([
    u8(1), // MSG-CLIENT-HELLO
    u16(0x0002),
    u16(specs.length),
    u16(0), // session id length
    u16(challenge.length),
    specs,
    challenge,
  ]);
  // Two-byte header, high bit set, 15-bit length.
  return Buffer.concat([u16(0x8000 | msg.length), msg]);
}
