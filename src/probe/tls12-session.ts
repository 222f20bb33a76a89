// A TLS 1.2 session left on the server by a handshake of our own (codec/tls12-handshake.ts), on a
// plain TCP socket under the check's socket slots and deadline. What it cannot do, it says
// ('unsupported'), and the resumption probe makes that handshake with node:tls as before.
import net from 'node:net';
import { connectionBudget, type ProbeContext } from './context.js';
import { Tls12Handshake, type Tls12Session } from './codec/tls12-handshake.js';

/** A session; null when the connection or the handshake failed; 'unsupported' for node:tls to try. */
export type OwnHandshakeOutcome = Tls12Session | null | 'unsupported';

/** How long the socket may take to close after our close_notify before it is destroyed. */
const LINGER_MS = 1_000;

export function ownTls12Session(ctx: ProbeContext, withTicket: boolean, urgent?: number): Promise<OwnHandshakeOutcome> {
  if (ctx.signal.aborted) return Promise.resolve(null);
  return ctx.limit(() => handshake(ctx, withTicket), { urgent }).catch(() => null);
}

function handshake(ctx: ProbeContext, withTicket: boolean): Promise<OwnHandshakeOutcome> {
  const budget = connectionBudget(ctx);
  if (budget <= 0 || ctx.signal.aborted) return Promise.resolve(null);
  const tls = new Tls12Handshake(ctx.target.sni, withTicket);
  return new Promise((resolve) => {
    let done = false;
    const socket = net.connect({ host: ctx.target.ip, port: ctx.target.port });
    socket.setNoDelay(true);
    const finish = (outcome: OwnHandshakeOutcome, farewell?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      if (farewell && !socket.destroyed) {
        socket.end(farewell);
        socket.resume();
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      } else {
        socket.destroy();
      }
      resolve(outcome);
    };
    const onAbort = (): void => finish(null);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(null), budget);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      socket.write(tls.hello);
    });
    socket.on('data', (chunk: Buffer) => {
      const step = tls.feed(chunk);
      if (step.kind === 'send') socket.write(step.bytes);
      else if (step.kind === 'done') finish(step.session, step.bytes);
      else if (step.kind === 'unsupported') finish('unsupported');
    });
    // A server that hangs up (or resets) on our hello or our Finished refused something node:tls
    // may not send; one that cannot be reached fails node:tls alike.
    socket.once('end', () => finish('unsupported'));
    socket.once('error', () => finish(connected ? 'unsupported' : null));
    socket.once('close', () => finish(connected ? 'unsupported' : null));
  });
}
