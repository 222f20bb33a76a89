// One TLS connection to the target under the check's deadline, with the server's raw records
// observed beneath node:tls so probes can report what was actually on the wire.
import { constants } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import type { CheckError } from '../types.js';
import { classifyNetError, connectionBudget, errnoSentence, type ProbeContext } from './context.js';
import { alertFromOpenSslError, parseAlertBody, type TlsAlert } from './tls-alerts.js';

/**
 * Client options that still reach old servers: TLS 1.0+, every cipher OpenSSL has, and servers
 * without RFC 5746 renegotiation_info, which OpenSSL 3 otherwise refuses outright.
 */
export const LEGACY_CLIENT = {
  minVersion: 'TLSv1',
  ciphers: 'DEFAULT@SECLEVEL=0',
  secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT,
} as const satisfies tls.ConnectionOptions;

/**
 * For handshakes that never judge trust (only the certificate probe does, with its own store):
 * an empty trust store, one shared context per option set (sharedSecureContext). Against a chain
 * that verifies, node would otherwise turn the whole chain into objects for checkServerIdentity
 * on every handshake, and OpenSSL check every signature of it: ~0.5 ms of a ~2 ms handshake.
 */
export const TRUST_NOTHING = { ca: [] as string[] } as const satisfies tls.ConnectionOptions;

export const CONTENT_TYPE = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

export interface RecordInfo {
  type: number;
  length: number;
  /** Set for cleartext alerts (2-byte bodies); encrypted alerts are longer and unreadable here. */
  alert?: TlsAlert;
}

/** Server-to-client bytes, split into TLS records as they arrive. */
export class RecordTap {
  readonly records: RecordInfo[] = [];
  /** Raw server bytes, kept only when capturing (for handshake parsing), up to the cap. */
  readonly captured: Buffer[] = [];
  capturedBytes = 0;
  /** The server's first bytes were not a TLS record header. */
  notTls = false;
  eof = false;
  netError: NodeJS.ErrnoException | null = null;
  /** Under node:tls (tap: true). Without it the server's bytes go unseen, and only node's error tells. */
  attached = false;
  private pending: Buffer = Buffer.alloc(0);
  private sawData = false;

  constructor(private readonly captureCap = 0) {}

  feed(chunk: Buffer): void {
    if (this.capturedBytes < this.captureCap) {
      const part = chunk.subarray(0, this.captureCap - this.capturedBytes);
      this.captured.push(part);
      this.capturedBytes += part.length;
    }
    if (this.notTls) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!this.sawData && this.pending.length >= 3) {
      this.sawData = true;
      const type = this.pending[0] ?? 0;
      if (type < 20 || type > 24 || this.pending[1] !== 3) {
        this.notTls = true;
        this.pending = Buffer.alloc(0);
        return;
      }
    }
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt16BE(3);
      if (this.pending.length < 5 + length) break;
      const type = this.pending[0] ?? 0;
      const record: RecordInfo = { type, length };
      if (type === CONTENT_TYPE.alert && length === 2) {
        const alert = parseAlertBody(this.pending.subarray(5, 7));
        if (alert) record.alert = { ...alert, source: 'record' };
      }
      this.records.push(record);
      this.pending = this.pending.subarray(5 + length);
    }
  }

  capturedBuffer(): Buffer {
    return Buffer.concat(this.captured);
  }
}

/** Why a connection attempt failed, in words a report can use. */
export type FailureKind = 'alert' | 'closed' | 'reset' | 'timeout' | 'refused' | 'not-tls' | 'tls-error' | 'aborted';

export interface TlsFailure {
  kind: FailureKind;
  alert: TlsAlert | null;
  message: string;
}

