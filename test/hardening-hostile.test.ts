// Hostile targets through the whole check (runCheck) and through the real worker: every one ends
// within the deadline with a clear error or a sensible verdict, memory stays bounded, nothing
// rejects unhandled, and the worker goes on serving good targets afterwards.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import type { CheckResult } from '../src/types.js';
import type { Config } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/limits/defaults.js';
import { createLogger } from '../src/log.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startNodeTls, tempDir, type Running } from './helpers/servers.js';
import { startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { makeHugeChainCerts, startHostilePeer, type HostileKind, type HostilePeer, type HugeChainCerts } from '../bench/soak/hostile-peers.mjs';
import { deleteKeysAt } from './helpers/redis-keys.js';

/** The deadline of checks that end on their own before it: room for a loaded machine. */
const TIMEOUT_MS = 3_000;
/**
 * Shorter deadlines for the peers a check can only leave at its deadline: what is tested there is
 * that the check stops at its deadline, whatever it is, so a short one keeps the wait short. The
 * drip sends a byte a second, so its deadline lets a byte arrive first: a trickle does not extend it.
 */
const ENDLESS_DEADLINE_MS: Partial<Record<HostileKind, number>> = { tarpit: 1_000, drip: 1_500 };
/** The deadline of each of the checks run all at once. */
const CONTENDED_DEADLINE_MS = 1_500;
const deadlineOf = (kind: HostileKind): number => ENDLESS_DEADLINE_MS[kind] ?? TIMEOUT_MS;
/** The check's own grace (250 ms) for a probe that overruns, plus diagnosis on a loaded CI box. */
const GRACE_MS = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
let good: Running;
let certs: HugeChainCerts;
const peers = new Map<HostileKind, HostilePeer>();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  good = await startNodeTls({ minVersion: 'TLSv1.2' });
  certs = makeHugeChainCerts(tempDir());
  for (const kind of ['tarpit', 'reset', 'garbage', 'drip', 'huge-chain', 'alert-flood', 'mid-handshake-close', 'bogus-length'] as const) {
    peers.set(kind, await startHostilePeer(kind, { certs, copies: 300, backendPort: good.port }));
  }
});

