// Slack failing under the real worker: 429 (Retry-After honoured, an absurd one refused instead of
// holding the job), and 5xx past every retry (bounded, then the result is kept as undelivered,
// logged and listed, never dropped).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import type { Config } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/limits/defaults.js';
import { createUndeliveredStore } from '../src/limits/undelivered.js';
import { undeliveredLines } from '../src/format/slack-list.js';
import { createCheckQueue, createQueue, type CheckQueue } from '../jobs/queue.js';
import { MAX_RETRY_AFTER_S } from '../jobs/slack-out.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { fakeExplanation } from './helpers/slack-fixtures.js';
import { captureLogs, deleteKeys, fakeCheck, finalsIn, parentsIn, REDIS_URL, waitUntil } from './hardening-stack.js';

/** The queue's delay before a failed job's second attempt (production: 3 s). */
const RETRY_DELAY_MS = 200;
let slack: SlackStandin;
let redis: Redis;
const stacks: Array<{ worker: RunningWorker; queue: CheckQueue; prefix: string }> = [];

beforeAll(async () => {
  slack = await startSlackStandin();
  redis = new Redis(REDIS_URL);
});
beforeEach(() => slack.reset());
afterAll(async () => {
  for (const s of stacks) {
    await s.worker.close();
    await s.queue.close();
    await deleteKeys(REDIS_URL, s.prefix);
  }
  await redis?.quit();
  await slack?.close();
});

function configFor(prefix: string): Config {
  return {
    slack: { botToken: 'xoxb-fault-slack', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl },
    redisUrl: REDIS_URL,
    allowCidrs: [],
    concurrency: 2,
    port: 0,
    logLevel: 'silent',
    queuePrefix: prefix,
    limits: { ...DEFAULT_LIMITS },
  };
}

async function start(opts: { client?: webApi.WebClient; logger?: ReturnType<typeof captureLogs>['logger'] } = {}): Promise<{ queue: CheckQueue; config: Config }> {
  const prefix = `{tlscheck-fslack-${randomUUID().slice(0, 8)}}`;
  const config = configFor(prefix);
  // The queue's retry after a failed attempt comes in 200 ms instead of 3 s: these tests wait for it.
  const queue = createCheckQueue(config, undefined, { retryDelayMs: RETRY_DELAY_MS });
  const logger = opts.logger ?? captureLogs('silent').logger;
  const worker = await startWorker(config, { check: fakeCheck(), explain: () => fakeExplanation(true), logger, client: opts.client });
  stacks.push({ worker, queue, prefix });
  return { queue, config };
}

const request = (channel: string, input = 'slack-fault.example:443'): Parameters<CheckQueue['enqueue']>[0] => ({
  kind: 'check', input, sni: null, symptom: null, channel, user: 'U0SLACKF', responseUrl: null,
});

describe('Slack answers 429', () => {
  it('waits the Retry-After, then posts once', async () => {
    const { queue } = await start();
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await queue.enqueue(request('C0RL1'));
    await slack.waitFor(() => finalsIn(slack, 'C0RL1')[0], 'verdict', 15_000);
    const tries = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0RL1' && !c.args.thread_ts);
    expect(tries).toHaveLength(2);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(parentsIn(slack, 'C0RL1')).toHaveLength(1);
  });

  it(`does not sit out an absurd Retry-After (> ${MAX_RETRY_AFTER_S} s): the attempt fails and the queue retries it soon`, async () => {
    const { queue } = await start();
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 3_600 });
    const t0 = Date.now();
    await queue.enqueue(request('C0RL2'));
    await slack.waitFor(() => finalsIn(slack, 'C0RL2')[0], 'verdict', 15_000);
    // The queue's retry (its backoff), not an hour, nor even the longest Retry-After sat out in place.
    expect(Date.now() - t0).toBeLessThan(MAX_RETRY_AFTER_S * 1000);
    expect(parentsIn(slack, 'C0RL2')).toHaveLength(1);
  });
});

describe('Slack answers 5xx past every retry', () => {
  it('retries a bounded number of times, then keeps the result as undelivered: logged and listed', async () => {
    const logs = captureLogs('info');
    // The production retry policy's shape (3 retries per call) on a short clock.
    const client = new webApi.WebClient('xoxb-fault-slack', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 3, factor: 2, minTimeout: 20, maxTimeout: 80 },
      rejectRateLimitedCalls: true,
    });
    const { queue, config } = await start({ client, logger: logs.logger });
    slack.failNext('chat.update', { status: 503 }, 1_000);
    const { jobId } = await queue.enqueue(request('C0DOWN', 'undelivered.example:443'));

    const store = createUndeliveredStore(redis, { prefix: config.queuePrefix });
    const kept = await waitUntil(async () => (await store.list('C0DOWN'))[0], 'the undelivered entry', 20_000);
    expect(kept).toMatchObject({ jobId, channel: 'C0DOWN', user: 'U0SLACKF', input: 'undelivered.example:443', verdict: 'fail', reason: expect.stringMatching(/503/) });
    expect(kept.summary).toMatch(/^❌ undelivered\.example:443: /);
    expect(undeliveredLines([kept])[0]).toMatch(/^❌ undelivered\.example:443: .* — checked for <@U0SLACKF> .* not delivered \(/);
    expect(await store.listAll()).toEqual([kept]);

    // Bounded: two attempts of the verdict and one failure notice, four tries each.
    expect(slack.callsOf('chat.update').length).toBeLessThanOrEqual(12);
    expect(parentsIn(slack, 'C0DOWN')).toHaveLength(1);
    // Logged, and the job with its full result is kept in the failed set.
    expect(logs.text()).toMatch(/result not delivered to Slack; kept for \/tlscheck list/);
    const q = createQueue(config);
    try {
      const job = await q.getJob(jobId);
      expect(await job?.getState()).toBe('failed');
      expect(job?.data.result?.target.host).toBe('undelivered.example');
    } finally {
      await q.close();
    }
  }, 30_000);
});

