// The bot bench's Slack, seen from the bench: starts bench/bot/slack-standin-server.mjs in a
// process of its own (Slack is remote in production; its work and its records stay off the bot's
// event loop and heap) and asks it over IPC for the calls the bench waits on. A call's `at` is on
// this process's performance.now() clock, like the bench's own timestamps.
import { forkChild, withTimeout } from './child.mjs';

/**
 * A query: { method, channel?, threaded?, blocksInclude?, mark?, preview? } (a reply in a thread;
 * that text in the blocks). A call: { method, at, marked? (text or blocks hold `mark`), preview? }.
 */
export async function startBenchSlack() {
  const server = forkChild('slack-standin-server.mjs', { announces: true });
  const { child } = server;
  const pending = new Map();
  let nextId = 0;
  const onCall = (call) => (call ? { ...call, at: call.at - performance.timeOrigin } : null);
  child.on('message', (msg) => {
    const p = pending.get(msg?.id);
    if (!p || (msg.type !== 'match' && msg.type !== 'found')) return;
    pending.delete(msg.id);
    p(onCall(msg.call));
  });
  const ready = await server.first;
  if (ready?.type !== 'ready') {
    await server.stop();
    throw new Error(`Slack stand-in: unexpected first message ${JSON.stringify(ready)}`);
  }
  const origin = `http://127.0.0.1:${ready.port}`;
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
      return withTimeout(answer, timeoutMs, `waiting for ${what} at the Slack stand-in`).catch((err) => {
        pending.delete(id);
        if (child.connected) child.send({ type: 'cancel', id });
        throw err;
      });
    },
    /** The first call so far that matches `query`, or null. */
    find: (query) => ask('find', query).answer,
    close: () => server.stop(),
  };
}
