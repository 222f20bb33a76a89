// The whole path with the real engine: a signed /tlscheck → Redis → worker → real runCheck
// against a node:tls server on 127.0.0.1 → verdict and thread at the Slack stand-in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { sendSlashCommand, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const SECRET = 'e2e-signing-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');

interface Stack {
  url: string;
  config: Config;
  close(): Promise<void>;
}

/** App + worker + queue on a prefix of their own, configured through loadConfig as in production. */
async function startStack(slack: SlackStandin, allowCidrs: string): Promise<Stack> {
  const config = loadConfig({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL,
      TLSCHECK_ALLOW_CIDRS: allowCidrs,
      TLSCHECK_QUEUE_PREFIX: `{tlscheck-e2e-${randomUUID().slice(0, 8)}}`,
      TLSCHECK_CONCURRENCY: '2',
      LOG_LEVEL: 'silent',
    },
    dotenvPath: false,
  });
  const queue: CheckQueue = createCheckQueue(config);
  const app: RunningApp = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  const worker: RunningWorker = await startWorker(config, { check: realCheck, explain: realExplain, logger, checkTimeoutMs: 8_000 });
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    config,
    async close() {
      await app.stop();
      await worker.close();
      await queue.close();
      await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
    },
  };
}

let slack: SlackStandin;
let tlsServer: Running & { server: import('node:tls').Server };
let connections = 0;
let open: Stack;
let strict: Stack;

beforeAll(async () => {
  slack = await startSlackStandin();
  tlsServer = await startNodeTls({ minVersion: 'TLSv1.2' });
  tlsServer.server.on('connection', () => connections++);
  open = await startStack(slack, '127.0.0.0/8,::1/128');
  strict = await startStack(slack, '');
}, 30_000);

afterAll(async () => {
  await open?.close();
  await strict?.close();
  await tlsServer?.stop();
  await slack?.close();
}, 30_000);

const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const inChannel = (method: string, channel: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === channel);
const verdictIn = (channel: string): Promise<RecordedCall> =>
  slack.waitFor(() => inChannel('chat.update', channel).find((c) => text(c).includes('tlscheck_rerun') || text(c).includes('could not finish')), `verdict in ${channel}`, 40_000);

describe('real check from Slack', () => {
  it('checks an allowed local server and threads a real diagnosis', async () => {
    const target = `127.0.0.1:${tlsServer.port}`;
    const res = await sendSlashCommand(open.url, SECRET, { text: target, channel_id: 'C0E2E', response_url: slack.responseUrl('e2e') });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3_000);
    expect(res.json?.text).toContain(`Checking ${target}`);

    const verdict = await verdictIn('C0E2E');
    expect(String(verdict.args.text)).toMatch(new RegExp(`^(✅|⚠️|❌) 127\\.0\\.0\\.1:${tlsServer.port}: `));
    expect(String(verdict.args.text)).not.toMatch(/could not finish|blocked|refuses to check/i);

    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage', 'C0E2E').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'thread', 20_000);
    const body = thread.map(text).join('');
    expect(body).toContain(`Diagnosis for ${target}`);
    expect(body).toMatch(/offered: TLS 1\.3, TLS 1\.2/);
    // The test certificate is self-signed: the real knowledge base must say so.
    expect(body).toMatch(/self-signed|not trusted/i);
    expect(connections).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a name that resolves to loopback without connecting, when nothing is allowed', async () => {
    const before = connections;
    const res = await sendSlashCommand(strict.url, SECRET, { text: `localhost:${tlsServer.port}`, channel_id: 'C0STRICT', response_url: slack.responseUrl('strict-refused') });
    expect(res.json?.text).toContain(`Checking localhost:${tlsServer.port}`);
    // Issue 15: the reason goes only to the requester, and names no address.
    const told = await slack.waitFor(() => slack.responses.find((r) => r.id === 'strict-refused'), 'private refusal', 40_000);
    expect(told.body.response_type).toBe('ephemeral');
    // The target is named once, beside the reason.
    expect(String(told.body.text)).toMatch(/^❌ localhost:\d+: Refusing the name, which resolves to a private address/);
    expect(JSON.stringify(told.body)).not.toMatch(/127\.0\.0\.1|::1/);
    const parent = await slack.waitFor(() => inChannel('chat.update', 'C0STRICT').find((c) => text(c).includes('sent privately')), 'parent line', 40_000);
    expect(text(parent)).not.toMatch(/private address|127\.0\.0\.1|loopback/);
    expect(connections).toBe(before);
  }, 60_000);

  it('explains a pasted error with the real knowledge base, in the ack', async () => {
    const res = await sendSlashCommand(open.url, SECRET, { text: 'explain error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation' });
    expect(res.ms).toBeLessThan(3_000);
    const body = JSON.stringify(res.json);
    expect(body).toContain('The server refuses client-initiated renegotiation');
    expect(body).toContain('--target');
  });

  it('refuses a loopback address literal in the ack itself', async () => {
    const res = await sendSlashCommand(strict.url, SECRET, { text: `127.0.0.1:${tlsServer.port}`, channel_id: 'C0STRICT2' });
    expect(res.json?.text).toMatch(/⛔ Not checked: 127\.0\.0\.1 is a loopback address/);
  });
});
