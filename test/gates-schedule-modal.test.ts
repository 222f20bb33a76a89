// The App Home's "Add schedule" button and modal, through the real app over HTTP: the button opens
// the modal, and its submission creates a schedule through the same gate as `/tlscheck schedule`
// (the parser, the address policy, the rate limits shared with every other check, membership of
// the channel, whether the bot can post there).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../src/format/slack/actions.js';
import { MODAL_INTERVALS, SCHEDULE_MODAL_CALLBACK_ID, SCHEDULE_MODAL_FIELDS } from '../src/format/slack-schedule-modal.js';
import { DAY, HOUR } from '../src/schedule/cadence.js';
import { schedulerId } from '../src/schedule/engine.js';
import { sendEvent, sendHomeButton, sendSigned, startSlackStandin, type SignedResponse, type SlackStandin } from './helpers/slack-standin.js';
import { SECRET, startStack, type Stack } from './hardening-stack.js';

let slack: SlackStandin;
let stack: Stack;

/** Who is in which channel, as users.conversations answers it. */
const MEMBERS: Record<string, string[]> = {
  U0MODAL: ['C0MODAL', 'C0PRIVATE'],
  U0RATE: ['C0RATE'],
};

beforeAll(async () => {
  slack = await startSlackStandin();
  slack.answerWith('users.conversations', (args) => ({
    ok: true,
    channels: (MEMBERS[String(args.user)] ?? []).map((id) => ({ id })),
    response_metadata: { next_cursor: '' },
  }));
  slack.answerWith('users.info', (args) => ({ ok: true, user: { id: args.user, is_admin: false, is_owner: false } }));
  // A private channel the bot is not in.
  slack.closeChannel('C0PRIVATE', 'channel_not_found');
  // No worker: what is asserted is what the handlers let through to the store and BullMQ.
  stack = await startStack({ slack, limits: { userPerMin: 3, channelPerMin: 100 }, worker: false });
}, 30_000);

afterAll(async () => {
  await stack?.close();
  await slack?.close();
}, 30_000);

const pressHomeButton = (user: string, actionId: string, value: string): Promise<SignedResponse> =>
  sendHomeButton(stack.url, SECRET, { actionId, value, user, blockId: 'tlscheck_home_add' });

/** A view_submission of the modal as Slack posts it. */
function submit(user: string, fields: { target: string; interval: string; channel: string }): Promise<SignedResponse> {
  const F = SCHEDULE_MODAL_FIELDS;
  const payload = {
    type: 'view_submission',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0TLSCHECK',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${randomUUID()}`,
    view: {
      id: `V0MODAL${randomUUID().slice(0, 6)}`,
      type: 'modal',
      callback_id: SCHEDULE_MODAL_CALLBACK_ID,
      team_id: 'T0STANDIN',
      app_id: 'A0TLSCHECK',
      bot_id: 'B0BOT',
      hash: 'h',
      private_metadata: '',
      title: { type: 'plain_text', text: 'Add a TLS schedule' },
      blocks: [],
      state: {
        values: {
          [F.target]: { [F.target]: { type: 'plain_text_input', value: fields.target } },
          [F.interval]: { [F.interval]: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: fields.interval }, value: fields.interval } } },
          [F.channel]: { [F.channel]: { type: 'conversations_select', selected_conversation: fields.channel } },
        },
      },
    },
  };
  return sendSigned(stack.url, SECRET, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
}

const viewText = (r: SignedResponse): string => JSON.stringify(r.json?.view ?? {});

