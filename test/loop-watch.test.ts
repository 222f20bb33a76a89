// A worker process's watch over its own event loop (jobs/loop-watch.ts), in child processes
// running the built module: a loop blocked for good (as Node's native deadlock left one) gets the
// process killed with a line saying why; a loop that keeps turning is left alone; and the watch
// keeps no process alive that has nothing else to do. Waits are on the children's exits, bounded.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertFreshBuild } from './hardening-stack.js';
import { runNodeScript, type ScriptExit } from './helpers/node-script.js';

const BUILT = fileURLToPath(new URL('../dist/jobs/loop-watch.js', import.meta.url));

/** Runs `body` (an ES module with startLoopWatch in scope) in a child; resolves at its exit. */
function runChild(body: string): Promise<ScriptExit> {
  assertFreshBuild(['jobs/loop-watch.ts']);
  // The bound only ends a child the watch failed to end.
  return runNodeScript(`const { startLoopWatch } = await import(${JSON.stringify(BUILT)});\n${body}`, { timeoutMs: 60_000 });
}

describe('startLoopWatch', () => {
  it('kills a process whose event loop is blocked for good, saying so on stderr', async () => {
    const r = await runChild(`
      startLoopWatch({ deadMs: 1000, intervalMs: 50 });
      // Blocked in Atomics.wait on a value nobody changes: no timer of this thread runs again.
      setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 100);
    `);
    expect(r.signal).toBe('SIGKILL');
    const line = JSON.parse(r.err.trim().split('\n').at(-1) ?? '{}') as { level?: number; silentMs?: number; msg?: string };
    expect(line.level).toBe(60);
    expect(line.silentMs).toBeGreaterThanOrEqual(1000);
    expect(line.msg).toMatch(/^the event loop has been blocked for \d+ ms; killing this process/);
  }, 90_000);

  it('leaves a process alone whose loop keeps turning, and stops when asked', async () => {
    // A generous deadMs: a busy CI machine may hold the loop up for a while without it being stuck.
    const r = await runChild(`
      const watch = startLoopWatch({ deadMs: 5000, intervalMs: 20 });
      let ticks = 0;
      const t = setInterval(() => {
        if (++ticks < 50) return;
        clearInterval(t);
        watch.stop().then(() => process.stdout.write('done'));
      }, 20);
    `);
    expect(r).toEqual({ code: 0, signal: null, out: 'done', err: '' });
  }, 90_000);

  it('keeps no process alive that has nothing else to do', async () => {
    const r = await runChild(`
      startLoopWatch();
      setTimeout(() => process.stdout.write('bye'), 50);
    `);
    expect(r).toEqual({ code: 0, signal: null, out: 'bye', err: '' });
  }, 90_000);
});
