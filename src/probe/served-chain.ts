// The certificate chain exactly as the server sent it, read from the captured handshake bytes:
// in the clear for TLS ≤1.2, decrypted with the handshake secret from node's keylog for TLS 1.3.
// node:tls itself only offers the chain re-linked by issuer, which hides order mistakes.
import { createDecipheriv, createHmac } from 'node:crypto';
import { MSG_CERTIFICATE_REQUEST, parseCertificateRequest, type CertificateRequestInfo } from './codec/certificate-request.js';

const HANDSHAKE = 22;
const CHANGE_CIPHER_SPEC = 20;
const APPLICATION_DATA = 23;
const MSG_CERTIFICATE = 11;
const MSG_FINISHED = 20;

interface TlsRecord {
  type: number;
  header: Buffer;
  payload: Buffer;
}

export function splitRecords(bytes: Buffer): TlsRecord[] {
  const records: TlsRecord[] = [];
  let offset = 0;
  while (offset + 5 <= bytes.length) {
    const length = bytes.readUInt16BE(offset + 3);
    if (offset + 5 + length > bytes.length) break;
    records.push({
      type: bytes[offset] ?? 0,
      header: bytes.subarray(offset, offset + 5),
      payload: bytes.subarray(offset + 5, offset + 5 + length),
    });
    offset += 5 + length;
  }
  return records;
}

/** Handshake messages (type, body) from a reassembled handshake stream; stops at a partial one. */
export function splitHandshake(stream: Buffer): Array<{ type: number; body: Buffer }> {
  const out: Array<{ type: number; body: Buffer }> = [];
  let offset = 0;
  while (offset + 4 <= stream.length) {
    const length = stream.readUIntBE(offset + 1, 3);
    if (offset + 4 + length > stream.length) break;
    out.push({ type: stream[offset] ?? 0, body: stream.subarray(offset + 4, offset + 4 + length) });
    offset += 4 + length;
  }
  return out;
}

/** Certificate message body → DER list. TLS 1.3 adds a request context and per-entry extensions. */
export function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  let offset = 0;
  if (tls13) offset += 1 + (body[0] ?? 0);
  const listLength = body.readUIntBE(offset, 3);
  offset += 3;
  const end = Math.min(body.length, offset + listLength);
  const certs: Buffer[] = [];
  while (offset + 3 <= end) {
    const length = body.readUIntBE(offset, 3);
    offset += 3;
    if (offset + length > end) throw new Error('truncated certificate entry');
    certs.push(body.subarray(offset, offset + length));
    offset += length;
    if (tls13) offset += 2 + body.readUInt16BE(offset);
  }
  return certs;
}

const MSG_SERVER_HELLO = 2;

/** Extension types in the (cleartext) ServerHello, or null when no ServerHello was captured. */
export function serverHelloExtensions(bytes: Buffer): number[] | null {
  try {
    const parts: Buffer[] = [];
    for (const record of splitRecords(bytes)) {
      if (record.type !== HANDSHAKE) continue;
      parts.push(record.payload);
      const hello = splitHandshake(Buffer.concat(parts)).find((m) => m.type === MSG_SERVER_HELLO);
      if (!hello) continue;
      const body = hello.body;
      let offset = 2 + 32; // version, random
      offset += 1 + (body[offset] ?? 0); // session id
      offset += 2 + 1; // cipher suite, compression
      if (offset + 2 > body.length) return [];
      const end = Math.min(body.length, offset + 2 + body.readUInt16BE(offset));
      offset += 2;
      const types: number[] = [];
      while (offset + 4 <= end) {
        types.push(body.readUInt16BE(offset));
        offset += 4 + body.readUInt16BE(offset + 2);
      }
      return types;
    }
  } catch {
    return null;
  }
  return null;
}

export interface HandshakeMessage {
  type: number;
  body: Buffer;
}

/** TLS ≤1.2: the server's handshake messages, in the clear until its ChangeCipherSpec. */
export function cleartextFlight(bytes: Buffer): HandshakeMessage[] {
  const parts: Buffer[] = [];
  for (const record of splitRecords(bytes)) {
    if (record.type === CHANGE_CIPHER_SPEC) break;
    if (record.type === HANDSHAKE) parts.push(record.payload);
  }
  return splitHandshake(Buffer.concat(parts));
}

