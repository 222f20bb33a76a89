// The slash handler's gate before a check is queued: the rate limits, answered in the ack. Redis
// trouble is an answer too ("try again in a minute"), never a crash or a Slack timeout.
import type { Logger } from '../log.js';
import { rateLimitedText } from './rate.js';
import type { SlashLimits } from './index.js';

export const QUEUE_DOWN_TEXT = '❌ tlscheck cannot take checks right now: its job queue (Redis) is unavailable. Please try again in a minute.';

/** Null when the check may be queued; otherwise the ephemeral text to answer with. */
export async function checkRefusal(limits: Pick<SlashLimits, 'rate'>, who: { user: string; channel: string }, log: Logger): Promise<string | null> {
  try {
    const decision = await limits.rate.take(who);
    if (decision.allowed) return null;
    log.info({ scope: decision.scope, limit: decision.limit, retryAfterSec: decision.retryAfterSec }, 'check refused: rate limit');
    return rateLimitedText(decision);
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'rate limiter unavailable (Redis); check refused');
    return QUEUE_DOWN_TEXT;
  }
}
