// The bot bench's helper processes (the sender, the target, Slack's stand-in): forked from this
// folder over IPC, stopped by disconnecting (each exits when its parent goes), killed if one
// lingers. Shared by bench/bot.mjs and bench/bot/slack-standin.mjs.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** How long a stopped child may take to exit before it is killed. */
const STOP_MS = 5_000;

/** `promise`, or a rejection naming `what` after `timeoutMs`; the timer never outlives it. */
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`bot bench: ${what} took over ${timeoutMs / 1000} s`)), timeoutMs); }),
  ]).finally(() => clearTimeout(timer));
}

/** bench/bot/<file> as a child over IPC; `first` resolves with its first message (children that announce themselves). */
export function forkChild(file, { announces = false, firstMessageMs = 20_000 } = {}) {
  const child = fork(join(here, file), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((r) => child.once('exit', () => r()));
  const first = announces
    ? withTimeout(new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
      }), firstMessageMs, `starting ${file}`)
    : null;
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    exited,
    first,
    async stop() {
      if (gone()) return;
      if (child.connected) child.disconnect();
      await withTimeout(exited, STOP_MS, `${file} exiting`).catch(() => undefined);
      if (!gone()) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
