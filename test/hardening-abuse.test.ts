// Abuse: rate limits per user and per channel, at most N checks per target host across workers
// (with leases a crashed worker cannot keep), bounded input and job sizes, signature
// verification that cannot be switched off, and no secret in logs or job data.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from '../src/config.js';
import { createRateLimiter, rateLimitedText } from '../src/limits/rate.js';
import { createHostSemaphore, hostOf } from '../src/limits/host-semaphore.js';
import { MAX_COMMAND_TEXT, MAX_JOB_REQUEST_BYTES } from '../src/limits/defaults.js';
import { commandTextProblem, jobRequestProblem } from '../src/limits/input.js';
import type { CheckFn } from '../jobs/check-runner.js';
import { sendButton, startSlackStandin, sendSlashCommand, slackSignature, type SlackStandin } from './helpers/slack-standin.js';
import type { Block } from '../src/format/slack/blocks.js';
import { ACTION_IDS } from '../src/format/slack/actions.js';
import { createLogger } from '../src/log.js';
import { startWorker } from '../jobs/worker.js';
import { BOT_TOKEN, captureLogs, deleteKeys, fakeCheck, finalsIn, parentsIn, REDIS_URL, SECRET, startStack, type Stack } from './hardening-stack.js';

const PREFIX = `{tlscheck-abuse-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let slack: SlackStandin;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  slack = await startSlackStandin();
});

afterAll(async () => {
  await deleteKeys(REDIS_URL, PREFIX);
  await redis?.quit();
  await slack?.close();
});

describe('rate limits (Redis sliding window)', () => {
  it('lets a user through up to the limit, then says which limit and when to retry', async () => {
    const rate = createRateLimiter(redis, { prefix: `${PREFIX}:r1`, limits: { userPerMin: 3, channelPerMin: 100 } });
    const who = { user: 'U1', channel: 'C1' };
    for (let i = 0; i < 3; i++) expect(await rate.take(who)).toEqual({ allowed: true });
    const refused = await rate.take(who);
    expect(refused).toMatchObject({ allowed: false, scope: 'user', limit: 3 });
    if (refused.allowed) throw new Error('unreachable');
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(59);
    expect(refused.retryAfterSec).toBeLessThanOrEqual(60);
    expect(rateLimitedText(refused)).toMatch(/you have asked for 3 checks in a minute.*Try again in (59|60) s/);
    // Another user is not affected.
    expect(await rate.take({ user: 'U2', channel: 'C1' })).toEqual({ allowed: true });
  });

  it('limits a channel whoever asks, without charging the users it refuses', async () => {
    const rate = createRateLimiter(redis, { prefix: `${PREFIX}:r2`, limits: { userPerMin: 5, channelPerMin: 4 } });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await rate.take({ user: `U${i % 2}`, channel: 'CBUSY' }));
    expect(results.filter((r) => r.allowed)).toHaveLength(4);
    expect(results[4]).toMatchObject({ allowed: false, scope: 'channel', limit: 4 });
    // U0 was refused once by the channel: that refusal did not use its own quota (2 of 5 used).
    for (let i = 0; i < 3; i++) expect(await rate.take({ user: 'U0', channel: `CQUIET${i}` })).toEqual({ allowed: true });
  });

  it('is exact under concurrency: 40 requests at once, limit 7, exactly 7 pass', async () => {
    const rate = createRateLimiter(redis, { prefix: `${PREFIX}:r3`, limits: { userPerMin: 7, channelPerMin: 100 } });
    const other = new Redis(REDIS_URL);
    const rate2 = createRateLimiter(other, { prefix: `${PREFIX}:r3`, limits: { userPerMin: 7, channelPerMin: 100 } });
    try {
      // Two "web handlers" on two connections share one window.
      const all = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? rate : rate2).take({ user: 'URACE', channel: 'C' })));
      expect(all.filter((r) => r.allowed)).toHaveLength(7);
    } finally {
      await other.quit();
    }
  });

  it('slides: a request fits again once the oldest leaves the window', async () => {
    // The limiter judges by Redis's clock, so the test waits on that clock, never on a fixed sleep;
    // a machine stalled past a window only skips the assertions the stall made meaningless.
    const W = 1_000;
    const rate = createRateLimiter(redis, { prefix: `${PREFIX}:r4`, limits: { userPerMin: 2, channelPerMin: 100 }, windowMs: W });
    const who = { user: 'USLIDE', channel: 'C' };
    const redisNow = async (): Promise<number> => {
      const [s, us] = await redis.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    const takeOnceFits = async (notBefore: number): Promise<number> => {
      for (let i = 0; i < 400; i++) {
        if ((await rate.take(who)).allowed) return redisNow();
        if ((await redisNow()) > notBefore + 5_000) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the window never slid');
    };
    const t0 = await redisNow();
    expect((await rate.take(who)).allowed).toBe(true);
    while ((await redisNow()) < t0 + 300) await new Promise((r) => setTimeout(r, 20));
    const t1 = await redisNow();
    expect((await rate.take(who)).allowed).toBe(true);
    const third = await rate.take(who);
    if ((await redisNow()) < t0 + W) expect(third).toMatchObject({ allowed: false, scope: 'user', limit: 2 });
    // One more fits exactly when the first leaves the window, not before.
    expect(await takeOnceFits(t0)).toBeGreaterThanOrEqual(t0 + W);
    // The second has not left yet: nothing more fits.
    const fifth = await rate.take(who);
    if ((await redisNow()) < t1 + W) expect(fifth.allowed).toBe(false);
    // Keys expire with the window: nothing accumulates for users who stop asking.
    const ttl = await redis.pttl(`${PREFIX}:r4:rate:user:USLIDE`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(W);
  });

  it('reads its limits from the environment, with defaults 10 and 30, and refuses nonsense', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
    expect(loadConfig({ env: base, dotenvPath: false }).limits).toEqual({ userPerMin: 10, channelPerMin: 30, hostConcurrency: 2, checkTimeoutMs: undefined });
    const set = loadConfig({ env: { ...base, TLSCHECK_RATE_USER_PER_MIN: '3', TLSCHECK_RATE_CHANNEL_PER_MIN: '9', TLSCHECK_HOST_CONCURRENCY: '1', TLSCHECK_CHECK_TIMEOUT_MS: '4000' }, dotenvPath: false });
    expect(set.limits).toEqual({ userPerMin: 3, channelPerMin: 9, hostConcurrency: 1, checkTimeoutMs: 4_000 });
    expect(() => loadConfig({ env: { ...base, TLSCHECK_RATE_USER_PER_MIN: '0' }, dotenvPath: false })).toThrow(/TLSCHECK_RATE_USER_PER_MIN must be a whole number from 1/);
    expect(() => loadConfig({ env: { ...base, TLSCHECK_HOST_CONCURRENCY: 'lots' }, dotenvPath: false })).toThrow(/TLSCHECK_HOST_CONCURRENCY/);
  });
});

describe('rate limits in the slash handler', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ slack, limits: { userPerMin: 2, channelPerMin: 3 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses the third check of a user in the ack, with when to retry, and queues nothing for it', async () => {
    const channel = 'C0RATEU';
    expect((await stack.command('a.example', { channel, user: 'URATE' })).json?.text).toMatch(/^🔎 Checking a\.example:443/);
    // Help and usage errors cost nothing.
    await stack.command('help', { channel, user: 'URATE' });
    await stack.command('two words', { channel, user: 'URATE' });
    expect((await stack.command('b.example', { channel, user: 'URATE' })).json?.text).toMatch(/^🔎 Checking b\.example:443/);
    const third = await stack.command('c.example', { channel, user: 'URATE' });
    expect(third.status).toBe(200);
    expect(third.ms).toBeLessThan(3_000);
    expect(third.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/you have asked for 2 checks in a minute.*Try again in \d+ s/) });
    await slack.waitFor(() => finalsIn(slack, channel).length >= 2 && true, 'two verdicts');
    await new Promise((r) => setTimeout(r, 300));
    expect(parentsIn(slack, channel).map((c) => String(c.args.text))).not.toEqual(expect.arrayContaining([expect.stringContaining('c.example')]));
    expect(parentsIn(slack, channel)).toHaveLength(2);
  });

  it('counts Re-run presses against the same limits', async () => {
    const channel = 'C0RERUN';
    expect((await stack.command('rerun.example', { channel, user: 'URERUN' })).json?.text).toMatch(/^🔎/);
    const verdict = await slack.waitFor(() => finalsIn(slack, channel)[0], 'verdict');
    const actions = (verdict.args.blocks as Block[]).find((b) => b.type === 'actions');
    const value = actions?.type === 'actions' ? actions.elements.find((e) => e.action_id === ACTION_IDS.rerun)?.value : undefined;
    expect(value).toBeTruthy();
    const press = (id: string): ReturnType<typeof sendButton> =>
      sendButton(stack.url, SECRET, { actionId: ACTION_IDS.rerun, value: value ?? '', channel, messageTs: String(verdict.args.ts), responseUrl: slack.responseUrl(id), user: 'URERUN' });
    // A Re-run answers in the result's thread ("Checking … again"), so it is not deduplicated into the first job.
    const reruns = (): number => slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && c.args.thread_ts === verdict.args.ts && /again/.test(String(c.args.text))).length;
    expect((await press('rerun-1')).status).toBe(200);
    await slack.waitFor(() => reruns() === 1 && true, 'the second check');
    expect((await press('rerun-2')).status).toBe(200);
    const refusal = await slack.waitFor(() => slack.responses.find((r) => r.id === 'rerun-2' && /Slow down/.test(String(r.body.text))), 'the refusal');
    expect(String(refusal.body.text)).toMatch(/you have asked for 2 checks in a minute/);
    await new Promise((r) => setTimeout(r, 300));
    expect(reruns()).toBe(1);
    expect(parentsIn(slack, channel)).toHaveLength(1);
  }, 20_000);

  it('refuses the fourth check in a channel whoever asks', async () => {
    const channel = 'C0RATEC';
    for (const user of ['UA', 'UB', 'UC']) expect((await stack.command(`${user.toLowerCase()}.example`, { channel, user })).json?.text).toMatch(/^🔎/);
    const fourth = await stack.command('d.example', { channel, user: 'UD' });
    expect(fourth.json?.text).toMatch(/this conversation has asked for 3 checks in a minute/);
  });
});

describe('per-host concurrency across workers', () => {
  it('gives at most N leases per host; another host is independent', async () => {
    const sem = createHostSemaphore(redis, { prefix: `${PREFIX}:h1`, maxPerHost: 2 });
    const a = await sem.tryAcquire('Target.Example');
    const b = await sem.tryAcquire('target.example');
    const c = await sem.tryAcquire('target.example');
    expect(a.lease && b.lease).toBeTruthy();
    expect(c.lease).toBeNull();
    expect((await sem.tryAcquire('other.example')).lease).toBeTruthy();
    expect(await sem.holders('target.example')).toBe(2);
    await a.lease?.release();
    await a.lease?.release();
    expect((await sem.tryAcquire('target.example')).lease).toBeTruthy();
  });

  it('counts one server once whatever spelling of its address the check resolved', async () => {
    const sem = createHostSemaphore(redis, { prefix: `${PREFIX}:h3`, maxPerHost: 2 });
    const a = await sem.tryAcquire('127.0.0.1');
    const b = await sem.tryAcquire('::ffff:127.0.0.1');
    expect(a.lease && b.lease).toBeTruthy();
    expect((await sem.tryAcquire('[::FFFF:7f00:1]')).lease).toBeNull();
    expect(await sem.holders('127.0.0.1')).toBe(2);
    expect((await sem.tryAcquire('2001:DB8:0:0::1')).lease).toBeTruthy();
    expect(await sem.holders('2001:db8::1')).toBe(1);
    await a.lease?.release();
    await b.lease?.release();
  });

  it('a crashed holder (no release, no renewal) cannot keep its slot past the lease time', async () => {
    const crashed = new Redis(REDIS_URL);
    const dead = createHostSemaphore(crashed, { prefix: `${PREFIX}:h2`, maxPerHost: 1, leaseMs: 600 });
    const held = await dead.tryAcquire('stuck.example');
    expect(held.lease).toBeTruthy();
    // The "worker" dies: its connection goes, so its renewals fail from now on.
    crashed.disconnect();
    const alive = createHostSemaphore(redis, { prefix: `${PREFIX}:h2`, maxPerHost: 1, leaseMs: 600, pollMs: 50 });
    expect((await alive.tryAcquire('stuck.example')).lease).toBeNull();
    // Freed by the lease expiring (600 ms), well inside the 3 s this waits: no renewal keeps it.
    const lease = await alive.acquire('stuck.example', 3_000);
    expect(lease).toBeTruthy();
    await lease?.release();
  });

  it('a live holder keeps its slot by renewing, however long its check takes', async () => {
    const sem = createHostSemaphore(redis, { prefix: `${PREFIX}:h3`, maxPerHost: 1, leaseMs: 300 });
    const held = await sem.tryAcquire('long.example');
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await sem.tryAcquire('long.example')).lease).toBeNull();
    await held.lease?.release();
    expect((await sem.tryAcquire('long.example')).lease).toBeTruthy();
  });

  it('knows the host of every input spelling', () => {
    expect(hostOf('Example.COM:443')).toBe('example.com');
    expect(hostOf('[2001:DB8::1]:8443')).toBe('2001:db8::1');
    expect(hostOf('198.51.100.7:443')).toBe('198.51.100.7');
  });

  it('two workers run at most one check of a host at once; other hosts go on; the rest wait, then run', async () => {
    let running = 0;
    let peak = 0;
    let otherOverlapped = false;
    const seen: string[] = [];
    // The first check of busy.example and the check of calm.example wait for each other: both
    // run at once, or (if the limit blocked other hosts too) neither finishes and the test times out.
    let calmStarted = (): void => undefined;
    const calmRunning = new Promise<void>((r) => (calmStarted = r));
    let busyStarted = (): void => undefined;
    const busyRunning = new Promise<void>((r) => (busyStarted = r));
    let first = true;
    const check: CheckFn = async (input, opts) => {
      seen.push(input);
      if (input.startsWith('busy.example')) {
        running++;
        peak = Math.max(peak, running);
        if (first) {
          first = false;
          busyStarted();
          await calmRunning;
        } else {
          // Long enough for the waiting jobs to try for the slot meanwhile.
          await new Promise((r) => setTimeout(r, 50));
        }
        running--;
      } else {
        await busyRunning;
        otherOverlapped ||= running > 0;
        calmStarted();
      }
      return fakeCheck()(input, opts);
    };
    const stack = await startStack({
      slack,
      limits: { hostConcurrency: 1, userPerMin: 100, channelPerMin: 100 },
      worker: { check, hostWait: { inPlaceMs: 150, delayMs: 200 } },
      concurrency: 3,
    });
    // A second worker on the same queue: the limit holds across workers, not just within one.
    const second = await startWorker(stack.config, { check, explain: () => ({ recognised: false, candidates: [], diagnoses: [] }), logger: createLogger('silent'), hostWait: { inPlaceMs: 150, delayMs: 200 } });
    try {
      const channels = ['C0HOST1', 'C0HOST2', 'C0HOST3', 'C0HOST4'];
      for (const channel of channels) await stack.command('busy.example', { channel });
      await stack.command('calm.example', { channel: 'C0HOSTX' });
      await slack.waitFor(() => [...channels, 'C0HOSTX'].every((c) => finalsIn(slack, c).length === 1) && true, 'five verdicts', 20_000);
      expect(peak).toBe(1);
      expect(otherOverlapped).toBe(true);
      expect(seen.filter((s) => s.startsWith('busy.example'))).toHaveLength(4);
      for (const c of channels) expect(parentsIn(slack, c)).toHaveLength(1);
    } finally {
      await second.close();
      await stack.close();
    }
  }, 30_000);

  it('tells the user when a host stays busy too long, instead of queueing forever', async () => {
    const stack = await startStack({ slack, limits: { hostConcurrency: 1 }, worker: { hostWait: { inPlaceMs: 100, delayMs: 100, maxQueuedMs: 500 } } });
    // Someone else holds the only slot of this host for the whole test.
    const holder = createHostSemaphore(redis, { prefix: stack.config.queuePrefix, maxPerHost: 1 });
    const lease = await holder.tryAcquire('hogged.example');
    try {
      expect(lease.lease).toBeTruthy();
      await stack.command('hogged.example', { channel: 'C0HOGGED' });
      const final = await slack.waitFor(() => finalsIn(slack, 'C0HOGGED')[0], 'busy notice', 10_000);
      expect(String(final.args.text)).toMatch(/Too many checks of hogged\.example are running at once/);
    } finally {
      await lease.lease?.release();
      await stack.close();
    }
  }, 20_000);
});

describe('bounded input', () => {
  it('caps the slash text and the queued job', () => {
    expect(commandTextProblem('x'.repeat(MAX_COMMAND_TEXT))).toBeNull();
    expect(commandTextProblem('x'.repeat(MAX_COMMAND_TEXT + 1))).toMatch(/reads at most 4,000/);
    const req = { kind: 'explain', input: 'a.example:443', sni: null, symptom: '€'.repeat(MAX_JOB_REQUEST_BYTES / 3 + 10), channel: 'C', user: 'U', responseUrl: null };
    expect(jobRequestProblem(req)).toMatch(/too large to queue/);
    expect(jobRequestProblem({ ...req, symptom: 'short' })).toBeNull();
  });

  it('answers an oversized command in the ack without parsing or queuing it', async () => {
    const stack = await startStack({ slack, worker: false });
    try {
      const huge = await stack.command(`explain ${'ssl3_read_bytes:no renegotiation '.repeat(200)} --target big.example`, { channel: 'C0BIG' });
      expect(huge.status).toBe(200);
      expect(huge.json?.text).toMatch(/tlscheck reads at most 4,000/);
      // Text within the cap whose job would not be (control characters take 6 bytes each in JSON).
      const wide = await stack.command(`explain ${'\u0007'.repeat(3_900)} --target wide.example`, { channel: 'C0BIG' });
      expect(wide.json?.text).toMatch(/too large to queue/);
      expect(await redis.call('KEYS', `${stack.config.queuePrefix}:tlscheck:c*`)).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('request signatures', () => {
  it('has no switch to turn verification off', () => {
    expect(ENV_VARS.filter((v) => /VERIF|SIGNATURE|INSECURE|SKIP|DISABLE/i.test(v))).toEqual([]);
    const createApp = readFileSync(new URL('../handlers/create-app.ts', import.meta.url), 'utf8');
    // Bolt's own off switches, which must never appear in the factory.
    expect(createApp).not.toMatch(/signatureVerification|processBeforeResponse\s*:\s*true|verifyRequest/);
    // HTTP mode without a secret does not start.
    expect(() => loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1' }, dotenvPath: false, role: 'app' })).toThrow(ConfigError);
  });

  it('refuses forged, stale and unsigned requests with 401 while limits are on', async () => {
    const stack = await startStack({ slack, worker: false });
    try {
      const now = Math.floor(Date.now() / 1000);
      const forged = await sendSlashCommand(stack.url, SECRET, { text: 'forged.example' }, { signature: slackSignature('not-the-secret', now, 'x') });
      const stale = await sendSlashCommand(stack.url, SECRET, { text: 'stale.example' }, { timestamp: now - 600 });
      const unsigned = await sendSlashCommand(stack.url, SECRET, { text: 'unsigned.example' }, { signature: '' });
      expect([forged.status, stale.status, unsigned.status]).toEqual([401, 401, 401]);
      expect((await stack.command('help')).status).toBe(200);
    } finally {
      await stack.close();
    }
  });
});

describe('secrets', () => {
  it('never logs the bot token, signing secret or response_url, and never queues a token', async () => {
    const logs = captureLogs('trace');
    const responseUrl = slack.responseUrl(`secret-${randomUUID().slice(0, 8)}`);
    // Slack refuses the channel: the job must use (and still not log) the response_url.
    slack.closeChannel('C0SECRET2', 'not_in_channel');
    const stack = await startStack({ slack, logger: logs.logger, worker: { logger: logs.logger } });
    try {
      const first = await stack.command('secret.example', { channel: 'C0SECRET', responseUrl });
      expect(first.json?.text).toMatch(/^🔎/);
      await slack.waitFor(() => finalsIn(slack, 'C0SECRET')[0], 'verdict');
      await stack.command('fallback.example', { channel: 'C0SECRET2', responseUrl: `${responseUrl}x` });
      await slack.waitFor(() => slack.responses.find((r) => r.id === `${responseUrl.split('/').pop()}x`), 'response_url answer');
      // A failing Slack call, whose error object carries request details.
      slack.failNext('chat.postMessage', { status: 500 }, 1);
      await stack.command('boom.example', { channel: 'C0SECRET3', responseUrl });
      await slack.waitFor(() => finalsIn(slack, 'C0SECRET3')[0], 'verdict after a 500');

      const text = logs.text();
      expect(logs.lines.length).toBeGreaterThan(10);
      expect(text).toContain('check queued');
      expect(text).not.toContain(BOT_TOKEN);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(responseUrl);
      expect(text).not.toContain('/response/secret-');

      // Job data in Redis: the request and the result, never a token or the secret.
      const keys = (await redis.call('KEYS', `${stack.config.queuePrefix}:tlscheck:c*`)) as string[];
      const jobKeys = keys.filter((k) => /:c[0-9a-f]{32}$/.test(k));
      expect(jobKeys.length).toBeGreaterThanOrEqual(3);
      for (const key of jobKeys) {
        const data = await redis.hget(key, 'data');
        expect(data).toBeTruthy();
        expect(data).not.toContain(BOT_TOKEN);
        expect(data).not.toContain(SECRET);
        expect(data).not.toMatch(/xox[abposr]-/);
      }
    } finally {
      await stack.close();
    }
  }, 30_000);
});
