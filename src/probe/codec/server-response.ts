// Reads the first flight a server sends back to a hand-built hello. Pure and restartable: it
// re-parses the whole buffer each call (the buffer stays small), so callers feed whatever TCP
// delivered so far and get `need-more` until a decision is possible. It never throws.
import { cipherName, sslv2CipherName } from './cipher-suites.js';
import { EXT } from './client-hello.js';
import type { ProtocolName } from '../../types.js';

/** Largest legal record body: 2^14 plus the 2048 bytes of expansion TLS 1.2 allows. */
export const MAX_RECORD_LENGTH = 16384 + 2048;

export interface ParsedExtension {
  type: number;
  data: Buffer;
}

export interface ServerHello {
  kind: 'server-hello';
  /** Version the server picked: supported_versions when present, else the legacy field. */
  version: number;
  versionName: ProtocolName | null;
  /** The legacy_version field itself (0x0303 for TLS 1.3). */
  legacyVersion: number;
  /** Record-layer version of the record that carried it. */
  recordVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipher: number;
  cipherName: string;
  compression: number;
  extensions: ParsedExtension[];
  helloRetryRequest: boolean;
  /** renegotiation_info present (RFC 5746), with its renegotiated_connection content in hex. */
  renegotiationInfo: { present: boolean; content: string | null };
  /** RFC 8446 §4.1.3 downgrade marker in the random: a 1.3-capable server negotiated lower. */
  downgradeSentinel: 'tls12' | 'tls11' | null;
  /** Group of the server's key_share (TLS 1.3; for an HRR, the group it asks for). */
  keyShareGroup: number | null;
  /** TLS ≤ 1.2 only, when the caller asked for it: the rest of the server's first flight (see parseFlight). */
  flight?: HandshakeMessage[];
}

export interface HandshakeMessage {
  /** HandshakeType: 11 Certificate, 12 ServerKeyExchange, 13 CertificateRequest, 14 ServerHelloDone, 22 CertificateStatus. */
  type: number;
  body: Buffer;
}

export interface Alert {
  kind: 'alert';
  level: 'warning' | 'fatal' | 'unknown';
  description: number;
  descriptionName: string;
  recordVersion: number;
}

export interface SSLv2ServerHello {
  kind: 'sslv2-server-hello';
  version: number;
  ciphers: number[];
  cipherNames: string[];
  certificate: Buffer;
}

export interface SSLv2Error {
  kind: 'sslv2-error';
  code: number;
}

export type NotTlsLabel = 'http' | 'ssh' | 'smtp' | 'ftp' | 'pop3' | 'imap' | 'unknown';

export interface NotTls {
  kind: 'not-tls';
  label: NotTlsLabel;
  /** Why: the banner line for text protocols, or what was wrong with the bytes. */
  detail: string;
}

export type ServerResponse = ServerHello | Alert | SSLv2ServerHello | SSLv2Error | NotTls;
export type ParseResult = ServerResponse | { kind: 'need-more' };

const NEED_MORE = { kind: 'need-more' } as const;

export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const DOWNGRADE_TLS12 = Buffer.from('444f574e47524401', 'hex');
const DOWNGRADE_TLS11 = Buffer.from('444f574e47524400', 'hex');

export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
  121: 'ech_required',
};

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `unknown_alert_${description}`;
}

const VERSION_NAMES: Readonly<Record<number, ProtocolName>> = {
  0x0002: 'SSLv2',
  0x0300: 'SSLv3',
  0x0301: 'TLSv1',
  0x0302: 'TLSv1.1',
  0x0303: 'TLSv1.2',
  0x0304: 'TLSv1.3',
};

export function versionName(code: number): ProtocolName | null {
  return VERSION_NAMES[code] ?? null;
}

// Text protocols that answer (or greet) on a port someone expected TLS on. Prefix → label.
const BANNERS: ReadonlyArray<readonly [string, NotTlsLabel]> = [
  ['HTTP/', 'http'],
  ['SSH-', 'ssh'],
  ['+OK', 'pop3'],
  ['* OK', 'imap'],
  ['220', 'smtp'],
  ['<html', 'http'],
  ['<!DOCTYPE', 'http'],
];

const RECORD_TYPES = new Set([20, 21, 22, 23]);

function notTls(label: NotTlsLabel, detail: string): NotTls {
  return { kind: 'not-tls', label, detail };
}

function firstLine(buf: Buffer): string {
  const text = buf.subarray(0, 200).toString('latin1');
  return text.split(/\r?\n/)[0]?.replace(/[^\x20-\x7e]/g, '?') ?? '';
}

