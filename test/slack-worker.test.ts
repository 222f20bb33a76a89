// The job processor against the Slack stand-in, with a fake check: what gets posted where, how
// Slack failures are survived, and that a rerun after a stall does not post twice.
import { createCheckRunner, type CheckFn } from '../jobs/check-runner.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckOptions } from '../src/check.js';
import type { CheckResult } from '../src/types.js';
import { createLogger } from '../src/log.js';
import { messageViolations, type Block } from '../src/format/slack/blocks.js';
import { processJob, type JobContext, type JobHandle } from '../jobs/process-job.js';
import type { CheckJobData } from '../jobs/queue.js';
import { createSlackOut, createWebClient, isTrustedResponseUrl } from '../jobs/slack-out.js';
import { createThrottle } from '../jobs/throttle.js';
import { startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult, fakeExplanation, hugeResult } from './helpers/slack-fixtures.js';

let slack: SlackStandin;
const logger = createLogger('silent');

beforeAll(async () => {
  slack = await startSlackStandin();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.reset());

function context(check: CheckFn, overrides: Partial<JobContext> = {}): JobContext {
  const config = { slack: { botToken: 'xoxb-test-token', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl } };
  return {
    runner: createCheckRunner({ check, allowCidrs: ['198.51.100.0/24'] }),
    explain: () => fakeExplanation(true),
    out: createSlackOut(createWebClient(config, logger), slack.apiUrl),
    logger,
    progressIntervalMs: 1_000,
    ...overrides,
  };
}

function job(data: Partial<CheckJobData> = {}, isLastAttempt = false): JobHandle & { saved: CheckJobData[] } {
  const saved: CheckJobData[] = [];
  return {
    id: 'ctest1',
    data: {
      kind: 'check', input: 'example.com:443', sni: null, symptom: null, channel: 'C0CHECKS', user: 'U0ALICE',
      responseUrl: slack.responseUrl('r1'), ...data,
    },
    isLastAttempt,
    saved,
    async save(d) {
      saved.push({ ...d });
    },
  };
}

const textOf = (call: RecordedCall | undefined): string => JSON.stringify(call?.args.blocks ?? '') + String(call?.args.text ?? '');

describe('processJob in a channel the bot can post in', () => {
  it('posts a parent, updates progress at most once a second, ends on the verdict and threads the diagnosis', async () => {
    let seen: CheckOptions | undefined;
    let checkMs = 0;
    const check = async (_input: string, opts: CheckOptions): Promise<CheckResult> => {
      seen = opts;
      const started = Date.now();
      for (let i = 1; i <= 10; i++) {
        await new Promise((r) => setTimeout(r, 250));
        opts.onProgress?.({ probe: `probe${i}`, done: i, total: 10 });
      }
      checkMs = Date.now() - started;
      return baseResult();
    };
    const j = job();
    const outcome = await processJob(j, context(check));
    expect(outcome?.verdict).toBe('fail');
    // Saved before the verdict (with its buttons) goes out, for "Show raw JSON" and reruns.
    const savedResult = j.saved.findIndex((d) => d.result !== undefined);
    const firstDelivery = j.saved.findIndex((d) => (d.posted ?? 0) > 0);
    expect(savedResult).toBeGreaterThanOrEqual(0);
    expect(savedResult).toBeLessThan(firstDelivery);
    expect(j.saved[savedResult]?.result?.target.host).toBe('example.com');

    // The policy is always on for Slack, with the configured exceptions.
    expect(seen?.enforcePolicy).toBe(true);
    expect(seen?.allowCidrs).toEqual(['198.51.100.0/24']);

    const posts = slack.callsOf('chat.postMessage');
    const parent = posts[0];
    expect(parent?.args.channel).toBe('C0CHECKS');
    expect(parent?.args.thread_ts).toBeUndefined();
    expect(textOf(parent)).toContain('Checking *example.com:443* for <@U0ALICE>');
    expect(parent?.token).toBe('xoxb-test-token');

    const updates = slack.callsOf('chat.update');
    const progress = updates.slice(0, -1);
    // Ten events in ~2.5 s: sends at least a second apart fit at most floor(duration/1 s) + 1 times.
    // (Arrival times at the stand-in jitter; the count is what the throttle guarantees.)
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(Math.floor(checkMs / 1000) + 1);
    expect(textOf(progress[0])).toMatch(/probes done/);

    const verdict = updates[updates.length - 1];
    expect(verdict?.args.ts).toBe('1700000000.000001');
    expect(verdict?.args.text).toBe('❌ example.com:443: The server refuses client-initiated renegotiation');
    expect(textOf(verdict)).toContain('tlscheck_rerun');

    const thread = posts.slice(1);
    expect(thread.length).toBeGreaterThanOrEqual(1);
    for (const t of thread) {
      expect(t.args.thread_ts).toBe('1700000000.000001');
      expect(messageViolations(t.args.blocks as Block[])).toEqual([]);
    }
    const threadText = thread.map(textOf).join('');
    expect(threadText).toContain('Fix on nginx');
    expect(threadText).toContain('alert 100 no_renegotiation');
    expect(threadText).toContain('openssl s_client');
    expect(j.saved[j.saved.length - 1]?.posted).toBe(1 + thread.length);
  });

  it('spreads a huge diagnosis over several thread messages, each within limits', async () => {
    await processJob(job(), context(async () => hugeResult()));
    const thread = slack.callsOf('chat.postMessage').slice(1);
    expect(thread.length).toBeGreaterThan(1);
    for (const t of thread) expect(messageViolations(t.args.blocks as Block[])).toEqual([]);
    expect(thread.map(textOf).join('')).toContain('END59');
  });

  it('explains a pasted error against the live result', async () => {
    let explained: [string, CheckResult | undefined] | undefined;
    const ctx = context(async () => baseResult(), {
      explain: (text, result) => {
        explained = [text, result];
        return fakeExplanation(true);
      },
    });
    let symptom: string | undefined;
    await processJob(job({ kind: 'explain', symptom: 'no renegotiation' }), {
      ...ctx,
      runner: createCheckRunner({
        check: async (_i, opts) => {
          symptom = opts.symptom;
          return baseResult();
        },
        allowCidrs: [],
      }),
    });
    expect(symptom).toBe('no renegotiation');
    expect(explained?.[0]).toBe('no renegotiation');
    const threadText = slack.callsOf('chat.postMessage').slice(1).map(textOf).join('');
    expect(threadText).toContain('confirmed by the check');
    expect(threadText).toContain('ruled out by the check');
    expect(threadText).toContain('Fix on nginx');
  });
});

describe('processJob: reaching the requester and surviving a deleted parent', () => {
  it('mentions the requester with the verdict in a new threaded reply (chat.update notifies nobody)', async () => {
    await processJob(job(), context(async () => baseResult()));
    const parentTs = slack.callsOf('chat.postMessage')[0]?.response?.ts;
    const first = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === parentTs);
    expect(String(first?.args.text)).toMatch(/^<@U0ALICE> ❌ example\.com:443: The server refuses client-initiated renegotiation/);
    // The verdict is the thread's first message, right above: the mention says where to look, not the cause again.
    expect(textOf(first)).toContain('<@U0ALICE> ❌ problems found: the most likely cause and its fix come first.');
    expect(JSON.stringify(first?.args.blocks).match(/The server refuses client-initiated renegotiation/g)).toHaveLength(1);
  });

  it('answers at the top of the channel when the thread it was asked in is gone (thread_not_found)', async () => {
    slack.failNext('chat.postMessage', { error: 'thread_not_found' });
    const j = job({ threadTs: '1699999999.000001' });
    await processJob(j, context(async () => baseResult()));
    const posts = slack.callsOf('chat.postMessage');
    expect(posts[0]?.args.thread_ts).toBe('1699999999.000001');
    const parent = posts[1];
    expect(parent?.args.thread_ts).toBeUndefined();
    expect(textOf(parent)).toContain('Checking');
    const thread = posts.slice(2);
    expect(thread.length).toBeGreaterThanOrEqual(1);
    expect(thread.every((c) => c.args.thread_ts === parent?.response?.ts)).toBe(true);
    expect(j.saved.at(-1)?.threadTs).toBeNull();
  });

  it('posts the verdict anew and threads under it when the "Checking…" parent was deleted (message_not_found)', async () => {
    slack.failNext('chat.update', { error: 'message_not_found' });
    const j = job();
    await processJob(j, context(async () => baseResult()));
    const posts = slack.callsOf('chat.postMessage');
    const oldParent = posts[0]?.response?.ts;
    const reposted = posts.find((c) => c.args.thread_ts === undefined && c !== posts[0]);
    expect(reposted?.args.text).toBe('❌ example.com:443: The server refuses client-initiated renegotiation');
    expect(textOf(reposted)).toContain('tlscheck_rerun');
    const newTs = reposted?.response?.ts;
    expect(newTs).toBeDefined();
    expect(newTs).not.toBe(oldParent);
    const thread = posts.filter((c) => c.args.thread_ts !== undefined);
    expect(thread.length).toBeGreaterThanOrEqual(1);
    expect(thread.every((c) => c.args.thread_ts === newTs)).toBe(true);
    expect(thread.map(textOf).join('')).toContain('Fix on nginx');
    expect(j.saved.some((d) => d.parentTs === newTs)).toBe(true);
  });
});

