// Incident threads: `@tlscheck host` (app_mention) and the "Explain this TLS error" message
// shortcut, driven over HTTP with signed events and payloads against the running Bolt app, jobs
// through the real Redis and a worker with a fake check; Slack played by the stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOptions } from '../src/check.js';
import type { CheckResult } from '../src/types.js';
import { ACTION_IDS } from '../src/format/slack/actions.js';
import { findTargetInText } from '../src/command/find-target.js';
import { parseTarget } from '../src/target/index.js';
import { withoutBotMentions } from '../handlers/events/app-mention.js';
import { EXPLAIN_SHORTCUT_ID } from '../handlers/shortcuts/explain-tls-error.js';
import { sendEvent, sendMessageShortcut, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult } from './helpers/slack-fixtures.js';
import { SECRET, startStack, type Stack } from './hardening-stack.js';

/** Low enough that one test can go over it; every other test asks as a user of its own. */
const USER_PER_MIN = 3;

let slack: SlackStandin;
let stack: Stack;
let url: string;
const checks: { input: string; opts: CheckOptions }[] = [];

function fakeCheck(input: string, opts: CheckOptions): Promise<CheckResult> {
  checks.push({ input, opts });
  const [host = '', port = '443'] = input.split(':');
  return Promise.resolve(baseResult({ target: { host, port: Number(port), ip: '93.184.216.34', sni: opts.sni ?? host } }));
}

beforeAll(async () => {
  slack = await startSlackStandin();
  stack = await startStack({
    slack,
    allowCidrs: [],
    limits: { userPerMin: USER_PER_MIN, channelPerMin: 100, hostConcurrency: 2 },
    worker: { check: fakeCheck },
  });
  url = stack.url;
}, 30_000);

afterAll(async () => {
  await stack?.close();
  await slack?.close();
}, 30_000);

const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const inChannel = (method: string, channel: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === channel);
const inThread = (channel: string, threadTs: string): RecordedCall[] => inChannel('chat.postMessage', channel).filter((c) => c.args.thread_ts === threadTs);
const topLevel = (channel: string): RecordedCall[] => inChannel('chat.postMessage', channel).filter((c) => c.args.thread_ts === undefined);

let tsSeq = 0;
const nextTs = (): string => `1700001000.${String(++tsSeq).padStart(6, '0')}`;

function mention(fields: { channel: string; user: string; text: string; threadTs?: string }): { ts: string; sent: ReturnType<typeof sendEvent> } {
  const ts = nextTs();
  const event: Record<string, unknown> = { type: 'app_mention', user: fields.user, text: fields.text, ts, channel: fields.channel, event_ts: ts };
  if (fields.threadTs) event.thread_ts = fields.threadTs;
  return { ts, sent: sendEvent(url, SECRET, event) };
}

/** The verdict of the check answered in `threadTs`: the update of the reply that said "Checking…". */
async function verdictInThread(channel: string, threadTs: string): Promise<RecordedCall> {
  const pending = await slack.waitFor(() => inThread(channel, threadTs).find((c) => text(c).includes('Checking')), `Checking… in ${threadTs}`);
  return slack.waitFor(() => inChannel('chat.update', channel).find((c) => c.args.ts === pending.response?.ts && text(c).includes(ACTION_IDS.rerun)), 'verdict');
}

