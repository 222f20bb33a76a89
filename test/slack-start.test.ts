// `npm start` as a user runs it: package.json's start command (dist/handlers/app.js with its node
// flags) in a child process: the web handler, and the workers in a process it forks, every thread
// of it at a lower Linux priority. A signed slash command is acknowledged, checked by that process
// against a node:tls server on 127.0.0.1 and threaded at the Slack stand-in; /metrics includes
// its check; SIGTERM during a second check lets it finish and be reported, then both exit, 0.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeTls, type Running } from './helpers/servers.js';
import { sendSlashCommand, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { deleteKeysAt } from './helpers/redis-keys.js';
import { assertFreshBuild } from './hardening-stack.js';
import { startCommand } from '../bench/bot/start-flags.mjs';

const SECRET = 'start-signing-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `{tlscheck-start-${randomUUID().slice(0, 8)}}`;

type LogLine = Record<string, unknown> & { msg?: string };

/** The child's stdout as JSON log lines; `line(match)` resolves with the first (past or future) that matches. */
function watchLog(child: ChildProcess): { lines: LogLine[]; line(match: (l: LogLine) => boolean, what: string): Promise<LogLine> } {
  const lines: LogLine[] = [];
  const waiting = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`npm start exited (${code}) first`))));
  exited.catch(() => undefined);
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let l: LogLine;
    try {
      l = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    lines.push(l);
    for (const w of [...waiting]) {
      if (w.match(l)) {
        waiting.delete(w);
        w.resolve(l);
      }
    }
  });
  return {
    lines,
    line(match, what) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      const wait = new Promise<LogLine>((resolve) => waiting.add({ match, resolve }));
      return Promise.race([wait, exited]).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
    },
  };
}

/** The fields of a /proc stat file after the command name (split after its last ')'): [0] state, [16] nice. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat). */
const niceOf = (pid: number, tid: number): number => Number(statFields(`/proc/${pid}/task/${tid}/stat`)[16]);

/** Every thread of a process, by kernel id. */
const threadsOf = (pid: number): number[] => readdirSync(`/proc/${pid}/task`).map(Number);

/** Alive: a process that exited but is not reaped yet (a zombie, state Z) counts as gone. */
const running = (pid: number): boolean => {
  if (process.platform === 'linux') {
    try {
      return statFields(`/proc/${pid}/stat`)[0] !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** package.json's start script after `node` (its V8 flags and the script), so the test runs exactly what `npm start` runs. */
function startArgs(): string[] {
  const { flags, script } = startCommand();
  expect(script).toEqual(['dist/handlers/app.js']);
  return [...flags, ...script];
}

let slack: SlackStandin;
let target: Running;
let app: ChildProcess;
let log: ReturnType<typeof watchLog>;
let exit: Promise<number | null>;
let workersPid = 0;

/** `npm start`'s command with this test's Slack stand-in, Redis prefix and a free port; its logs on a pipe. */
const startApp = (): ChildProcessByStdio<null, Readable, null> =>
  spawn(process.execPath, startArgs(), {
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'xoxb-start',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL,
      TLSCHECK_QUEUE_PREFIX: PREFIX,
      TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

beforeAll(async () => {
  assertFreshBuild(['handlers/app.ts', 'handlers/create-app.ts', 'handlers/commands/tlscheck.ts', 'handlers/reply.ts', 'jobs/worker-process.ts', 'jobs/thread-priority.ts', 'jobs/run-workers.ts', 'jobs/worker.ts']);
  slack = await startSlackStandin();
  target = await startNodeTls({ minVersion: 'TLSv1.2' });
  app = startApp();
  exit = new Promise((resolve) => app.once('exit', (code) => resolve(code)));
  log = watchLog(app);
}, 30_000);

afterAll(async () => {
  if (app && app.exitCode === null && app.signalCode === null) {
    app.kill('SIGKILL');
    await exit;
  }
  if (workersPid && running(workersPid)) process.kill(workersPid, 'SIGKILL');
  await target?.stop();
  await slack?.close();
  await deleteKeysAt(REDIS_URL, `${PREFIX}:`);
}, 30_000);

const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const verdictIn = (channel: string): RecordedCall | undefined =>
  slack.callsOf('chat.update').find((c) => c.args.channel === channel && text(c).includes('tlscheck_rerun'));

describe('npm start (dist/handlers/app.js)', () => {
  it('checks in its workers\' process, below the web handler\'s priority, and drains on SIGTERM', async () => {
    const listening = await log.line((l) => l.msg === 'listening for Slack requests', 'the web handler listening');
    const url = `http://127.0.0.1:${String(listening.port)}/slack/events`;
    const lowered = await log.line((l) => l.msg === 'checks run at a lower priority than the web handler', 'the workers\' process');
    workersPid = Number(lowered.pid);
    expect(workersPid).not.toBe(app.pid);
    if (process.platform === 'linux') {
      // Every thread of the workers' process (its event loop, V8's and libuv's helpers)...
      const threads = threadsOf(workersPid);
      expect(threads.length).toBeGreaterThan(1);
      for (const tid of threads) expect(niceOf(workersPid, tid)).toBe(10);
      // ...and none of the web handler's.
      for (const tid of threadsOf(app.pid!)) expect(niceOf(app.pid!, tid)).toBe(0);
    }

    const first = `127.0.0.1:${target.port}`;
    const ack = await sendSlashCommand(url, SECRET, { text: first, channel_id: 'C0START1', response_url: slack.responseUrl('start-1') });
    expect(ack.status).toBe(200);
    expect(ack.json?.text).toContain(`Checking ${first}`);
    const verdict = await slack.waitFor(() => verdictIn('C0START1'), 'the verdict in C0START1', 60_000);
    const thread = await slack.waitFor(() => {
      const t = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0START1' && c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'the diagnosis in its thread', 20_000);
    expect(thread.map(text).join('')).toContain(`Diagnosis for ${first}`);

    // The workers' process's counters reach the web handler's /metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${String(listening.port)}/metrics`)).text();
    expect(metrics).toMatch(/^tlscheck_checks_total\{[^}]*\} [1-9]/m);

    // A second check under way when SIGTERM comes: finished and reported before the exit.
    const second = await sendSlashCommand(url, SECRET, { text: first, channel_id: 'C0START2', response_url: slack.responseUrl('start-2') });
    expect(second.json?.text).toContain(`Checking ${first}`);
    await slack.waitFor(() => slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'C0START2' && !c.args.thread_ts), 'the second check starting', 20_000);
    app.kill('SIGTERM');
    expect(await exit).toBe(0);
    // The web handler exits after its workers' process, never leaving it behind.
    expect(running(workersPid)).toBe(false);
    expect(verdictIn('C0START2')).toBeDefined();
    expect(log.lines.some((l) => l.msg === 'shutting down')).toBe(true);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 150_000);
});

describe('npm start\'s workers\' process when the web handler is killed', () => {
  it('finishes and exits instead of running on alone', async () => {
    const killed = startApp();
    const lines = watchLog(killed);
    // The workers' process writes to the same stdout: the pipe ends only when both have exited.
    const ended = new Promise<void>((resolve) => killed.stdout.once('end', () => resolve()));
    const lowered = await lines.line((l) => l.msg === 'checks run at a lower priority than the web handler', 'the workers\' process');
    await lines.line((l) => l.msg === 'listening for Slack requests', 'the web handler listening');
    const pid = Number(lowered.pid);
    try {
      killed.kill('SIGKILL');
      await ended;
      expect(running(pid)).toBe(false);
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});
