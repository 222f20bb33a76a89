// The Redis connections of the limits, from the one factory (src/redis.ts). The web handler's
// must fail fast (Slack wants an answer in 3 s, and "Redis is down" is an answer); a worker's
// waits out a Redis restart like BullMQ does.
import { createRedis, type RedisClient, type RedisTarget } from '../redis.js';

export { APP_COMMAND_TIMEOUT_MS } from '../redis.js';

export type LimitsRole = 'app' | 'worker';

/**
 * The web handler's connection carries every slash command's replay guard and rate-limit check
 * before its ack: with auto-pipelining, the commands a burst issues in one turn of the event loop
 * leave in one write instead of one each (each write a system call, and on a local Redis the
 * kernel's delivery too), which was the largest share of the ack's CPU.
 */
export function createLimitsRedis(target: RedisTarget, role: LimitsRole): RedisClient {
  return createRedis(target, role, role === 'app' ? { enableAutoPipelining: true } : {});
}
