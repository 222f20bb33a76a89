// The Bolt app end to end over HTTP: signed slash commands, buttons and events sent to the running
// app, jobs through the real Redis, a worker with a fake check, Slack played by the stand-in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOptions } from '../src/check.js';
import type { CheckResult } from '../src/types.js';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import type { Block } from '../src/format/slack/blocks.js';
import { ACTION_IDS } from '../src/format/slack/actions.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { startWorker, type RunningWorker } from '../jobs/worker.js';
import {
  sendButton, sendEvent, sendSigned, sendSlashCommand, slackSignature, startSlackStandin,
  type RecordedCall, type SignedResponse, type SlackStandin,
} from './helpers/slack-standin.js';
import { baseResult, errorResult, fakeExplanation } from './helpers/slack-fixtures.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const SECRET = 'test-signing-secret';
const SLACK_ACK_LIMIT_MS = 3_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let slack: SlackStandin;
let config: Config;
let queue: CheckQueue;
let app: RunningApp;
let worker: RunningWorker;
let url: string;
const checks: { input: string; opts: CheckOptions }[] = [];
let slowCheckMs = 0;
const logger = createLogger('silent');

async function fakeCheck(input: string, opts: CheckOptions): Promise<CheckResult> {
  checks.push({ input, opts });
  const [host = '', port = '443'] = input.split(':');
  const runs = checks.filter((c) => c.input === input).length;
  if (host === 'changing.example' && runs > 1) {
    // The second check: TLS 1.0 switched off (its finding fixed), a TLS 1.2 suite dropped, a renewed certificate.
    const base = baseResult();
    return baseResult({
      target: { host, port: Number(port), ip: '93.184.216.34', sni: opts.sni ?? host },
      protocols: { ...base.protocols, TLSv1: false },
      ciphers: { 'TLSv1.3': base.ciphers['TLSv1.3'], 'TLSv1.2': base.ciphers['TLSv1.2']?.slice(0, 1) },
      findings: base.findings.filter((f) => f.id !== 'tls10'),
      certificate: base.certificate && { ...base.certificate, notBefore: '2025-10-01T00:00:00Z', notAfter: '2026-10-01T00:00:00Z', daysLeft: 300 },
    });
  }
  if (host === 'nx.example' || host === 'refused.example') {
    const e = host === 'nx.example'
      ? errorResult('dns', "Could not resolve 'nx.example': no such host. Check the spelling, or give an IP address.")
      : errorResult('refused', 'connect ECONNREFUSED 93.184.216.34:443');
    return { ...e, target: { host, port: Number(port), ip: host === 'nx.example' ? '' : '93.184.216.34', sni: opts.sni ?? host } };
  }
  if (host === 'slow.example') {
    const started = Date.now();
    for (let i = 1; i <= 6; i++) {
      await new Promise((r) => setTimeout(r, 400));
      opts.onProgress?.({ probe: `p${i}`, done: i, total: 6 });
    }
    slowCheckMs = Date.now() - started;
  }
  return baseResult({ target: { host, port: Number(port), ip: '93.184.216.34', sni: opts.sni ?? host } });
}

