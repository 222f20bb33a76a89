// Test clean-up in a shared Redis: SCAN + DEL of one test's own prefix, never FLUSHALL/FLUSHDB.
import { Redis } from 'ioredis';

/** Deletes every key starting with `prefix` (glob characters in it are literal); returns the count. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** The same through a connection of its own; a Redis already stopped has nothing left to delete. */
export async function deleteKeysAt(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await deleteKeys(redis, prefix);
  } catch {
    // A private Redis already stopped takes its keys with it.
  } finally {
    redis.disconnect();
  }
}
