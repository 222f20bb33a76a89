// Plays Slack sending slash commands, from a process of its own so that building, signing and
// timing 50 requests at once does not run on the bot's event loop. Driven over IPC by
// bench/bot.mjs: { id, url, secret, requests: [{ text, channel, user, responseUrl }] } in,
// { id, results: [{ status, ms, text }] } out. Loopback only; exits when its parent goes.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { URLSearchParams } from 'node:url';

const TIMEOUT_MS = 10_000;

function signed(secret, r) {
  const body = new URLSearchParams({
    token: 'legacy-verification-token', team_id: 'T0BENCH', team_domain: 'bench',
    channel_id: r.channel, channel_name: 'bench', user_id: r.user, user_name: 'bench',
    command: '/tlscheck', text: r.text, api_app_id: 'A0TLSCHECK', is_enterprise_install: 'false',
    response_url: r.responseUrl, trigger_id: `1.2.${r.channel}`,
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-slack-request-timestamp': ts, 'x-slack-signature': signature } };
}

function send(agent, url, req) {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status, text) => resolve({ status, ms: performance.now() - started, text });
    const r = http.request(url, { method: 'POST', agent, headers: req.headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (e) => done(0, `response error: ${e.message}`));
    });
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (e) => done(0, `request error: ${e.message}`));
    r.end(req.body);
  });
}

process.on('message', async (msg) => {
  const url = new URL(msg.url);
  if (url.hostname !== '127.0.0.1') throw new Error('burst client: loopback only');
  // A fresh connection per command, as from Slack's many senders; nothing kept alive between bursts.
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  // Everything signed first, then sent together: "at once" means within the same tick.
  const prepared = msg.requests.map((r) => signed(msg.secret, r));
  const results = await Promise.all(prepared.map((p) => send(agent, url, p)));
  agent.destroy();
  process.send({ id: msg.id, results });
});
process.on('disconnect', () => process.exit(0));
