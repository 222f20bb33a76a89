// Starts worker-child.mjs as a child process and follows its event lines, for tests and the soak
// that kill, terminate and restart workers. Every child is killed when the parent exits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./worker-child.mjs', import.meta.url));
const live = new Set();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** `env` is added to the parent's environment (REDIS_URL, TLSCHECK_QUEUE_PREFIX, SLACK_*, SOAK_*). */
export function spawnWorker(env, opts = {}) {
  const child = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const events = [];
  const waiters = new Set();
  let stderr = '';
  let buffered = '';
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const e = JSON.parse(line);
        events.push(e);
        for (const w of [...waiters]) w();
      } catch {
        // Not an event line.
      }
    }
  });
  // Keep stderr drained (pino); the tail is kept for error messages, the whole for secret scans.
  const keepLog = opts.keepLog ?? false;
  let log = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
    if (keepLog) log += d;
  });
  const waitFor = (pred, what, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = events.find(pred);
        if (hit) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`worker ${child.pid}: timed out waiting for ${what}; stderr: ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
      exited.then(() => {
        if (waiters.has(check)) {
          check();
          if (waiters.has(check)) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`worker ${child.pid} exited before ${what}; stderr: ${stderr}`));
          }
        }
      });
    });
  return {
    pid: child.pid,
    events,
    exited,
    ready: () => waitFor((e) => e.event === 'ready', 'ready'),
    waitFor,
    kill: (signal = 'SIGKILL') => child.kill(signal),
    log: () => log,
    stderrTail: () => stderr,
    /** Kills it (if still running) and waits for the exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