/** Matches text banners; `need-more` while the bytes are still a prefix of one. */
function matchBanner(buf: Buffer, eof: boolean): NotTls | 'need-more' | null {
  const head = buf.subarray(0, 16).toString('latin1');
  for (const [prefix, label] of BANNERS) {
    const n = Math.min(head.length, prefix.length);
    if (head.slice(0, n).toLowerCase() !== prefix.slice(0, n).toLowerCase()) continue;
    if (n < prefix.length) return eof ? null : 'need-more';
    if (label === 'smtp') {
      // "220 " greets both SMTP and FTP; the rest of the line usually names which.
      const line = firstLine(buf);
      if (!/\r?\n/.test(buf.subarray(0, 200).toString('latin1')) && buf.length < 200 && !eof) return 'need-more';
      return notTls(/ftp/i.test(line) && !/smtp/i.test(line) ? 'ftp' : 'smtp', line);
    }
    return notTls(label, firstLine(buf));
  }
  return null;
}

/**
 * Visits the complete records at the front of `buf`, in order, until `visit` returns true (a
 * decision: the records after it are not read at all, e.g. a TLS 1.3 server's encrypted ones) or
 * an incomplete or malformed record. `error` says why reading stopped at a malformed one;
 * `consumed` counts the bytes of the records visited, so a reader fed in pieces keeps the rest.
 */
export function eachRecord(buf: Buffer, visit: (type: number, version: number, body: Buffer) => boolean): { count: number; consumed: number; error: string | null } {
  let count = 0;
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 5) return { count, consumed: off, error: null };
    const type = buf[off] as number;
    const version = buf.readUInt16BE(off + 1);
    const length = buf.readUInt16BE(off + 3);
    if (!RECORD_TYPES.has(type) || buf[off + 1] !== 3) {
      return { count, consumed: off, error: `not a TLS record header (bytes ${buf.subarray(off, off + 5).toString('hex')})` };
    }
    if (length > MAX_RECORD_LENGTH) return { count, consumed: off, error: `record length ${length} exceeds the TLS maximum` };
    if (buf.length - off - 5 < length) return { count, consumed: off, error: null };
    count++;
    const decided = visit(type, version, buf.subarray(off + 5, off + 5 + length));
    off += 5 + length;
    if (decided) return { count, consumed: off, error: null };
  }
  return { count, consumed: off, error: null };
}

