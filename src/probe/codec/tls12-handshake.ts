// A TLS 1.2 full handshake of our own (RFC 5246; ECDHE, RFC 8422, with AES-GCM, RFC 5289, or
// ChaCha20-Poly1305, RFC 7905; RFC 7627's extended master secret), for one purpose: to leave a session (an ID in the server's
// cache, or a ticket) that the resumption probe then offers again. node:tls costs ~2 ms of CPU per
// handshake (a TLSSocket, its streams, OpenSSL's state machine, the certificate turned into
// objects); this costs one key agreement, a few HMACs and two AEAD records. Nothing is trusted
// or verified beyond what proves the handshake completed: the server's Finished. Anything it does
// not cover (another version, a CBC or RSA-key-exchange suite, another curve, a server that
// refuses the empty Certificate we answer a certificate request with) is `unsupported`, and the
// caller makes the handshake with node:tls instead.
//
// Pure: a state machine fed the server's bytes, answering with bytes to send; no sockets.
import { createCipheriv, createDecipheriv, type CipherChaCha20Poly1305, type CipherGCM, type DecipherChaCha20Poly1305, type DecipherGCM, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { buildClientHello, EXT, helloRandom, u16, u24 } from './client-hello.js';
import { GROUP } from './groups.js';
import { append, eachRecord, HANDSHAKE, nextHandshakeMessage, parseServerHello } from './server-response.js';

const TLS12 = 0x0303;
const RECORD = { changeCipherSpec: 20, alert: 21, handshake: 22 } as const;
const MSG = { ...HANDSHAKE, newSessionTicket: 4, clientKeyExchange: 16, finished: 20 } as const;

interface Suite {
  hash: 'sha256' | 'sha384';
  aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyLength: 16 | 32;
  /** GCM: a 4-byte salt and an explicit 8-byte nonce per record (RFC 5288 §3); ChaCha20-Poly1305: a 12-byte IV XORed with the sequence number (RFC 7905 §2). */
  ivLength: 4 | 12;
}

const AES128: Suite = { hash: 'sha256', aead: 'aes-128-gcm', keyLength: 16, ivLength: 4 };
const AES256: Suite = { hash: 'sha384', aead: 'aes-256-gcm', keyLength: 32, ivLength: 4 };
const CHACHA: Suite = { hash: 'sha256', aead: 'chacha20-poly1305', keyLength: 32, ivLength: 12 };

/** ECDHE with an AEAD, which every TLS 1.2 stack of the last decade has; ECDSA and RSA certificates alike. */
const SUITES: Readonly<Record<number, Suite>> = {
  0xc02b: AES128, // ECDHE-ECDSA-AES128-GCM-SHA256
  0xc02f: AES128, // ECDHE-RSA-AES128-GCM-SHA256
  0xc02c: AES256, // ECDHE-ECDSA-AES256-GCM-SHA384
  0xc030: AES256, // ECDHE-RSA-AES256-GCM-SHA384
  0xcca9: CHACHA, // ECDHE-ECDSA-CHACHA20-POLY1305
  0xcca8: CHACHA, // ECDHE-RSA-CHACHA20-POLY1305
};
/** As raw-hello's MAX_FLIGHT_BYTES: room for a large certificate chain, and no more. */
export const MAX_HANDSHAKE_BYTES = 256 * 1024;
const SUITE_IDS = Object.keys(SUITES).map(Number);
const CURVES = [GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1];
const OPENSSL_CURVES: Readonly<Record<number, string>> = { [GROUP.secp256r1]: 'prime256v1', [GROUP.secp384r1]: 'secp384r1', [GROUP.secp521r1]: 'secp521r1' };

const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
};
const handshakeMessage = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const record = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type]), u16(TLS12), u16(body.length), body]);

