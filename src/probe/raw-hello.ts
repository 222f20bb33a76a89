// One hand-built hello over a plain TCP socket: connect, write, read until the first flight tells
// what the server thinks of it, hang up. Every path resolves; nothing here throws or rejects.
import net from 'node:net';
import { classifyNetError, connectionBudget, type ProbeContext } from './context.js';
import {
  parseFlight,
  parseServerResponse,
  type Alert,
  type NotTls,
  type ServerHello,
  type SSLv2Error,
  type SSLv2ServerHello,
} from './codec/server-response.js';
import type { CheckError } from '../types.js';

/** Enough for any ServerHello (we stop at it, before the certificate); more means the peer is not answering TLS. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** With `flight`: room for a large certificate chain before the ServerKeyExchange. */
export const MAX_FLIGHT_BYTES = 256 * 1024;

export interface HelloOptions {
  /**
   * Keep reading past a TLS ≤ 1.2 ServerHello to ServerHelloDone and attach the messages
   * (ServerHello.flight); a function decides per ServerHello (e.g. only for the suites whose
   * ServerKeyExchange is wanted), so other answers end at the ServerHello as without it.
   */
  flight?: boolean | ((hello: ServerHello) => boolean);
  /**
   * Bytes written after a ServerHello, before hanging up, e.g. user_canceled and close_notify
   * alerts: OpenSSL drops a resumed session from its cache when a handshake dies without them.
   */
  farewell?: Buffer;
  /** Ahead of other probes' hellos in the queue for a socket (ctx.limit): a step of a long chain. */
  urgent?: boolean | number;
}

export type HelloOutcome =
  | ServerHello
  | Alert
  | SSLv2ServerHello
  | SSLv2Error
  | NotTls
  /** The peer closed (FIN) without sending a byte. */
  | { kind: 'closed' }
  /** `connected`: whether TCP was up when it failed (a silent peer vs an unreachable one). */
  | { kind: 'error'; error: CheckError; connected?: boolean };

/** Did the peer answer like a TLS (or SSLv2) stack, whatever it said? */
export function isTlsAnswer(o: HelloOutcome): o is ServerHello | Alert | SSLv2ServerHello | SSLv2Error {
  return o.kind === 'server-hello' || o.kind === 'alert' || o.kind === 'sslv2-server-hello' || o.kind === 'sslv2-error';
}

/** One line for logs and per-version summaries, e.g. "alert fatal 70 protocol_version". */
export function describeOutcome(o: HelloOutcome): string {
  switch (o.kind) {
    case 'server-hello':
      return `${o.helloRetryRequest ? 'HelloRetryRequest' : 'ServerHello'} ${o.versionName ?? `0x${o.version.toString(16)}`} ${o.cipherName}`;
    case 'alert':
      return `alert ${o.level} ${o.description} ${o.descriptionName}`;
    case 'sslv2-server-hello':
      return `SSLv2 SERVER-HELLO (${o.ciphers.length} cipher kinds)`;
    case 'sslv2-error':
      return `SSLv2 ERROR ${o.code}`;
    case 'not-tls':
      return `not TLS (${o.label}): ${o.detail}`;
    case 'closed':
      return 'connection closed without an answer';
    case 'error':
      return `${o.error.code}: ${o.error.message}`;
  }
}

// One 'abort' listener per signal, fanning out to the open sockets: dozens of concurrent hellos
// each adding their own would trip Node's MaxListenersExceededWarning on the shared signal.
const abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = abortWatchers.get(signal);
  if (!set) {
    const watchers = new Set<() => void>();
    set = watchers;
    abortWatchers.set(signal, watchers);
    signal.addEventListener('abort', () => {
      for (const w of [...watchers]) w();
      watchers.clear();
    }, { once: true });
  }
  set.add(fn);
  return () => set.delete(fn);
}

function timeoutError(message: string, connected = false): HelloOutcome {
  return { kind: 'error', error: { code: 'timeout', message }, connected };
}

/** Sends `hello` to the target (holding one of ctx.limit's socket slots) and reports the answer. */
export function sendHello(ctx: ProbeContext, hello: Buffer, opts: HelloOptions = {}): Promise<HelloOutcome> {
  if (ctx.signal.aborted) return Promise.resolve(timeoutError('check deadline reached before connecting'));
  // ctx.limit only rejects if the task does, and exchange() never rejects; the catch is belt and braces.
  return ctx.limit(() => exchange(ctx, hello, opts), { urgent: opts.urgent }).catch((err: unknown) => ({ kind: 'error', error: classifyNetError(err) }));
}

