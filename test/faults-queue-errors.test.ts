// While Redis is down, BullMQ's Queue and Worker objects emit an 'error' per reconnect attempt;
// one without a listener has BullMQ print each to stderr (console.error). Every object the bot
// creates has a listener that logs through pino at warn, at most once per 10 s per object. The
// outage is a private redis-server on another loopback port, never the machine's Redis.
import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/limits/defaults.js';
import { createCheckQueue, redisConnection, type CheckQueue } from '../jobs/queue.js';
import { ERROR_LOG_INTERVAL_MS, logErrorsQuietly } from '../jobs/queue-errors.js';
import { createScheduling, type Scheduling } from '../jobs/scheduling.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../jobs/schedule-worker.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startPrivateRedis, type PrivateRedis } from '../bench/soak/private-redis.mjs';
import { fakeExplanation } from './helpers/slack-fixtures.js';
import { captureLogs, fakeCheck, watchProcessProblems } from './hardening-stack.js';

describe('logErrorsQuietly', () => {
  it('logs the first error at warn, then at most one line per interval, counting what it left out', () => {
    const logs = captureLogs('info');
    const source = new EventEmitter();
    let t = 1_000;
    logErrorsQuietly(source, logs.logger, 'test queue', { now: () => t });
    const refused = (): boolean => source.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    for (let i = 0; i < 5; i++) refused();
    t += ERROR_LOG_INTERVAL_MS - 1;
    refused();
    t += 1;
    refused();
    const lines = logs.lines.map((l) => JSON.parse(l) as { level: string; msg: string; queueObject: string; suppressedSinceLast: number; err: { message: string } });
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(lines[0]).toMatchObject({ queueObject: 'test queue', suppressedSinceLast: 0, err: { message: 'connect ECONNREFUSED 127.0.0.1:1' } });
    expect(lines[1]?.suppressedSinceLast).toBe(5);
  });

  it('keeps an error off stderr even without a logger (an EventEmitter with no listener would throw)', () => {
    const source = new EventEmitter();
    logErrorsQuietly(source, undefined, 'bare');
    expect(() => source.emit('error', new Error('boom'))).not.toThrow();
  });
});

describe('Redis down under the queue objects', () => {
  let redis: PrivateRedis;
  let config: Config;
  const logs = captureLogs('warn');
  let queue: CheckQueue;
  let scheduling: Scheduling;
  let worker: RunningWorker;
  let scheduleWorker: RunningScheduleWorker;
  const problems = watchProcessProblems();

  beforeAll(async () => {
    redis = await startPrivateRedis();
    config = {
      slack: { botToken: 'xoxb-queue-errors', signingSecret: undefined, appToken: undefined, apiUrl: 'http://127.0.0.1:9/api/' },
      redisUrl: redis.url,
      allowCidrs: [],
      concurrency: 1,
      port: 0,
      logLevel: 'warn',
      queuePrefix: '{tlscheck-qerr}',
      admins: [],
      maxSchedulesPerChannel: 5,
      limits: { ...DEFAULT_LIMITS },
    };
    queue = createCheckQueue(config, logs.logger);
    scheduling = createScheduling(config, 'producer', logs.logger);
    worker = await startWorker(config, { check: fakeCheck(), explain: () => fakeExplanation(true), logger: logs.logger });
    scheduleWorker = await startScheduleWorker(config, { check: fakeCheck(), logger: logs.logger });
    // Connected before the outage: a Queue connects lazily, on its first command.
    await queue.getJob('nothing');
    await scheduling.queue.getJobScheduler('nothing');
  }, 30_000);

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    if (!redis.running()) await redis.start();
    await worker?.close();
    await scheduleWorker?.close();
    await scheduling?.close();
    await queue?.close();
    await redis?.close();
  }, 30_000);

  it('prints nothing to stderr and logs at most one warn line per object while it lasts', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const before = logs.lines.length;
    // Errors each object we can reach emits, counted by a listener of our own.
    const emitted = new Map<string, number>();
    const sources = { worker: worker.worker, 'schedule worker': scheduleWorker.worker };
    for (const [name, source] of Object.entries(sources)) source.on('error', () => emitted.set(name, (emitted.get(name) ?? 0) + 1));
    const warnings = () => logs.lines.slice(before).map((l) => JSON.parse(l) as { level: string; msg: string; queueObject?: string; err?: { message: string } });
    const perObject = () => {
      const counts = new Map<string, number>();
      for (const w of warnings()) if (w.queueObject) counts.set(w.queueObject, (counts.get(w.queueObject) ?? 0) + 1);
      return Object.fromEntries(counts);
    };
    await redis.stop();
    // Every object has said it once, and those we can count have had a second reconnect attempt
    // fail (the interval is 10 s): well within one interval, so one line each is the right count.
    await until(() => Object.keys(perObject()).length === 4, 'a warn line from every queue object');
    await until(() => Object.keys(sources).every((name) => (emitted.get(name) ?? 0) >= 2), 'a second error from each object');
    expect(printed.mock.calls).toEqual([]);

    // One line per object. Two schedule queues: the handler's (scheduling) and the schedule worker's own.
    expect(perObject(), JSON.stringify(warnings())).toEqual({ 'check queue': 1, 'schedule queue': 2, worker: 1, 'schedule worker': 1 });
    expect(warnings().filter((w) => w.queueObject).every((w) => w.level === 'warn' && typeof w.err?.message === 'string')).toBe(true);
    expect(problems).toEqual([]);

    // The control: a BullMQ Queue without a listener does print, so the spy would have seen ours.
    const bare = new Queue('tlscheck-control', { connection: redisConnection(config.redisUrl, 'producer'), prefix: config.queuePrefix });
    try {
      await until(() => printed.mock.calls.length > 0, 'the bare queue to print its error');
      expect(printed.mock.calls.length).toBeGreaterThan(0);
    } finally {
      await bare.close().catch(() => undefined);
    }
  }, 20_000);

  it('works again once Redis is back', async () => {
    await redis.start();
    const { jobId } = await retry(() => queue.enqueue({ kind: 'check', input: 'back.example:443', sni: null, symptom: null, channel: 'C0BACK', user: 'U0BACK', responseUrl: null }));
    expect(jobId).toMatch(/^c/);
    expect(problems).toEqual([]);
  }, 20_000);
});

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function retry<T>(fn: () => Promise<T>, attempts = 40): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