/** RFC 5246 §5: PRF(secret, label, seed) = P_hash(secret, label + seed), cut to `length`. */
export function prf(hash: Suite['hash'], secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let produced = 0;
  let a = labelSeed;
  while (produced < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** generateKeyPairSync with JWK output, which @types/node has no overload for (Node returns plain JWK objects). */
const generateJwkPair = generateKeyPairSync as unknown as (type: 'x25519', options: { publicKeyEncoding: { format: 'jwk' }; privateKeyEncoding: { format: 'jwk' } }) => { publicKey: JsonWebKey; privateKey: JsonWebKey };

/**
 * The client's half of an ECDHE exchange on the server's curve, or null for a curve not covered.
 *
 * The x25519 pair comes back from generateKeyPairSync already encoded as JWK, and the private key
 * is imported again for the agreement. Exporting the generated KeyObject as JWK instead (what this
 * did first) can hang Node 20 for good: ExportJWKEdKey holds the key's mutex while it allocates
 * the "x" string, a garbage collection inside that allocation destroys the finished KeyGenJob of
 * the same key, and its destructor waits on that mutex (seen here: futex wait under
 * KeyGenJob::~KeyGenJob, ExportJWKEdKey; test/tls12-key-agreement.test.ts). The worker's event
 * loop would stop with it, every check and timer too.
 */
export function keyAgreement(curve: number, serverPoint: Buffer): { publicKey: Buffer; secret: Buffer } | null {
  const named = OPENSSL_CURVES[curve];
  if (named) {
    const ecdh = createECDH(named);
    const publicKey = ecdh.generateKeys();
    return { publicKey, secret: ecdh.computeSecret(serverPoint) };
  }
  if (curve === GROUP.x25519 && serverPoint.length === 32) {
    const { privateKey: jwk } = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } });
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: serverPoint.toString('base64url') }, format: 'jwk' });
    return { publicKey: Buffer.from(jwk.x ?? '', 'base64url'), secret: diffieHellman({ privateKey, publicKey: peer }) };
  }
  return null;
}