describe('processJob where the bot may not post', () => {
  it('answers through the response_url with the verdict, the diagnosis and how to invite the bot', async () => {
    slack.closeChannel('C0PRIVATE', 'not_in_channel');
    const j = job({ channel: 'C0PRIVATE' });
    await processJob(j, context(async () => baseResult()));
    expect(slack.callsOf('chat.update')).toHaveLength(0);
    expect(slack.responses.length).toBeGreaterThanOrEqual(1);
    expect(slack.responses.length).toBeLessThanOrEqual(5);
    const all = JSON.stringify(slack.responses.map((r) => r.body));
    expect(slack.responses.every((r) => r.body.response_type === 'ephemeral')).toBe(true);
    expect(all).toContain('The server refuses client-initiated renegotiation');
    expect(all).toContain('/invite @tlscheck');
    expect(all).toContain('Fix on nginx');
    expect(j.saved[0]).toMatchObject({ mode: 'response_url', fallbackReason: 'not_in_channel' });
  });

  it('in a DM (channel_not_found) says threads need a channel', async () => {
    slack.closeChannel('D0DM', 'channel_not_found');
    await processJob(job({ channel: 'D0DM' }), context(async () => baseResult()));
    expect(JSON.stringify(slack.responses.map((r) => r.body))).toContain('direct messages');
  });

  it('never posts to a response_url outside Slack', () => {
    expect(isTrustedResponseUrl('https://hooks.slack.com/commands/T/1/2', undefined)).toBe(true);
    expect(isTrustedResponseUrl('https://evil.example/hook', undefined)).toBe(false);
    expect(isTrustedResponseUrl('http://hooks.slack.com/commands/T/1/2', undefined)).toBe(false);
    expect(isTrustedResponseUrl(slack.responseUrl('x'), slack.apiUrl)).toBe(true);
  });
});