/**
 * Every raw socket reads through this one buffer (net's `onread`) and copies each read out at
 * once: node's stream path would allocate a 64 KiB buffer and emit a 'data' event per read, a
 * visible share of the ~100 connections a check makes. Reads are delivered synchronously, one
 * socket at a time, so sharing it is safe.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Where a raw socket's bytes go; bytes that come before anyone listens wait in `early`. */
interface Reader {
  onData: ((chunk: Buffer) => void) | null;
  early: Buffer[];
}

/**
 * A TCP connection to the target for one hand-built hello. No TCP_NODELAY: the hello is one write
 * on a fresh connection (nothing unacknowledged for Nagle to wait on), and the farewell follows
 * the server's answer; the option would cost a system call per connection for nothing.
 */
function connect(ctx: ProbeContext): { socket: net.Socket; reader: Reader } {
  const reader: Reader = { onData: null, early: [] };
  const callback = (nread: number, buf: Uint8Array): boolean => {
    const chunk = Buffer.allocUnsafe(nread);
    chunk.set(buf.subarray(0, nread));
    if (reader.onData) reader.onData(chunk);
    else reader.early.push(chunk);
    return true;
  };
  const socket = net.connect({ host: ctx.target.ip, port: ctx.target.port, onread: { buffer: READ_BUFFER, callback } });
  return { socket, reader };
}

/** A TCP connection opened before its hello is known. */
interface Opened {
  socket: net.Socket;
  reader: Reader;
  connected: boolean;
  /** It errored or closed before the hello went out: not worth a hello. */
  failed: boolean;
}

function open(ctx: ProbeContext): Opened {
  const opened: Opened = { ...connect(ctx), connected: false, failed: false };
  const { socket } = opened;
  socket.on('error', () => {
    opened.failed = true;
  });
  socket.once('connect', () => {
    opened.connected = true;
  });
  socket.once('close', () => {
    opened.failed = true;
  });
  socket.once('end', () => {
    opened.failed = true;
  });
  return opened;
}

/** A connection opened now for a hello decided later (prepareHello). */
export interface PreparedHello {
  /** Sends `hello` on it (on a fresh connection if it failed meanwhile) and reports the answer. */
  send(hello: Buffer, opts?: HelloOptions): Promise<HelloOutcome>;
  /** Not needed after all: closes it and frees its slot. */
  discard(): void;
}

/**
 * Opens a connection (holding a socket slot) for the next step of a chain while the current step
 * is still being answered: on a long path the TCP connect costs a round trip, which then overlaps
 * the wait instead of following it, so a chain of hellos costs about one round trip a step
 * instead of two. Every prepared connection must be sent on or discarded; the check's end (its
 * signal) discards any left.
 */
export function prepareHello(ctx: ProbeContext, opts: { urgent?: boolean | number } = {}): PreparedHello {
  type Job = { hello: Buffer; opts: HelloOptions } | null;
  let deliver: (job: Job) => void = () => undefined;
  const job = new Promise<Job>((resolve) => {
    deliver = resolve;
  });
  const unwatch = ctx.signal.aborted ? (deliver(null), () => true) : onAbort(ctx.signal, () => deliver(null));
  const slot = ctx.limit(async (): Promise<HelloOutcome | null> => {
    if (ctx.signal.aborted) {
      const j = await job;
      return j ? timeoutError('check deadline reached before connecting') : null;
    }
    const opened = open(ctx);
    const j = await job;
    unwatch();
    if (!j) {
      opened.socket.destroy();
      return null;
    }
    if (opened.failed || opened.socket.destroyed) {
      opened.socket.destroy();
      return exchange(ctx, j.hello, j.opts);
    }
    return exchange(ctx, j.hello, j.opts, opened);
  }, { urgent: opts.urgent }).catch((err: unknown): HelloOutcome => ({ kind: 'error', error: classifyNetError(err) }));
  return {
    send(hello, o = {}) {
      deliver({ hello, opts: o });
      return slot.then((r) => r ?? timeoutError('check deadline reached before connecting'));
    },
    discard() {
      deliver(null);
    },
  };
}

/** After a ServerHello, how long the rest of its flight may take: a large chain needs a round trip or two more. */
function flightWaitMs(ctx: Pick<ProbeContext, 'rttMs'>): number {
  return Math.max(1_000, 4 * (ctx.rttMs ?? 0));
}