interface Keys {
  suite: Suite;
  masterSecret: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/** The per-record nonce: the salt and the explicit part (GCM), or the IV XOR the sequence number (ChaCha20-Poly1305). */
function nonce(suite: Suite, iv: Buffer, seq: number, explicit: Buffer): Buffer {
  if (suite.ivLength === 4) return Buffer.concat([iv, explicit]);
  const n = Buffer.from(iv);
  for (let i = 0; i < 8; i++) n[4 + i] = (n[4 + i] as number) ^ (explicit[i] as number);
  return n;
}

const TAG_LENGTH = 16;

const cipherFor = (suite: Suite, key: Buffer, iv: Buffer): CipherGCM | CipherChaCha20Poly1305 =>
  suite.aead === 'chacha20-poly1305' ? createCipheriv(suite.aead, key, iv, { authTagLength: TAG_LENGTH }) : createCipheriv(suite.aead, key, iv);
const decipherFor = (suite: Suite, key: Buffer, iv: Buffer): DecipherGCM | DecipherChaCha20Poly1305 =>
  suite.aead === 'chacha20-poly1305' ? createDecipheriv(suite.aead, key, iv, { authTagLength: TAG_LENGTH }) : createDecipheriv(suite.aead, key, iv);

/** AAD = seq ‖ type ‖ version ‖ plaintext length (RFC 5246 §6.2.3.3). */
const aad = (seq: number, type: number, length: number): Buffer => Buffer.concat([u64(seq), Buffer.from([type]), u16(TLS12), u16(length)]);

function seal(keys: Keys, seq: number, type: number, plaintext: Buffer): Buffer {
  const { suite } = keys;
  const explicit = u64(seq);
  const cipher = cipherFor(suite, keys.clientKey, nonce(suite, keys.clientIv, seq, explicit));
  cipher.setAAD(aad(seq, type, plaintext.length), { plaintextLength: plaintext.length });
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return record(type, suite.ivLength === 4 ? Buffer.concat([explicit, sealed]) : sealed);
}

/** The server's record `body` opened, or null when it does not authenticate. */
function open(keys: Keys, seq: number, type: number, body: Buffer): Buffer | null {
  const { suite } = keys;
  const explicitLength = suite.ivLength === 4 ? 8 : 0;
  if (body.length < explicitLength + TAG_LENGTH) return null;
  const explicit = explicitLength ? body.subarray(0, 8) : u64(seq);
  const sealed = body.subarray(explicitLength, body.length - TAG_LENGTH);
  try {
    const decipher = decipherFor(suite, keys.serverKey, nonce(suite, keys.serverIv, seq, explicit));
    decipher.setAAD(aad(seq, type, sealed.length), { plaintextLength: sealed.length });
    decipher.setAuthTag(body.subarray(body.length - TAG_LENGTH));
    return Buffer.concat([decipher.update(sealed), decipher.final()]);
  } catch {
    return null;
  }
}

export type Tls12Step =
  /** Write these bytes, then feed what comes back. */
  | { kind: 'send'; bytes: Buffer }
  | { kind: 'need-more' }
  /** The handshake completed; write `bytes` (close_notify) and hang up. */
  | { kind: 'done'; session: Tls12Session; bytes: Buffer }
  /** Not a handshake this module makes (or the server refused it): make it with node:tls. */
  | { kind: 'unsupported'; why: string };

/** What a completed handshake left behind, for the resumption offers. */
export interface Tls12Session {
  cipher: number;
  /** The server's session ID from its ServerHello (empty when it gave none). */
  sessionId: Buffer;
  /** The NewSessionTicket's ticket; null when none came or it was empty. */
  ticket: Buffer | null;
  extendedMasterSecret: boolean;
  masterSecret: Buffer;
}

/**
 * One client handshake. `hello` goes out first; then `feed` every chunk the server sends, and
 * act on each step. `withTicket`: offer session_ticket (RFC 5077), as the ticket mechanism's
 * handshakes do; without it only the session ID can resume, as with SSL_OP_NO_TICKET.
 */
export class Tls12Handshake {
  readonly hello: Buffer;
  private readonly clientRandom: Buffer;
  private readonly transcript: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private received = 0;
  private fragments: Buffer = Buffer.alloc(0);
  private phase: 'server-hello' | 'server-finish' | 'encrypted' | 'over' = 'server-hello';
  private serverHello: { random: Buffer; sessionId: Buffer; cipher: number; ems: boolean; ticketPromised: boolean } | null = null;
  private serverKeyExchange: { curve: number; point: Buffer } | null = null;
  private keys: Keys | null = null;
  private ticket: Buffer | null = null;
  /** The server asked for a certificate: we answer with none, as node:tls does without one. */
  private certificateRequested = false;

  constructor(sni: string | null, readonly withTicket: boolean) {
    this.clientRandom = helloRandom(32);
    this.hello = buildClientHello({
      version: 'TLSv1.2', ciphers: SUITE_IDS, sni, random: this.clientRandom, groups: CURVES,
      renegotiationInfo: true, extendedMasterSecret: true, sessionTicket: withTicket,
    });
    this.transcript.push(this.hello.subarray(5));
  }

  feed(chunk: Buffer): Tls12Step {
    try {
      return this.consume(chunk);
    } catch (err) {
      // A length that points past its message, and the like: a server's bytes, not our bug.
      return this.stop(`unreadable: ${(err as Error).message}`);
    }
  }

  private consume(chunk: Buffer): Tls12Step {
    // Every handshake message is kept for the transcript: a server that never ends its flight
    // (a certificate chain without end) must not grow it without bound.
    this.received += chunk.length;
    if (this.received > MAX_HANDSHAKE_BYTES) return this.stop(`more than ${MAX_HANDSHAKE_BYTES} bytes without finishing the handshake`);
    this.pending = append(this.pending, chunk);
    let toSend: Buffer | null = null;
    let decided: Tls12Step | null = null;
    const { consumed, error } = eachRecord(this.pending, (type, _version, body) => {
      const step = this.record(type, body);
      if (step?.kind === 'send') toSend = toSend ? Buffer.concat([toSend, step.bytes]) : step.bytes;
      else if (step) decided = step;
      return decided !== null;
    });
    if (decided) return decided;
    if (error) return this.stop(error);
    this.pending = this.pending.subarray(consumed);
    return toSend ? { kind: 'send', bytes: toSend } : { kind: 'need-more' };
  }

