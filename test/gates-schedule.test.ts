// Issue 15: schedules and their buttons go through the one-off checks' gate. Pause/resume and
// re-time spam is rate limited like checks (each create/resume/re-time may start a check), and
// "Run now" works only from the schedule's own channel, and is rate limited too.
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendButton, startSlackStandin, type RecordedCall, type SlackStandin } from './helpers/slack-standin.js';
import { ACTION_IDS } from '../src/format/slack/actions.js';
import type { ScheduledCheckData } from '../src/schedule/engine.js';
import { callText, finalsIn, SECRET, startStack, type Stack } from './hardening-stack.js';

let slack: SlackStandin;
let stack: Stack;

beforeAll(async () => {
  slack = await startSlackStandin();
  slack.answerWith('users.conversations', (args) => ({
    ok: true,
    channels: args.user === 'U0MEMBER' ? [{ id: 'C0GATE' }] : [],
    response_metadata: { next_cursor: '' },
  }));
  slack.answerWith('users.info', (args) => ({ ok: true, user: { id: args.user, is_admin: false, is_owner: false } }));
  // No worker: what is asserted is what the handlers let through to the store and BullMQ.
  stack = await startStack({ slack, limits: { userPerMin: 3, channelPerMin: 100 }, worker: false });
}, 30_000);

afterAll(async () => {
  await stack?.close();
  await slack?.close();
}, 30_000);

const ackText = (r: { json?: Record<string, unknown> | null }): string => `${String(r.json?.text ?? '')} ${JSON.stringify(r.json?.blocks ?? [])}`;

async function scheduleIn(channel: string, target: string, user: string): Promise<string> {
  const res = await stack.command(`schedule ${target} every 1h`, { channel, user });
  expect(ackText(res)).toMatch(/Scheduled/);
  const all = await stack.app.scheduling.store.listByChannel(channel);
  const s = all.find((x) => x.target === `${target}:443`);
  if (!s) throw new Error('schedule not stored');
  return s.id;
}

let pressN = 0;
async function press(id: string, channel: string, user: string): Promise<string> {
  const hook = `gate-run-${++pressN}`;
  const res = await sendButton(stack.url, SECRET, { actionId: 'sched_run', value: id, channel, messageTs: '1700000000.000100', responseUrl: slack.responseUrl(hook), user });
  expect(res.status).toBe(200);
  const reply = await slack.waitFor(() => slack.responses.find((r) => r.id === hook), 'run now reply');
  return `${String(reply.body.text)} ${JSON.stringify(reply.body.blocks ?? [])}`;
}

const manualRuns = async (): Promise<number> => {
  // The real queue behind the handlers' narrow interface.
  const queue = stack.app.scheduling.queue as unknown as Queue<ScheduledCheckData>;
  const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized', 'completed', 'failed']);
  return jobs.filter((j) => !j.repeatJobKey).length;
};