/** TLS ≤1.2: the Certificate message of the cleartext flight. */
export function chainFromCleartext(bytes: Buffer): Buffer[] | null {
  const message = cleartextFlight(bytes).find((m) => m.type === MSG_CERTIFICATE);
  return message ? parseCertificateMessage(message.body, false) : null;
}

interface Tls13Suite {
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: number;
  hash: 'sha256' | 'sha384';
}

const TLS13_SUITES: Readonly<Partial<Record<string, Tls13Suite>>> = {
  TLS_AES_128_GCM_SHA256: { cipher: 'aes-128-gcm', keyLength: 16, hash: 'sha256' },
  TLS_AES_256_GCM_SHA384: { cipher: 'aes-256-gcm', keyLength: 32, hash: 'sha384' },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' },
};

/** RFC 5869 HKDF-Expand (node's hkdfSync always extracts first, which TLS 1.3 key derivation must skip). */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, prk).update(Buffer.concat([previous, info, Buffer.from([i])])).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context. */
export function hkdfExpandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([0]),
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** The server handshake traffic secret from NSS key log lines. */
export function serverHandshakeSecret(keylog: readonly string[]): Buffer | null {
  for (const line of keylog) {
    const [label, , secret] = line.trim().split(/\s+/);
    if (label === 'SERVER_HANDSHAKE_TRAFFIC_SECRET' && secret) return Buffer.from(secret, 'hex');
  }
  return null;
}

/**
 * TLS 1.3: the server's encrypted handshake messages (RFC 8446 §5.2-5.3), decrypted with its
 * handshake traffic secret, from EncryptedExtensions up to `until` (its Finished by default).
 * null when they cannot be read.
 */
export function tls13Flight(bytes: Buffer, keylog: readonly string[], suiteName: string, until: number = MSG_FINISHED): HandshakeMessage[] | null {
  return tls13Flights(bytes, keylog, suiteName, [until])[0] ?? null;
}

/**
 * tls13Flight for several `until`s from one decryption pass (the certificate probe reads both the
 * chain and the CertificateRequest from one flight): each answer is exactly what tls13Flight
 * would give for that `until` alone.
 */
export function tls13Flights(bytes: Buffer, keylog: readonly string[], suiteName: string, untils: readonly number[]): Array<HandshakeMessage[] | null> {
  const answers: Array<HandshakeMessage[] | null | undefined> = untils.map(() => undefined);
  const settle = (value: HandshakeMessage[] | null, when: (until: number) => boolean): void => {
    untils.forEach((until, i) => {
      if (answers[i] === undefined && when(until)) answers[i] = value;
    });
  };
  const suite = TLS13_SUITES[suiteName];
  const secret = serverHandshakeSecret(keylog);
  if (!suite || !secret) return untils.map(() => null);
  const key = hkdfExpandLabel(suite.hash, secret, 'key', suite.keyLength);
  const iv = hkdfExpandLabel(suite.hash, secret, 'iv', 12);
  const handshake: Buffer[] = [];
  let seq = 0n;
  for (const record of splitRecords(bytes)) {
    if (record.type !== APPLICATION_DATA) continue;
    const plain = record.payload.length < 17 ? null : openRecord(suite, key, iv, seq++, record);
    // TLSInnerPlaintext: content, then the real content type, then zero padding.
    let end = plain ? plain.length - 1 : -1;
    while (plain && end >= 0 && plain[end] === 0) end--;
    if (!plain || end < 0 || plain[end] !== HANDSHAKE) {
      settle(null, () => true);
      break;
    }
    handshake.push(plain.subarray(0, end));
    const messages = splitHandshake(Buffer.concat(handshake));
    const finished = messages.some((m) => m.type === MSG_FINISHED);
    settle(messages, (until) => finished || messages.some((m) => m.type === until));
    if (answers.every((a) => a !== undefined)) break;
  }
  const rest = answers.some((a) => a === undefined) ? splitHandshake(Buffer.concat(handshake)) : [];
  return answers.map((a) => (a === undefined ? rest : a));
}

