// One hand-built hello over a plain TCP socket: connect, write, read until the first flight tells
// what the server thinks of it, hang up. Every path resolves; nothing here throws or rejects.
import net from 'node:net';
import { classifyNetError, connectionBudget, type ProbeContext } from './context.js';
import {
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
export function sendHello(ctx: ProbeContext, hello: Buffer): Promise<HelloOutcome> {
  if (ctx.signal.aborted) return Promise.resolve(timeoutError('check deadline reached before connecting'));
  // ctx.limit only rejects if the task does, and exchange() never rejects; the catch is belt and braces.
  return ctx.limit(() => exchange(ctx, hello)).catch((err: unknown) => ({ kind: 'error', error: classifyNetError(err) }));
}

function exchange(ctx: ProbeContext, hello: Buffer): Promise<HelloOutcome> {
  // The budget is taken once a slot is free: time spent queueing must not extend the deadline.
  const budget = connectionBudget(ctx);
  if (budget <= 0 || ctx.signal.aborted) return Promise.resolve(timeoutError('check deadline reached before connecting'));
  return new Promise<HelloOutcome>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    let done = false;
    const socket = net.connect({ host: ctx.target.ip, port: ctx.target.port });
    // Late errors (after we decided and destroyed) must not become uncaught exceptions.
    socket.on('error', () => undefined);

    const finish = (outcome: HelloOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopWatching();
      socket.destroy();
      resolve(outcome);
    };
    const buffered = (): Buffer => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    const decideAtEnd = (): HelloOutcome | null => {
      if (received === 0) return null;
      const r = parseServerResponse(buffered(), { eof: true });
      return r.kind === 'need-more' ? null : r;
    };
    const timer = setTimeout(() => {
      finish(timeoutError(
        connected ? `no answer to the ClientHello within ${budget} ms` : `TCP connect did not complete within ${budget} ms`,
        connected,
      ));
    }, budget);
    const stopWatching = onAbort(ctx.signal, () => finish(timeoutError('check deadline reached', connected)));

    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = MAX_RESPONSE_BYTES - received;
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(piece);
      received += piece.length;
      const r = parseServerResponse(buffered());
      if (r.kind !== 'need-more') finish(r);
      else if (received >= MAX_RESPONSE_BYTES) {
        finish({ kind: 'not-tls', label: 'unknown', detail: `no ServerHello within the first ${MAX_RESPONSE_BYTES} bytes` });
      }
    });
    socket.once('end', () => finish(decideAtEnd() ?? { kind: 'closed' }));
    socket.once('error', (err) => {
      // A server may send its alert and reset at once: what arrived before the reset still counts.
      finish(decideAtEnd() ?? { kind: 'error', error: classifyNetError(err), connected });
    });
    socket.once('close', () => finish(decideAtEnd() ?? { kind: 'closed' }));
  });
}