export interface TlsConnectOptions {
  /** undefined: the target's SNI; null: send no SNI at all. IP literals are never sent. */
  servername?: string | null;
  tls?: Omit<tls.ConnectionOptions, 'host' | 'port' | 'socket' | 'servername' | 'path'> & { requestOCSP?: boolean };
  /** Defaults to connectionBudget(ctx). */
  timeoutMs?: number;
  /** Keep up to this many raw server bytes (0: none). */
  captureBytes?: number;
  /** Called as soon as the TLS socket exists, for events that fire during the handshake. */
  onSocket?: (socket: tls.TLSSocket) => void;
  /**
   * false: TLS runs on the TCP socket directly, without the record tap: no JS stream layer on
   * every record (a quarter of a handshake's CPU). Failures are then described from node's errors
   * alone, the same as tapped for fatal alerts, FIN, RST, timeouts and text answers (see
   * describeFailure); a probe that needs the records themselves keeps the tap.
   */
  tap?: boolean;
  /** Ahead of ordinary connections in the queue for a socket (ctx.limit): the start of a long chain. */
  urgent?: boolean | number;
  /**
   * Collect the NSS key log (TLS 1.3 handshake secrets) into the result. Off by default: node
   * crosses into JS with a Buffer for every secret of every handshake once anyone listens.
   */
  keylog?: boolean;
}

export interface TlsConnected {
  ok: true;
  socket: tls.TLSSocket;
  tap: RecordTap;
  /** NSS key log lines (TLS 1.3 traffic secrets, TLS 1.2 master secret) seen so far; empty unless asked for. */
  keylog: string[];
  /** TCP connect to secureConnect: a round-trip scale for waits on post-handshake messages. */
  handshakeMs: number;
}

export interface TlsFailed {
  ok: false;
  error: CheckError;
  failure: TlsFailure;
  tap: RecordTap;
}

export type TlsAttempt = TlsConnected | TlsFailed;

/** The server name to put in SNI: never an IP literal, which RFC 6066 forbids. */
export function sniName(name: string | null | undefined): string | undefined {
  if (!name || net.isIP(name)) return undefined;
  return name;
}

// Untapped, node's error says what the tap would have: a handshake cut short by the server's FIN
// (or close_notify) ends in a made-up ECONNRESET without a syscall, unlike a real RST ("read
// ECONNRESET"); a first record whose major version is not 3 (an HTTP, SSH or SMTP answer) is
// OpenSSL's wrong version number (so is a later record's version mismatch, which no OpenSSL
// client gets past). Unseen without the tap: cleartext warning alerts OpenSSL passes over before
// the end, and non-TLS bytes that happen to start like a record header.
const closedUntapped = (err: NodeJS.ErrnoException | undefined): boolean => err?.code === 'ECONNRESET' && err.syscall === undefined;
const notTlsUntapped = (err: NodeJS.ErrnoException | undefined): boolean => err?.code === 'ERR_SSL_WRONG_VERSION_NUMBER';

/** Turns a socket/TLS error plus what the tap saw into a failure a report can state truthfully. */
export function describeFailure(err: unknown, tap: RecordTap, timedOut: boolean, aborted: boolean): TlsFailure {
  const message = err instanceof Error ? err.message : err ? String(err) : '';
  if (aborted) return { kind: 'aborted', alert: null, message: 'check deadline reached' };
  if (timedOut) return { kind: 'timeout', alert: null, message: 'timeout' };
  const seen = [...tap.records].reverse().find((r) => r.alert)?.alert ?? null;
  const fromError = alertFromOpenSslError(err);
  // A cleartext alert record is first-hand; OpenSSL's error text is the fallback for encrypted ones.
  const alert = seen ?? fromError;
  if (alert) return { kind: 'alert', alert, message };
  const errno = err as NodeJS.ErrnoException | undefined;
  if (tap.notTls || (!tap.attached && notTlsUntapped(errno))) return { kind: 'not-tls', alert: null, message: 'the server did not answer with TLS' };
  const code = tap.netError?.code ?? errno?.code;
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { kind: 'refused', alert: null, message };
  if (tap.netError) return { kind: 'reset', alert: null, message: tap.netError.message };
  if (tap.eof || (!tap.attached && closedUntapped(errno))) return { kind: 'closed', alert: null, message: 'connection closed by the server' };
  if (code === 'ECONNRESET') return { kind: 'reset', alert: null, message };
  return { kind: 'tls-error', alert: null, message };
}