describe('processJob when Slack misbehaves', () => {
  it('waits out a 429 with Retry-After and carries on', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await processJob(job(), context(async () => baseResult()));
    const posts = slack.callsOf('chat.postMessage');
    // The rate-limited try, the parent, then the thread.
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(slack.callsOf('chat.update').pop()?.args.text).toMatch(/^❌ example\.com:443/);
  });

  it('retries HTTP 500 answers', async () => {
    slack.failNext('chat.postMessage', { status: 500 }, 2);
    const outcome = await processJob(job(), context(async () => baseResult()));
    expect(outcome).toEqual({ verdict: 'fail', messages: expect.any(Number) });
    expect(slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(4);
  });

  it('gives up after a few retries instead of thirty minutes, and the job fails', async () => {
    slack.failNext('chat.postMessage', { status: 500 }, 10);
    await expect(processJob(job(), context(async () => baseResult()))).rejects.toThrow();
    // Three retries: four tries in all.
    expect(slack.callsOf('chat.postMessage')).toHaveLength(4);
  });

  it('a rerun after a stall continues without a second parent or repeated thread messages', async () => {
    const first = job();
    await processJob(first, context(async () => hugeResult()));
    const total = slack.callsOf('chat.postMessage').length;
    slack.reset();
    // As if the worker died after the parent and two messages (verdict + first thread part).
    let checkedAgain = false;
    const again = job({ mode: 'thread', parentTs: '1700000000.000001', posted: 2, result: hugeResult() });
    await processJob(again, context(async () => {
      checkedAgain = true;
      return hugeResult();
    }));
    // The saved result is reported; the server is not checked a second time.
    expect(checkedAgain).toBe(false);
    const reposts = slack.callsOf('chat.postMessage');
    expect(reposts).toHaveLength(total - 2);
    expect(reposts.every((c) => c.args.thread_ts === '1700000000.000001')).toBe(true);
    expect(slack.callsOf('chat.update')).toHaveLength(0);
  });

  it('on the last attempt, turns the parent into a failure notice instead of leaving "Checking…"', async () => {
    const boom = async (): Promise<CheckResult> => {
      throw new Error('probe engine exploded');
    };
    await expect(processJob(job({}, false), context(boom))).rejects.toThrow('exploded');
    expect(slack.callsOf('chat.update')).toHaveLength(0);
    slack.reset();
    await expect(processJob(job({}, true), context(boom))).rejects.toThrow('exploded');
    expect(slack.callsOf('chat.update').pop()?.args.text).toMatch(/could not finish this check/);
  });

  it('reports input the check refuses as a failure of that input, not of the job', async () => {
    const invalid = async (): Promise<CheckResult> => {
      const err = new Error('The target contains a space');
      err.name = 'InvalidTargetError';
      throw err;
    };
    await expect(processJob(job(), context(invalid))).resolves.toBeNull();
    expect(slack.callsOf('chat.update').pop()?.args.text).toMatch(/The target contains a space/);
  });
});

