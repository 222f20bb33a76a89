// Issue 15, end to end: hostile text from a user and from a checked server goes through the real
// Bolt app, the queue, the workers and the real engine, and what reaches Slack (the stand-in:
// chat.* calls, views.publish, response_url posts and the acks) holds no live mention, broadcast
// or link made from it, in blocks or in the fallback text. The servers are on 127.0.0.1: one
// whose certificate subject and SANs and whose HTTP Server header are hostile, one that answers
// a hostile plain-text line instead of TLS.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { realCheck, realExplain } from '../jobs/defaults.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../jobs/schedule-worker.js';
import { startNodeTls, startRawPeer, tempDir, type Running } from './helpers/servers.js';
import { sendButton, sendEvent, sendSlashCommand, startSlackStandin, type RecordedCall, type SignedResponse, type SlackStandin } from './helpers/slack-standin.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const SECRET = 'escaping-e2e-secret';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHANNEL = 'C0HOSTILE';
const USER = 'U0REQUESTER';
const logger = createLogger('silent');

/** What a hostile party writes: broadcasts, a mention, a masked link, an entity, bold. */
const HOSTILE = '<!channel> <!here|here> <@U123> <#C0SECRET> &lt;b&gt; *bold* <https://evil.example/|click> [click](https://evil.example/)';
const HOSTILE_DNS = ['<!everyone>', '<https://evil.example/|click>', '[click](https://evil.example/)', '<@U123>'];

let slack: SlackStandin;
let hostileTls: Running & { server: tls.Server };
let plainText: Running;
let config: Config;
let queue: CheckQueue;
let app: RunningApp;
let worker: RunningWorker;
let scheduleWorker: RunningScheduleWorker;
let url: string;
/** The acks of every slash command and button (Bolt's HTTP answers). */
const acks: SignedResponse[] = [];

