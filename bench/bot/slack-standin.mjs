// The bot bench's Slack, seen from the bench: starts bench/bot/slack-standin-server.mjs in a
// process of its own (Slack is remote in production; its work and its records stay off the bot's
// event loop and heap) and asks it over IPC for the calls the bench waits on. A call's `at` is on
// this process's performance.now() clock, like the bench's own timestamps.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const START_MS = 20_000;

/**
 * A query: { method, channel?, threaded?, blocksInclude?, mark?, preview? } (a reply in a thread;
 * that text in the blocks). A call: { method, at, marked? (text or blocks hold `mark`), preview? }.
 */
export async function startBenchSlack() {
  const child = fork(join(here, 'slack-standin-server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  const pending = new Map();
  let nextId = 0;
  const onCall = (call) => (call ? { ...call, at: call.at - performance.timeOrigin } : null);
  child.on('message', (msg) => {
    const p = pending.get(msg?.id);
    if (!p || (msg.type !== 'match' && msg.type !== 'found')) return;
    pending.delete(msg.id);
    p(onCall(msg.call));
  });
  let timer;
  const port = await Promise.race([
    new Promise((resolve, reject) => {
      child.once('message', (m) => (m?.type === 'ready' ? resolve(m.port) : reject(new Error(`Slack stand-in: unexpected ${JSON.stringify(m)}`))));
      child.once('exit', (code) => reject(new Error(`Slack stand-in exited (${code}) before it was ready`)));
    }),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('Slack stand-in: not ready in time')), START_MS); }),
  ]).finally(() => clearTimeout(timer));
  const origin = `http://127.0.0.1:${port}`;
  const ask = (type, query) => {
    const id = ++nextId;
    return { id, answer: new Promise((resolve) => { pending.set(id, resolve); child.send({ type, id, query }); }) };
  };

  return {
    /** For the bench's CPU accounting. */
    pid: child.pid,
    apiUrl: `${origin}/api/`,
    responseUrl: (id) => `${origin}/response/${id}`,
    /** The first call, past or future, that matches `query`; rejects after `timeoutMs`. */
    waitFor(query, what, timeoutMs = 10_000) {
      const { id, answer } = ask('wait', query);
      let t;
      const timeout = new Promise((_, reject) => {
        t = setTimeout(() => {
          pending.delete(id);
          if (child.connected) child.send({ type: 'cancel', id });
          reject(new Error(`Slack stand-in: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
      });
      return Promise.race([answer, timeout]).finally(() => clearTimeout(t));
    },
    /** The first call so far that matches `query`, or null. */
    find: (query) => ask('find', query).answer,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.disconnect();
      let t;
      await Promise.race([exited, new Promise((r) => { t = setTimeout(r, 5_000); })]).finally(() => clearTimeout(t));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
