// DNS lookups bounded per worker process. getaddrinfo runs on libuv's thread pool (4 threads by
// default, shared with fs and crypto): names whose DNS never answers would each hold a thread
// for the resolver's whole retry cycle, and ten of them stall every other check's lookup and
// file access behind them (issue 15). At most `max` lookups run at once; the rest wait in order,
// so a worker keeps pool threads free whatever names it is asked for.
import { promises as dns } from 'node:dns';
import type { LookupFn } from '../target/index.js';

/** Half of libuv's default pool: the other half stays for fs and crypto. */
export const DNS_CONCURRENCY = 2;

export const systemLookup: LookupFn = (host) => dns.lookup(host, { all: true, verbatim: true });

export interface BoundedLookup extends LookupFn {
  /** Lookups running now and waiting for their turn (for tests and metrics). */
  readonly stats: () => { running: number; waiting: number };
}

export function boundedLookup(inner: LookupFn = systemLookup, max = DNS_CONCURRENCY): BoundedLookup {
  if (!(max >= 1)) throw new Error('DNS concurrency must be at least 1');
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  };
  const lookup = async (host: string): ReturnType<LookupFn> => {
    if (running < max) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    // The permit is held until the resolver answers: that is when its pool thread is free.
    try {
      return await inner(host);
    } finally {
      release();
    }
  };
  return Object.assign(lookup, { stats: () => ({ running, waiting: waiting.length }) });
}

/** One bound per process: the check and schedule workers of `npm start` share one thread pool. */
export const WORKER_LOOKUP: BoundedLookup = boundedLookup();