function parseExtensions(buf: Buffer): ParsedExtension[] | null {
  const out: ParsedExtension[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 4) return null;
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (buf.length - off - 4 < len) return null;
    out.push({ type, data: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  return out;
}

/** A ServerHello message's body (after the handshake header); malformed ones are NotTls. */
export function parseServerHello(body: Buffer, recordVersion: number): ServerHello | NotTls {
  const bad = (why: string): NotTls => notTls('unknown', `malformed ServerHello: ${why}`);
  if (body.length < 38) return bad('too short');
  const legacyVersion = body.readUInt16BE(0);
  const random = body.subarray(2, 34);
  const sidLen = body[34] as number;
  let off = 35 + sidLen;
  if (sidLen > 32 || body.length < off + 3) return bad('session id');
  const sessionId = body.subarray(35, off);
  const cipher = body.readUInt16BE(off);
  const compression = body[off + 2] as number;
  off += 3;
  let extensions: ParsedExtension[] = [];
  // Extensions are optional before TLS 1.2 (an SSLv3 ServerHello simply ends here).
  if (body.length >= off + 2) {
    const extLen = body.readUInt16BE(off);
    if (body.length < off + 2 + extLen) return bad('extensions length');
    const parsed = parseExtensions(body.subarray(off + 2, off + 2 + extLen));
    if (!parsed) return bad('extension block');
    extensions = parsed;
  }
  const find = (type: number): ParsedExtension | undefined => extensions.find((e) => e.type === type);
  const sv = find(EXT.supportedVersions);
  const version = sv && sv.data.length === 2 ? sv.data.readUInt16BE(0) : legacyVersion;
  const reneg = find(EXT.renegotiationInfo);
  const keyShare = find(EXT.keyShare);
  const tail = random.subarray(24);
  // The result keeps no view into the caller's buffer (the socket's bytes, a flight's worth):
  // one copy of the ServerHello, its fields cut from it, rather than a copy per field.
  const own = Buffer.from(body);
  const view = (b: Buffer): Buffer => own.subarray(b.byteOffset - body.byteOffset, b.byteOffset - body.byteOffset + b.length);
  return {
    kind: 'server-hello',
    version,
    versionName: versionName(version),
    legacyVersion,
    recordVersion,
    random: view(random),
    sessionId: view(sessionId),
    cipher,
    cipherName: cipherName(cipher),
    compression,
    extensions: extensions.map((e) => ({ type: e.type, data: view(e.data) })),
    helloRetryRequest: random.equals(HRR_RANDOM),
    renegotiationInfo: {
      present: reneg !== undefined,
      // The extension body is a 1-byte length then renegotiated_connection (empty on a first handshake).
      content: reneg ? reneg.data.subarray(1).toString('hex') : null,
    },
    downgradeSentinel: tail.equals(DOWNGRADE_TLS12) ? 'tls12' : tail.equals(DOWNGRADE_TLS11) ? 'tls11' : null,
    keyShareGroup: keyShare && keyShare.data.length >= 2 ? keyShare.data.readUInt16BE(0) : null,
  };
}

function parseSSLv2(buf: Buffer, eof: boolean): ParseResult | null {
  // Two-byte header (high bit set) then the message; SERVER-HELLO is type 4, ERROR type 0.
  if (buf.length < 3) return eof ? null : NEED_MORE;
  const length = buf.readUInt16BE(0) & 0x7fff;
  const type = buf[2] as number;
  if (type !== 4 && type !== 0) return null;
  if (buf.length < 2 + length) return eof ? null : NEED_MORE;
  const msg = buf.subarray(2, 2 + length);
  if (type === 0) return msg.length >= 3 ? { kind: 'sslv2-error', code: msg.readUInt16BE(1) } : null;
  if (msg.length < 11) return null;
  const version = msg.readUInt16BE(3);
  const certLen = msg.readUInt16BE(5);
  const specsLen = msg.readUInt16BE(7);
  const connIdLen = msg.readUInt16BE(9);
  if (msg.length < 11 + certLen + specsLen + connIdLen || specsLen % 3 !== 0) return null;
  const certificate = Buffer.from(msg.subarray(11, 11 + certLen));
  const ciphers: number[] = [];
  for (let i = 11 + certLen; i < 11 + certLen + specsLen; i += 3) ciphers.push(msg.readUIntBE(i, 3));
  return { kind: 'sslv2-server-hello', version, ciphers, cipherNames: ciphers.map(sslv2CipherName), certificate };
}

/**
 * Decides what the server answered, from all bytes received so far. With `eof` (the peer closed)
 * an undecidable buffer becomes `not-tls` instead of `need-more`; an empty one stays `need-more`
 * so the caller can tell "closed without a word" apart.
 */
export function parseServerResponse(buf: Buffer, opts: { eof?: boolean } = {}): ParseResult {
  try {
    return parse(buf, opts.eof ?? false);
  } catch (err) {
    // Defensive: the parser bounds-checks everything, but hostile input must never escape as a throw.
    return notTls('unknown', `unparseable answer: ${(err as Error).message}`);
  }
}

function toAlert(bytes: Buffer, recordVersion: number): Alert {
  const level = bytes[0] === 1 ? 'warning' : bytes[0] === 2 ? 'fatal' : 'unknown';
  const description = bytes[1] as number;
  return { kind: 'alert', level, description, descriptionName: alertName(description), recordVersion };
}

const EMPTY: Buffer = Buffer.alloc(0);

/** `more` after `bytes`: a view of `more` alone when nothing came before (a message in one record, the usual case), else a copy. */
export function append(bytes: Buffer, more: Buffer): Buffer {
  return bytes.length === 0 ? more : Buffer.concat([bytes, more]);
}

/**
 * The complete handshake message at the front of `buf` (records' bodies joined): its type, its
 * body, the whole of it with its 4-byte header (for a transcript), and what follows; null while
 * it is still incomplete.
 */
export function nextHandshakeMessage(buf: Buffer): { type: number; body: Buffer; whole: Buffer; rest: Buffer } | null {
  if (buf.length < 4) return null;
  const length = buf.readUIntBE(1, 3);
  if (buf.length < 4 + length) return null;
  return { type: buf[0] as number, body: buf.subarray(4, 4 + length), whole: buf.subarray(0, 4 + length), rest: buf.subarray(4 + length) };
}

function parse(buf: Buffer, eof: boolean): ParseResult {
  if (buf.length === 0) return NEED_MORE;
  const first = buf[0] as number;
  if (!RECORD_TYPES.has(first) || (buf.length > 1 && buf[1] !== 3)) {
    const banner = matchBanner(buf, eof);
    if (banner === 'need-more') return NEED_MORE;
    if (banner) return banner;
    if (first & 0x80) {
      const v2 = parseSSLv2(buf, eof);
      if (v2) return v2;
    }
    return notTls('unknown', `not TLS: first bytes ${buf.subarray(0, 8).toString('hex')}`);
  }
  // Handshake bytes are a stream across records; alerts too (a 2-byte alert may be split).
  let handshake = EMPTY;
  let alertBytes = EMPTY;
  let firstHandshakeRecordVersion = 0;
  let alertRecordVersion = 0;
  let pendingWarning: Alert | null = null;
  let decided: ServerResponse | null = null;
  const { count, error } = eachRecord(buf, (type, version, body) => {
    if (type === 21) {
      if (handshake.length > 0) return false; // an alert inside a partial ServerHello: wait for the rest
      alertBytes = append(alertBytes, body);
      alertRecordVersion ||= version;
      while (alertBytes.length >= 2) {
        const alert = toAlert(alertBytes, alertRecordVersion);
        alertBytes = alertBytes.subarray(2);
        // Some servers (Apache, IIS) warn unrecognized_name and carry on with the handshake.
        if (alert.level === 'warning' && alert.description === 112) pendingWarning = alert;
        else return (decided = alert) !== null;
      }
      return false;
    }
    if (type !== 22) {
      decided = notTls('unknown', `unexpected ${type === 20 ? 'ChangeCipherSpec' : 'application data'} record before ServerHello`);
      return true;
    }
    firstHandshakeRecordVersion ||= version;
    handshake = append(handshake, body);
    // HelloRequest (type 0, empty) may precede and is ignored by clients.
    while (handshake.length >= 4 && handshake[0] === 0 && handshake.readUIntBE(1, 3) === 0) handshake = handshake.subarray(4);
    if (handshake.length >= 4) {
      const msgType = handshake[0] as number;
      const msgLen = handshake.readUIntBE(1, 3);
      if (msgType !== 2) decided = notTls('unknown', `unexpected handshake message type ${msgType} before ServerHello`);
      else if (msgLen > 65536) decided = notTls('unknown', `ServerHello length ${msgLen} is absurd`);
      else if (handshake.length >= 4 + msgLen) decided = parseServerHello(handshake.subarray(4, 4 + msgLen), firstHandshakeRecordVersion);
    }
    return decided !== null;
  });
  if (decided) return decided;
  if (error) return pendingWarning ?? notTls('unknown', error);
  if (eof) {
    if (pendingWarning) return pendingWarning;
    return notTls('unknown', count === 0 ? 'connection closed inside the first TLS record' : 'connection closed before a complete ServerHello or alert');
  }
  return NEED_MORE;
}

export const HANDSHAKE = { serverHello: 2, certificate: 11, serverKeyExchange: 12, certificateRequest: 13, serverHelloDone: 14, certificateStatus: 22 } as const;

export interface Flight {
  /** Cleartext handshake messages in order, the ServerHello first. */
  messages: HandshakeMessage[];
  /** ServerHelloDone arrived, or the server said (alert) or sent (ChangeCipherSpec) something that ends the flight. */
  complete: boolean;
  /** The bytes cannot be read as more of this flight (not TLS, oversized record). */
  error: string | null;
}

/**
 * A TLS ≤ 1.2 server's first flight (ServerHello … ServerHelloDone), for probes that need what
 * follows the ServerHello, such as the ServerKeyExchange. Like parseServerResponse, pure,
 * restartable and never throws; TLS 1.3 flights are encrypted after the ServerHello and never complete here.
 */
export function parseFlight(buf: Buffer): Flight {
  const messages: HandshakeMessage[] = [];
  try {
    let handshake = EMPTY;
    // After a record that is not handshake the flight is over; the rest's headers are still read,
    // so a malformed one further on is reported as before. ServerHelloDone ends the reading.
    let ended = false;
    let done = false;
    const { error } = eachRecord(buf, (type, _version, body) => {
      if (ended) return false;
      if (type !== 22) {
        ended = true;
        return false;
      }
      handshake = append(handshake, body);
      for (let m = nextHandshakeMessage(handshake); m; m = nextHandshakeMessage(handshake)) {
        messages.push({ type: m.type, body: Buffer.from(m.body) });
        handshake = m.rest;
        if (m.type === HANDSHAKE.serverHelloDone) return (done = true);
      }
      return false;
    });
    if (done) return { messages, complete: true, error: null };
    return { messages, complete: ended || error !== null, error };
  } catch (err) {
    return { messages, complete: true, error: `unparseable flight: ${(err as Error).message}` };
  }
}
