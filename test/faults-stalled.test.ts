// A job whose worker dies twice: BullMQ's stall limit (maxStalledCount 1, its default) makes
// BullMQ fail the job itself, without our processor, which therefore cannot say so. The worker
// that picks it up must turn the "Checking…" parent into a notice and keep the job in the
// undelivered list, exactly once though several workers are running. The workers are child
// processes running dist/ (npm test builds it first), SIGKILLed like a crash.
import { createCheckRunner } from '../jobs/check-runner.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createMessageClaims } from '../src/limits/claims.js';
import { createUndeliveredStore, type UndeliveredStore } from '../src/limits/undelivered.js';
import { ABANDONED_TEXT, reportAbandoned, type JobContext } from '../jobs/process-job.js';
import { createCheckQueue, createQueue, type CheckJobData, type CheckQueue } from '../jobs/queue.js';
import { createSlackOut, createWebClient } from '../jobs/slack-out.js';
import { STALL_LIMIT_REASON } from '../jobs/worker.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult, fakeExplanation } from './helpers/slack-fixtures.js';
import { spawnWorker, type WorkerProc } from '../bench/soak/worker-proc.mjs';
import { assertFreshBuild, callText, deleteKeys, finalsIn, parentsIn, REDIS_URL, waitUntil } from './hardening-stack.js';

const PREFIX = `{tlscheck-stall-${randomUUID().slice(0, 8)}}`;
const config = { redisUrl: REDIS_URL, queuePrefix: PREFIX } as Pick<Config, 'redisUrl' | 'queuePrefix'>;
let slack: SlackStandin;
let queue: CheckQueue;
let redis: Redis;
let undelivered: UndeliveredStore;
const procs: WorkerProc[] = [];

function worker(check: string): WorkerProc {
  const w = spawnWorker({
    REDIS_URL,
    TLSCHECK_QUEUE_PREFIX: PREFIX,
    SLACK_BOT_TOKEN: 'xoxb-stalled',
    SLACK_API_URL: slack.apiUrl,
    TLSCHECK_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
    // Stalls noticed within about two seconds; maxStalledCount stays BullMQ's (and production's) 1.
    SOAK_LOCK_MS: '1500',
    SOAK_STALLED_MS: '500',
    SOAK_CHECK: check,
  });
  procs.push(w);
  return w;
}

beforeAll(async () => {
  assertFreshBuild();
  slack = await startSlackStandin();
  queue = createCheckQueue(config);
  redis = new Redis(REDIS_URL);
  undelivered = createUndeliveredStore(redis, { prefix: PREFIX });
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await queue?.close();
  await redis?.quit();
  await deleteKeys(REDIS_URL, PREFIX);
  await slack?.close();
}, 30_000);

const request = (channel: string, input: string, sni: string | null = null): Parameters<CheckQueue['enqueue']>[0] => ({
  kind: 'check', input, sni, symptom: null, channel, user: 'U0STALL', responseUrl: slack.responseUrl(`st-${channel}`),
});

const noticesIn = (channel: string) => finalsIn(slack, channel).filter((c) => /could not finish/.test(callText(c)));