/** One AEAD record of the server's handshake flight, or null when it does not authenticate. */
function openRecord(suite: Tls13Suite, key: Buffer, iv: Buffer, seq: bigint, record: TlsRecord): Buffer | null {
  const nonce = Buffer.from(iv);
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  for (let i = 0; i < 8; i++) nonce[4 + i] = (nonce[4 + i] ?? 0) ^ (seqBytes[i] ?? 0);
  const decipher = suite.cipher === 'chacha20-poly1305'
    ? createDecipheriv(suite.cipher, key, nonce, { authTagLength: 16 })
    : createDecipheriv(suite.cipher, key, nonce, { authTagLength: 16 });
  decipher.setAAD(record.header, { plaintextLength: record.payload.length - 16 });
  decipher.setAuthTag(record.payload.subarray(record.payload.length - 16));
  try {
    return Buffer.concat([decipher.update(record.payload.subarray(0, record.payload.length - 16)), decipher.final()]);
  } catch {
    return null;
  }
}

/** TLS 1.3: the Certificate message of the decrypted flight. */
export function chainFromTls13(bytes: Buffer, keylog: readonly string[], suiteName: string): Buffer[] | null {
  return chainFromTls13Flight(tls13Flight(bytes, keylog, suiteName, MSG_CERTIFICATE));
}

/**
 * The server's CertificateRequest from a connection's capture (also a failed one: TLS ≤1.2
 * servers send it in the clear before refusing a client without a certificate). null: none seen,
 * or the flight could not be read.
 */
export function certificateRequest(bytes: Buffer, keylog: readonly string[], protocol: string | null, suiteName: string | undefined): CertificateRequestInfo | null {
  try {
    if (protocol === 'TLSv1.3') return requestFromTls13(suiteName ? tls13Flight(bytes, keylog, suiteName) : null);
    const flight = cleartextFlight(bytes);
    const message = flight.find((m) => m.type === MSG_CERTIFICATE_REQUEST);
    if (!message) return null;
    // The ServerHello's version decides the layout (signature algorithms from TLS 1.2 on).
    const hello = flight.find((m) => m.type === MSG_SERVER_HELLO);
    const version = hello && hello.body.length >= 2 ? hello.body.readUInt16BE(0) : 0x0303;
    return parseCertificateRequest(message.body, version >= 0x0303 ? 'TLSv1.2' : 'legacy');
  } catch {
    return null;
  }
}

function requestFromTls13(flight: HandshakeMessage[] | null): CertificateRequestInfo | null {
  const message = flight?.find((m) => m.type === MSG_CERTIFICATE_REQUEST);
  return message ? parseCertificateRequest(message.body, 'TLSv1.3') : null;
}

function chainFromTls13Flight(flight: HandshakeMessage[] | null): Buffer[] | null {
  const certificate = flight?.find((m) => m.type === MSG_CERTIFICATE);
  return certificate ? parseCertificateMessage(certificate.body, true) : null;
}

const orNull = <T>(read: () => T | null): T | null => {
  try {
    return read();
  } catch {
    return null;
  }
};

/**
 * servedChain and certificateRequest of one completed handshake, with a TLS 1.3 flight decrypted
 * once for both (each decryption derives keys and opens every record again).
 */
export function servedHandshake(bytes: Buffer, keylog: readonly string[], protocol: string | null, suiteName: string | undefined): { chain: Buffer[] | null; request: CertificateRequestInfo | null } {
  if (protocol !== 'TLSv1.3' || !suiteName) {
    return { chain: servedChain(bytes, keylog, protocol, suiteName), request: certificateRequest(bytes, keylog, protocol, suiteName) };
  }
  const flights = orNull(() => tls13Flights(bytes, keylog, suiteName, [MSG_CERTIFICATE, MSG_FINISHED]));
  return { chain: orNull(() => chainFromTls13Flight(flights?.[0] ?? null)), request: orNull(() => requestFromTls13(flights?.[1] ?? null)) };
}

/** The served chain from a connection's capture, or null when it cannot be read. */
export function servedChain(bytes: Buffer, keylog: readonly string[], protocol: string | null, suiteName: string | undefined): Buffer[] | null {
  try {
    if (protocol === 'TLSv1.3') return suiteName ? chainFromTls13(bytes, keylog, suiteName) : null;
    return chainFromCleartext(bytes);
  } catch {
    return null;
  }
}
