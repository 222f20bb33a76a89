// Worker failures: a worker SIGKILLed mid-job (a second worker picks the job up after stalled
// detection and its result is posted exactly once), a run dying between Slack's answer and the
// job's save, two runs of one job overlapping, and SIGTERM (the running check finishes and is
// reported, queued jobs are left for other workers, the process exits 0).
// The workers are child processes running dist/ (npm test builds it first).
import { createCheckRunner } from '../jobs/check-runner.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createMessageClaims } from '../src/limits/claims.js';
import { processJob, type JobContext, type JobHandle } from '../jobs/process-job.js';
import { createCheckQueue, type CheckJobData, type CheckQueue } from '../jobs/queue.js';
import { createSlackOut, createWebClient } from '../jobs/slack-out.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult, fakeExplanation, hugeResult } from './helpers/slack-fixtures.js';
import { spawnWorker, type WorkerProc } from '../bench/soak/worker-proc.mjs';
import { startPrivateRedis } from '../bench/soak/private-redis.mjs';
import { assertFreshBuild, callText, deleteKeys, finalsIn, parentsIn, REDIS_URL } from './hardening-stack.js';

const PREFIX = `{tlscheck-faultw-${randomUUID().slice(0, 8)}}`;
let slack: SlackStandin;
let queue: CheckQueue;
let redis: Redis;
const procs: WorkerProc[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL,
    TLSCHECK_QUEUE_PREFIX: PREFIX,
    SLACK_BOT_TOKEN: 'xoxb-fault-worker',
    SLACK_API_URL: slack.apiUrl,
    TLSCHECK_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
    SOAK_LOCK_MS: '1500',
    SOAK_STALLED_MS: '500',
    ...extra,
  };
}

function worker(extra: Record<string, string> = {}): WorkerProc {
  const w = spawnWorker(env(extra));
  procs.push(w);
  return w;
}

beforeAll(async () => {
  assertFreshBuild();
  slack = await startSlackStandin();
  const config = { redisUrl: REDIS_URL, queuePrefix: PREFIX } as Pick<Config, 'redisUrl' | 'queuePrefix'>;
  queue = createCheckQueue(config);
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await queue?.close();
  await redis?.quit();
  await deleteKeys(REDIS_URL, PREFIX);
  await slack?.close();
}, 30_000);

const request = (channel: string, input: string): Parameters<CheckQueue['enqueue']>[0] => ({
  kind: 'check', input, sni: null, symptom: null, channel, user: 'U0FAULT', responseUrl: slack.responseUrl(`fw-${channel}`),
});

/** Thread messages in `channel`, and how many of them repeat an earlier one word for word. */
function threadOf(channel: string): { count: number; repeated: number } {
  const texts = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && c.args.thread_ts).map(callText);
  return { count: texts.length, repeated: texts.length - new Set(texts).size };
}

describe('a worker killed mid-job', () => {
  it('is replaced: the job runs again on another worker and its result is posted exactly once', async () => {
    const a = worker({ SOAK_CHECK: 'fake:4000' });
    await a.ready();
    const channel = 'C0KILLED';
    await queue.enqueue(request(channel, 'killed.example:443'));
    await a.waitFor((e) => e.event === 'check-start', 'the check to start on worker A');
    // B starts while A holds the job (active, locked: B cannot take it), so B's start-up overlaps
    // the wait for A's lock to lapse instead of following it.
    const b = worker({ SOAK_CHECK: 'fake:300' });
    expect(parentsIn(slack, channel)).toHaveLength(1);
    a.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    await b.ready();
    const final = await slack.waitFor(() => finalsIn(slack, channel)[0], 'the verdict after the kill', 20_000);
    // B ran the check again (A's result died with it), resuming after the parent A posted.
    await b.waitFor((e) => e.event === 'check-start', 'the check on worker B');
    expect(callText(final)).toContain('tlscheck_rerun');
    // B's job is done (every post of it made) and A is gone: nothing more can come.
    await b.waitFor((e) => e.event === 'completed', 'the job completed on worker B');
    const parents = parentsIn(slack, channel);
    expect(parents).toHaveLength(1);
    expect(final.args.ts).toBe(parents[0]?.response?.ts);
    expect(finalsIn(slack, channel)).toHaveLength(1);
    const thread = threadOf(channel);
    expect(thread.count).toBeGreaterThanOrEqual(1);
    expect(thread.repeated).toBe(0);
    await b.stop();
  }, 40_000);
});