describe('createThrottle', () => {
  // Fake timers: the property is about the clock, and a loaded machine must not change the outcome.
  it('sends at most once per interval, ends on the latest value and sends nothing after stop', async () => {
    vi.useFakeTimers();
    try {
      const sent: { v: number; at: number }[] = [];
      const t = createThrottle<number>(async (v) => {
        sent.push({ v, at: Date.now() });
      }, 200);
      for (let i = 1; i <= 30; i++) {
        t.push(i);
        await vi.advanceTimersByTimeAsync(20);
      }
      await vi.advanceTimersByTimeAsync(300);
      expect(sent[0]?.v).toBe(1);
      expect(sent[sent.length - 1]?.v).toBe(30);
      // 600 ms of events at one send per 200 ms: the first, three more, and the trailing latest.
      expect(sent.length).toBeLessThanOrEqual(5);
      for (let i = 1; i < sent.length; i++) expect((sent[i]?.at ?? 0) - (sent[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(200);

      t.push(31); // the interval has passed: goes out at once
      await vi.advanceTimersByTimeAsync(0);
      t.push(32); // within the interval: pending, then cancelled by stop
      await t.stop();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(sent.map((s) => s.v).slice(-2)).toEqual([30, 31]);
    } finally {
      vi.useRealTimers();
    }
  });
});
