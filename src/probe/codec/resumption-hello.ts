// Resumption offers as hand-built ClientHellos. A session from one full handshake (node's
// serialised SSL_SESSION) is offered again on a bare TCP socket, and the ServerHello alone says
// whether the server resumed it: RFC 5246 §7.4.1.3 (it echoes the session ID), RFC 5077 §3.4 (a
// ticket accepted echoes the client's session ID) and RFC 8446 §4.2.11 (pre_shared_key selected).
// No handshake is completed, so an attempt costs one round trip and almost no CPU.
import { createHash, createHmac } from 'node:crypto';
import { children, readDer, TAG } from '../der.js';
import { buildClientHello, EXT, helloRandom, u16, vec16, vec8, VERSION_CODES, x25519PublicKey, type HelloVersion } from './client-hello.js';
import type { ServerHello } from './server-response.js';

/** What a resumption needs from OpenSSL's SSL_SESSION ASN.1 (ssl/ssl_asn1.c). */
export interface SessionFacts {
  /** 0x0303 for TLS 1.2, 0x0304 for TLS 1.3. */
  version: number;
  cipher: number;
  /** The server's session ID (TLS ≤1.2 without a ticket); empty when the server gave none. */
  sessionId: Buffer;
  /** TLS 1.2: the master secret; TLS 1.3: the PSK derived for this ticket. */
  masterKey: Buffer;
  /** Seconds since the epoch when the session was made. */
  time: number;
  ticket: Buffer | null;
  ticketAgeAdd: number;
  /** The session used extended_master_secret (RFC 7627), which a resumption must offer again. */
  extendedMasterSecret: boolean;
}

const SSL_SESS_FLAG_EXTMS = 0x1;

function uint(value: Buffer): number {
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

/** Reads node's `session` buffer; null when it is not a session this module can offer. */
export function parseSession(der: Buffer): SessionFacts | null {
  try {
    const top = children(readDer(der));
    const [, version, cipher, sessionId, masterKey] = top;
    if (!version || version.tag !== TAG.integer || !cipher || !sessionId || !masterKey) return null;
    const tagged = new Map<number, Buffer>();
    for (const node of top.slice(5)) {
      // [n] EXPLICIT: context class, constructed, wrapping one element.
      if ((node.tag & 0xe0) === 0xa0) tagged.set(node.tag & 0x1f, children(node)[0]?.value ?? Buffer.alloc(0));
    }
    const ticket = tagged.get(10);
    return {
      version: uint(version.value),
      cipher: uint(cipher.value.subarray(-2)),
      sessionId: Buffer.from(sessionId.value),
      masterKey: Buffer.from(masterKey.value),
      time: uint(tagged.get(1) ?? Buffer.alloc(0)),
      ticket: ticket?.length ? Buffer.from(ticket) : null,
      ticketAgeAdd: uint(tagged.get(14) ?? Buffer.alloc(0)),
      extendedMasterSecret: (uint(tagged.get(13) ?? Buffer.alloc(0)) & SSL_SESS_FLAG_EXTMS) !== 0,
    };
  } catch {
    return null;
  }
}

/** The first 16 bytes of an RFC 5077 §4-style ticket name the key that sealed it (OpenSSL, nginx, HAProxy, GnuTLS, older Go). */
export function ticketKeyName(ticket: Buffer | null | undefined): string | null {
  return ticket && ticket.length >= 32 ? ticket.subarray(0, 16).toString('hex') : null;
}

export type OfferKind = 'sessionId' | 'ticket' | 'psk';

export interface ResumptionOffer {
  kind: OfferKind;
  hello: Buffer;
  /** The session ID the ServerHello echoes when it resumes (TLS ≤1.2). */
  echo: Buffer | null;
}

const EXTENDED_MASTER_SECRET = 0x0017;
const SESSION_TICKET = 0x0023;
const PRE_SHARED_KEY = 0x0029;

const LEGACY_VERSIONS: Readonly<Record<number, HelloVersion>> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2' };

/** TLS ≤1.2: offer the session by ID, or by ticket with a fresh ID the server echoes on acceptance. */
function legacyOffer(kind: 'sessionId' | 'ticket', s: SessionFacts, sni: string | null, version: HelloVersion): ResumptionOffer | null {
  if (kind === 'sessionId' && s.sessionId.length === 0) return null;
  if (kind === 'ticket' && !s.ticket) return null;
  const echo = kind === 'sessionId' ? s.sessionId : helloRandom(32);
  const extensions = [
    ...(s.extendedMasterSecret ? [{ type: EXTENDED_MASTER_SECRET, data: Buffer.alloc(0) }] : []),
    ...(kind === 'ticket' && s.ticket ? [{ type: SESSION_TICKET, data: s.ticket }] : []),
  ];
  // Only the session's own suite: a server may resume only with it (RFC 5246 §7.4.1.2).
  const hello = buildClientHello({ version, ciphers: [s.cipher], sni, renegotiationInfo: true, sessionId: echo, extensions });
  return { kind, hello, echo };
}

const u32 = (n: number): Buffer => Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const extension = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);

