// withRetryAfter (jobs/slack-out.ts): the one bounded Retry-After wait shared by check results and
// scheduled alerts. Fake timers: the waits are Slack's seconds, not the test's.
import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_RETRY_AFTER_S, RATE_LIMIT_WAITS, withRetryAfter } from '../jobs/slack-out.js';

const limited = (retryAfter: number): Error => Object.assign(new Error('rate limited'), { code: webApi.ErrorCode.RateLimitedError, retryAfter });

/** A call that fails with `failures` in order, then answers 'ok'; records when each try started. */
function scripted(failures: Error[]): { call: () => Promise<string>; tries: number[] } {
  const tries: number[] = [];
  return {
    tries,
    call: async () => {
      tries.push(Date.now());
      const next = failures.shift();
      if (next) throw next;
      return 'ok';
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withRetryAfter', () => {
  it('waits each Retry-After (at least a second) and then answers', async () => {
    const s = scripted([limited(2), limited(0)]);
    const done = withRetryAfter(s.call);
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(done).resolves.toBe('ok');
    expect(s.tries).toEqual([0, 2_000, 3_000]);
  });

  it(`gives up after ${RATE_LIMIT_WAITS} waits in a row`, async () => {
    const s = scripted(Array.from({ length: RATE_LIMIT_WAITS + 1 }, () => limited(1)));
    const done = withRetryAfter(s.call);
    const settled = expect(done).rejects.toThrow('rate limited');
    await vi.advanceTimersByTimeAsync(RATE_LIMIT_WAITS * 1_000);
    await settled;
    expect(s.tries).toHaveLength(RATE_LIMIT_WAITS + 1);
  });

  it(`refuses at once a Retry-After over ${MAX_RETRY_AFTER_S} s, and anything that is not a 429`, async () => {
    const long = scripted([limited(MAX_RETRY_AFTER_S + 1)]);
    await expect(withRetryAfter(long.call)).rejects.toThrow('rate limited');
    expect(long.tries).toEqual([0]);
    const other = scripted([Object.assign(new Error('not_in_channel'), { data: { error: 'not_in_channel' } })]);
    await expect(withRetryAfter(other.call)).rejects.toThrow('not_in_channel');
    expect(other.tries).toEqual([0]);
  });
});