describe('idempotency keys per job and message', () => {
  const logger = createLogger('silent');
  const ctx = (overrides: Partial<JobContext> = {}): JobContext => ({
    runner: createCheckRunner({ check: async () => hugeResult(), allowCidrs: [] }),
    explain: () => fakeExplanation(true),
    out: createSlackOut(createWebClient({ slack: { botToken: 'xoxb-idem', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl } }, logger), slack.apiUrl),
    logger,
    progressIntervalMs: 1_000,
    claims: createMessageClaims(redis, { prefix: PREFIX, pollMs: 20 }),
    ...overrides,
  });
  const handle = (id: string, channel: string, save: (d: CheckJobData) => Promise<void> = async () => undefined): JobHandle => ({
    id,
    data: request(channel, 'idem.example:443'),
    isLastAttempt: false,
    save,
  });

  it('a run that died after Slack took a message, before saving it, does not send it again', async () => {
    const channel = 'C0IDEM1';
    const id = `cidem${randomUUID().slice(0, 8)}`;
    let saves = 0;
    // The first run "dies" at its third save: after the parent and the verdict went out, the
    // second save (posted: 1) was never written.
    const dying = handle(id, channel, async () => {
      if (++saves === 3) throw new Error('worker died');
    });
    await expect(processJob(dying, ctx())).rejects.toThrow('worker died');
    const postsBefore = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel).length;
    // The rerun starts from the job's last saved state: not even the parent was saved.
    await processJob(handle(id, channel), ctx());
    const parents = parentsIn(slack, channel);
    expect(parents).toHaveLength(1);
    const updates = slack.callsOf('chat.update').filter((c) => c.args.channel === channel);
    // The verdict went out once, on the one parent; the thread came once.
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args.ts).toBe(parents[0]?.response?.ts);
    expect(postsBefore).toBe(1);
    expect(threadOf(channel).repeated).toBe(0);
    expect(threadOf(channel).count).toBeGreaterThan(1);
  });

  it('two overlapping runs of one job (a lock lost to a stall) post each message once', async () => {
    const channel = 'C0IDEM2';
    const id = `cidem${randomUUID().slice(0, 8)}`;
    // Two workers: two claim stores (two run ids) on the same Redis.
    const slow = async (): Promise<ReturnType<typeof baseResult>> => {
      await new Promise((r) => setTimeout(r, 100));
      return hugeResult();
    };
    await Promise.all([processJob(handle(id, channel), ctx({ runner: createCheckRunner({ check: slow, allowCidrs: [] }) })), processJob(handle(id, channel), ctx({ runner: createCheckRunner({ check: slow, allowCidrs: [] }) }))]);
    expect(parentsIn(slack, channel)).toHaveLength(1);
    expect(slack.callsOf('chat.update').filter((c) => c.args.channel === channel)).toHaveLength(1);
    expect(threadOf(channel).repeated).toBe(0);
  });

  /** Waits until message `key` of job `jobId` is claimed in Redis (the claim store's hash). */
  const claimed = async (jobId: string, key: string): Promise<void> => {
    for (let i = 0; !(await redis.hexists(`${PREFIX}:sent:${jobId}`, key)); i++) {
      if (i >= 500) throw new Error(`no claim on ${jobId}/${key}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('a claim left pending by a dead process is taken over at once; a live one is waited for', async () => {
    const id = `cidem${randomUUID().slice(0, 8)}`;
    const dead = createMessageClaims(redis, { prefix: PREFIX, pendingMs: 60_000 });
    const alive = createMessageClaims(redis, { prefix: PREFIX, pendingMs: 60_000, pollMs: 20 });
    const next = createMessageClaims(redis, { prefix: PREFIX, pendingMs: 60_000, pollMs: 20 });
    try {
      // A send that never returns: the process died in the middle of it.
      void dead.once(id, 'm1', () => new Promise<string>(() => undefined));
      await claimed(id, 'm1');
      await dead.stop();
      const t0 = Date.now();
      expect(await next.once(id, 'm1', async () => 'ts-retaken')).toEqual({ sent: true, ts: 'ts-retaken' });
      expect(Date.now() - t0).toBeLessThan(1_000);

      // A live sender keeps its claim: the other run waits and does not send.
      let release: (ts: string) => void = () => undefined;
      const slowSend = alive.once(id, 'm2', () => new Promise<string>((r) => (release = r)));
      await claimed(id, 'm2');
      let secondSent = false;
      const waiting = next.once(id, 'm2', async () => {
        secondSent = true;
        return 'ts-dup';
      });
      await new Promise((r) => setTimeout(r, 300));
      release('ts-first');
      expect(await slowSend).toEqual({ sent: true, ts: 'ts-first' });
      expect(await waiting).toEqual({ sent: false, ts: 'ts-first' });
      expect(secondSent).toBe(false);
    } finally {
      await Promise.all([dead.stop(), alive.stop(), next.stop()]);
    }
  });

  it('a send that failed is released, so the retry sends it', async () => {
    const channel = 'C0IDEM3';
    const id = `cidem${randomUUID().slice(0, 8)}`;
    slack.failNext('chat.postMessage', { error: 'internal_error' }, 1);
    await expect(processJob(handle(id, channel), ctx())).rejects.toThrow(/internal_error/);
    await processJob(handle(id, channel), ctx());
    expect(parentsIn(slack, channel)).toHaveLength(1);
    expect(slack.callsOf('chat.update').filter((c) => c.args.channel === channel)).toHaveLength(1);
  });
});

describe('SIGTERM', () => {
  it('finishes and reports the running check, leaves queued jobs to others, exits 0', async () => {
    const a = worker({ SOAK_CHECK: 'fake:2500', SOAK_LOCK_MS: '30000', SOAK_STALLED_MS: '30000' });
    await a.ready();
    await queue.enqueue(request('C0TERM1', 'term1.example:443'));
    await a.waitFor((e) => e.event === 'check-start', 'the check to start');
    a.kill('SIGTERM');
    await a.waitFor((e) => e.event === 'closing', 'closing');
    // Queued after the signal: A must not take it.
    await queue.enqueue(request('C0TERM2', 'term2.example:443'));
    const exit = await a.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // The in-flight check was finished and reported before the exit.
    expect(finalsIn(slack, 'C0TERM1')).toHaveLength(1);
    expect(a.events.filter((e) => e.event === 'check-start').map((e) => e.input)).toEqual(['term1.example:443']);
    expect(finalsIn(slack, 'C0TERM2')).toHaveLength(0);

    const b = worker({ SOAK_CHECK: 'fake:100' });
    await b.ready();
    await slack.waitFor(() => finalsIn(slack, 'C0TERM2')[0], 'the queued job on the next worker', 15_000);
    expect(parentsIn(slack, 'C0TERM1')).toHaveLength(1);
    expect(parentsIn(slack, 'C0TERM2')).toHaveLength(1);
    b.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
  }, 40_000);
});

describe('SIGTERM just after a Redis restart', () => {
  it('still exits 0 promptly (BullMQ alone would wait forever on a reconnecting connection)', async () => {
    const own = await startPrivateRedis();
    try {
      // The connections get 300 ms (production: 3 s) once the worker has nothing running: the exit is bounded either way.
      const w = worker({ REDIS_URL: own.url, SOAK_CHECK: 'fake:100', SOAK_CLOSE_MS: '300' });
      await w.ready();
      await own.restart(500);
      // Within BullMQ's reconnect backoff: its connections are still reconnecting.
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      w.kill('SIGTERM');
      expect(await w.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(8_000);
    } finally {
      await own.close();
    }
  }, 30_000);
});
