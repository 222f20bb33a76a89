// The bot bench's Slack: the Web API methods the bot uses and response_urls, on 127.0.0.1 only.
// Every call is recorded with the moment its body arrived (performance.now(), this process's
// clock), and waiters are told at once, so the bench times arrivals without polling.
// Adapted from bench/soak/slack-standin.mjs (no fault injection here).
import http from 'node:http';
import { URLSearchParams } from 'node:url';

function parseForm(raw) {
  const out = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // Leave it as text.
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startBenchSlack() {
  /** { method, args, at, ts? } in arrival order; method is 'response_url' for posts to one. */
  const calls = [];
  const waiters = new Set();
  let tsCounter = 0;
  const nextTs = () => `1700000000.${String(++tsCounter).padStart(6, '0')}`;

  const reply = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const record = (call) => {
    calls.push(call);
    for (const w of [...waiters]) w(call);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      let args;
      try {
        args = req.headers['content-type']?.includes('json') ? JSON.parse(raw || '{}') : parseForm(raw);
      } catch {
        return reply(res, 400, { ok: false, error: 'invalid_json' });
      }
      if (path.startsWith('/response/')) {
        record({ method: 'response_url', id: path.slice('/response/'.length), args, at });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('ok');
      }
      const m = /^\/api\/([\w.]+)$/.exec(path);
      if (!m) return reply(res, 404, { ok: false, error: 'unknown_method' });
      const method = m[1];
      const call = { method, args, at };
      let body;
      switch (method) {
        case 'auth.test':
          body = { ok: true, url: 'https://standin.slack.test/', team: 'Bench', user: 'tlscheck', team_id: 'T0BENCH', user_id: 'U0BOT', bot_id: 'B0BOT' };
          break;
        case 'chat.postMessage':
          body = { ok: true, channel: args.channel, ts: (call.ts = nextTs()), message: { text: args.text } };
          break;
        case 'chat.update':
          body = { ok: true, channel: args.channel, ts: args.ts, text: args.text };
          break;
        case 'chat.postEphemeral':
          body = { ok: true, message_ts: nextTs() };
          break;
        case 'views.publish':
          body = { ok: true, view: { id: 'V0HOME' } };
          break;
        default:
          body = { ok: true };
      }
      record(call);
      reply(res, 200, body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;

  return {
    apiUrl: `${origin}/api/`,
    responseUrl: (id) => `${origin}/response/${id}`,
    calls,
    /** The first call, past or future, for which `pred` is true; rejects after `timeoutMs`. */
    waitFor(pred, what, timeoutMs = 10_000) {
      const hit = calls.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`Slack stand-in: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const w = (call) => {
          if (!pred(call)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(call);
        };
        waiters.add(w);
      });
    },
    close: () =>
      new Promise((resolve) => {
        waiters.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