describe('@tlscheck in a conversation', () => {
  it('in an incident thread: checks the host and answers in that thread, mentioning the asker', async () => {
    const root = nextTs();
    const { sent } = mention({ channel: 'C0INC1', user: 'U0A1', text: '<@U0BOT> mention.example', threadTs: root });
    expect((await sent).status).toBe(200);
    const verdict = await verdictInThread('C0INC1', root);
    expect(String(verdict.args.text)).toBe('❌ mention.example:443: The server refuses client-initiated renegotiation');
    const reply = await slack.waitFor(() => inThread('C0INC1', root).find((c) => text(c).includes('Fix on nginx')), 'diagnosis in the thread');
    expect(String(reply.args.text)).toMatch(/^<@U0A1> ❌ mention\.example:443/);
    // Nothing at the top of the channel, away from the incident.
    expect(topLevel('C0INC1')).toHaveLength(0);
    // Through the same runner as the slash command: the address policy applies.
    expect(checks.find((c) => c.input === 'mention.example:443')?.opts.enforcePolicy).toBe(true);
  });

  it('at the top level: answers in a thread under the mention', async () => {
    const { ts, sent } = mention({ channel: 'C0INC2', user: 'U0A2', text: '<@U0BOT> top.example:8443 --sni api.top.example' });
    await sent;
    await verdictInThread('C0INC2', ts);
    await slack.waitFor(() => inThread('C0INC2', ts).find((c) => text(c).includes('Fix on nginx')), 'diagnosis under the mention');
    expect(topLevel('C0INC2')).toHaveLength(0);
    expect(checks.find((c) => c.input === 'top.example:8443')?.opts.sni).toBe('api.top.example');
  });

  it('explains a pasted error in the thread at once, without quoting it back', async () => {
    const root = nextTs();
    const { sent } = mention({ channel: 'C0INC3', user: 'U0A3', text: '<@U0BOT> explain ssl3_read_bytes:no renegotiation', threadTs: root });
    await sent;
    const answer = await slack.waitFor(() => inThread('C0INC3', root)[0], 'explanation');
    expect(String(answer.args.text)).toMatch(/^<@U0A3> /);
    expect(text(answer)).toContain('The server refuses client-initiated renegotiation');
    expect(text(answer)).not.toContain('Your error');
  });

  it('refuses a private address to the asker alone, in the thread, without checking', async () => {
    const before = checks.length;
    const root = nextTs();
    const { sent } = mention({ channel: 'C0INC4', user: 'U0A4', text: '<@U0BOT> 10.0.0.1', threadTs: root });
    await sent;
    const told = await slack.waitFor(() => inChannel('chat.postEphemeral', 'C0INC4')[0], 'ephemeral refusal');
    expect(told.args.user).toBe('U0A4');
    expect(told.args.thread_ts).toBe(root);
    expect(String(told.args.text)).toMatch(/Not checked: 10\.0\.0\.1 is a private address/);
    expect(inChannel('chat.postMessage', 'C0INC4')).toHaveLength(0);
    expect(checks.length).toBe(before);
  });

  it('goes through the slash command rate limit: past it, the asker alone is told', async () => {
    for (let i = 0; i < USER_PER_MIN; i++) await mention({ channel: 'C0INC5', user: 'U0BUSY', text: `<@U0BOT> busy${i}.example` }).sent;
    await mention({ channel: 'C0INC5', user: 'U0BUSY', text: '<@U0BOT> over.example' }).sent;
    const told = await slack.waitFor(() => inChannel('chat.postEphemeral', 'C0INC5').find((c) => c.args.user === 'U0BUSY'), 'rate refusal');
    expect(String(told.args.text)).toMatch(/limit|slow down|minute/i);
    await slack.waitFor(() => checks.filter((c) => /^busy\d\.example:443$/.test(c.input)).length === USER_PER_MIN, 'the allowed checks');
    expect(checks.find((c) => c.input === 'over.example:443')).toBeUndefined();
  });

  it('answers help to the asker alone, and the help says how incident threads work', async () => {
    const root = nextTs();
    await mention({ channel: 'C0INC7', user: 'U0A7', text: '<@U0BOT> help', threadTs: root }).sent;
    const told = await slack.waitFor(() => inChannel('chat.postEphemeral', 'C0INC7')[0], 'ephemeral help');
    expect(told.args).toMatchObject({ user: 'U0A7', thread_ts: root });
    expect(text(told)).toContain('In an incident thread');
    expect(text(told)).toContain('Explain this TLS error');
    expect(inChannel('chat.postMessage', 'C0INC7')).toHaveLength(0);
  });

  it('ignores mentions by bots', async () => {
    const ts = nextTs();
    const res = await sendEvent(url, SECRET, { type: 'app_mention', bot_id: 'B0OTHER', user: 'U0OTHERBOT', text: '<@U0BOT> bot.example', ts, channel: 'C0INC6', event_ts: ts });
    expect(res.status).toBe(200);
    // A human's mention sent after it is answered; the bot's never is.
    const { ts: human } = mention({ channel: 'C0INC6', user: 'U0A6', text: '<@U0BOT> human.example' });
    await verdictInThread('C0INC6', human);
    expect(checks.find((c) => c.input === 'bot.example:443')).toBeUndefined();
    expect(inThread('C0INC6', ts)).toHaveLength(0);
  });
});