describe('schedule operations pass the rate limits', () => {
  it('refuses pause/resume spam past the user limit: the refused resume changes nothing and starts no check', async () => {
    const id = await scheduleIn('C0SPAM', 'spam.example', 'U0SPAM'); // 1 of 3
    expect(ackText(await stack.command(`pause ${id}`, { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/Paused/); // 2
    expect(ackText(await stack.command(`resume ${id}`, { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/Resumed/); // 3
    expect(ackText(await stack.command(`pause ${id}`, { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/asked for 3 checks in a minute/);
    expect((await stack.app.scheduling.store.get(id))?.paused).toBe(false);
    // A re-time, and a new schedule, are refused as well: nothing stored, nothing scheduled.
    expect(ackText(await stack.command(`schedule spam.example every 2h`, { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/asked for 3 checks/);
    expect((await stack.app.scheduling.store.get(id))?.every).toBe(3_600_000);
    expect(ackText(await stack.command(`schedule spam2.example every 1h`, { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/asked for 3 checks/);
    expect(await stack.app.scheduling.store.listByChannel('C0SPAM')).toHaveLength(1);
    // And the schedule ops used the same quota as one-off checks.
    expect(ackText(await stack.command('oneoff.example', { channel: 'C0SPAM', user: 'U0SPAM' }))).toMatch(/asked for 3 checks/);
  });

  it('Run now only from the schedule\'s channel (or the Home of a member), and rate limited', async () => {
    const id = await scheduleIn('C0GATE', 'runnow-gate.example', 'U0OWNER');
    const before = await manualRuns();
    // From another channel: refused without naming the schedule's target or creator.
    const outside = await press(id, 'C0ELSEWHERE', 'U0STRANGER');
    expect(outside).toMatch(/No schedule/);
    expect(outside).not.toContain('runnow-gate.example');
    expect(outside).not.toContain('U0OWNER');
    expect(await manualRuns()).toBe(before);
    // In the channel: runs, until the presser's limit.
    for (let i = 0; i < 3; i++) expect(await press(id, 'C0GATE', 'U0MEMBER')).toMatch(/Checking runnow-gate\.example:443 now/);
    // (Presses within a few seconds share one run: BullMQ deduplication.)
    expect(await manualRuns()).toBe(before + 1);
    expect(await press(id, 'C0GATE', 'U0MEMBER')).toMatch(/asked for 3 checks in a minute/);
  });
});

describe('no leaks to other channels', () => {
  let open: Stack;
  beforeAll(async () => {
    open = await startStack({ slack, limits: { userPerMin: 50, channelPerMin: 100 } });
  }, 30_000);
  afterAll(async () => {
    await open?.close();
  }, 30_000);

  const buttonValue = (call: RecordedCall, actionId: string): string => {
    const blocks = (call.args.blocks ?? []) as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>;
    const value = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value;
    if (!value) throw new Error(`no ${actionId} button`);
    return value;
  };
  const everythingIn = (channel: string): string =>
    slack.calls.filter((c) => c.args.channel === channel).map((c) => callText(c)).join('\n');

  it('Re-run and Show raw JSON with another channel\'s job id bring neither its result nor its pasted error', async () => {
    const secret = 'SECRETPASTED-ssl3_read_bytes:no_renegotiation';
    const asked = await open.command(`explain ${secret} leak.example`, { channel: 'C0LEAKA', user: 'U0LEAKA' });
    expect(asked.json?.text).toMatch(/Checking leak\.example/);
    const final = await slack.waitFor(() => finalsIn(slack, 'C0LEAKA')[0], 'the verdict in C0LEAKA');
    // The explanation quotes the pasted error in the requester's own thread.
    await slack.waitFor(() => everythingIn('C0LEAKA').includes('SECRETPASTED'), 'the pasted error in C0LEAKA');

    const raw = buttonValue(final, ACTION_IDS.raw);
    await sendButton(open.url, SECRET, { actionId: ACTION_IDS.raw, value: raw, channel: 'C0LEAKB', messageTs: '1700000000.000200', responseUrl: slack.responseUrl('leak-raw'), user: 'U0LEAKB' });
    const rawReply = await slack.waitFor(() => slack.responses.find((r) => r.id === 'leak-raw'), 'raw reply');
    expect(String(rawReply.body.text)).toMatch(/no longer stored/);

    const rerun = buttonValue(final, ACTION_IDS.rerun);
    await sendButton(open.url, SECRET, { actionId: ACTION_IDS.rerun, value: rerun, channel: 'C0LEAKB', messageTs: '1700000000.000201', responseUrl: slack.responseUrl('leak-rerun'), user: 'U0LEAKB' });
    await slack.waitFor(() => finalsIn(slack, 'C0LEAKB')[0], 'the re-run verdict in C0LEAKB');
    await slack.waitFor(() => slack.callsOf('chat.postMessage').some((c) => c.args.channel === 'C0LEAKB' && c.args.thread_ts), 'the re-run thread');
    const inB = `${everythingIn('C0LEAKB')}\n${slack.responses.filter((r) => r.id.startsWith('leak-')).map((r) => JSON.stringify(r.body)).join('\n')}`;
    expect(inB).not.toContain('SECRETPASTED');
    // The raw JSON went nowhere in C0LEAKB: no thread under the pressed message.
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0LEAKB' && c.args.thread_ts === '1700000000.000200')).toHaveLength(0);
  });

  it('a refused pause/remove from another channel names neither the target nor the creator', async () => {
    const id = await scheduleIn('C0OWNERS', 'hidden-target.example', 'U0CREATOR');
    for (const verb of ['pause', 'resume', 'unschedule']) {
      const reply = ackText(await stack.command(`${verb} ${id}`, { channel: 'C0OUTSIDE', user: 'U0OUTSIDER' }));
      expect(reply).toMatch(/No schedule/);
      expect(reply).not.toContain('hidden-target');
      expect(reply).not.toContain('U0CREATOR');
    }
    expect((await stack.app.scheduling.store.get(id))?.paused).toBe(false);
  });
});