const TLS13_HASH: Readonly<Record<number, 'sha256' | 'sha384'>> = { 0x1301: 'sha256', 0x1302: 'sha384', 0x1303: 'sha256', 0x1304: 'sha256', 0x1305: 'sha256' };

/** RFC 8446 §7.1 HKDF-Expand-Label (the output is never longer than one hash block here). */
function expandLabel(hash: string, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([u16(length), vec8(full), vec8(context)]);
  return createHmac(hash, secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

/** RFC 8446 §4.2.11.2: the binder over the ClientHello up to (not including) the binders list. */
export function pskBinder(hash: 'sha256' | 'sha384', psk: Buffer, truncatedHello: Buffer): Buffer {
  const size = createHash(hash).digest().length;
  const early = createHmac(hash, Buffer.alloc(size)).update(psk).digest();
  const binderKey = expandLabel(hash, early, 'res binder', createHash(hash).digest(), size);
  const finishedKey = expandLabel(hash, binderKey, 'finished', Buffer.alloc(0), size);
  return createHmac(hash, finishedKey).update(createHash(hash).update(truncatedHello).digest()).digest();
}

// Groups and signature schemes every TLS 1.3 server has; the key share is x25519.
const TLS13_GROUPS = [0x001d, 0x0017, 0x0018];
const TLS13_SIGALGS = [0x0403, 0x0503, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807];

/** TLS 1.3: offer the ticket as a PSK (psk_dhe_ke), with its binder, as the last extension. */
function pskOffer(s: SessionFacts, sni: string | null, nowMs: number): ResumptionOffer | null {
  const hash = TLS13_HASH[s.cipher];
  if (!s.ticket || !hash) return null;
  const size = createHash(hash).digest().length;
  const name = sni ? Buffer.from(sni.replace(/\.$/, ''), 'ascii') : null;
  const age = Math.max(0, nowMs - s.time * 1000);
  const obfuscatedAge = (age + s.ticketAgeAdd) >>> 0;
  const identities = vec16(Buffer.concat([vec16(s.ticket), u32(obfuscatedAge)]));
  const binders = vec16(vec8(Buffer.alloc(size)));
  const extensions = Buffer.concat([
    ...(name ? [extension(EXT.serverName, vec16(Buffer.concat([Buffer.from([0]), vec16(name)])))] : []),
    extension(EXT.supportedGroups, vec16(Buffer.concat(TLS13_GROUPS.map(u16)))),
    extension(EXT.signatureAlgorithms, vec16(Buffer.concat(TLS13_SIGALGS.map(u16)))),
    extension(EXT.supportedVersions, vec8(u16(VERSION_CODES['TLSv1.3']))),
    extension(EXT.pskKeyExchangeModes, vec8(Buffer.from([1]))),
    extension(EXT.keyShare, vec16(Buffer.concat([u16(0x001d), vec16(x25519PublicKey())]))),
    // pre_shared_key must be the last extension (RFC 8446 §4.2.11).
    extension(PRE_SHARED_KEY, Buffer.concat([identities, binders])),
  ]);
  const body = Buffer.concat([
    u16(VERSION_CODES['TLSv1.2']), helloRandom(32), vec8(helloRandom(32)),
    vec16(u16(s.cipher)), vec8(Buffer.from([0])), vec16(extensions),
  ]);
  const message = Buffer.concat([Buffer.from([1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  const truncated = message.subarray(0, message.length - binders.length);
  pskBinder(hash, s.masterKey, truncated).copy(message, message.length - size);
  const hello = Buffer.concat([Buffer.from([22]), u16(VERSION_CODES.TLSv1), u16(message.length), message]);
  return { kind: 'psk', hello, echo: null };
}

/** Whether `session` can be offered by this mechanism at all (without building the hello). */
export function canOffer(kind: OfferKind, s: SessionFacts): boolean {
  if (kind === 'psk') return s.ticket !== null && TLS13_HASH[s.cipher] !== undefined;
  if (LEGACY_VERSIONS[s.version] === undefined) return false;
  return kind === 'sessionId' ? s.sessionId.length > 0 : s.ticket !== null;
}

/** The hello that offers `session` by the given mechanism, or null when the session cannot be offered that way. */
export function resumptionOffer(kind: OfferKind, session: SessionFacts, sni: string | null, nowMs = Date.now()): ResumptionOffer | null {
  if (kind === 'psk') return pskOffer(session, sni, nowMs);
  const version = LEGACY_VERSIONS[session.version];
  return version ? legacyOffer(kind, session, sni, version) : null;
}

/** Did this ServerHello resume the offer? (A HelloRetryRequest decides nothing yet: null.) */
export function resumedBy(offer: ResumptionOffer, hello: ServerHello): boolean | null {
  if (hello.helloRetryRequest) return null;
  if (offer.kind === 'psk') return hello.version === VERSION_CODES['TLSv1.3'] && hello.extensions.some((e) => e.type === PRE_SHARED_KEY);
  return offer.echo !== null && offer.echo.length > 0 && hello.sessionId.equals(offer.echo);
}
