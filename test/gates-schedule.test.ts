// Issue 15: schedules and their buttons go through the one-off checks' gate. Pause/resume and
// re-time spam is rate limited like checks (each create/resume/re-time may start a check), and
// "Run now" works only from the schedule's own channel, and is rate limited too.
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendButton, startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import type { ScheduledCheckData } from '../src/schedule/engine.js';
import { SECRET, startStack, type Stack } from './hardening-stack.js';

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
