// What the web handler needs from the limits, built from the configuration in one call.
import type { Config } from '../config.js';
import { DEFAULT_LIMITS } from './defaults.js';
import { createRateLimiter, type RateLimiter } from './rate.js';
import { createLimitsRedis } from './redis.js';

export interface SlashLimits {
  rate: RateLimiter;
  close(): Promise<void>;
}

export function createSlashLimits(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'limits'>): SlashLimits {
  const redis = createLimitsRedis(config, 'app');
  const limits = config.limits ?? DEFAULT_LIMITS;
  return {
    rate: createRateLimiter(redis, { prefix: config.queuePrefix, limits }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