/** With opts.flight, a TLS ≤ 1.2 ServerHello waits for the rest of its flight (null: keep reading). */
function withFlight(r: ServerHello, buf: Buffer, opts: HelloOptions, final: boolean): ServerHello | null {
  if (!opts.flight || r.helloRetryRequest || r.versionName === 'TLSv1.3') return r;
  if (typeof opts.flight === 'function' && !opts.flight(r)) return r;
  const flight = parseFlight(buf);
  if (!flight.complete && !final) return null;
  return { ...r, flight: flight.messages };
}

function exchange(ctx: ProbeContext, hello: Buffer, opts: HelloOptions, opened?: Opened): Promise<HelloOutcome> {
  const maxBytes = opts.flight ? MAX_FLIGHT_BYTES : MAX_RESPONSE_BYTES;
  // The budget is taken once a slot is free: time spent queueing must not extend the deadline.
  const budget = connectionBudget(ctx);
  if (budget <= 0 || ctx.signal.aborted) {
    opened?.socket.destroy();
    return Promise.resolve(timeoutError('check deadline reached before connecting'));
  }
  return new Promise<HelloOutcome>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    let firstByteAt = 0;
    let done = false;
    const started = performance.now();
    const { socket, reader } = opened ?? connect(ctx);
    // Late errors (after we decided and destroyed) must not become uncaught exceptions.
    socket.on('error', () => undefined);

    let flightTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: HelloOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(flightTimer);
      // Connect plus hello: two round trips (and the server's reply time, small for a ServerHello).
      // Only a TLS answer counts, so a peer dripping bytes cannot stretch the check's deadline.
      // A connection opened beforehand spent an unknown part of its connect before the hello: no sample.
      if (firstByteAt > 0 && isTlsAnswer(outcome) && !opened) ctx.onRoundTrip?.((firstByteAt - started) / 2);
      clearTimeout(timer);
      stopWatching();
      if (opts.farewell && outcome.kind === 'server-hello' && !socket.destroyed) {
        // end() sends the bytes before the FIN; the timer only bounds a peer that never closes.
        socket.end(opts.farewell);
        setTimeout(() => socket.destroy(), 1000).unref();
      } else {
        socket.destroy();
      }
      resolve(outcome);
    };
    const buffered = (): Buffer => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    const decideAtEnd = (): HelloOutcome | null => {
      if (received === 0) return null;
      const buf = buffered();
      const r = parseServerResponse(buf, { eof: true });
      if (r.kind === 'server-hello') return withFlight(r, buf, opts, true);
      return r.kind === 'need-more' ? null : r;
    };
    const timer = setTimeout(() => {
      // A ServerHello in hand is the answer, whatever of its flight never came.
      const answered = decideAtEnd();
      if (answered?.kind === 'server-hello') return finish(answered);
      finish(timeoutError(
        connected ? `no answer to the ClientHello within ${budget} ms` : `TCP connect did not complete within ${budget} ms`,
        connected,
      ));
    }, budget);
    const stopWatching = onAbort(ctx.signal, () => finish(timeoutError('check deadline reached', connected)));

    if (opened?.connected) {
      connected = true;
      socket.write(hello);
    } else {
      socket.once('connect', () => {
        connected = true;
        socket.write(hello);
      });
    }
    reader.onData = (chunk: Buffer) => {
      if (done) return;
      if (firstByteAt === 0) firstByteAt = performance.now();
      const room = maxBytes - received;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(piece);
      received += piece.length;
      const buf = buffered();
      const r = parseServerResponse(buf);
      if (r.kind === 'server-hello') {
        const full = withFlight(r, buf, opts, received >= maxBytes);
        if (full) finish(full);
        // The rest of the flight is wanted, not needed: a server that stalls after its ServerHello
        // (or a chain slower than a few round trips) costs a bounded wait, and the suite still counts.
        else flightTimer ??= setTimeout(() => finish(withFlight(r, buffered(), opts, true) ?? r), flightWaitMs(ctx));
      } else if (r.kind !== 'need-more') finish(r);
      else if (received >= maxBytes) {
        finish({ kind: 'not-tls', label: 'unknown', detail: `no ServerHello within the first ${maxBytes} bytes` });
      }
    };
    for (const chunk of reader.early.splice(0)) reader.onData(chunk);
    socket.once('end', () => finish(decideAtEnd() ?? { kind: 'closed' }));
    socket.once('error', (err) => {
      // A server may send its alert and reset at once: what arrived before the reset still counts.
      finish(decideAtEnd() ?? { kind: 'error', error: classifyNetError(err), connected });
    });
    socket.once('close', () => finish(decideAtEnd() ?? { kind: 'closed' }));
  });
}