afterAll(async () => {
  await Promise.all([...peers.values()].map((p) => p.stop()));
  await good?.stop();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const portOf = (kind: HostileKind): number => {
  const p = peers.get(kind);
  if (!p) throw new Error(`no ${kind} peer`);
  return p.port;
};

interface Timed {
  result: CheckResult;
  timeoutMs: number;
  wallMs: number;
  heapPeakMb: number;
  rssDeltaMb: number;
}

/** One whole check with its wall time and the heap's peak growth while it ran. */
async function timedCheck(kind: HostileKind, timeoutMs = deadlineOf(kind)): Promise<Timed> {
  const port = portOf(kind);
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
  }, 5);
  const t0 = performance.now();
  try {
    const result = await runCheck(`127.0.0.1:${port}`, { timeoutMs });
    return { result, timeoutMs, wallMs: performance.now() - t0, heapPeakMb: peak / 2 ** 20, rssDeltaMb: (process.memoryUsage().rss - rss0) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

function withinDeadline(t: Timed): void {
  expect(t.result.durationMs).toBeLessThanOrEqual(t.timeoutMs + GRACE_MS);
  expect(t.wallMs).toBeLessThanOrEqual(t.timeoutMs + GRACE_MS);
  // A hostile peer is a verdict about the server, never a crash of one of our probes.
  expect(t.result.probeErrors).toBeUndefined();
}

const allUnknown = (r: CheckResult): boolean => Object.values(r.protocols).every((v) => v === null);
const findingText = (r: CheckResult): string => r.findings.map((f) => `${f.id} ${f.title} ${f.detail}`).join('\n');

describe('hostile targets through runCheck', () => {
  it('accepts and never answers: timeout at the deadline, every version unknown', async () => {
    const t = await timedCheck('tarpit');
    withinDeadline(t);
    expect(t.result.error).toMatchObject({ code: 'timeout' });
    expect(allUnknown(t.result)).toBe(true);
    // It really waited for the deadline: a timeout is not a guess.
    expect(t.timeoutMs).toBeLessThan(TIMEOUT_MS);
    expect(t.wallMs).toBeGreaterThanOrEqual(t.timeoutMs - 50);
  });

  it('resets at once: reset, quickly', async () => {
    const t = await timedCheck('reset');
    withinDeadline(t);
    expect(t.result.error).toMatchObject({ code: 'reset', message: expect.stringMatching(/ECONNRESET/) });
    expect(t.wallMs).toBeLessThan(t.timeoutMs);
  });

  it('sends garbage: not TLS, with the first bytes quoted', async () => {
    const t = await timedCheck('garbage');
    withinDeadline(t);
    expect(t.result.error).toMatchObject({ code: 'not-tls', message: expect.stringMatching(/not TLS: first bytes 9f/) });
    expect(t.result.protocols['TLSv1.2']).toBe(false);
  });

  it('drips one byte a second: timeout at the deadline', async () => {
    const t = await timedCheck('drip');
    withinDeadline(t);
    expect(t.result.error).toMatchObject({ code: 'timeout' });
    expect(allUnknown(t.result)).toBe(true);
    expect(t.wallMs).toBeGreaterThanOrEqual(t.timeoutMs - 50);
  });

  it('sends a megabyte certificate chain: versions found, the chain refused and said so, memory bounded', async () => {
    const peer = peers.get('huge-chain');
    expect(peer?.chainBytes).toBeGreaterThan(3 * 2 ** 20);
    const t = await timedCheck('huge-chain');
    withinDeadline(t);
    // Not a ✅ with an empty certificate: no client can complete a handshake with this server.
    expect(t.result.error).toMatchObject({ code: 'reset', message: expect.stringMatching(/no TLS handshake completes \(excessive message size — its certificate chain is larger than TLS clients accept\)/) });
    expect(t.result.protocols['TLSv1.2']).toBe(true);
    expect(t.result.protocols['TLSv1.3']).toBe(true);
    // OpenSSL's 100 KiB certificate-list cap stops the handshake; nothing of the chain is kept.
    expect(t.result.certificate).toBeNull();
    expect(peer?.connections()).toBeGreaterThan(5);
    // Dozens of connections each offered 3.4 MiB: the check must not have buffered them.
    expect(t.heapPeakMb).toBeLessThan(80);
    expect(t.rssDeltaMb).toBeLessThan(150);
  });

  it('floods warning alerts: every version refused with an alert, said so, memory bounded', async () => {
    const t = await timedCheck('alert-flood');
    withinDeadline(t);
    expect(t.result.error).toBeNull();
    expect(Object.values(t.result.protocols).every((v) => v === false)).toBe(true);
    expect(findingText(t.result)).toMatch(/refused with an alert/);
    expect(t.result.renegotiation.reason).toMatch(/user_canceled/);
    expect(t.heapPeakMb).toBeLessThan(80);
  });

  it('closes in the middle of the handshake: versions seen, no certificate, no crash', async () => {
    const t = await timedCheck('mid-handshake-close');
    withinDeadline(t);
    // The ServerHello got through; the handshake never completed, and the result says so.
    expect(t.result.protocols['TLSv1.2']).toBe(true);
    expect(t.result.certificate).toBeNull();
    expect(t.result.error).toMatchObject({ code: 'reset', message: expect.stringMatching(/no TLS handshake completes/) });
    expect(t.result.resumption.sessionId).toBeNull();
    expect(t.result.alpn).toBeNull();
  });

  it('sends a record with a bogus length: not TLS, naming the length', async () => {
    const t = await timedCheck('bogus-length');
    withinDeadline(t);
    expect(t.result.error).toMatchObject({ code: 'not-tls', message: expect.stringMatching(/record length 65535 exceeds the TLS maximum/) });
  });

  it('all of them at once, twice: still within the deadline, nothing unhandled', async () => {
    const kinds = [...peers.keys()];
    // Sixteen checks side by side drive the slower peers' checks to their deadline too: one short
    // deadline for all, as what is tested is that every one of them holds it.
    const runs = await Promise.all([...kinds, ...kinds].map((k) => timedCheck(k, CONTENDED_DEADLINE_MS)));
    for (const t of runs) expect(t.result.durationMs).toBeLessThanOrEqual(t.timeoutMs + GRACE_MS);
    // Give late socket errors a moment to surface as unhandled, if any were.
    await new Promise((r) => setTimeout(r, 200));
    expect(unhandled).toEqual([]);
  }, 30_000);
});

describe('the worker after hostile targets', () => {
  let slack: SlackStandin;
  let queue: CheckQueue;
  let worker: RunningWorker;
  let config: Config;

  beforeAll(async () => {
    slack = await startSlackStandin();
    config = {
      slack: { botToken: 'xoxb-hostile-test', signingSecret: undefined, appToken: undefined, apiUrl: slack.apiUrl },
      redisUrl: REDIS_URL,
      allowCidrs: ['127.0.0.0/8'],
      // Every hostile job at once (the endless ones wait out the deadline side by side, not in turn).
      concurrency: peers.size,
      limits: { ...DEFAULT_LIMITS, hostConcurrency: peers.size },
      port: 0,
      logLevel: 'silent',
      queuePrefix: `{tlscheck-hostile-${randomUUID().slice(0, 8)}}`,
    };
    queue = createCheckQueue(config);
    worker = await startWorker(config, { check: realCheck, explain: realExplain, logger: createLogger('silent'), checkTimeoutMs: TIMEOUT_MS, progressIntervalMs: 200 });
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
    await slack?.close();
  });

  const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
  const finalIn = (channel: string): RecordedCall | undefined =>
    slack.callsOf('chat.update').find((c) => c.args.channel === channel && (text(c).includes('tlscheck_rerun') || text(c).includes('could not finish')));

  it('reports every hostile target, then a good one, each exactly once', async () => {
    const jobs: Array<{ channel: string; port: number; kind: string }> = [...peers.entries()].map(([kind, p]) => ({ kind, port: p.port, channel: `C0H${kind.replace(/-/g, '').toUpperCase()}` }));
    const enqueue = (j: { channel: string; port: number }) =>
      queue.enqueue({ kind: 'check', input: `127.0.0.1:${j.port}`, sni: null, symptom: null, channel: j.channel, user: 'U0HOSTILE', responseUrl: null });
    const allFinal = () => {
      const all = jobs.map((j) => finalIn(j.channel));
      return all.every(Boolean) && (all as RecordedCall[]);
    };
    for (const j of jobs) await enqueue(j);
    await slack.waitFor(allFinal, 'a verdict in every hostile channel', 30_000);
    // Then the good one, on the same worker once every hostile job is done.
    const goodJob = { kind: 'good', port: good.port, channel: 'C0HGOOD' };
    jobs.push(goodJob);
    await enqueue(goodJob);
    const finals = await slack.waitFor(allFinal, 'a verdict in every channel', 30_000);
    finals.forEach((call, i) => {
      const job = jobs[i];
      // A real verdict (with the buttons), never the "could not finish" of a crashed job.
      expect(text(call), job?.kind).toContain('tlscheck_rerun');
      expect(slack.callsOf('chat.postMessage').filter((c) => c.args.channel === job?.channel && !c.args.thread_ts), job?.kind).toHaveLength(1);
    });
    const goodVerdict = String(finals[finals.length - 1]?.args.text);
    expect(goodVerdict).toMatch(new RegExp(`^(✅|⚠️|❌) 127\\.0\\.0\\.1:${good.port}: `));
    // The good server is judged on its merits (a self-signed certificate), not on a leftover of the hostile ones.
    expect(goodVerdict).not.toMatch(/timeout|reset|not TLS|could not finish/i);
    // Hostile targets whose check ended in an error read as a failure, never as ✅.
    for (const kind of ['tarpit', 'reset', 'garbage', 'drip', 'bogus-length', 'huge-chain', 'mid-handshake-close', 'alert-flood']) {
      const i = jobs.findIndex((j) => j.kind === kind);
      expect(String(finals[i]?.args.text), kind).toMatch(/^❌ /);
    }
    expect(unhandled).toEqual([]);
  }, 40_000);
});