describe('Add schedule from the App Home', () => {
  it('the Home tab has the button, and pressing it opens the modal', async () => {
    const before = slack.callsOf('views.publish').length;
    await sendEvent(stack.url, SECRET, { type: 'app_home_opened', user: 'U0MODAL', channel: 'D0HOME', tab: 'home', event_ts: String(Date.now() / 1000) });
    const home = await slack.waitFor(() => slack.callsOf('views.publish')[before], 'home published');
    expect(JSON.stringify(home.args.view)).toContain(`"action_id":"${ACTION_IDS.scheduleAdd}"`);

    const res = await pressHomeButton('U0MODAL', ACTION_IDS.scheduleAdd, 'add');
    expect(res.status).toBe(200);
    const opened = await slack.waitFor(() => slack.callsOf('views.open')[0], 'views.open');
    expect(String(opened.args.trigger_id)).toMatch(/^trigger-/);
    const view = opened.args.view as { callback_id: string; blocks: Array<{ block_id: string }> };
    expect(view.callback_id).toBe(SCHEDULE_MODAL_CALLBACK_ID);
    expect(view.blocks.map((b) => b.block_id)).toEqual(Object.values(SCHEDULE_MODAL_FIELDS));
  });

  it('a valid submission creates the schedule in the chosen channel, answers in the modal and republishes Home', async () => {
    const published = slack.callsOf('views.publish').length;
    const res = await submit('U0MODAL', { target: 'modal.example', interval: 'daily', channel: 'C0MODAL' });
    expect(res.status).toBe(200);
    expect(res.json?.response_action).toBe('update');
    expect(viewText(res)).toMatch(/Scheduled/);
    const [s] = await stack.app.scheduling.store.listByChannel('C0MODAL');
    expect(s).toMatchObject({ target: 'modal.example:443', channel: 'C0MODAL', createdBy: 'U0MODAL', every: DAY, paused: false });
    expect(await stack.app.scheduling.queue.getJobScheduler(schedulerId(s?.id ?? ''))).toBeTruthy();
    const home = await slack.waitFor(() => slack.callsOf('views.publish')[published], 'home republished');
    expect(JSON.stringify(home.args.view)).toContain('modal.example');
    // Every interval offered is one the command accepts.
    const hourly = await submit('U0MODAL', { target: 'modal-hourly.example', interval: '1h', channel: 'C0MODAL' });
    expect(viewText(hourly)).toMatch(/Scheduled/);
    expect((await stack.app.scheduling.store.listByChannel('C0MODAL')).find((x) => x.target === 'modal-hourly.example:443')?.every).toBe(HOUR);
    expect(MODAL_INTERVALS.map((i) => i.value)).toEqual(['15m', '1h', '6h', 'daily', 'weekly']);
  });

  it('input mistakes keep the form open with the error under the field, and store nothing', async () => {
    const spaced = await submit('U0MODAL', { target: 'two words', interval: 'daily', channel: 'C0MODAL' });
    expect(spaced.json).toMatchObject({ response_action: 'errors', errors: { [SCHEDULE_MODAL_FIELDS.target]: expect.stringMatching(/without spaces/) } });
    const bad = await submit('U0MODAL', { target: 'not_a_host!', interval: 'daily', channel: 'C0MODAL' });
    expect(bad.json?.response_action).toBe('errors');
    expect(Object.keys(bad.json?.errors as object)).toEqual([SCHEDULE_MODAL_FIELDS.target]);
    const noInterval = await submit('U0MODAL', { target: 'x.example', interval: 'hourly-ish', channel: 'C0MODAL' });
    expect(noInterval.json?.errors).toHaveProperty(SCHEDULE_MODAL_FIELDS.interval);
    expect((await stack.app.scheduling.store.listByChannel('C0MODAL')).map((s) => s.target).sort()).toEqual(['modal-hourly.example:443', 'modal.example:443']);
  });

  it('refuses a channel the user is not in, and one the bot cannot post in', async () => {
    const outsider = await submit('U0MODAL', { target: 'elsewhere.example', interval: 'daily', channel: 'C0NOTMINE' });
    expect(outsider.json).toMatchObject({ response_action: 'errors', errors: { [SCHEDULE_MODAL_FIELDS.channel]: expect.stringMatching(/not in that channel/) } });
    const closed = await submit('U0MODAL', { target: 'private.example', interval: 'daily', channel: 'C0PRIVATE' });
    expect(closed.json).toMatchObject({ response_action: 'errors', errors: { [SCHEDULE_MODAL_FIELDS.channel]: expect.stringMatching(/cannot post in this channel/) } });
    expect(await stack.app.scheduling.store.listByChannel('C0NOTMINE')).toEqual([]);
    expect(await stack.app.scheduling.store.listByChannel('C0PRIVATE')).toEqual([]);
  });

  it('the address policy and the rate limits are the slash command\'s: a private address is refused, and the modal and the command share one quota', async () => {
    const privateAddr = await submit('U0RATE', { target: '10.20.30.40', interval: 'daily', channel: 'C0RATE' });
    expect(privateAddr.json?.response_action).toBe('update');
    expect(viewText(privateAddr)).toMatch(/Refusing|private/);
    expect(await stack.app.scheduling.store.listByChannel('C0RATE')).toEqual([]);

    // Quota 3 a minute: two from the modal, one from the command, then both are refused.
    for (const t of ['rate1.example', 'rate2.example']) expect(viewText(await submit('U0RATE', { target: t, interval: 'daily', channel: 'C0RATE' }))).toMatch(/Scheduled/);
    expect(JSON.stringify((await stack.command('schedule rate3.example daily', { channel: 'C0RATE', user: 'U0RATE' })).json)).toMatch(/Scheduled/);
    expect(viewText(await submit('U0RATE', { target: 'rate4.example', interval: 'daily', channel: 'C0RATE' }))).toMatch(/asked for 3 checks in a minute/);
    expect(JSON.stringify((await stack.command('schedule rate5.example daily', { channel: 'C0RATE', user: 'U0RATE' })).json)).toMatch(/asked for 3 checks in a minute/);
    expect((await stack.app.scheduling.store.listByChannel('C0RATE')).map((s) => s.target).sort()).toEqual(['rate1.example:443', 'rate2.example:443', 'rate3.example:443']);
  });
});
