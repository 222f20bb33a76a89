// The soak's Slack: the Web API methods the bot uses and response_urls, on 127.0.0.1, answering
// 429 (Retry-After) and 500 at random when told to. It records what a person would see per
// channel: parents, verdicts, thread messages, so the soak can count lost and duplicated results.
import http from 'node:http';
import { URLSearchParams } from 'node:url';

/** A verdict (it carries the buttons) or a notice that ends a job. */
export const FINAL_PATTERN = /tlscheck_rerun|could not finish|Too many checks/;

/** A form-encoded Web API body; JSON-looking values (blocks, attachments) parsed. */
export function parseForm(raw) {
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

/**
 * `faults`: { rate429, rate500 } probabilities per chat.* call; `random` may be seeded for a
 * reproducible run.
 */
export async function startSoakSlack({ faults = { rate429: 0, rate500: 0 }, random = Math.random } = {}) {
  const channels = new Map();
  const stats = { calls: 0, answered429: 0, answered500: 0, responseUrlPosts: 0 };
  let ts = 0;
  const channel = (id) => {
    let c = channels.get(id);
    if (!c) {
      c = { parents: [], finals: [], updates: 0, thread: [] };
      channels.set(id, c);
    }
    return c;
  };
  const reply = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path.startsWith('/response/')) {
        stats.responseUrlPosts++;
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('ok');
      }
      const m = /^\/api\/([\w.]+)$/.exec(path);
      if (!m) return reply(res, 404, { ok: false, error: 'unknown_method' });
      const method = m[1];
      stats.calls++;
      const args = req.headers['content-type']?.includes('json') ? JSON.parse(raw || '{}') : parseForm(raw);
      if (method.startsWith('chat.')) {
        const dice = random();
        if (dice < faults.rate429) {
          stats.answered429++;
          return reply(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        }
        if (dice < faults.rate429 + faults.rate500) {
          stats.answered500++;
          return reply(res, 500, { ok: false, error: 'fatal_error' });
        }
      }
      const text = `${args.text ?? ''} ${JSON.stringify(args.blocks ?? [])}`;
      switch (method) {
        case 'auth.test':
          return reply(res, 200, { ok: true, team_id: 'T0SOAK', user_id: 'U0BOT', bot_id: 'B0BOT' });
        case 'chat.postMessage': {
          const t = `1700000000.${String(++ts).padStart(6, '0')}`;
          const c = channel(args.channel);
          if (args.thread_ts) c.thread.push(text);
          else c.parents.push(t);
          return reply(res, 200, { ok: true, channel: args.channel, ts: t });
        }
        case 'chat.update': {
          const c = channel(args.channel);
          c.updates++;
          if (FINAL_PATTERN.test(text)) c.finals.push(String(args.text ?? ''));
          return reply(res, 200, { ok: true, channel: args.channel, ts: args.ts });
        }
        default:
          return reply(res, 200, { ok: true });
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    apiUrl: `${origin}/api/`,
    responseUrl: (id) => `${origin}/response/${id}`,
    channels,
    stats,
    setFaults(f) {
      Object.assign(faults, f);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