beforeAll(async () => {
  slack = await startSlackStandin();
  config = {
    slack: { botToken: 'xoxb-app-test', signingSecret: SECRET, appToken: undefined, apiUrl: slack.apiUrl },
    redisUrl: REDIS_URL,
    allowCidrs: [],
    concurrency: 2,
    port: 0,
    logLevel: 'silent',
    queuePrefix: `{tlscheck-test-${randomUUID().slice(0, 8)}}`,
  };
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: () => fakeExplanation(false), logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}/slack/events`;
  worker = await startWorker(config, { check: fakeCheck, explain: () => fakeExplanation(true), logger });
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await worker?.close();
  await queue?.close();
  // Only this file's keys: the prefix is unique to this run.
  await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
  await slack?.close();
}, 30_000);

const command = (text: string, fields: { channel_id?: string; response_url?: string; user_id?: string } = {}): Promise<SignedResponse> =>
  sendSlashCommand(url, SECRET, { text, response_url: fields.response_url ?? slack.responseUrl(`cmd-${randomUUID().slice(0, 8)}`), ...fields });

const inChannel = (method: string, channel: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === channel);
const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;

/** Waits for the verdict of the first check in `channel`: the update that carries the buttons. */
function verdictIn(channel: string): Promise<RecordedCall> {
  return slack.waitFor(() => inChannel('chat.update', channel).find((c) => text(c).includes(ACTION_IDS.rerun)), `verdict in ${channel}`);
}

function buttonValue(call: RecordedCall, actionId: string): string {
  const actions = (call.args.blocks as Block[]).find((b) => b.type === 'actions');
  const button = actions?.type === 'actions' ? actions.elements.find((e) => e.action_id === actionId) : undefined;
  if (!button) throw new Error(`no ${actionId} button`);
  return button.value;
}

describe('signed requests', () => {
  it('acks /tlscheck at once, then posts a parent, the verdict and the diagnosis in its thread', async () => {
    const res = await command('example.com', { channel_id: 'C0MAIN' });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/^🔎 Checking example\.com:443…/) });

    const verdict = await verdictIn('C0MAIN');
    const parent = inChannel('chat.postMessage', 'C0MAIN')[0];
    expect(text(parent)).toContain('Checking *example.com:443* for <@U0ALICE>');
    expect(verdict.args.ts).toBe(parent?.response?.ts);
    expect(verdict.args.text).toBe('❌ example.com:443: The server refuses client-initiated renegotiation');

    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage', 'C0MAIN').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'thread');
    const body = thread.map(text).join('');
    expect(body).toContain('Diagnosis for example.com:443');
    expect(body).toContain('Fix on nginx');
    expect(body).toContain('alert 100 no_renegotiation');

    const seen = checks.find((c) => c.input === 'example.com:443');
    expect(seen?.opts.enforcePolicy).toBe(true);
  });

  it('refuses a forged signature and a stale timestamp with 401', async () => {
    const before = checks.length;
    const forged = await sendSlashCommand(url, SECRET, { text: 'forged.example' }, { signature: slackSignature('wrong-secret', Math.floor(Date.now() / 1000), 'x') });
    expect(forged.status).toBe(401);
    const stale = await sendSlashCommand(url, SECRET, { text: 'stale.example' }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const unsigned = await sendSigned(url, SECRET, 'command=%2Ftlscheck&text=x', 'application/x-www-form-urlencoded', { signature: '' });
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(checks.slice(before).map((c) => c.input)).not.toContain('forged.example:443');
    expect(checks.slice(before).map((c) => c.input)).not.toContain('stale.example:443');
  });

  it('answers help and bad input in the ack, without queuing anything', async () => {
    const help = await command('help');
    expect(help.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(JSON.stringify(help.json)).toContain('/tlscheck explain');
    const bad = await command('two words.example');
    expect(bad.json?.text).toMatch(/One server at a time/);
    const space = await command('example.com --sni');
    expect(space.json?.text).toMatch(/needs a value/);
  });

  it('refuses private address literals in the ack, without connecting', async () => {
    const before = checks.length;
    const res = await command('10.0.0.1:8443', { channel_id: 'C0POLICY' });
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(res.json?.text).toMatch(/⛔ Not checked: 10\.0\.0\.1 is a private address/);
    await new Promise((r) => setTimeout(r, 500));
    expect(checks.slice(before)).toHaveLength(0);
    expect(inChannel('chat.postMessage', 'C0POLICY')).toHaveLength(0);
  });

  it('turns the same target from the same channel within seconds into one job', async () => {
    const [a, b] = await Promise.all([command('dedup.example', { channel_id: 'C0DEDUP' }), command('dedup.example', { channel_id: 'C0DEDUP' })]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await command('dedup.example', { channel_id: 'C0OTHER' });
    await verdictIn('C0DEDUP');
    await verdictIn('C0OTHER');
    const parents = inChannel('chat.postMessage', 'C0DEDUP').filter((c) => c.args.thread_ts === undefined);
    expect(parents).toHaveLength(1);
    expect(checks.filter((c) => c.input === 'dedup.example:443')).toHaveLength(2);
  });

  it('updates the parent with progress no more than once a second', async () => {
    await command('slow.example', { channel_id: 'C0SLOW' });
    await verdictIn('C0SLOW');
    const updates = inChannel('chat.update', 'C0SLOW');
    const progress = updates.filter((c) => text(c).includes('probes done'));
    // Six events in ~2.4 s; updates at least a second apart fit at most floor(duration/1 s) + 1 times.
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(Math.floor(slowCheckMs / 1000) + 1);
    expect(text(updates[updates.length - 1])).toContain(ACTION_IDS.rerun);
  });

  it('falls back to the response_url in a channel the bot is not in, saying how to invite it', async () => {
    slack.closeChannel('G0PRIVATE', 'not_in_channel');
    const hook = `priv-${randomUUID().slice(0, 8)}`;
    const res = await command('private.example', { channel_id: 'G0PRIVATE', response_url: slack.responseUrl(hook) });
    expect(res.status).toBe(200);
    const posts = await slack.waitFor(() => {
      const p = slack.responses.filter((r) => r.id === hook);
      return p.length > 0 && JSON.stringify(p).includes('Fix on nginx') && p;
    }, 'response_url posts');
    const all = JSON.stringify(posts.map((p) => p.body));
    expect(all).toContain('/invite @tlscheck');
    expect(all).toContain('private.example:443');
    expect(posts.length).toBeLessThanOrEqual(5);
    // Help says "In a channel I am not in, I answer only to you": every post is ephemeral.
    expect(all).toContain('Only you can see this');
    expect(posts.every((p) => (p.body as { response_type?: string }).response_type === 'ephemeral')).toBe(true);
  });

  it('explains an error at once, and with a target checks it and posts confirmed/ruled-out causes', async () => {
    const quick = await command('explain ssl3_read_bytes:no renegotiation');
    expect(quick.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(JSON.stringify(quick.json)).toContain('The server refuses client-initiated renegotiation');

    const live = await command('explain no renegotiation --target explained.example', { channel_id: 'C0EXPLAIN' });
    expect(live.json?.text).toMatch(/Checking explained\.example:443 against your error/);
    const verdict = await verdictIn('C0EXPLAIN');
    expect(text(verdict)).toContain('Your error: most likely *The server refuses client-initiated renegotiation*');
    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage', 'C0EXPLAIN').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'explain thread');
    expect(thread.map(text).join('')).toContain('confirmed by the check');
    expect(checks.find((c) => c.input === 'explained.example:443')?.opts.symptom).toBe('no renegotiation');
  });

  it('publishes the App Home tab', async () => {
    const res = await sendEvent(url, SECRET, { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0HOME', tab: 'home', event_ts: '1.2' });
    expect(res.status).toBe(200);
    const publish = await slack.waitFor(() => slack.callsOf('views.publish')[0], 'views.publish');
    expect(publish.args.user_id).toBe('U0ALICE');
    expect(JSON.stringify(publish.args.view)).toContain('/tlscheck');
  });
});

describe('buttons under a result', () => {
  let verdict: RecordedCall;
  beforeAll(async () => {
    await command('buttons.example', { channel_id: 'C0BUTTONS' });
    verdict = await verdictIn('C0BUTTONS');
  }, 30_000);

  const press = (actionId: string, hook: string): Promise<SignedResponse> =>
    sendButton(url, SECRET, {
      actionId,
      value: buttonValue(verdict, actionId),
      channel: 'C0BUTTONS',
      messageTs: String(verdict.args.ts),
      responseUrl: slack.responseUrl(hook),
    });

  it('Show raw JSON uploads the stored result as a file in the thread (files.uploadV2), not as code blocks', async () => {
    const res = await press(ACTION_IDS.raw, 'raw');
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    const file = await slack.waitFor(() => slack.files.find((f) => f.completed && f.channel === 'C0BUTTONS'), 'uploaded file');
    // The three steps of files.uploadV2 all reached the stand-in, in order.
    const steps = slack.calls.filter((c) => c.method.startsWith('files.')).map((c) => c.method);
    expect(steps).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(file.threadTs).toBe(verdict.args.ts);
    expect(file.filename).toBe('tlscheck-buttons.example-443.json');
    expect(file.title).toBe('Raw result for buttons.example:443');
    expect(file.initialComment).toMatch(/^Raw result for buttons\.example:443 \(JSON, [\d,]+ characters\) for <@U0ALICE>$/);
    // The bytes that arrived are the stored result, whole.
    expect(file.content).not.toBeNull();
    expect(file.length).toBe(Buffer.byteLength(file.content ?? ''));
    const parsed = JSON.parse(file.content ?? '') as CheckResult;
    expect(parsed.target.host).toBe('buttons.example');
    expect(parsed.renegotiation.clientInitiated).toBe('rejected');
    expect(parsed.findings.map((f) => f.id)).toContain('tls10');
    expect(inChannel('chat.postMessage', 'C0BUTTONS').filter((c) => text(c).includes('clientInitiated'))).toHaveLength(0);
  });

  it('Show raw JSON in a channel the bot cannot post in answers privately with the JSON', async () => {
    slack.closeChannel('C0BUTTONS', 'not_in_channel');
    try {
      await press(ACTION_IDS.raw, 'raw-closed');
      const post = await slack.waitFor(() => slack.responses.find((r) => r.id === 'raw-closed'), 'private raw JSON');
      expect(post.body.response_type).toBe('ephemeral');
      expect(JSON.stringify(post.body)).toContain('clientInitiated');
    } finally {
      slack.openChannel('C0BUTTONS');
    }
  });

  it('Schedule daily schedules the target daily in that channel (test/slack-schedule.test.ts covers the rest)', async () => {
    const res = await press(ACTION_IDS.schedule, 'sched');
    expect(res.status).toBe(200);
    const post = await slack.waitFor(() => slack.responses.find((r) => r.id === 'sched'), 'schedule reply');
    expect(post.body.response_type).toBe('ephemeral');
    expect(String(post.body.text)).toMatch(/Scheduled [a-z0-9]+: buttons\.example:443 daily\./);
  });

  it('Re-run answers in the thread of the result it was pressed on and says nothing changed', async () => {
    const before = checks.filter((c) => c.input === 'buttons.example:443').length;
    const res = await press(ACTION_IDS.rerun, 'rerun');
    expect(res.status).toBe(200);
    await slack.waitFor(() => checks.filter((c) => c.input === 'buttons.example:443').length > before, 'second check');
    const thread = (): RecordedCall[] => inChannel('chat.postMessage', 'C0BUTTONS').filter((c) => c.args.thread_ts === verdict.args.ts);
    const pending = await slack.waitFor(() => thread().find((c) => text(c).includes('again')), 'Checking … again in the thread');
    expect(text(pending)).toContain('Checking *buttons.example:443* again for <@U0ALICE>');
    // The reply is turned into the new verdict, with its own buttons.
    const again = await slack.waitFor(() => inChannel('chat.update', 'C0BUTTONS').find((c) => c.args.ts === pending.response?.ts && text(c).includes(ACTION_IDS.rerun)), 'new verdict');
    expect(String(again.args.text)).toBe('❌ buttons.example:443: The server refuses client-initiated renegotiation');
    const note = await slack.waitFor(() => thread().find((c) => text(c).includes('since the last result')), 'what changed');
    expect(String(note.args.text)).toMatch(/^<@U0ALICE> ❌ buttons\.example:443: .*\(nothing changed since the last result/);
    // Nothing new: the diagnosis already in the thread is not posted a second time.
    await new Promise((r) => setTimeout(r, 300));
    expect(thread().filter((c) => text(c).includes('Fix on nginx'))).toHaveLength(1);
    // No new message at the top of the channel.
    expect(inChannel('chat.postMessage', 'C0BUTTONS').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
  }, 30_000);
});

describe('Re-run after the server changed', () => {
  it('lists what changed (versions, ciphers, certificate, problems fixed) and posts the new diagnosis in the same thread', async () => {
    await command('changing.example', { channel_id: 'C0CHANGE' });
    const first = await verdictIn('C0CHANGE');
    const res = await sendButton(url, SECRET, {
      actionId: ACTION_IDS.rerun,
      value: buttonValue(first, ACTION_IDS.rerun),
      channel: 'C0CHANGE',
      messageTs: String(first.args.ts),
      responseUrl: slack.responseUrl('rerun-change'),
    });
    expect(res.status).toBe(200);
    const thread = (): RecordedCall[] => inChannel('chat.postMessage', 'C0CHANGE').filter((c) => c.args.thread_ts === first.args.ts);
    const note = await slack.waitFor(() => thread().find((c) => text(c).includes('since the last result')), 'what changed');
    const body = text(note);
    expect(String(note.args.text)).toMatch(/^<@U0ALICE> .*\(\d+ changes since the last result\)$/);
    expect(body).toContain('Fixed: TLS 1.0 offered');
    expect(body).toMatch(/Protocol versions changed|TLS 1\.0/);
    expect(body).toMatch(/Cipher suites changed|cipher/i);
    expect(body).toMatch(/Certificate renewed|certificate/i);
    // Something changed: the new diagnosis follows in the same thread.
    await slack.waitFor(() => thread().filter((c) => text(c).includes('Fix on nginx')).length === 2, 'new diagnosis in the thread');
    expect(inChannel('chat.postMessage', 'C0CHANGE').filter((c) => c.args.thread_ts === undefined)).toHaveLength(1);
  }, 30_000);
});

describe('wording in the channel', () => {
  it('a name that does not resolve is answered to the requester alone; the channel keeps nothing', async () => {
    const hook = `nx-${randomUUID().slice(0, 8)}`;
    await command('nx.example', { channel_id: 'C0NX', response_url: slack.responseUrl(hook) });
    const told = await slack.waitFor(() => slack.responses.find((r) => r.id === hook), 'private answer');
    expect(told.body.response_type).toBe('ephemeral');
    expect(String(told.body.text)).toBe('❌ nx.example:443: Could not resolve the name: no such host. Check the spelling, or give an IP address.');
    const parent = inChannel('chat.postMessage', 'C0NX')[0];
    const removed = await slack.waitFor(() => inChannel('chat.delete', 'C0NX')[0], 'Checking… deleted');
    expect(removed.args.ts).toBe(parent?.response?.ts);
    expect(inChannel('chat.postMessage', 'C0NX')).toHaveLength(1);
    expect(inChannel('chat.update', 'C0NX').map(text).join('')).not.toMatch(/resolve/);
  });

  it('an @mention of a name that does not resolve: told in the thread, to the asker alone', async () => {
    const root = '1700002000.000100';
    await sendEvent(url, SECRET, { type: 'app_mention', user: 'U0ALICE', text: '<@U0BOT> nx.example', ts: '1700002000.000200', thread_ts: root, channel: 'C0NXM', event_ts: '1700002000.000200' });
    const told = await slack.waitFor(() => inChannel('chat.postEphemeral', 'C0NXM')[0], 'ephemeral answer');
    expect(told.args).toMatchObject({ user: 'U0ALICE', thread_ts: root });
    expect(String(told.args.text)).toMatch(/Could not resolve the name/);
    await slack.waitFor(() => inChannel('chat.delete', 'C0NXM')[0], 'Checking… deleted');
  });

  it('an error verdict names the target once and says the errno code as a sentence, and the thread does not repeat it', async () => {
    await command('refused.example', { channel_id: 'C0REFUSED' });
    const verdict = await slack.waitFor(() => inChannel('chat.update', 'C0REFUSED').find((c) => text(c).includes(ACTION_IDS.rerun)), 'verdict');
    expect(verdict.args.text).toBe('❌ refused.example:443: The connection was refused: nothing listens on that port, or a firewall rejects it (ECONNREFUSED)');
    const thread = await slack.waitFor(() => {
      const t = inChannel('chat.postMessage', 'C0REFUSED').filter((c) => c.args.thread_ts === verdict.args.ts);
      return t.length > 0 && t;
    }, 'thread');
    const blocks = thread.map((c) => JSON.stringify(c.args.blocks)).join('');
    expect(blocks).not.toContain('nothing listens on that port, or a firewall');
    expect(blocks).not.toContain('ECONNREFUSED');
    expect(blocks).toContain('the check could not finish');
  });

  it('the channel message keeps the SNI, and shows an internationalised name in Unicode with its punycode', async () => {
    await command('sni.example --sni www.sni.example', { channel_id: 'C0SNI' });
    const verdict = await verdictIn('C0SNI');
    expect(text(inChannel('chat.postMessage', 'C0SNI')[0])).toContain('Checking *sni.example:443 → www.sni.example* for <@U0ALICE>');
    expect(String(verdict.args.text)).toMatch(/^❌ sni\.example:443 → www\.sni\.example: /);
    await command('bücher.example', { channel_id: 'C0IDN' });
    const idn = await verdictIn('C0IDN');
    expect(text(inChannel('chat.postMessage', 'C0IDN')[0])).toContain('Checking *bücher.example:443 (xn--bcher-kva.example)*');
    expect(String(idn.args.text)).toMatch(/^❌ bücher\.example:443 \(xn--bcher-kva\.example\): /);
  });
});

describe('when the queue or the knowledge base fails', () => {
  it('still acks in time and tells the user what happened', async () => {
    const broken: CheckQueue = {
      enqueue: () => Promise.reject(new Error('connect ECONNREFUSED')),
      getJob: () => Promise.resolve(null),
      close: () => Promise.resolve(),
    };
    const explainBroken = (): never => {
      throw new Error('knowledge base missing');
    };
    const other = createApp(config, { queue: broken, parseTarget, policy: createAddressPolicy([]), explain: explainBroken, logger });
    const { port } = await other.start({ port: 0, host: '127.0.0.1' });
    try {
      const res = await sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SECRET, { text: 'down.example', response_url: slack.responseUrl('down') });
      expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
      expect(res.json?.text).toMatch(/Checking down\.example:443/);
      const post = await slack.waitFor(() => slack.responses.find((r) => r.id === 'down'), 'queue-down reply');
      expect(String(post.body.text)).toMatch(/Could not queue the check of down\.example:443/);
      // A failing explain still gets an answer within the ack, not a Slack timeout.
      const explained = await sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SECRET, { text: 'explain no renegotiation' });
      expect(explained.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
      expect(explained.json?.text).toMatch(/could not analyse that error text/);
    } finally {
      await other.stop();
    }
  });
});
