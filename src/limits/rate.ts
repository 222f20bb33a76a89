// Per-user and per-channel rate limits on checks, shared by every web handler through Redis: a
// sliding one-minute window (a log of request times per key), both keys judged and charged in one
// script, so a request refused for its channel does not use up its user's quota and two handlers
// can never both let the limit + 1st request through.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';

export interface RateLimits {
  userPerMin: number;
  channelPerMin: number;
}

export type RateScope = 'user' | 'channel';

export type RateDecision =
  | { allowed: true }
  | { allowed: false; scope: RateScope; limit: number; /** Whole seconds until one more request fits. */ retryAfterSec: number };

export interface RateLimiter {
  /** Counts the request if it fits in both windows; otherwise says which limit and when to retry. */
  take(who: { user: string; channel: string }): Promise<RateDecision>;
}

export const RATE_WINDOW_MS = 60_000;

// KEYS: user log, channel log. ARGV: window ms, user limit, channel limit, unique member.
// Redis's clock, not the handlers': they may disagree by seconds, the server with itself never.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limits = { tonumber(ARGV[2]), tonumber(ARGV[3]) }
for i = 1, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limits[i] then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return { i, tonumber(oldest[2]) + window - now }
  end
end
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[i], window)
end
return { 0, 0 }
`;

const SCOPES: readonly RateScope[] = ['user', 'channel'];

/**
 * `prefix` is the queue prefix ({tlscheck} by default): its hash tag keeps both keys of a request
 * on one Redis Cluster slot, which a two-key script needs.
 */
export function createRateLimiter(redis: RedisClient, opts: { prefix: string; limits: RateLimits; windowMs?: number }): RateLimiter {
  const windowMs = opts.windowMs ?? RATE_WINDOW_MS;
  const { userPerMin, channelPerMin } = opts.limits;
  if (!(userPerMin >= 1 && channelPerMin >= 1)) throw new Error('rate limits must be at least 1 per window');
  return {
    async take({ user, channel }) {
      const keys = [`${opts.prefix}:rate:user:${user}`, `${opts.prefix}:rate:channel:${channel}`];
      const [which, waitMs] = (await redis.eval(TAKE, 2, ...keys, windowMs, userPerMin, channelPerMin, randomUUID())) as [number, number];
      const scope = SCOPES[which - 1];
      if (!scope) return { allowed: true };
      return { allowed: false, scope, limit: scope === 'user' ? userPerMin : channelPerMin, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
  };
}

/** The ephemeral answer to a refused request: which limit, and when to try again. */
export function rateLimitedText(d: Extract<RateDecision, { allowed: false }>, windowMs = RATE_WINDOW_MS): string {
  const per = windowMs === RATE_WINDOW_MS ? 'a minute' : `${Math.round(windowMs / 1000)} seconds`;
  const who = d.scope === 'user' ? 'you have' : 'this conversation has';
  return `⏳ Slow down: ${who} asked for ${d.limit} checks in ${per}, the most tlscheck runs. Try again in ${d.retryAfterSec} s.`;
}