function failureToError(failure: TlsFailure, err: unknown): CheckError {
  switch (failure.kind) {
    case 'timeout':
    case 'aborted':
      return { code: 'timeout', message: failure.message };
    case 'not-tls':
      return { code: 'not-tls', message: failure.message };
    case 'refused':
      // "connect ECONNREFUSED 192.0.2.1:443" → a sentence (the address is the target's, shown beside it).
      return { code: 'refused', message: errnoSentence(err as NodeJS.ErrnoException | undefined, failure.message) };
    case 'closed':
      return { code: 'reset', message: failure.message };
    default:
      return classifyNetError(err ?? new Error(failure.message));
  }
}

/** A Duplex over the TCP socket, so node:tls reads through JS and the tap sees every byte. */
function tappedStream(raw: net.Socket, tap: RecordTap): Duplex {
  tap.attached = true;
  const stream = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (raw.destroyed) return cb(new Error('socket closed'));
      raw.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    tap.feed(chunk);
    if (!stream.push(chunk)) raw.pause();
  });
  raw.on('end', () => {
    tap.eof = true;
    stream.push(null);
  });
  raw.on('error', (err: NodeJS.ErrnoException) => {
    tap.netError = err;
    stream.destroy(err);
  });
  raw.on('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return stream;
}

/** The options that shape an OpenSSL context rather than one connection, as probes use them. */
const CONTEXT_OPTIONS = ['minVersion', 'maxVersion', 'ciphers', 'secureOptions'] as const;
const UNSHARED_OPTIONS = ['secureContext', 'ca', 'cert', 'key', 'pfx', 'sigalgs', 'ecdhCurve', 'secureProtocol', 'crl'] as const;
const sharedContexts = new Map<string, tls.SecureContext>();

/**
 * One SecureContext per distinct set of probe options, shared by every connection that uses it
 * (as an https.Agent would): building one costs milliseconds, and a check opens dozens. Client
 * contexts keep no internal session store, so sharing one cannot resume a session by accident.
 * Options outside the few the probes vary (a --ca bundle, say) get a context of their own.
 */
function sharedSecureContext(options: tls.ConnectionOptions): tls.SecureContext | undefined {
  // `ca: []` (trust nothing: a probe that never judges trust skips node's chain conversion) is
  // one more shareable setting; any other CA list gets a context of its own.
  const trustsNothing = Array.isArray(options.ca) && options.ca.length === 0;
  if (UNSHARED_OPTIONS.some((k) => options[k] !== undefined && !(k === 'ca' && trustsNothing))) return undefined;
  const picked = { ...Object.fromEntries(CONTEXT_OPTIONS.map((k) => [k, options[k]])), ...(trustsNothing ? { ca: [] } : {}) };
  const key = JSON.stringify([...CONTEXT_OPTIONS.map((k) => options[k] ?? null), trustsNothing]);
  let context = sharedContexts.get(key);
  if (!context) {
    context = tls.createSecureContext(picked);
    sharedContexts.set(key, context);
  }
  return context;
}

/**
 * Opens one TLS connection. Always resolves; on success the caller owns the socket and must
 * release it with closeTls. Does not take a ctx.limit slot (withTls does).
 */