describe('the "Explain this TLS error" message shortcut', () => {
  const press = (channel: string, user: string, message: { ts: string; text: string; thread_ts?: string }, hook: string): ReturnType<typeof sendMessageShortcut> =>
    sendMessageShortcut(url, SECRET, { callbackId: EXPLAIN_SHORTCUT_ID, channel, user, message, responseUrl: slack.responseUrl(hook) });

  it('explains the message and checks the server it names, answering in the message thread', async () => {
    const root = nextTs();
    const msg = { ts: nextTs(), thread_ts: root, text: 'deploy failed: curl: (35) error:0A000153:SSL routines::no renegotiation while fetching &lt;https://shortcut.example:8443/health&gt;' };
    const res = await press('C0SC1', 'U0B1', msg, 'sc1');
    expect(res.status).toBe(200);
    const verdict = await verdictInThread('C0SC1', root);
    expect(text(verdict)).toContain('Your error: most likely *The server refuses client-initiated renegotiation*');
    const seen = checks.find((c) => c.input === 'shortcut.example:8443');
    expect(seen?.opts.symptom).toContain('no renegotiation');
    const thread = await slack.waitFor(() => {
      const t = inThread('C0SC1', root).filter((c) => text(c).includes('confirmed by the check'));
      return t.length > 0 && t;
    }, 'explanation with the live verdicts');
    expect(String(thread[0]?.args.text)).toMatch(/^<@U0B1> /);
    // The error is the message right above: not quoted back into its thread.
    expect(inThread('C0SC1', root).map(text).join('')).not.toContain('Your error*');
    expect(topLevel('C0SC1')).toHaveLength(0);
  });

  it('without a server in the text: the explanation alone, in the thread of a top-level message', async () => {
    const msg = { ts: nextTs(), text: 'javax.net.ssl.SSLHandshakeException: no renegotiation (see ssl.c:1006 and openssl.cnf)' };
    await press('C0SC2', 'U0B2', msg, 'sc2');
    const answer = await slack.waitFor(() => inThread('C0SC2', msg.ts)[0], 'explanation');
    expect(text(answer)).toContain('The server refuses client-initiated renegotiation');
    expect(String(answer.args.text)).toMatch(/^<@U0B2> /);
    expect(checks.filter((c) => c.opts.symptom?.includes('SSLHandshakeException'))).toHaveLength(0);
  });

  it('a private address in the text: explained without a live check, and only the asker is told why', async () => {
    const before = checks.length;
    const msg = { ts: nextTs(), text: 'upstream 10.1.2.3:443 reset the connection: ECONNRESET during the TLS handshake' };
    await press('C0SC3', 'U0B3', msg, 'sc3');
    const told = await slack.waitFor(() => slack.responses.find((r) => r.id === 'sc3'), 'private note');
    expect(told.body.response_type).toBe('ephemeral');
    expect(String(told.body.text)).toMatch(/10\.1\.2\.3 is a private address.*without a live check/);
    await slack.waitFor(() => inThread('C0SC3', msg.ts)[0], 'explanation in the thread');
    expect(checks.length).toBe(before);
  });

  it('a message without text is answered privately', async () => {
    await press('C0SC4', 'U0B4', { ts: nextTs(), text: '' }, 'sc4');
    const told = await slack.waitFor(() => slack.responses.find((r) => r.id === 'sc4'), 'private note');
    expect(String(told.body.text)).toMatch(/no text to explain/);
    expect(inChannel('chat.postMessage', 'C0SC4')).toHaveLength(0);
  });
});

describe('finding the server an error message names', () => {
  const find = (t: string): string | null => findTargetInText(t, parseTarget);
  it('takes URLs, Slack links and host:port first', () => {
    expect(find('curl: (60) SSL certificate problem fetching https://api.example.com/v1/x')).toBe('api.example.com');
    expect(find('failed <https://shop.example.org:8443/cart|shop> handshake')).toBe('shop.example.org:8443');
    expect(find('connect to db.example.net:5432 failed: SSL SYSCALL error')).toBe('db.example.net:5432');
    expect(find('[2001:db8::1]:443 alert handshake failure')).toBe('[2001:db8::1]:443');
  });
  it('takes a dotted host name, but not source lines, file names or Java classes', () => {
    expect(find('ssl.c:1006 in openssl.cnf javax.net.ssl.SSLHandshakeException: PKIX path building failed')).toBeNull();
    expect(find('handshake.go:42 tls: bad certificate from edge.example.io.')).toBe('edge.example.io');
    expect(find('error:0A000086:SSL routines::certificate verify failed')).toBeNull();
  });
  it('strips the bot mention from a mention text', () => {
    expect(withoutBotMentions('<@U0BOT> example.com', 'U0BOT')).toBe('example.com');
    expect(withoutBotMentions('hey <@U0BOT|tlscheck> explain x for <@U0ALICE>', 'U0BOT')).toBe('hey   explain x for <@U0ALICE>');
  });
});