/** A self-signed certificate whose subject and SANs hold HOSTILE (an openssl config, so '/' and '|' need no escaping). */
function hostileCert(): { cert: string; key: string } {
  const dir = tempDir();
  const conf = join(dir, 'hostile.cnf');
  writeFileSync(conf, [
    '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
    '[dn]', `CN = ${HOSTILE}`, `O = <!here> ${HOSTILE_DNS[1]}`,
    '[ext]', `subjectAltName = ${HOSTILE_DNS.map((d) => `DNS:${d}`).join(', ')}`,
    '',
  ].join('\n'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '20',
    '-config', conf, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore', timeout: 20_000 });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

beforeAll(async () => {
  slack = await startSlackStandin();
  hostileTls = await startNodeTls({ ...hostileCert(), minVersion: 'TLSv1.2' }, (s) => {
    // The HTTP probe's request gets a hostile Server header.
    s.once('data', () => s.end(`HTTP/1.1 200 OK\r\nServer: ${HOSTILE}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
  });
  plainText = await startRawPeer((s) => {
    s.end(`HTTP/1.1 400 ${HOSTILE}\r\nServer: ${HOSTILE}\r\n\r\n`);
  });
  config = loadConfig({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-escaping',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL,
      TLSCHECK_ALLOW_CIDRS: '127.0.0.0/8',
      TLSCHECK_QUEUE_PREFIX: `{tlscheck-e2e-esc-${randomUUID().slice(0, 8)}}`,
      TLSCHECK_CONCURRENCY: '2',
      TLSCHECK_EVIDENCE: 'off',
      LOG_LEVEL: 'silent',
    },
    dotenvPath: false,
  });
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: realExplain, logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}/slack/events`;
  worker = await startWorker(config, { check: realCheck, explain: realExplain, logger, checkTimeoutMs: 10_000 });
  scheduleWorker = await startScheduleWorker(config, { check: realCheck, logger, checkTimeoutMs: 10_000 });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await worker?.close();
  await scheduleWorker?.close();
  await queue?.close();
  await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
  await hostileTls?.stop();
  await plainText?.stop();
  await slack?.close();
}, 30_000);

const slash = async (text: string, tag: string): Promise<SignedResponse> => {
  const res = await sendSlashCommand(url, SECRET, { text, channel_id: CHANNEL, user_id: USER, response_url: slack.responseUrl(tag) });
  acks.push(res);
  expect(res.status).toBe(200);
  return res;
};
const body = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')}\n${JSON.stringify(c?.args.blocks ?? [])}\n${JSON.stringify(c?.args.view ?? {})}`;
const inChannel = (method: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === CHANNEL);

/**
 * Every `<…>` Slack would act on in `text`: allowed are the requester's mention, this channel,
 * dates and links to anywhere but evil.example (the knowledge base's references). Anything else
 * (a broadcast, another user, another channel, a hostile link) is a leak.
 */
function liveTokens(text: string): string[] {
  const leaks: string[] = [];
  for (const m of text.matchAll(/<([^<>]*)>/g)) {
    const inner = m[1] ?? '';
    if (inner === `@${USER}` || inner === `#${CHANNEL}` || inner.startsWith('!date^')) continue;
    if (/^https?:\/\//.test(inner) && !inner.includes('evil')) continue;
    leaks.push(m[0]);
  }
  return leaks;
}

/** Everything the bot said anywhere, as [where, text] pairs. */
function everythingSaid(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of slack.calls) out.push([c.method, body(c)]);
  for (const r of slack.responses) out.push([`response_url ${r.id}`, `${String(r.body.text ?? '')}\n${JSON.stringify(r.body.blocks ?? [])}`]);
  for (const a of acks) out.push(['ack', a.text]);
  for (const f of slack.files) out.push([`file ${f.filename}`, `${f.title ?? ''}\n${f.initialComment ?? ''}`]);
  return out;
}

function assertNoLiveSyntax(): void {
  const said = everythingSaid();
  expect(said.length).toBeGreaterThan(3);
  const leaks = said.flatMap(([where, text]) => liveTokens(text).map((t) => `${where}: ${t}`));
  expect(leaks).toEqual([]);
  // A masked link to the hostile site, wherever it might hide (a JSON-escaped string included).
  for (const [where, text] of said) expect(text, where).not.toMatch(/<https?:\/\/evil/);
}

describe('hostile text through the real app (issue 15)', () => {
  it('a check of a server with a hostile certificate and Server header: verdict, thread and raw JSON carry it as text', async () => {
    const target = `127.0.0.1:${hostileTls.port}`;
    await slash(target, 'hostile-check');
    const verdict = await slack.waitFor(() => inChannel('chat.update').find((c) => body(c).includes('tlscheck_rerun')), 'verdict', 60_000);
    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'thread', 30_000);
    const all = thread.map(body).join('\n');
    // The hostile text is there, made inert: proof the test exercised the path.
    expect(all).toMatch(/&lt;!channel&gt;|&lt;!everyone&gt;/);

    const buttons = (verdict.args.blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>).flatMap((b) => b.elements ?? []);
    const raw = buttons.find((e) => e.action_id === 'tlscheck_raw')?.value;
    expect(raw).toBeTruthy();
    const pressed = await sendButton(url, SECRET, { actionId: 'tlscheck_raw', value: raw ?? '', channel: CHANNEL, messageTs: String(verdict.args.ts), responseUrl: slack.responseUrl('raw'), user: USER });
    acks.push(pressed);
    // The raw JSON goes up as a file: its bytes are the result as it is (Slack renders no mrkdwn in a
    // file), and the message that carries it is checked with everything else below.
    const file = await slack.waitFor(() => slack.files.find((f) => f.completed && f.threadTs === verdict.args.ts), 'raw JSON file', 30_000);
    expect(file.content).toContain('<!channel>');
    expect(JSON.parse(file.content ?? '')).toMatchObject({ target: { port: hostileTls.port } });
    assertNoLiveSyntax();
  }, 60_000);

  it('a server answering a hostile plain-text line: the error verdict', async () => {
    await slash(`127.0.0.1:${plainText.port}`, 'plain');
    const failed = await slack.waitFor(() => inChannel('chat.update').find((c) => body(c).includes(`127.0.0.1:${plainText.port}`) && /❌|could not|not TLS|plain/i.test(body(c))), 'error verdict', 60_000);
    expect(body(failed)).toContain('HTTP/1.1 400 &lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt;');
    assertNoLiveSyntax();
  });

  it('hostile user text: explain, a bad --sni, a bad target', async () => {
    await slash(`explain SSL routines::unexpected eof while reading ${HOSTILE}`, 'explain');
    expect(acks.at(-1)?.text).toMatch(/Explanation of your error/);
    expect(acks.at(-1)?.text).toContain('&lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt;');
    for (const text of [`127.0.0.1:${hostileTls.port} --sni ${HOSTILE}`, HOSTILE, `schedule ${HOSTILE} daily`, `schedule 127.0.0.1:${hostileTls.port} daily ${HOSTILE}`]) {
      const res = await slash(text, 'bad-input');
      // Refused, quoting the user's words escaped.
      expect(res.text).toMatch(/&lt;(!channel|!here\|here)&gt;/);
    }
    assertNoLiveSyntax();
  });

  it('a schedule of the hostile server: card, first run, list and App Home', async () => {
    const target = `127.0.0.1:${hostileTls.port}`;
    const res = await slash(`schedule ${target} daily`, 'schedule');
    expect(String(res.json?.text)).toMatch(/Scheduled/);
    const baseline = await slack.waitFor(() => inChannel('chat.postMessage').find((c) => c.args.thread_ts && /Now watching/.test(body(c))), 'first scheduled run', 60_000);
    expect(body(baseline)).toContain('&lt;!channel');
    await slash('list', 'list');
    await slack.waitFor(() => slack.responses.find((r) => r.id === 'list') ?? (acks.at(-1)?.text.includes(target) ? true : undefined), 'list', 20_000);
    const published = slack.callsOf('views.publish').length;
    acks.push(await sendEvent(url, SECRET, { type: 'app_home_opened', user: USER, channel: 'D0HOME', tab: 'home', event_ts: String(Date.now() / 1000) }));
    await slack.waitFor(() => slack.callsOf('views.publish').length > published, 'App Home', 20_000);
    assertNoLiveSyntax();
  });
});
