// The Redis connections of the limits, from the one factory (src/redis.ts). The web handler's
// must fail fast (Slack wants an answer in 3 s, and "Redis is down" is an answer); a worker's
// waits out a Redis restart like BullMQ does.
import { createRedis, type RedisClient, type RedisTarget } from '../redis.js';

export { APP_COMMAND_TIMEOUT_MS } from '../redis.js';

export type LimitsRole = 'app' | 'worker';

export function createLimitsRedis(target: RedisTarget, role: LimitsRole): RedisClient {
  return createRedis(target, role);
}
