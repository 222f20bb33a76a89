// The bot assembled for the hardening and fault tests: the Bolt app on 127.0.0.1, optionally an
// in-process worker, Slack played by the stand-in, every Redis key under a prefix of its own that
// close() deletes. Not a test file itself.
import { afterAll, beforeAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Config } from '../src/config.js';
import { createLogger, type Logger } from '../src/log.js';
import { DEFAULT_LIMITS, type LimitsConfig } from '../src/limits/defaults.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { startWorker, type RunningWorker, type WorkerDeps } from '../jobs/worker.js';
import type { CheckFn } from '../jobs/check-runner.js';
import type { CheckResult } from '../src/types.js';
import { baseResult, fakeExplanation } from './helpers/slack-fixtures.js';
import { sendSlashCommand, type RecordedCall, type SignedResponse, type SlackStandin } from './helpers/slack-standin.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

export const SECRET = 'hardening-signing-secret-9f3a';
export const BOT_TOKEN = 'xoxb-hardening-bot-token-77c1';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Log lines captured from pino, for tests that look for secrets in them. */
export interface LogCapture {
  logger: Logger;
  lines: string[];
  text(): string;
}

export function captureLogs(level = 'trace'): LogCapture {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createLogger(level, sink), lines, text: () => lines.join('') };
}

export interface StackOptions {
  slack: SlackStandin;
  redisUrl?: string;
  limits?: Partial<LimitsConfig>;
  /** Start an in-process worker with these deps (check defaults to a fast fake). */
  worker?: Partial<WorkerDeps> | false;
  logger?: Logger;
  concurrency?: number;
  /** TLSCHECK_ALLOW_CIDRS (default 127.0.0.0/8; [] refuses loopback as in production). */
  allowCidrs?: string[];
}

export interface Stack {
  url: string;
  config: Config;
  queue: CheckQueue;
  app: RunningApp;
  worker: RunningWorker | null;
  /** A signed /tlscheck from `user` in `channel`, with a response_url on the stand-in. */
  command(text: string, opts?: { channel?: string; user?: string; responseUrl?: string }): Promise<SignedResponse>;
  close(): Promise<void>;
}

/** A fake check: the canned result for the target asked, after `delayMs`. */
export function fakeCheck(delayMs = 0, seen: string[] = []): CheckFn {
  return async (input, opts): Promise<CheckResult> => {
    seen.push(input);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const [host = '', port = '443'] = input.split(':');
    return baseResult({ target: { host, port: Number(port), ip: '198.51.100.7', sni: opts.sni ?? host } });
  };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const logger = opts.logger ?? createLogger('silent');
  const config: Config = {
    slack: { botToken: BOT_TOKEN, signingSecret: SECRET, appToken: undefined, apiUrl: opts.slack.apiUrl },
    redisUrl: opts.redisUrl ?? REDIS_URL,
    allowCidrs: opts.allowCidrs ?? ['127.0.0.0/8'],
    concurrency: opts.concurrency ?? 2,
    port: 0,
    logLevel: 'silent',
    queuePrefix: `{tlscheck-hard-${randomUUID().slice(0, 8)}}`,
    admins: [],
    maxSchedulesPerChannel: 50,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
  };
  const queue = createCheckQueue(config);
  const app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: () => fakeExplanation(false), logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  const worker =
    opts.worker === false
      ? null
      : await startWorker(config, { check: fakeCheck(), explain: () => fakeExplanation(true), logger, progressIntervalMs: 200, ...opts.worker });
  const url = `http://127.0.0.1:${port}/slack/events`;
  let n = 0;
  return {
    url,
    config,
    queue,
    app,
    worker,
    command: (text, o = {}) =>
      sendSlashCommand(url, SECRET, {
        text,
        channel_id: o.channel ?? 'C0HARD',
        user_id: o.user ?? 'U0HARD',
        response_url: o.responseUrl ?? opts.slack.responseUrl(`hard-${++n}`),
      }),
    async close() {
      await app.stop().catch(() => undefined);
      await worker?.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      await deleteKeysAt(config.redisUrl, config.queuePrefix);
    },
  };
}

export { deleteKeysAt as deleteKeys };

export const callText = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;

/** The verdict (with buttons) or failure notice that ends a job in `channel`, if there is one yet. */
export function finalsIn(slack: SlackStandin, channel: string): RecordedCall[] {
  return slack.callsOf('chat.update').filter((c) => c.args.channel === channel && /tlscheck_rerun|could not finish|Too many checks/.test(callText(c)));
}

/** Top-level messages (parents) the bot posted in `channel`. */
export function parentsIn(slack: SlackStandin, channel: string): RecordedCall[] {
  return slack.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts && c.response?.ok === true);
}

/** Sources whose build the child-process workers (bench/soak/worker-child.mjs) run. */
const CHILD_SOURCES = ['jobs/worker.ts', 'jobs/process-job.ts', 'jobs/check-runner.ts', 'jobs/queue-errors.ts', 'src/limits/claims.ts', 'src/limits/undelivered.ts'];

/** The child workers run dist/: refuse to test a stale build rather than pass or fail on old code. */
export function assertFreshBuild(sources: readonly string[] = CHILD_SOURCES): void {
  for (const src of sources) {
    const built = `dist/${src.replace(/\.ts$/, '.js')}`;
    const s = statSync(new URL(`../${src}`, import.meta.url)).mtimeMs;
    let b = 0;
    try {
      b = statSync(new URL(`../${built}`, import.meta.url)).mtimeMs;
    } catch {
      b = 0;
    }
    if (b < s) throw new Error(`${built} is older than ${src}: run \`npm run build\` first (npm test does)`);
  }
}

/** Polls `probe` every 100 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Collects unhandled rejections and uncaught exceptions while the calling file (or describe
 * block) runs, so a test can assert there were none.
 */
export function watchProcessProblems(): unknown[] {
  const problems: unknown[] = [];
  const onProblem = (err: unknown): void => {
    problems.push(err);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onProblem);
    process.on('uncaughtException', onProblem);
  });
  afterAll(() => {
    process.off('unhandledRejection', onProblem);
    process.off('uncaughtException', onProblem);
  });
  return problems;
}