  private stop(why: string): Tls12Step {
    this.phase = 'over';
    return { kind: 'unsupported', why };
  }

  private record(type: number, body: Buffer): Tls12Step | null {
    if (this.phase === 'over') return this.stop('records after the end');
    // A warning before the end (unrecognized_name, RFC 6066 §3) is no refusal.
    if (type === RECORD.alert && body[0] === 1 && body[1] !== 0 && this.phase !== 'encrypted') return null;
    if (type === RECORD.alert) return this.stop(this.phase === 'encrypted' ? 'encrypted alert' : `alert ${body[1] ?? '?'}`);
    if (type === RECORD.changeCipherSpec) {
      if (this.phase !== 'server-finish') return this.stop('unexpected ChangeCipherSpec');
      this.phase = 'encrypted';
      return null;
    }
    if (type !== RECORD.handshake) return this.stop(`unexpected record type ${type}`);
    if (this.phase === 'encrypted') return this.serverFinished(body);
    this.fragments = append(this.fragments, body);
    let toSend: Tls12Step | null = null;
    for (let m = nextHandshakeMessage(this.fragments); m; m = nextHandshakeMessage(this.fragments)) {
      this.fragments = m.rest;
      const message = Buffer.from(m.whole);
      const step = this.message(m.type, message.subarray(4), message);
      if (step?.kind === 'unsupported') return step;
      if (step) toSend = step;
    }
    return toSend;
  }

  private message(type: number, body: Buffer, whole: Buffer): Tls12Step | null {
    if (this.phase === 'server-finish') {
      if (type !== MSG.newSessionTicket || !this.serverHello?.ticketPromised) return this.stop(`unexpected handshake message ${type}`);
      this.transcript.push(whole);
      // lifetime_hint(4), ticket<0..2^16-1>; an empty one means no ticket (RFC 5077 §3.3).
      const ticket = body.length >= 6 ? body.subarray(6, 6 + body.readUInt16BE(4)) : Buffer.alloc(0);
      this.ticket = ticket.length ? Buffer.from(ticket) : null;
      return null;
    }
    this.transcript.push(whole);
    switch (type) {
      case MSG.serverHello:
        return this.readServerHello(body);
      case MSG.certificate:
      case MSG.certificateStatus:
        return null;
      case MSG.serverKeyExchange:
        return this.readServerKeyExchange(body);
      case MSG.certificateRequest:
        this.certificateRequested = true;
        return null;
      case MSG.serverHelloDone:
        return this.clientFlight();
      default:
        return this.stop(`unexpected handshake message ${type}`);
    }
  }

  private readServerHello(body: Buffer): Tls12Step | null {
    const hello = parseServerHello(body, TLS12);
    if (hello.kind !== 'server-hello') return this.stop(hello.detail);
    if (hello.version !== TLS12) return this.stop('not TLS 1.2');
    if (!SUITES[hello.cipher]) return this.stop(`suite 0x${hello.cipher.toString(16)}`);
    const has = (type: number): boolean => hello.extensions.some((e) => e.type === type);
    this.serverHello = { random: hello.random, sessionId: hello.sessionId, cipher: hello.cipher, ems: has(EXT.extendedMasterSecret), ticketPromised: has(EXT.sessionTicket) };
    return null;
  }

