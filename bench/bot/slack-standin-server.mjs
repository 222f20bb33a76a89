// The bot bench's Slack, in a process of its own (started by bench/bot/slack-standin.mjs): the Web
// API methods the bot uses and response_urls, on 127.0.0.1 only. Slack is remote in production, so
// its work must not run on the bot's event loop nor its records sit in the bot's heap: here every
// call's parsed body (whole diagnoses, tens of kB each, hundreds per run) once made the bench
// process's major GCs pause the acks for tens of ms. Every call is recorded with the moment its
// body arrived (an epoch in ms: performance.timeOrigin + performance.now(), comparable across
// processes), and waiters are told at once, so the bench times arrivals without polling.
// Over IPC: { type: 'wait', id, query } is answered { type: 'match', id, call } (the first call,
// past or future, that matches); { type: 'cancel', id } drops a wait; { type: 'find', id, query }
// is answered { type: 'found', id, call | null } at once. A query: { method, channel?, threaded?,
// blocksInclude?, mark?, preview? } (see matches()); a call comes back as { method, at, marked?,
// preview? }, small. Adapted from bench/soak/slack-standin.mjs (no fault injection here).
import http from 'node:http';
import { parseForm } from '../soak/slack-standin.mjs';

/** { method, args, at, ts? } in arrival order; method is 'response_url' for posts to one. */
const calls = [];
/** id → query of the bench's waits not answered yet. */
const waits = new Map();
const epochNow = () => performance.timeOrigin + performance.now();

/** A query matches a call of its method, in its channel; threaded: a reply in a thread; blocksInclude: that text in the blocks. */
function matches(call, q) {
  if (call.method !== q.method) return false;
  if (q.channel !== undefined && call.args.channel !== q.channel) return false;
  if (q.threaded && !(typeof call.args.thread_ts === 'string' && call.args.thread_ts !== '')) return false;
  if (q.blocksInclude !== undefined && !JSON.stringify(call.args.blocks ?? []).includes(q.blocksInclude)) return false;
  return true;
}

/** What goes back to the bench: the arrival, whether the text or blocks hold `mark`, and a preview when asked. */
function summary(call, q) {
  const out = { method: call.method, at: call.at };
  if (q.mark !== undefined || q.preview) {
    const text = `${call.args.text ?? ''} ${JSON.stringify(call.args.blocks ?? [])}`;
    if (q.mark !== undefined) out.marked = text.includes(q.mark);
    if (q.preview) out.preview = { text: String(call.args.text ?? ''), blocks: JSON.stringify(call.args.blocks ?? call.args.text).slice(0, 1500) };
  }
  return out;
}

let tsCounter = 0;
const nextTs = () => `1700000000.${String(++tsCounter).padStart(6, '0')}`;

const reply = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const record = (call) => {
  calls.push(call);
  for (const [id, q] of waits) {
    if (!matches(call, q)) continue;
    waits.delete(id);
    process.send({ type: 'match', id, call: summary(call, q) });
  }
};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = epochNow();
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
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));

process.on('message', (msg) => {
  if (msg?.type === 'wait') {
    const hit = calls.find((c) => matches(c, msg.query));
    if (hit) process.send({ type: 'match', id: msg.id, call: summary(hit, msg.query) });
    else waits.set(msg.id, msg.query);
  } else if (msg?.type === 'cancel') {
    waits.delete(msg.id);
  } else if (msg?.type === 'find') {
    const hit = calls.find((c) => matches(c, msg.query));
    process.send({ type: 'found', id: msg.id, call: hit ? summary(hit, msg.query) : null });
  }
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
