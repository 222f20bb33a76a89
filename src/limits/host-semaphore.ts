// At most N checks of one target host at once across every worker, so a queue full of requests
// for one host cannot turn the bot into a load generator against it. The worker's real check keys
// slots by the address it resolved and is about to probe (jobs/addressed-check.ts), so many names
// of one server share its slots; a check that does not resolve first keys by name (hostOf).
// Slots are leases in a Redis sorted set scored by their expiry: a holder renews its lease while
// its check runs, and a worker that dies simply stops renewing, so its slot frees itself within
// one lease time.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import { canonicalAddress } from '../target/ip.js';

export const DEFAULT_HOST_CONCURRENCY = 2;
/** Long enough that a renewal (every third of it) survives a slow Redis; short enough that a crashed worker's slot is back soon. */
export const LEASE_MS = 30_000;

// KEYS: the host's lease set. ARGV: max holders, lease ms, lease id.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(first[2]) - now
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return -1
`;

// Renews only a lease that still exists: one that expired may already be someone else's slot.
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) < now then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

const HOLDERS = `
local t = redis.call('TIME')
return redis.call('ZCOUNT', KEYS[1], '(' .. (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), '+inf')
`;

export interface Lease {
  host: string;
  id: string;
  /** Gives the slot back at once (idempotent). */
  release(): Promise<void>;
}

export interface HostSemaphore {
  /** A slot now, or null and roughly how long until the next lease expires. */
  tryAcquire(host: string): Promise<{ lease: Lease } | { lease: null; retryInMs: number }>;
  /** Polls for a slot for up to `waitMs`; null when none came free in time. */
  acquire(host: string, waitMs: number, signal?: AbortSignal): Promise<Lease | null>;
  /** Current holders of the host's slots (expired ones not counted). */
  holders(host: string): Promise<number>;
}

export interface HostSemaphoreOptions {
  prefix: string;
  maxPerHost?: number;
  leaseMs?: number;
  /** Poll interval while waiting for a slot. */
  pollMs?: number;
  onRenewFailed?: (host: string, err: unknown) => void;
}

/** The host part of a job's input ("example.com:443", "[2001:db8::1]:8443"), lower-cased. */
export function hostOf(input: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(input);
  if (v6?.[1]) return v6[1].toLowerCase();
  return input.replace(/:\d+$/, '').toLowerCase();
}

/** Thrown when a job could not get a slot for its host; `final` once it has waited long enough. */
export class HostBusyError extends Error {
  override name = 'HostBusyError';
  constructor(
    readonly host: string,
    readonly final: boolean,
    readonly retryInMs: number,
  ) {
    super(
      final
        ? `Too many checks of ${host} are running at once (tlscheck limits them so it never floods a server). Try again in a few minutes.`
        : `no free check slot for ${host}`,
    );
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export function createHostSemaphore(redis: RedisClient, opts: HostSemaphoreOptions): HostSemaphore {
  const max = opts.maxPerHost ?? DEFAULT_HOST_CONCURRENCY;
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const pollMs = opts.pollMs ?? 250;
  const keyOf = (host: string): string => `${opts.prefix}:hostslots:${canonicalAddress(host)}`;

  const lease = (host: string, id: string): Lease => {
    const key = keyOf(host);
    let released = false;
    const renew = setInterval(() => {
      redis.eval(RENEW, 1, key, leaseMs, id).then(
        (ok) => {
          if (ok !== 1) opts.onRenewFailed?.(host, new Error('lease expired before it was renewed'));
        },
        (err: unknown) => opts.onRenewFailed?.(host, err),
      );
    }, Math.max(50, Math.floor(leaseMs / 3)));
    // A lease must never keep a process alive that is otherwise done.
    renew.unref();
    return {
      host,
      id,
      async release() {
        if (released) return;
        released = true;
        clearInterval(renew);
        await redis.zrem(key, id);
      },
    };
  };

  const tryAcquire: HostSemaphore['tryAcquire'] = async (host) => {
    const id = randomUUID();
    const wait = Number(await redis.eval(ACQUIRE, 1, keyOf(host), max, leaseMs, id));
    return wait < 0 ? { lease: lease(host, id) } : { lease: null, retryInMs: Math.max(1, wait) };
  };

  return {
    tryAcquire,
    async acquire(host, waitMs, signal) {
      const until = Date.now() + waitMs;
      for (;;) {
        const got = await tryAcquire(host);
        if (got.lease) return got.lease;
        const left = until - Date.now();
        if (left <= 0 || signal?.aborted) return null;
        await sleep(Math.min(pollMs, left, got.retryInMs), signal);
      }
    },
    async holders(host) {
      return Number(await redis.eval(HOLDERS, 1, keyOf(host)));
    },
  };
}