  private readServerKeyExchange(body: Buffer): Tls12Step | null {
    // ECParameters: curve_type named_curve(3), NamedCurve; then the point, vec8 (RFC 8422 §5.4).
    if (body.length < 4 || body[0] !== 3) return this.stop('not a named curve');
    const curve = body.readUInt16BE(1);
    const point = body.subarray(4, 4 + (body[3] as number));
    this.serverKeyExchange = { curve, point: Buffer.from(point) };
    return null;
  }

  private clientFlight(): Tls12Step {
    const hello = this.serverHello;
    const kx = this.serverKeyExchange;
    if (!hello || !kx) return this.stop('no ServerHello or ServerKeyExchange');
    const suite = SUITES[hello.cipher] as Suite;
    let agreed: { publicKey: Buffer; secret: Buffer } | null;
    try {
      agreed = keyAgreement(kx.curve, kx.point);
    } catch {
      agreed = null;
    }
    if (!agreed) return this.stop(`curve ${kx.curve}`);
    // An empty Certificate (RFC 5246 §7.4.6): a server that requires one refuses us, and node:tls gets its turn.
    const certificate = this.certificateRequested ? handshakeMessage(MSG.certificate, Buffer.alloc(3)) : null;
    if (certificate) this.transcript.push(certificate);
    const clientKeyExchange = handshakeMessage(MSG.clientKeyExchange, Buffer.concat([Buffer.from([agreed.publicKey.length]), agreed.publicKey]));
    this.transcript.push(clientKeyExchange);
    const masterSecret = hello.ems
      ? prf(suite.hash, agreed.secret, 'extended master secret', this.transcriptHash(suite), 48)
      : prf(suite.hash, agreed.secret, 'master secret', Buffer.concat([this.clientRandom, hello.random]), 48);
    const k = suite.keyLength;
    const iv = suite.ivLength;
    // RFC 5246 §6.3: no MAC keys for an AEAD; client key, server key, client IV, server IV.
    const block = prf(suite.hash, masterSecret, 'key expansion', Buffer.concat([hello.random, this.clientRandom]), 2 * k + 2 * iv);
    this.keys = {
      suite, masterSecret,
      clientKey: block.subarray(0, k), serverKey: block.subarray(k, 2 * k),
      clientIv: block.subarray(2 * k, 2 * k + iv), serverIv: block.subarray(2 * k + iv, 2 * k + 2 * iv),
    };
    const finished = handshakeMessage(MSG.finished, prf(suite.hash, masterSecret, 'client finished', this.transcriptHash(suite), 12));
    this.transcript.push(finished);
    this.phase = 'server-finish';
    return {
      kind: 'send',
      bytes: Buffer.concat([record(RECORD.handshake, certificate ? Buffer.concat([certificate, clientKeyExchange]) : clientKeyExchange), record(RECORD.changeCipherSpec, Buffer.from([1])), seal(this.keys, 0, RECORD.handshake, finished)]),
    };
  }

  private serverFinished(body: Buffer): Tls12Step {
    const keys = this.keys;
    const hello = this.serverHello;
    if (!keys || !hello) return this.stop('encrypted record before our Finished');
    const plain = open(keys, 0, RECORD.handshake, body);
    if (!plain) return this.stop('the server\'s Finished does not authenticate');
    const expected = handshakeMessage(MSG.finished, prf(keys.suite.hash, keys.masterSecret, 'server finished', this.transcriptHash(keys.suite), 12));
    if (!plain.equals(expected)) return this.stop('the server\'s Finished does not verify');
    this.phase = 'over';
    return {
      kind: 'done',
      session: { cipher: hello.cipher, sessionId: hello.sessionId, ticket: this.ticket, extendedMasterSecret: hello.ems, masterSecret: keys.masterSecret },
      // close_notify (RFC 5246 §7.2.1): OpenSSL drops a session whose connection ends without one.
      bytes: seal(keys, 1, RECORD.alert, Buffer.from([1, 0])),
    };
  }

  private transcriptHash(suite: Suite): Buffer {
    const h = createHash(suite.hash);
    for (const m of this.transcript) h.update(m);
    return h.digest();
  }
}
