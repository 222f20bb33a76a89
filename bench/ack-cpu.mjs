// CPU of the bot's slash-command acknowledgement, and where it goes: the Bolt app from dist/
// (HTTP receiver) with no worker, N bursts of 50 signed `/tlscheck 127.0.0.1:<port>` commands,
// each on a fresh connection as from Slack, sent from a child process (bench/bot/burst-client.mjs)
// so that this process is the bot alone: process.cpuUsage from a burst's send to its 50th job
// queued, per command. `node bench/ack-cpu.mjs [bursts]` after npm run build; LOG_LEVEL (default
// info, as `npm start`) logs to /dev/null, so a log line costs what it costs in production; run
// with --cpu-prof (ACK_WINDOW=1 prints the counted bursts' window on the profile's clock). Redis
// at 127.0.0.1:6379 under a prefix of its own, deleted at the end; the Slack stand-in
// (bench/bot/slack-standin.mjs) on 127.0.0.1. Prints only.
//
// A/B on a shared machine: ACK_AB_DIST=<another build's dist/> (e.g. a copy of dist/ built from
// the commit before, kept inside the project so that its imports find node_modules: say
// bench/tmp/dist-base, which git and eslint ignore) runs that build's app in this process too,
// and bursts alternate between the two, so both see the same load; each build's figures are
// printed. CPU is user + system; the system share (socket writes: on loopback, the kernel's
// delivery too) is printed apart. ACK_SERIES=1 prints every counted burst.
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { forkChild } from './bot/child.mjs';
import { startBenchSlack } from './bot/slack-standin.mjs';
import { runWithStartFlags } from './bot/start-flags.mjs';
import { quantile, summarize } from './stats.mjs';

const SECRET = 'bench-signing-secret-ack';
const BURST = 50;
/** ACK_SERIES=1: each counted burst's CPU per command and last ack, to see how they vary together. */
const SERIES = process.env.ACK_SERIES === '1';
const here = dirname(fileURLToPath(import.meta.url));

/** The app of the build in `dist` (its own modules), on its own queue prefix; counts enqueues as they finish. */
async function startBot(dist, label, slack, level) {
  const load = (path) => import(pathToFileURL(join(dist, path)).href);
  const [{ loadConfig }, { createLogger }, { createAddressPolicy, parseTarget }, { createApp }, { createCheckQueue }, { realExplain }] = await Promise.all([
    load('src/config.js'), load('src/log.js'), load('src/target/index.js'), load('handlers/create-app.js'), load('jobs/queue.js'), load('jobs/defaults.js'),
  ]);
  const prefix = `{tlscheck-ack-${randomUUID().slice(0, 8)}}`;
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-ack-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: 'redis://127.0.0.1:6379',
    TLSCHECK_QUEUE_PREFIX: prefix, TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8', TLSCHECK_HOST_CONCURRENCY: '50',
    TLSCHECK_RATE_USER_PER_MIN: '10000', TLSCHECK_RATE_CHANNEL_PER_MIN: '10000', LOG_LEVEL: level,
  };
  const config = loadConfig({ env, dotenvPath: false, role: 'app' });
  const logger = createLogger(level, pino.destination({ dest: '/dev/null', sync: true }));
  const queue = createCheckQueue(config, logger);
  // A burst's CPU window closes on its 50th enqueue, without polling Redis.
  const bot = { label, prefix, queued: 0, onQueued: () => undefined, perCommand: [], system: [], acks: [] };
  const counting = { ...queue, enqueue: async (req) => { const r = await queue.enqueue(req); bot.queued++; bot.onQueued(); return r; } };
  const app = createApp(config, { queue: counting, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  bot.url = `http://127.0.0.1:${port}/slack/events`;
  bot.stop = async () => {
    await app.stop();
    await queue.close();
  };
  return bot;
}

async function deletePrefix(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

async function main() {
  const bursts = Number(process.argv[2] ?? 10);
  const level = process.env.LOG_LEVEL ?? 'info';
  const slack = await startBenchSlack();
  const bots = [];
  const sender = forkChild('burst-client.mjs');
  const client = sender.child;
  const send = (id, url, requests) => new Promise((resolve) => {
    const on = (m) => { if (m?.id === id) { client.off('message', on); resolve(m.results); } };
    client.on('message', on);
    client.send({ id, url, secret: SECRET, requests });
  });
  let n = 0;
  const make = () => Array.from({ length: BURST }, () => { n++; return { channel: `C0A${n}`, user: `U0A${n}`, text: '127.0.0.1:8443', responseUrl: slack.responseUrl(`C0A${n}`) }; });
  let bad = 0;
  try {
    bots.push(await startBot(join(here, '..', 'dist'), 'this build', slack, level));
    if (process.env.ACK_AB_DIST) bots.push(await startBot(resolve(process.env.ACK_AB_DIST), process.env.ACK_AB_DIST, slack, level));
    let windowStart = 0n;
    let windowEnd = 0n;
    // Burst 0 of each build warms it up and is not counted.
    for (let b = 0; b <= bursts; b++) {
      for (const bot of b % 2 === 0 ? bots : [...bots].reverse()) {
        const reqs = make();
        const target = bot.queued + BURST;
        const allQueued = new Promise((resolve) => { bot.onQueued = () => { if (bot.queued >= target) resolve(); }; });
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const results = await send(`b${b}`, bot.url, reqs);
        await allQueued;
        const c = process.cpuUsage(c0);
        if (b === 1 && !windowStart) windowStart = t0;
        windowEnd = process.hrtime.bigint();
        bad += results.filter((r) => !(r.status === 200 && r.text.includes('Checking'))).length;
        if (b > 0) {
          bot.perCommand.push((c.user + c.system) / 1000 / BURST);
          if (SERIES) console.log(`${bot.label} burst ${b}: ${((c.user + c.system) / 1000 / BURST).toFixed(2)} ms CPU per command, last ack ${Math.max(...results.map((r) => r.ms)).toFixed(1)} ms`);
          bot.system.push(c.system / 1000 / BURST);
          bot.acks.push(...results.map((r) => r.ms));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // For --cpu-prof: the counted bursts, as hrtime µs (the profile's clock); includes the pauses between them.
    if (process.env.ACK_WINDOW) console.log(`window ${windowStart / 1000n} ${windowEnd / 1000n}`);
    for (const bot of bots) {
      const all = summarize(bot.perCommand);
      const sys = summarize(bot.system);
      const a = summarize(bot.acks);
      const who = bots.length > 1 ? `${bot.label}: ` : '';
      console.log(`${who}bot CPU per command (ack + enqueue, LOG_LEVEL ${level}): median ${all.median.toFixed(2)} ms (min ${all.min.toFixed(2)}, max ${all.max.toFixed(2)}; system median ${sys.median.toFixed(2)}; ${bot.perCommand.length} bursts of ${BURST})`);
      const p99 = quantile([...bot.acks].sort((x, y) => x - y), 0.99);
      console.log(`${who}ack time in bursts of ${BURST}: p50 ${a.median.toFixed(1)} ms, p95 ${a.p95.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${a.max.toFixed(1)} ms`);
    }
    console.log(`not acked: ${bad}`);
  } finally {
    await sender.stop();
    for (const bot of bots) await bot.stop();
    await slack.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    for (const bot of bots) await deletePrefix(redis, bot.prefix);
    redis.disconnect();
  }
}

// Under `npm start`'s node flags (bench/bot/start-flags.mjs), as the web handler runs.
if (process.argv[1] === fileURLToPath(import.meta.url) && runWithStartFlags()) await main();
