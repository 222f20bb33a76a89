// The check's last round: the hellos the middlebox probe sends once every other probe has settled
// (phase 'last'), and hellos other probes leave for it. Post-quantum browser hellos span two TCP
// segments, the kind a middlebox may drop or punish, so they belong there like the middlebox's own;
// and that round uses only a few of the check's sockets, so hellos that can wait ride along for
// free instead of queueing in the busy middle of the check.
import type { ProbeContext } from './context.js';
import { sendHello, type HelloOutcome } from './raw-hello.js';

export interface Timed {
  outcome: HelloOutcome;
  /** From asking for a socket to the answer. */
  ms: number;
}

/**
 * Hellos other probes may leave for the last round: the check's 10 sockets per target minus the
 * middlebox probe's 4, so the round stays one round trip of hellos (plus the connect).
 */
export const LAST_ROUND_ROOM = 6;

/** The name under which the middlebox probe sends its browser-like hello (the Chrome profile's). */
export const BROWSER_LIKE = 'browser-like';

interface Queued {
  name: string;
  hello: Buffer;
  done: (t: Timed) => void;
}

// Per check: the orchestrator hands every probe the same signal, and it dies with the check.
const queues = new WeakMap<AbortSignal, Queued[]>();

export async function timed(ctx: ProbeContext, hello: Buffer): Promise<Timed> {
  const started = performance.now();
  const outcome = await sendHello(ctx, hello);
  return { outcome, ms: Math.round(performance.now() - started) };
}

/**
 * Leaves `hello` for the last round; resolves with its answer when that round runs, never if it
 * does not (the check ended first): callers keep the promise, they do not wait on it. Hellos of
 * one name are sent once: the last round's own hello of that name, or the first queued.
 */
export function deferToLastRound(ctx: ProbeContext, name: string, hello: Buffer): Promise<Timed> {
  return new Promise((done) => {
    const queue = queues.get(ctx.signal) ?? [];
    queues.set(ctx.signal, queue);
    queue.push({ name, hello, done });
  });
}

/**
 * Sends `own` and every queued hello at once; returns the answers to `own` by name and hands the
 * queued ones theirs. A queued hello named like one of `own` gets that one's answer.
 */
export async function runLastRound<K extends string>(ctx: ProbeContext, own: Readonly<Record<K, Buffer>>): Promise<Record<K, Timed>> {
  const queued = queues.get(ctx.signal) ?? [];
  queues.delete(ctx.signal);
  const hellos = new Map<string, Buffer>(Object.entries<Buffer>(own));
  for (const q of queued) if (!hellos.has(q.name)) hellos.set(q.name, q.hello);
  const answers = new Map(await Promise.all([...hellos].map(async ([name, hello]) => [name, await timed(ctx, hello)] as const)));
  for (const q of queued) q.done(answers.get(q.name) as Timed);
  return Object.fromEntries(Object.keys(own).map((name) => [name, answers.get(name)])) as Record<K, Timed>;
}
