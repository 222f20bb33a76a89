// Results Slack would not take (src/limits/undelivered.ts), shown where people look: under the
// schedules in `/tlscheck list` (each with a Re-run button that runs it again and drops it from
// the list) and on the App Home tab of users in that channel. Pure builders first, then the
// running app against Redis and the Slack stand-in.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHomeView } from '../src/format/slack-home.js';
import { buildScheduleList } from '../src/format/slack-list.js';
import type { Block } from '../src/format/slack/blocks.js';
import { ACTION_IDS, decodeRef } from '../src/format/slack/actions.js';
import { messageViolations, SLACK_LIMITS } from '../src/format/slack/blocks.js';
import { UNDELIVERED_WITH_BUTTONS } from '../src/format/slack-list.js';
import { createUndeliveredStore, type UndeliveredEntry, type UndeliveredStore } from '../src/limits/undelivered.js';
import type { Schedule } from '../src/schedule/model.js';
import { sendButton, sendEvent, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { finalsIn, REDIS_URL, SECRET, startStack, type Stack } from './hardening-stack.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0);

function entry(n: number, over: Partial<UndeliveredEntry> = {}): UndeliveredEntry {
  return {
    jobId: `c${String(n).padStart(32, '0')}`,
    channel: 'C0LOST',
    user: 'U0LOST',
    input: `lost${n}.example:443`,
    sni: null,
    verdict: 'fail',
    summary: `❌ lost${n}.example:443: the certificate expired`,
    reason: 'HTTP 503',
    at: new Date(NOW - n * 60_000).toISOString(),
    ...over,
  };
}

function schedule(i: number): Schedule {
  return { id: `s${String(i).padStart(5, '0')}`, channel: 'C0LOST', target: `site${i}.example:443`, every: 86_400_000, createdBy: 'U0LOST', createdAt: NOW - 1_000, paused: false };
}

type AnyBlock = Block & { accessory?: { action_id: string; value: string } };
const blockTexts = (blocks: readonly Block[]): string => JSON.stringify(blocks);
const rerunButtons = (blocks: readonly Block[]) =>
  (blocks as AnyBlock[]).flatMap((b) => (b.type === 'section' && b.accessory ? [b.accessory] : []));

describe('the undelivered part of /tlscheck list (pure)', () => {
  it('lists each job once under its heading, with a Re-run button carrying the job, target and SNI', () => {
    const entries = [entry(1, { sni: 'www.lost1.example' }), entry(2), entry(1, { reason: 'older copy' })];
    const msg = buildScheduleList({ channel: 'C0LOST', schedules: [], now: NOW, undelivered: entries });
    expect(msg.text).toBe('No schedules in this channel. 2 results could not be delivered.');
    const text = blockTexts(msg.blocks);
    expect(text).toContain('Results that could not be delivered (2)');
    expect(text).toMatch(/Press \*Re-run\* to check again, or run `\/tlscheck &lt;host&gt;`/);
    expect(text).not.toContain('older copy');
    const buttons = rerunButtons(msg.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual([ACTION_IDS.rerun, ACTION_IDS.rerun]);
    expect(decodeRef(buttons[0]?.value)).toEqual({ jobId: entry(1).jobId, input: 'lost1.example:443', sni: 'www.lost1.example' });
    expect(decodeRef(buttons[1]?.value)).toEqual({ jobId: entry(2).jobId, input: 'lost2.example:443', sni: null });
    expect(messageViolations(msg.blocks as never)).toEqual([]);
  });

  it('escapes what the server and Slack put in the summary and reason', () => {
    const msg = buildScheduleList({ channel: 'C0LOST', schedules: [], now: NOW, undelivered: [entry(1, { summary: '❌ x: CN=<!channel> & co', reason: '<b>' })] });
    const text = blockTexts(msg.blocks);
    expect(text).toContain('CN=&lt;!channel&gt; &amp; co');
    expect(text).toContain('(&lt;b&gt;)');
    expect(text).not.toContain('<!channel>');
  });

  it('leaves the list as it was when nothing is undelivered', () => {
    const schedules = [schedule(1), schedule(2)];
    expect(buildScheduleList({ channel: 'C0LOST', schedules, now: NOW, undelivered: [] })).toEqual(buildScheduleList({ channel: 'C0LOST', schedules, now: NOW }));
  });

  it('fits one message with 50 schedules and 50 undelivered results: buttons for the newest, the rest as lines', () => {
    const schedules = Array.from({ length: 50 }, (_, i) => schedule(i));
    const entries = Array.from({ length: 50 }, (_, i) => entry(i + 1));
    const msg = buildScheduleList({ channel: 'C0LOST', schedules, now: NOW, maxPerChannel: 50, undelivered: entries });
    expect(messageViolations(msg.blocks as never)).toEqual([]);
    expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(rerunButtons(msg.blocks)).toHaveLength(UNDELIVERED_WITH_BUTTONS);
    const text = blockTexts(msg.blocks);
    expect(text).toContain('TLS check schedules (50/50)');
    expect(text).toContain('site49.example:443');
    expect(text).toContain('Results that could not be delivered (50)');
    // The oldest ones, past the buttons, are still listed.
    expect(text).toContain('lost50.example:443');
  });

  it('shows them on the App Home with their channel and no buttons (a Home tab has no conversation to re-run in)', () => {
    const many = Array.from({ length: 60 }, (_, i) => schedule(i));
    const view = appHomeView({ userId: 'U0LOST', isAdmin: false, schedules: many, now: NOW, undelivered: [entry(1), entry(2, { channel: 'C0ELSE' })] });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Results that could not be delivered (2)');
    expect(text).toContain('<#C0LOST> ❌ lost1.example:443');
    expect(text).toContain('<#C0ELSE> ❌ lost2.example:443');
    expect(text).toContain('`/tlscheck list` in the channel');
    expect(rerunButtons(view.blocks)).toEqual([]);
    expect(messageViolations(view.blocks as never, SLACK_LIMITS.blocksPerHomeView)).toEqual([]);
    // Before the schedules: they need doing something about.
    expect(text.indexOf('could not be delivered')).toBeLessThan(text.indexOf('TLS check schedules'));
  });
});

describe('undelivered results in the running app', () => {
  let slack: SlackStandin;
  let stack: Stack;
  let redis: Redis;
  let store: UndeliveredStore;
  const MEMBERS: Record<string, string[]> = { U0LOST: ['C0LOST'], U0ELSE: ['C0ELSE'] };

  beforeAll(async () => {
    slack = await startSlackStandin();
    slack.answerWith('users.conversations', (args) => ({ ok: true, channels: (MEMBERS[String(args.user)] ?? []).map((id) => ({ id })), response_metadata: { next_cursor: '' } }));
    slack.answerWith('users.info', (args) => ({ ok: true, user: { id: args.user, is_admin: false } }));
    stack = await startStack({ slack, limits: { userPerMin: 100, channelPerMin: 100 } });
    redis = new Redis(REDIS_URL);
    store = createUndeliveredStore(redis, { prefix: stack.config.queuePrefix });
    // Newest first in the store: entry(2) was given up on last.
    await store.add(entry(1));
    await store.add(entry(2, { input: 'rerun.example:443', summary: '❌ rerun.example:443: the certificate expired' }));
    await store.add(entry(3, { channel: 'C0ELSE', user: 'U0ELSE', input: 'else.example:443', summary: '❌ else.example:443: refused' }));
    await store.add(entry(4, { channel: 'C0ELSE', user: 'U0LOST', input: 'mine.example:443', summary: '❌ mine.example:443: refused' }));
  }, 30_000);

  afterAll(async () => {
    await stack?.close();
    await redis?.quit();
    await slack?.close();
  }, 30_000);

  it('/tlscheck list shows this channel\'s undelivered results only, in the ack', async () => {
    const res = await stack.command('list', { channel: 'C0LOST', user: 'U0LOST' });
    expect(res.status).toBe(200);
    const body = JSON.stringify(res.json);
    expect(body).toContain('No schedules in <#C0LOST> yet');
    expect(body).toContain('Results that could not be delivered (2)');
    expect(body).toContain('lost1.example:443');
    expect(body).toContain('rerun.example:443');
    expect(body).not.toContain('else.example');
    expect(body).not.toContain('mine.example');
    expect(rerunButtons((res.json?.blocks ?? []) as Block[])).toHaveLength(2);
  });

  it('Re-run from the list checks the target again and drops the entry; the others stay', async () => {
    const res = await stack.command('list', { channel: 'C0LOST', user: 'U0LOST' });
    const button = rerunButtons((res.json?.blocks ?? []) as Block[]).find((b) => decodeRef(b.value)?.input === 'rerun.example:443');
    expect(button).toBeDefined();
    const pressed = await sendButton(stack.url, SECRET, {
      actionId: button?.action_id ?? '',
      value: button?.value ?? '',
      channel: 'C0LOST',
      messageTs: '1700000000.000100',
      responseUrl: slack.responseUrl('lost-rerun'),
      user: 'U0LOST',
    });
    expect(pressed.status).toBe(200);
    const verdict = await slack.waitFor(() => finalsIn(slack, 'C0LOST').find((c) => String(c.args.text).includes('rerun.example:443')), 'the re-run verdict', 15_000);
    expect(String(verdict.args.text)).toMatch(/^❌ rerun\.example:443: /);
    await eventually(async () => !(await store.list('C0LOST')).some((e) => e.input === 'rerun.example:443'), 'the entry to be dropped');
    expect((await store.list('C0LOST')).map((e) => e.input)).toEqual(['lost1.example:443']);
    // Gone from the operator-wide list too, which the Home tab reads.
    expect((await store.listAll()).map((e) => e.input)).not.toContain('rerun.example:443');
    expect(await store.count('C0ELSE')).toBe(2);
  });

  it('the App Home shows the user\'s channels\' entries and the ones they asked for, not others\'', async () => {
    const since = Date.now();
    expect((await sendEvent(stack.url, SECRET, { type: 'app_home_opened', user: 'U0LOST', channel: 'D0LOST', tab: 'home', event_ts: '1.2' })).status).toBe(200);
    const publish = await slack.waitFor(() => slack.callsOf('views.publish').filter((c: RecordedCall) => c.args.user_id === 'U0LOST' && c.at >= since).pop(), 'views.publish');
    const view = JSON.stringify(publish.args.view);
    expect(view).toContain('Results that could not be delivered (2)');
    expect(view).toContain('<#C0LOST> ❌ lost1.example:443');
    // Asked for by U0LOST in a channel they are not in (any more): still theirs to see.
    expect(view).toContain('<#C0ELSE> ❌ mine.example:443');
    expect(view).not.toContain('else.example');
  });
});

async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
