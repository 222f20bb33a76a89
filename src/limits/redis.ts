// The Redis connections of the limits. The web handler's must fail fast (Slack wants an answer in
// 3 s, and "Redis is down" is an answer); a worker's waits out a Redis restart like BullMQ does.
import { Redis } from 'ioredis';

export type LimitsRole = 'app' | 'worker';

/** A bit under half of Slack's 3 s: time left to answer that Redis is down. */
export const APP_COMMAND_TIMEOUT_MS = 1_200;

export function createLimitsRedis(url: string, role: LimitsRole): Redis {
  const redis =
    role === 'app'
      ? new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: APP_COMMAND_TIMEOUT_MS })
      : new Redis(url, { maxRetriesPerRequest: 50, connectTimeout: 5_000 });
  // Connection trouble shows up as failed commands where it matters; an 'error' event without a
  // listener would crash the process instead.
  redis.on('error', () => undefined);
  return redis;
}