export function openTls(ctx: ProbeContext, opts: TlsConnectOptions = {}): Promise<TlsAttempt> {
  const tap = new RecordTap(opts.captureBytes ?? 0);
  const keylog: string[] = [];
  const budget = opts.timeoutMs ?? connectionBudget(ctx);
  const started = Date.now();
  return new Promise<TlsAttempt>((resolve) => {
    let settled = false;
    let timedOut = false;
    let socket: tls.TLSSocket | null = null;
    const raw = new net.Socket();
    raw.on('error', () => undefined);

    const finish = (result: TlsAttempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (!result.ok) {
        socket?.destroy();
        raw.destroy();
      }
      resolve(result);
    };
    const fail = (err: unknown): void => {
      const failure = describeFailure(err, tap, timedOut, ctx.signal.aborted);
      finish({ ok: false, error: failureToError(failure, err), failure, tap });
    };
    const onAbort = (): void => fail(new Error('aborted'));
    const timer = setTimeout(() => {
      timedOut = true;
      fail(new Error('timeout'));
    }, budget);
    if (ctx.signal.aborted || budget <= 0) {
      timedOut = budget <= 0;
      queueMicrotask(() => fail(new Error('no time left')));
      return;
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    raw.once('error', (err) => {
      tap.netError = err;
      fail(err);
    });
    raw.connect({ host: ctx.target.ip, port: ctx.target.port }, () => {
      if (settled) return;
      const servername = sniName(opts.servername === undefined ? ctx.target.sni : opts.servername);
      const secureContext = sharedSecureContext(opts.tls ?? {});
      const s = tls.connect({
        // Trust is judged by the probes themselves; a bad certificate must not end the handshake.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        ...opts.tls,
        ...(secureContext ? { secureContext } : {}),
        socket: opts.tap === false ? raw : tappedStream(raw, tap),
        host: ctx.target.ip,
        servername,
      });
      socket = s;
      opts.onSocket?.(s);
      if (opts.keylog) s.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trim()));
      // A listener for the socket's whole life: late errors must never become uncaught exceptions.
      s.on('error', () => undefined);
      s.once('error', fail);
      s.once('close', () => fail(new Error('connection closed during the handshake')));
      s.once('secureConnect', () => {
        s.off('error', fail);
        finish({ ok: true, socket: s, tap, keylog, handshakeMs: Date.now() - started });
      });
    });
  });
}

/**
 * Ends the connection politely: our close_notify is what keeps the server's session cache valid
 * (OpenSSL drops a session whose connection ended without one). Once it and the FIN are out
 * ('finish') the socket is destroyed; waiting for the server's own close_notify as well would
 * only cost reading and decrypting it, ~0.2 ms of CPU on each of a check's handshakes.
 */
export function closeTls(attempt: TlsAttempt, waitMs = 1000): Promise<void> {
  if (!attempt.ok) return Promise.resolve();
  const { socket } = attempt;
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    // The timer bounds a peer that never takes our bytes (a full window).
    const timer = setTimeout(done, waitMs);
    timer.unref();
    if (socket.writableFinished) return done();
    socket.once('finish', done);
    socket.once('close', done);
    // Out at once, not held by Nagle behind an unacknowledged segment: bytes still queued when
    // the socket is destroyed with unread input (a late ticket) would be dropped for a reset.
    socket.setNoDelay(true);
    socket.end();
    // Read on meanwhile, so what the server sends is consumed rather than left unread.
    socket.resume();
  });
}

/** Runs `use` on one connection inside a ctx.limit slot; the socket is always released after. */
export function withTls<T>(ctx: ProbeContext, opts: TlsConnectOptions, use: (attempt: TlsAttempt) => Promise<T> | T): Promise<T> {
  return ctx.limit(async () => {
    const attempt = await openTls(ctx, opts);
    // Giving up on the check ends the connection, so `use` sees a close rather than waiting on.
    const onAbort = (): void => {
      if (attempt.ok) attempt.socket.destroy();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await use(attempt);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      // The close_notify is written at once; waiting for the server's own close would only add a
      // round trip to every probe (resumption's sequential attempts most of all), so the socket
      // finishes closing in the background and is destroyed by the timer if the server lingers.
      void closeTls(attempt, Math.min(1000, Math.max(100, connectionBudget(ctx))));
    }
  }, { urgent: opts.urgent });
}

/** Waits for an event with a cap; resolves with its first argument, or undefined on timeout/close. */
export function waitForEvent<T>(emitter: tls.TLSSocket, event: string, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const done = (value: T | undefined): void => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      emitter.off('close', onClose);
      resolve(value);
    };
    const onEvent = (value: T): void => done(value);
    const onClose = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), Math.max(0, ms));
    emitter.on(event, onEvent);
    emitter.on('close', onClose);
  });
}
