// The last N results per history key, and which expiry warnings went out for which certificate.
//
// Key choice, for the worker: use `historyKey(schedule)` (the schedule id), not the bare target.
// Two channels watching the same server each need their own "before": with one shared list, the
// channel whose schedule ran second would diff against the first one's fresh result and never
// hear of the change. The same goes for warning markers: scope them by schedule id, so each
// channel is warned once per certificate. Removing a schedule should call clear().

import type { CheckResult } from '../types.js';
import type { RedisClient } from './store.js';
import { DEFAULT_PREFIX } from './store.js';
import type { ExpiryWarning } from './changes.js';

export const DEFAULT_HISTORY_LENGTH = 20;
/** Markers outlive the certificate a little, then Redis forgets them on its own. */
const MARKER_GRACE_MS = 30 * 24 * 3600 * 1000;
/** When notAfter cannot be read, keep markers this long. */
const MARKER_FALLBACK_MS = 400 * 24 * 3600 * 1000;

export interface HistoryOptions {
  prefix?: string;
  /** Results kept per key (LTRIM). */
  limit?: number;
  now?: () => number;
}

export function historyKey(schedule: { id: string }): string {
  return `sched-${schedule.id}`;
}

export class ResultHistory {
  readonly limit: number;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(private readonly redis: RedisClient, opts: HistoryOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
    this.limit = Math.max(1, opts.limit ?? DEFAULT_HISTORY_LENGTH);
    this.now = opts.now ?? Date.now;
  }

  private listKey(key: string): string {
    return `${this.prefix}history:${key}`;
  }

  private markerKey(scope: string, fingerprint: string): string {
    return `${this.prefix}history:warned:${scope}:${fingerprint}`;
  }

  /** Newest first; the list never grows past `limit`. */
  async push(key: string, result: CheckResult): Promise<void> {
    const k = this.listKey(key);
    await this.redis.multi().lpush(k, JSON.stringify(result)).ltrim(k, 0, this.limit - 1).exec();
  }

  async last(key: string): Promise<CheckResult | null> {
    const raw = await this.redis.lindex(this.listKey(key), 0);
    return raw === null ? null : (JSON.parse(raw) as CheckResult);
  }

  /** Up to n results, newest first. */
  async list(key: string, n = this.limit): Promise<CheckResult[]> {
    const raw = await this.redis.lrange(this.listKey(key), 0, Math.max(0, n - 1));
    return raw.map((r) => JSON.parse(r) as CheckResult);
  }

  /** The newest result that reached the server: diffResults' `lastReachable` after an outage. */
  async lastReachable(key: string): Promise<CheckResult | null> {
    return (await this.list(key)).find((r) => !r.error) ?? null;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.listKey(key));
    // Warning markers expire on their own (notAfter + grace); nothing to scan for here.
  }

  /** The warning keys (warningKey()) already sent for this certificate in this scope. */
  async sentWarnings(scope: string, fingerprint: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.markerKey(scope, fingerprint)));
  }

  /** Call after the warning was posted, not before: a failed post should be retried next run. */
  async markWarningSent(scope: string, warning: Pick<ExpiryWarning, 'fingerprint' | 'key' | 'notAfter'>): Promise<void> {
    const k = this.markerKey(scope, warning.fingerprint);
    const notAfter = Date.parse(warning.notAfter);
    const expireAt = Number.isFinite(notAfter) ? Math.max(notAfter, this.now()) + MARKER_GRACE_MS : this.now() + MARKER_FALLBACK_MS;
    await this.redis.multi().sadd(k, warning.key).pexpireat(k, expireAt).exec();
  }
}
