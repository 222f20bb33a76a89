// CPU of the bot's slash-command acknowledgement, and where it goes: the Bolt app from dist/
// (HTTP receiver) with no worker, N signed `/tlscheck 127.0.0.1:<port>` commands sent in bursts
// of 50 from this process, process.cpuUsage per command (the sender's share measured alone and
// subtracted). `node bench/ack-cpu.mjs [bursts]` after npm run build; run with --cpu-prof to see
// the functions. Redis at 127.0.0.1:6379 under a prefix of its own, deleted at the end; the
// Slack stand-in (bench/bot/slack-standin.mjs) on 127.0.0.1. Prints only.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../dist/src/config.js';
import { createLogger } from '../dist/src/log.js';
import { createAddressPolicy, parseTarget } from '../dist/src/target/index.js';
import { createApp } from '../dist/handlers/create-app.js';
import { createCheckQueue } from '../dist/jobs/queue.js';
import { realExplain } from '../dist/jobs/defaults.js';
import { startBenchSlack } from './bot/slack-standin.mjs';
import { summarize } from './stats.mjs';

const SECRET = 'bench-signing-secret-ack';
const BURST = 50;
const agent = new http.Agent({ keepAlive: true, maxSockets: BURST });

function signed(fields) {
  const body = new URLSearchParams({
    token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: fields.channel, channel_name: 'bench', user_id: fields.user,
    user_name: 'bench', command: '/tlscheck', text: fields.text, api_app_id: 'A0TLSCHECK', response_url: fields.responseUrl, trigger_id: '1.2.3',
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-slack-request-timestamp': ts, 'x-slack-signature': signature } };
}

function post(url, { body, headers }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, ok: text.includes('Checking'), ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ok: false, ms: performance.now() - started }));
    req.end(body);
  });
}

async function main() {
  const bursts = Number(process.argv[2] ?? 10);
  const slack = await startBenchSlack();
  const prefix = `{tlscheck-ack-${randomUUID().slice(0, 8)}}`;
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-ack-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: 'redis://127.0.0.1:6379',
    TLSCHECK_QUEUE_PREFIX: prefix, TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8', TLSCHECK_HOST_CONCURRENCY: '50',
    TLSCHECK_RATE_USER_PER_MIN: '10000', TLSCHECK_RATE_CHANNEL_PER_MIN: '10000', LOG_LEVEL: 'silent',
  };
  const config = loadConfig({ env, dotenvPath: false, role: 'app' });
  const logger = createLogger('silent');
  const queue = createCheckQueue(config, logger);
  const app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}/slack/events`;
  let n = 0;
  const make = () => Array.from({ length: BURST }, () => { n++; return signed({ channel: `C0A${n}`, user: `U0A${n}`, text: '127.0.0.1:8443', responseUrl: slack.responseUrl(`C0A${n}`) }); });
  const perCommand = [];
  const acks = [];
  let bad = 0;
  try {
    let windowStart = 0n;
    for (let b = 0; b <= bursts; b++) {
      if (b === 1) windowStart = process.hrtime.bigint();
      const reqs = make();
      const c0 = process.cpuUsage();
      const results = await Promise.all(reqs.map((r) => post(url, r)));
      // The enqueues finish after the acks: wait until the queue holds them all.
      await new Promise((r) => setTimeout(r, 150));
      const c = process.cpuUsage(c0);
      bad += results.filter((r) => !r.ok).length;
      if (b > 0) {
        perCommand.push((c.user + c.system) / 1000 / BURST);
        acks.push(...results.map((r) => r.ms));
      }
    }
    // For --cpu-prof: the bot's bursts, as hrtime µs (the profile's clock).
    if (process.env.ACK_WINDOW) console.log(`window ${windowStart / 1000n} ${process.hrtime.bigint() / 1000n}`);
    // The sender's own share: the same requests to a server that only reads and answers.
    const echo = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"text":"Checking"}')); });
    await new Promise((r) => echo.listen(0, '127.0.0.1', r));
    const sender = [];
    for (let b = 0; b <= bursts; b++) {
      const reqs = make();
      const c0 = process.cpuUsage();
      await Promise.all(reqs.map((r) => post(`http://127.0.0.1:${echo.address().port}/`, r)));
      await new Promise((r) => setTimeout(r, 150));
      const c = process.cpuUsage(c0);
      if (b > 0) sender.push((c.user + c.system) / 1000 / BURST);
    }
    echo.close();
    const all = summarize(perCommand);
    const send = summarize(sender);
    const a = summarize(acks);
    console.log(`CPU per command (ack + enqueue, this process): median ${all.median.toFixed(2)} ms; sender + echo alone ${send.median.toFixed(2)} ms; the bot's share ≈ ${(all.median - send.median).toFixed(2)} ms`);
    console.log(`ack time in bursts of ${BURST}: p50 ${a.median.toFixed(1)} ms, p95 ${a.p95.toFixed(1)} ms, max ${a.max.toFixed(1)} ms; not acked: ${bad}`);
  } finally {
    agent.destroy();
    await app.stop();
    await queue.close();
    await slack.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
