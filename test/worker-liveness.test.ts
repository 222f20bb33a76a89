// The web handler's liveness watch over the workers' process (jobs/liveness.ts): a child that
// answers is left alone, one whose event loop blocks for good (as Node's native deadlock left it)
// is reported stuck, and the real workers' process (dist/jobs/worker-process.js) answers pings
// before and while it takes jobs. Waits are on the children's messages and exits, bounded.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { watchLiveness } from '../jobs/liveness.js';
import type { FromWorkerProcess } from '../jobs/worker-process.js';
import { assertFreshBuild, REDIS_URL } from './hardening-stack.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const PREFIX = `{tlscheck-liveness-${randomUUID().slice(0, 8)}}`;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await deleteKeysAt(REDIS_URL, PREFIX);
});

/** A child that answers pings until told to block its event loop for good (Atomics.wait on nothing). */
const BLOCKING_CHILD = `
  process.on('message', (m) => {
    if (m.type === 'ping') process.send({ type: 'pong', id: m.id });
    if (m.type === 'block') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
  process.send({ type: 'ready' });
`;

const exitOf = (c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve({ code: c.exitCode, signal: c.signalCode }) : new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));

const messageOf = <T>(c: ChildProcess, pred: (m: T) => boolean): Promise<T> =>
  new Promise((resolve) => {
    const on = (m: T): void => {
      if (!pred(m)) return;
      c.off('message', on);
      resolve(m);
    };
    c.on('message', on);
  });

describe('watchLiveness (fake timers, a clock of its own)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A watch whose clock moves only when `tick` says, with what it pinged and reported. */
  function harness() {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let clock = 0;
    const pings: number[] = [];
    const stuck: number[] = [];
    const live = watchLiveness({ ping: (id) => pings.push(id), onStuck: (ms) => stuck.push(ms), intervalMs: 10, deadMs: 60, now: () => clock });
    const tick = (ms = 10): void => {
      clock += ms;
      vi.advanceTimersByTime(10);
    };
    return { live, pings, stuck, tick };
  }

  it('keeps quiet while answers come, pinging every interval', () => {
    const { live, pings, stuck, tick } = harness();
    for (let i = 0; i < 20; i++) {
      tick();
      live.answered(pings.at(-1) ?? 0);
    }
    expect(pings).toHaveLength(20);
    expect(stuck).toEqual([]);
  });

  it('reports a silence of deadMs once, and stops pinging', () => {
    const { live, pings, stuck, tick } = harness();
    tick();
    live.answered(1);
    for (let i = 0; i < 12; i++) tick();
    expect(stuck).toEqual([60]);
    const sent = pings.length;
    tick();
    tick();
    expect(pings).toHaveLength(sent);
    expect(stuck).toEqual([60]);
  });

  it('does not count its own stall as the other side\'s silence, and still reports a silence after it', () => {
    const { pings, stuck, tick } = harness();
    tick();
    // This process held up for 5 minutes: its timer fires late, the answers would be unread.
    tick(300_000);
    expect(stuck).toEqual([]);
    for (let i = 0; i < 6; i++) tick();
    expect(stuck).toEqual([60]);
    expect(pings.length).toBeGreaterThan(2);
  });

  it('ignores answers to pings it never sent', () => {
    const { live, stuck, tick } = harness();
    for (let i = 0; i < 7; i++) {
      tick();
      live.answered(999);
    }
    expect(stuck).toEqual([60]);
  });
});

describe('watchLiveness', () => {
  it('leaves a child that answers alone and reports one whose event loop blocked', async () => {
    // fork('-e', [code]) runs `node -e code` with the IPC channel.
    const child = fork('-e', [BLOCKING_CHILD], { execArgv: [] });
    children.push(child);
    await messageOf<{ type: string }>(child, (m) => m.type === 'ready');
    let stuck: number | null = null;
    let stuckSeen: () => void = () => undefined;
    const stuckNow = new Promise<void>((resolve) => (stuckSeen = resolve));
    // A generous silence: a busy CI machine may hold a healthy child's answer for a while.
    const live = watchLiveness({
      ping: (id) => child.send({ type: 'ping', id }),
      onStuck: (silentMs) => {
        stuck = silentMs;
        stuckSeen();
      },
      intervalMs: 25,
      deadMs: 3_000,
    });
    let answers = 0;
    const fiveAnswers = new Promise<void>((resolve) =>
      child.on('message', (m: { type: string; id: number }) => {
        if (m.type !== 'pong') return;
        live.answered(m.id);
        if (++answers === 5) resolve();
      }),
    );
    await fiveAnswers;
    expect(stuck).toBeNull();
    child.send({ type: 'block' });
    await stuckNow;
    expect(stuck).toBeGreaterThanOrEqual(3_000);
    // Blocked in Atomics.wait, it is still there: only a kill ends it.
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    expect(await exitOf(child)).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);
});

describe('the workers\' process (npm start)', () => {
  it('answers pings from its start and once ready, and closes when asked', async () => {
    assertFreshBuild(['jobs/worker-process.ts']);
    const child = fork(fileURLToPath(new URL('../dist/jobs/worker-process.js', import.meta.url)), [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, REDIS_URL, TLSCHECK_QUEUE_PREFIX: PREFIX, SLACK_BOT_TOKEN: 'xoxb-liveness', SLACK_API_URL: 'http://127.0.0.1:9/api/', LOG_LEVEL: 'warn' },
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const ready = messageOf<FromWorkerProcess>(child, (m) => m.type === 'ready');
    const first = messageOf<FromWorkerProcess>(child, (m) => m.type === 'pong' && m.id === 1);
    child.send({ type: 'ping', id: 1 });
    expect(await first).toEqual({ type: 'pong', id: 1 });
    await ready;
    const second = messageOf<FromWorkerProcess>(child, (m) => m.type === 'pong' && m.id === 2);
    child.send({ type: 'ping', id: 2 });
    expect(await second).toEqual({ type: 'pong', id: 2 });
    child.send({ type: 'close' });
    expect(await exitOf(child), stderr.slice(-500)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