describe('a job whose worker dies twice', () => {
  it('is reported once: its parent says the check could not finish, and it is kept for /tlscheck list', async () => {
    const channel = 'C0TWICE';
    // Four workers started together (one start-up to wait for, not three in turn), each with a
    // check that outlasts the test: whichever takes the job is killed in the middle of it.
    const pool = [worker('fake:20000'), worker('fake:20000'), worker('fake:20000'), worker('fake:20000')];
    await Promise.all(pool.map((w) => w.ready()));
    const { jobId } = await queue.enqueue(request(channel, 'twice.example:443', 'www.twice.example'));
    const started = (ws: WorkerProc[]) => ws.find((w) => w.events.some((e) => e.event === 'check-start'));

    const a = await waitUntil(async () => started(pool), 'the check on worker A', 20_000);
    a.kill('SIGKILL');
    await a.exited;
    // First stall: BullMQ hands the job to one of the others, which resumes after A's parent.
    const b = await waitUntil(async () => started(pool.filter((w) => w !== a)), 'the check on worker B', 20_000);
    b.kill('SIGKILL');
    await b.exited;

    // Second stall: past the limit. Two workers run; whichever takes the job fails it unrun.
    const [c, d] = pool.filter((w) => w !== a && w !== b) as [WorkerProc, WorkerProc];
    const notice = await slack.waitFor(() => noticesIn(channel)[0], 'the could-not-finish notice', 25_000);
    const parents = parentsIn(slack, channel);
    expect(parents).toHaveLength(1);
    expect(notice.args.ts).toBe(parents[0]?.response?.ts);
    expect(callText(notice)).toContain(ABANDONED_TEXT);

    const kept = await waitUntil(async () => (await undelivered.list(channel))[0], 'the undelivered entry', 10_000);
    expect(kept).toMatchObject({ jobId, channel, user: 'U0STALL', input: 'twice.example:443', sni: 'www.twice.example', verdict: null });
    expect(kept.summary).toBe('twice.example:443: not checked (the worker running it stopped more than once)');

    // Exactly once, and the job is failed by BullMQ's own reason; nobody checked it a third time.
    // C and D stop (a worker's close waits for its reports in flight): then nothing more can come.
    c.kill('SIGTERM');
    d.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(noticesIn(channel)).toHaveLength(1);
    expect(await undelivered.list(channel)).toHaveLength(1);
    expect([...c.events, ...d.events].filter((e) => e.event === 'check-start')).toEqual([]);
    const q = createQueue(config);
    try {
      const job = await q.getJob(jobId);
      expect(await job?.getState()).toBe('failed');
      expect(job?.failedReason).toBe(STALL_LIMIT_REASON);
    } finally {
      await q.close();
    }
  }, 60_000);
});

describe('reportAbandoned', () => {
  const logger = createLogger('silent');
  const ctx = (): JobContext => ({
    runner: createCheckRunner({ check: async () => baseResult(), allowCidrs: [] }),
    explain: () => fakeExplanation(true),
    out: createSlackOut(createWebClient({ slack: { botToken: 'xoxb-abandoned', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl } }, logger), slack.apiUrl),
    logger,
    progressIntervalMs: 1_000,
    // A claim store per call: as if each were a separate worker process.
    claims: createMessageClaims(redis, { prefix: PREFIX, pollMs: 20 }),
    undelivered,
  });
  const data = (channel: string, over: Partial<CheckJobData> = {}): CheckJobData => ({ ...request(channel, 'gone.example:443'), ...over });
  const jobId = (): string => `cab${randomUUID().replace(/-/g, '').slice(0, 20)}`;

  it('heard by two workers at once, it tells Slack and lists the job once', async () => {
    const channel = 'C0ABAND1';
    const id = jobId();
    const job = { id, data: data(channel, { mode: 'thread', parentTs: '1700000000.000200', posted: 0 }) };
    await Promise.all([reportAbandoned(job, ctx()), reportAbandoned(job, ctx())]);
    const updates = slack.callsOf('chat.update').filter((c) => c.args.channel === channel);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args.ts).toBe('1700000000.000200');
    expect(callText(updates[0])).toContain('could not finish');
    expect((await undelivered.list(channel)).map((e) => e.jobId)).toEqual([id]);
  });

  it('leaves a verdict that was already shown, and keeps the result whose thread was cut short', async () => {
    const channel = 'C0ABAND2';
    const result = baseResult({ target: { host: 'gone.example', port: 443, ip: '198.51.100.7', sni: 'gone.example' } });
    await reportAbandoned({ id: jobId(), data: data(channel, { mode: 'thread', parentTs: '1700000000.000300', posted: 1, result }) }, ctx());
    expect(slack.callsOf('chat.update').filter((c) => c.args.channel === channel)).toHaveLength(0);
    const [kept] = await undelivered.list(channel);
    expect(kept?.verdict).toBe('fail');
    expect(kept?.summary).toMatch(/^❌ gone\.example:443: /);
  });

  it('answers through the response_url where the bot could not post', async () => {
    const channel = 'C0ABAND3';
    await reportAbandoned({ id: jobId(), data: data(channel, { mode: 'response_url', fallbackReason: 'not_in_channel', posted: 0 }) }, ctx());
    const answer = await slack.waitFor(() => slack.responses.find((r) => r.id === `st-${channel}`), 'the response_url notice');
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(answer.body.text)).toContain('could not finish');
    expect(await undelivered.count(channel)).toBe(1);
  });
});

