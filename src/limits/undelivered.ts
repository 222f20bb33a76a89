// Results the worker could not deliver to Slack (it kept failing, or answered 5xx past every
// retry). They are kept, never dropped: one capped list per conversation, shown by
// `/tlscheck list` there, and one capped list for the operator. The job itself (with the full
// result) stays in the queue's failed set for a week.
import type { RedisClient } from '../redis.js';
import type { Verdict } from '../verdict.js';

export interface UndeliveredEntry {
  jobId: string;
  channel: string;
  /** Who asked for the check. */
  user: string;
  /** The target as queued, e.g. "example.com:443". */
  input: string;
  /** The SNI asked for, so Re-run checks the same thing (absent in entries kept before it was recorded). */
  sni?: string | null;
  /** The verdict, when the check ran; null when Slack failed before it could. */
  verdict: Verdict | null;
  /** One line a person can read, e.g. "❌ example.com:443: the certificate expired". */
  summary: string;
  /** Why it was not delivered (Slack's error code or HTTP status, scrubbed). */
  reason: string;
  /** ISO time it was given up on. */
  at: string;
}

export interface UndeliveredStore {
  add(entry: UndeliveredEntry): Promise<void>;
  /** Newest first. */
  list(channel: string, limit?: number): Promise<UndeliveredEntry[]>;
  /** Every conversation's, newest first (for operators and tests). */
  listAll(limit?: number): Promise<UndeliveredEntry[]>;
  count(channel: string): Promise<number>;
  /** Forgets the entries of one job in a conversation (and in the operator-wide list), e.g. once it was re-run. Returns how many. */
  remove(channel: string, jobId: string): Promise<number>;
}

export const UNDELIVERED_PER_CHANNEL = 50;
export const UNDELIVERED_TOTAL = 1_000;
/** As long as the failed job (and its full result) is kept. */
export const UNDELIVERED_TTL_S = 7 * 24 * 3600;

function parse(raw: string): UndeliveredEntry | null {
  try {
    return JSON.parse(raw) as UndeliveredEntry;
  } catch {
    return null;
  }
}

export function createUndeliveredStore(redis: RedisClient, opts: { prefix: string }): UndeliveredStore {
  const channelKey = (channel: string): string => `${opts.prefix}:undelivered:${channel}`;
  const allKey = `${opts.prefix}:undelivered`;
  const read = async (key: string, limit: number): Promise<UndeliveredEntry[]> =>
    (await redis.lrange(key, 0, Math.max(0, limit - 1))).map(parse).filter((e): e is UndeliveredEntry => e !== null);
  return {
    async add(entry) {
      const raw = JSON.stringify(entry);
      await redis
        .multi()
        .lpush(channelKey(entry.channel), raw)
        .ltrim(channelKey(entry.channel), 0, UNDELIVERED_PER_CHANNEL - 1)
        .expire(channelKey(entry.channel), UNDELIVERED_TTL_S)
        .lpush(allKey, raw)
        .ltrim(allKey, 0, UNDELIVERED_TOTAL - 1)
        .expire(allKey, UNDELIVERED_TTL_S)
        .exec();
    },
    list: (channel, limit = UNDELIVERED_PER_CHANNEL) => read(channelKey(channel), limit),
    listAll: (limit = UNDELIVERED_TOTAL) => read(allKey, limit),
    count: (channel) => redis.llen(channelKey(channel)),
    async remove(channel, jobId) {
      const entries = await redis.lrange(channelKey(channel), 0, -1);
      let removed = 0;
      for (const raw of entries) {
        if (parse(raw)?.jobId !== jobId) continue;
        // The same JSON sits in the operator-wide list (the Home tab reads it): it goes too.
        const replies = await redis.multi().lrem(channelKey(channel), 0, raw).lrem(allKey, 0, raw).exec();
        removed += Number(replies?.[0]?.[1] ?? 0);
      }
      return removed;
    },
  };
}

