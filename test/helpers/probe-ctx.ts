// A ProbeContext aimed at a loopback test server, with abort() to end it early.
import { createLimiter, type ProbeContext } from '../../src/probe/context.js';

export interface CtxOptions extends Partial<Omit<ProbeContext, 'target'>> {
  sni?: string | null;
  host?: string;
  ip?: string;
  /** The whole check's budget (the deadline), default 15 s. */
  budgetMs?: number;
}

export function loopbackCtx(port: number, opts: CtxOptions = {}): ProbeContext & { abort: () => void } {
  const { sni, host, ip, budgetMs = 15_000, ...rest } = opts;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budgetMs);
  timer.unref();
  const address = ip ?? '127.0.0.1';
  return {
    target: { host: host ?? 'localhost', port, ip: address, family: address.includes(':') ? 6 : 4, sni: sni === undefined ? 'localhost' : sni },
    deadline: Date.now() + budgetMs,
    signal: controller.signal,
    connectTimeoutMs: 8_000,
    limit: createLimiter(6),
    ...rest,
    abort: () => {
      clearTimeout(timer);
      controller.abort();
    },
  };
}

/** loopbackCtx whose socket slots are counted: `hellos()` is how many connections the probe asked for. */
export function countingCtx(port: number, opts: CtxOptions = {}): ReturnType<typeof loopbackCtx> & { hellos: () => number } {
  const ctx = loopbackCtx(port, opts);
  const limit = ctx.limit;
  let count = 0;
  const counted: typeof limit = (fn, o) => {
    count++;
    return limit(fn, o);
  };
  counted.waiting = limit.waiting;
  return Object.assign(ctx, { limit: counted, hellos: () => count });
}
