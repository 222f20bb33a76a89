// Recurring checks through the running app: signed /tlscheck schedule|list|unschedule|pause|resume,
// the Schedule daily button, the App Home tab and its buttons, against the real Redis and BullMQ,
// a schedule worker with a fake check, and Slack played by the stand-in.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostSemaphore } from '../src/limits/host-semaphore.js';
import type { CheckOptions } from '../src/check.js';
import type { Config } from '../src/config.js';
import type { CheckResult } from '../src/types.js';
import { createLogger } from '../src/log.js';
import { ACTION_IDS, encodeRef } from '../src/format/slack/actions.js';
import { DAY, HOUR } from '../src/schedule/cadence.js';
import { schedulerId } from '../src/schedule/engine.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';
import { createApp, type RunningApp } from '../handlers/create-app.js';
import { createCheckQueue, type CheckQueue } from '../jobs/queue.js';
import { startScheduleWorker, type RunningScheduleWorker } from '../jobs/schedule-worker.js';
import {
  sendButton, sendEvent, sendHomeButton, sendSlashCommand, startSlackStandin,
  type RecordedCall, type SignedResponse, type SlackStandin,
} from './helpers/slack-standin.js';
import { baseResult, cleanResult, fakeExplanation } from './helpers/slack-fixtures.js';
import { deleteKeysAt } from './helpers/redis-keys.js';

const SECRET = 'schedule-signing-secret';
const SLACK_ACK_LIMIT_MS = 3_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');

/** Channel membership as users.conversations answers it. */
const MEMBERS: Record<string, string[]> = {
  U0ALICE: ['C0SCHED', 'C0AUTH', 'C0HOME'],
  U0BOB: ['C0AUTH', 'C0HOME'],
};

let slack: SlackStandin;
let config: Config;
let queue: CheckQueue;
let app: RunningApp;
let worker: RunningScheduleWorker;
/** Schedule ids of the runs the worker finished, in order: tests wait on these, not on time. */
const completedRuns: string[] = [];
const CHECK_TIMEOUT_MS = 4_321;
let url: string;
const checks: { input: string; opts: CheckOptions }[] = [];

/** What the fake check answers per host; baseResult() otherwise. */
const scripted = new Map<string, () => CheckResult>();

async function fakeCheck(input: string, opts: CheckOptions): Promise<CheckResult> {
  checks.push({ input, opts });
  const [host = '', port = '443'] = input.split(':');
  const result = scripted.get(host)?.() ?? baseResult();
  return { ...result, target: { host, port: Number(port), ip: '93.184.216.34', sni: opts.sni ?? host } };
}

beforeAll(async () => {
  slack = await startSlackStandin();
  slack.answerWith('users.conversations', (args) => ({
    ok: true,
    channels: (MEMBERS[String(args.user)] ?? []).map((id) => ({ id })),
    response_metadata: { next_cursor: '' },
  }));
  slack.answerWith('users.info', (args) => ({ ok: true, user: { id: args.user, is_admin: args.user === 'U0SLACKADMIN', is_owner: false } }));
  config = {
    slack: { botToken: 'xoxb-schedule-test', signingSecret: SECRET, appToken: undefined, apiUrl: slack.apiUrl },
    redisUrl: REDIS_URL,
    allowCidrs: [],
    concurrency: 2,
    port: 0,
    logLevel: 'silent',
    queuePrefix: `{tlscheck-test-sched-${randomUUID().slice(0, 8)}}`,
    admins: ['U0ADMIN'],
    maxSchedulesPerChannel: 3,
  };
  queue = createCheckQueue(config);
  app = createApp(config, { queue, parseTarget, policy: createAddressPolicy(config.allowCidrs), explain: () => fakeExplanation(false), logger });
  const { port } = await app.start({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${port}/slack/events`;
  // The one check runner: this file's deadline and one slot per host, so tests can see both.
  const workerConfig = { ...config, limits: { userPerMin: 10, channelPerMin: 30, hostConcurrency: 1, checkTimeoutMs: CHECK_TIMEOUT_MS } };
  worker = await startScheduleWorker(workerConfig, { check: fakeCheck, logger, hostWait: { inPlaceMs: 50, delayMs: 50, maxQueuedMs: 0 } });
  worker.worker.on('completed', (job) => completedRuns.push(job.data.scheduleId));
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await worker?.close();
  await queue?.close();
  // Only this file's keys: the prefix is unique to this run.
  await deleteKeysAt(REDIS_URL, `${config.queuePrefix}:`);
  await slack?.close();
}, 30_000);

const slash = (text: string, channel: string, user = 'U0ALICE'): Promise<SignedResponse> =>
  sendSlashCommand(url, SECRET, { text, channel_id: channel, user_id: user, response_url: slack.responseUrl(`cmd-${randomUUID().slice(0, 8)}`) });

const ackText = (res: SignedResponse): string => `${String(res.json?.text ?? '')} ${JSON.stringify(res.json?.blocks ?? [])}`;
const text = (c: RecordedCall | undefined): string => `${String(c?.args.text ?? '')} ${JSON.stringify(c?.args.blocks ?? [])}`;
const inChannel = (method: string, channel: string): RecordedCall[] => slack.callsOf(method).filter((c) => c.args.channel === channel);

/** Schedules a target and returns its id, failing the test with the answer when it did not work. */
async function schedule(cmd: string, channel: string, user = 'U0ALICE'): Promise<string> {
  const res = await slash(cmd, channel, user);
  const id = /Scheduled ([a-z0-9]+):/.exec(String(res.json?.text ?? ''))?.[1];
  if (!id) throw new Error(`not scheduled: ${ackText(res)}`);
  return id;
}

/** Polls an async condition (the stand-in's waitFor takes sync probes only). */
async function eventually(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const schedulerOf = (id: string) => app.scheduling.queue.getJobScheduler(schedulerId(id));

const pressInHome = (actionId: string, value: string, user: string): Promise<SignedResponse> => sendHomeButton(url, SECRET, { actionId, value, user });

/** Button action ids per schedule id in a published Home view. */
function homeButtons(call: RecordedCall): Map<string, string[]> {
  const view = call.args.view as { blocks: { type: string; elements?: { action_id?: string; value?: string }[] }[] };
  const out = new Map<string, string[]>();
  for (const b of view.blocks) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) {
      if (!e.value || !e.action_id?.startsWith('sched_')) continue;
      out.set(e.value, [...(out.get(e.value) ?? []), e.action_id]);
    }
  }
  return out;
}

async function latestPublish(user: string, after: number): Promise<RecordedCall> {
  return slack.waitFor(() => slack.callsOf('views.publish').filter((c) => c.args.user_id === user && c.at >= after).pop(), `views.publish for ${user}`);
}

describe('/tlscheck schedule', () => {
  it('schedules in the ack, upserts one BullMQ scheduler, and the first run posts a card with the baseline in its thread', async () => {
    const res = await slash('schedule sched.example every 6h', 'C0SCHED');
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(res.json?.response_type).toBe('ephemeral');
    const id = /Scheduled ([a-z0-9]+): sched\.example:443 every 6 h\. The first check runs now\./.exec(String(res.json?.text))?.[1];
    expect(id).toBeDefined();

    const stored = await app.scheduling.store.get(id!);
    expect(stored).toMatchObject({ channel: 'C0SCHED', target: 'sched.example:443', every: 6 * HOUR, createdBy: 'U0ALICE', paused: false });
    expect((await schedulerOf(id!))?.every).toBe(6 * HOUR);

    // An `every` scheduler runs at once: the card, then the baseline threaded under it.
    const card = await slack.waitFor(() => inChannel('chat.postMessage', 'C0SCHED').find((c) => !c.args.thread_ts && text(c).includes(id!)), 'schedule card');
    expect(text(card)).toContain('sched.example:443');
    const baseline = await slack.waitFor(() => inChannel('chat.postMessage', 'C0SCHED').find((c) => c.args.thread_ts === card.response?.ts), 'baseline in thread');
    expect(text(baseline)).toContain('Now watching sched.example:443');
    expect(String(baseline.args.reply_broadcast)).toBe('false');
    expect(checks.find((c) => c.input === 'sched.example:443')?.opts).toMatchObject({ enforcePolicy: true, allowCidrs: [] });
    await eventually(async () => (await app.scheduling.store.get(id!))?.parentTs === card.response?.ts, 'parent ts stored');
  });

  it('defaults to daily and answers "already scheduled" the second time, without a second scheduler', async () => {
    const id = await schedule('schedule daily.example', 'C0SCHED');
    expect((await app.scheduling.store.get(id))?.every).toBe(DAY);
    const again = await slash('schedule daily.example daily', 'C0SCHED');
    expect(String(again.json?.text)).toContain(`daily.example:443 is already scheduled here as ${id} (daily)`);
    const schedulers = (await app.scheduling.queue.getJobSchedulers(0, -1, true)).filter((s) => s.key === schedulerId(id));
    expect(schedulers).toHaveLength(1);
  });

  it('refuses bad intervals, anything under 5 minutes, bad cron expressions and private addresses, in the ack', async () => {
    const cases: [string, RegExp][] = [
      ['schedule x.example every 2m', /5 min/i],
      ['schedule x.example every banana', /interval|every/i],
      ['schedule x.example cron "61 * * * *"', /cron|minute|61/i],
      ['schedule x.example cron "* * * * *"', /5 min/i],
      ['schedule x.example every 6h tz Europe/Berlin', /only applies to cron/],
      ['schedule 10.0.0.1', /⛔ Not checked: 10\.0\.0\.1 is a private address/],
      ['schedule', /Which server\?/],
    ];
    for (const [cmd, expected] of cases) {
      const res = await slash(cmd, 'C0ERRORS');
      expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
      expect(res.json?.response_type).toBe('ephemeral');
      expect(String(res.json?.text), cmd).toMatch(expected);
      // Every refusal shows the usage of the schedule commands.
      expect(JSON.stringify(res.json?.blocks), cmd).toContain('/tlscheck schedule &lt;host&gt;');
    }
    expect(await app.scheduling.store.listByChannel('C0ERRORS')).toEqual([]);
  });

  it('accepts a cron schedule with a zone and says when it first runs', async () => {
    const res = await slash('schedule cron.example cron "0 9 * * 1-5" tz Europe/Berlin', 'C0SCHED');
    expect(String(res.json?.text)).toMatch(/Scheduled [a-z0-9]+: cron\.example:443 cron 0 9 \* \* 1-5 Europe\/Berlin\. The first check runs 20\d\d-\d\d-\d\d \d\d:\d\d UTC\./);
    const id = /Scheduled ([a-z0-9]+):/.exec(String(res.json?.text))?.[1] ?? '';
    expect(await schedulerOf(id)).toMatchObject({ pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' });
  });

  it('refuses past the per-channel limit with a clear message', async () => {
    for (const n of [1, 2, 3]) await schedule(`schedule full${n}.example`, 'C0FULL');
    const res = await slash('schedule full4.example', 'C0FULL');
    expect(String(res.json?.text)).toMatch(/This channel already has 3 schedules, the most allowed \(3\)\. Remove one with \/tlscheck unschedule &lt;id&gt; first\./);
    expect(await app.scheduling.store.listByChannel('C0FULL')).toHaveLength(3);
  });
});

describe('/tlscheck list, pause, resume, unschedule', () => {
  it('lists only this channel\'s schedules with their ids', async () => {
    const here = await schedule('schedule listed.example every 1h', 'C0LIST');
    await schedule('schedule elsewhere.example', 'C0LIST2');
    const res = await slash('list', 'C0LIST');
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    const body = ackText(res);
    expect(body).toContain(here);
    expect(body).toContain('listed.example:443');
    expect(body).toContain('hourly');
    expect(body).not.toContain('elsewhere.example');
    const empty = await slash('list', 'C0NOTHING');
    expect(String(empty.json?.text)).toBe('No schedules in this channel.');
  });

  it('pause removes the BullMQ scheduler, resume brings it back, unschedule by target removes both', async () => {
    const id = await schedule('schedule cycle.example every 1h', 'C0CYCLE');
    expect(await schedulerOf(id)).toBeDefined();
    await eventually(async () => (await app.scheduling.store.get(id))?.parentTs !== undefined, 'card posted');
    const cardTs = (await app.scheduling.store.get(id))?.parentTs;

    const paused = await slash(`pause ${id}`, 'C0CYCLE');
    expect(String(paused.json?.text)).toContain(`Paused schedule ${id}`);
    expect((await app.scheduling.store.get(id))?.paused).toBe(true);
    expect(await schedulerOf(id)).toBeUndefined();
    // The card in the channel says so, for everyone.
    const card = await slack.waitFor(() => inChannel('chat.update', 'C0CYCLE').find((c) => c.args.ts === cardTs && text(c).includes('Paused by <@U0ALICE>')), 'card paused');
    expect(text(card)).toContain('sched_resume');

    const resumed = await slash(`resume ${id}`, 'C0CYCLE');
    expect(String(resumed.json?.text)).toContain(`Resumed schedule ${id}`);
    expect((await schedulerOf(id))?.every).toBe(HOUR);

    const removed = await slash('unschedule cycle.example', 'C0CYCLE');
    expect(String(removed.json?.text)).toContain(`Removed schedule ${id}`);
    expect(await app.scheduling.store.get(id)).toBeNull();
    expect(await schedulerOf(id)).toBeUndefined();
    const gone = await slash(`pause ${id}`, 'C0CYCLE');
    expect(String(gone.json?.text)).toMatch(/No schedule/);
  });

  it('lets only the creator or an admin pause, resume or remove a schedule', async () => {
    const id = await schedule('schedule owned.example every 1h', 'C0AUTH', 'U0ALICE');

    const bobPause = await slash(`pause ${id}`, 'C0AUTH', 'U0BOB');
    expect(String(bobPause.json?.text)).toContain(`Only <@U0ALICE>, who created schedule ${id} (owned.example:443), or a workspace admin can pause it.`);
    const bobRemove = await slash(`unschedule ${id}`, 'C0AUTH', 'U0BOB');
    expect(String(bobRemove.json?.text)).toMatch(/can remove it/);
    // Re-timing someone else's schedule is a change too.
    const bobRetime = await slash('schedule owned.example every 6h', 'C0AUTH', 'U0BOB');
    expect(String(bobRetime.json?.text)).toMatch(/already scheduled here as .* can change it/);
    expect(await app.scheduling.store.get(id)).toMatchObject({ paused: false, every: HOUR });

    // Anyone may add their own schedule in the channel.
    await schedule('schedule bobs.example', 'C0AUTH', 'U0BOB');

    // TLSCHECK_ADMINS may.
    const adminPause = await slash(`pause ${id}`, 'C0AUTH', 'U0ADMIN');
    expect(String(adminPause.json?.text)).toContain(`Paused schedule ${id}`);
    // A Slack workspace admin (users.info is_admin) may.
    const slackAdminResume = await slash(`resume ${id}`, 'C0AUTH', 'U0SLACKADMIN');
    expect(String(slackAdminResume.json?.text)).toContain(`Resumed schedule ${id}`);
    // The creator may.
    const own = await slash(`unschedule ${id}`, 'C0AUTH', 'U0ALICE');
    expect(String(own.json?.text)).toContain(`Removed schedule ${id}`);
    // Slack was asked about Bob and the Slack admin, never about Alice on her own schedule.
    const asked = slack.callsOf('users.info').map((c) => c.args.user);
    expect(asked).toContain('U0SLACKADMIN');
    expect(asked).not.toContain('U0ALICE');
    expect(asked).not.toContain('U0ADMIN');
  });
});

describe('buttons', () => {
  it('Schedule daily under a result schedules the target daily in that channel', async () => {
    const value = encodeRef({ jobId: 'cjobfromcheck', input: 'button.example:443', sni: null });
    const res = await sendButton(url, SECRET, { actionId: ACTION_IDS.schedule, value, channel: 'C0BUTTON', messageTs: '1700000000.000001', responseUrl: slack.responseUrl('sched-button') });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(SLACK_ACK_LIMIT_MS);
    const reply = await slack.waitFor(() => slack.responses.find((r) => r.id === 'sched-button'), 'schedule reply');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toMatch(/Scheduled [a-z0-9]+: button\.example:443 daily\./);
    const [s] = await app.scheduling.store.listByChannel('C0BUTTON');
    expect(s).toMatchObject({ target: 'button.example:443', every: DAY, createdBy: 'U0ALICE' });
  });

  it('Run now on an alert checks again and, with nothing changed, tells only the presser', async () => {
    const id = await schedule('schedule runnow.example every 1h', 'C0RUN');
    // The first run is over (lock released), not merely recorded: a Run now during it is skipped.
    await eventually(async () => completedRuns.includes(id), 'first run');
    const before = checks.filter((c) => c.input === 'runnow.example:443').length;
    const res = await sendButton(url, SECRET, { actionId: 'sched_run', value: id, channel: 'C0RUN', messageTs: '1700000000.000002', responseUrl: slack.responseUrl('run-now'), user: 'U0BOB' });
    expect(res.status).toBe(200);
    const reply = await slack.waitFor(() => slack.responses.find((r) => r.id === 'run-now'), 'run now reply');
    expect(String(reply.body.text)).toMatch(/Checking runnow\.example:443 now/);
    const quiet = await slack.waitFor(() => slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0BOB' && text(c).includes(id)), 'quiet answer');
    expect(text(quiet)).toMatch(/no change since the last run/);
    expect(checks.filter((c) => c.input === 'runnow.example:443').length).toBe(before + 1);
    // Quiet: still just the card and the baseline in the channel.
    expect(inChannel('chat.postMessage', 'C0RUN')).toHaveLength(2);
  });

  it('Run now while a run of the schedule is going tells the presser instead of nothing', async () => {
    const id = await schedule('schedule runbusy.example every 1h', 'C0RUN');
    await eventually(async () => completedRuns.includes(id), 'first run');
    // As if a scheduled run held the schedule's lock right now.
    const release = await app.scheduling.store.tryLock(`run-${id}`, 60_000);
    expect(release).not.toBeNull();
    try {
      const done = completedRuns.length;
      await sendButton(url, SECRET, { actionId: 'sched_run', value: id, channel: 'C0RUN', messageTs: '1700000000.000004', responseUrl: slack.responseUrl('run-busy'), user: 'U0BOB' });
      const told = await slack.waitFor(() => slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0BOB' && text(c).includes(id) && text(c).includes('already running')), 'busy answer');
      expect(told.args.channel).toBe('C0RUN');
      await eventually(async () => completedRuns.length > done, 'the skipped run');
    } finally {
      await release?.();
    }
  });
});

describe('the one check runner', () => {
  it('gives scheduled checks the configured deadline and the address policy', async () => {
    const id = await schedule('schedule deadline.example every 1h', 'C0RUNNER');
    await eventually(async () => completedRuns.includes(id), 'first run');
    expect(checks.find((c) => c.input === 'deadline.example:443')?.opts).toMatchObject({ timeoutMs: CHECK_TIMEOUT_MS, enforcePolicy: true, allowCidrs: [] });
  });

  it('makes a scheduled check take a slot of its host; Run now on a busy host tells the presser', async () => {
    const id = await schedule('schedule slots.example every 1h', 'C0RUNNER');
    await eventually(async () => completedRuns.includes(id), 'first run');
    const before = checks.filter((c) => c.input === 'slots.example:443').length;
    // Another worker holds the only slot of the host (TLSCHECK_HOST_CONCURRENCY=1 here).
    const redis = new Redis(REDIS_URL);
    const slots = createHostSemaphore(redis, { prefix: config.queuePrefix, maxPerHost: 1 });
    const lease = await slots.acquire('slots.example', 1_000);
    expect(lease).not.toBeNull();
    try {
      await sendButton(url, SECRET, { actionId: 'sched_run', value: id, channel: 'C0RUNNER', messageTs: '1700000000.000005', responseUrl: slack.responseUrl('run-slots'), user: 'U0BOB' });
      const told = await slack.waitFor(() => slack.callsOf('chat.postEphemeral').find((c) => c.args.user === 'U0BOB' && text(c).includes(id)), 'host busy answer');
      expect(text(told)).toMatch(/was not checked now: Too many checks of slots\.example/);
      expect(checks.filter((c) => c.input === 'slots.example:443')).toHaveLength(before);
    } finally {
      await lease?.release();
      redis.disconnect();
    }
  });
});

describe('alerts', () => {
  const runNow = (id: string, channel: string, hook: string) =>
    sendButton(url, SECRET, { actionId: 'sched_run', value: id, channel, messageTs: '1700000000.000003', responseUrl: slack.responseUrl(hook) });

  it('a new problem is shown in the channel too, with its diagnosis, threaded under the card', async () => {
    scripted.set('problem.example', cleanResult);
    const id = await schedule('schedule problem.example every 1h', 'C0ALERT');
    const card = await slack.waitFor(() => inChannel('chat.postMessage', 'C0ALERT').find((c) => !c.args.thread_ts), 'card');
    await slack.waitFor(() => inChannel('chat.postMessage', 'C0ALERT').find((c) => c.args.thread_ts), 'baseline');

    // Findings and diagnoses share their knowledge-base id; the alert finds the diagnosis by it.
    const refused = { id: 'client-renegotiation-refused', severity: 'error' as const, title: 'Client-initiated renegotiation refused', detail: 'warning alert 100 no_renegotiation after the first handshake' };
    scripted.set('problem.example', () => baseResult({ findings: [refused] }));
    await runNow(id, 'C0ALERT', 'alert-run');
    const alert = await slack.waitFor(() => inChannel('chat.postMessage', 'C0ALERT').find((c) => text(c).includes('New problem')), 'alert');
    expect(alert.args.thread_ts).toBe(card.response?.ts);
    expect(String(alert.args.reply_broadcast)).toBe('true');
    expect(text(alert)).toContain('New problem: Client-initiated renegotiation refused');
    expect(text(alert)).toContain('Likely cause: The server refuses client-initiated renegotiation');
    expect(text(alert)).toContain('not present → warning alert 100 no_renegotiation');
    // The card now shows the new status.
    const update = await slack.waitFor(() => inChannel('chat.update', 'C0ALERT').find((c) => c.args.ts === card.response?.ts), 'card update');
    expect(text(update)).toContain('error since');
  });

  it('posts a new card when the old one was deleted', async () => {
    scripted.set('deleted.example', cleanResult);
    const id = await schedule('schedule deleted.example every 1h', 'C0DELETED');
    const first = await slack.waitFor(() => inChannel('chat.postMessage', 'C0DELETED').find((c) => !c.args.thread_ts), 'card');
    await eventually(async () => (await app.scheduling.store.get(id))?.lastRunAt !== undefined, 'baseline run');

    scripted.set('deleted.example', () => baseResult());
    slack.failNext('chat.update', { error: 'message_not_found' });
    await runNow(id, 'C0DELETED', 'deleted-run');
    const alert = await slack.waitFor(() => inChannel('chat.postMessage', 'C0DELETED').find((c) => text(c).includes('New problem')), 'alert');
    const cards = inChannel('chat.postMessage', 'C0DELETED').filter((c) => !c.args.thread_ts);
    expect(cards).toHaveLength(2);
    expect(alert.args.thread_ts).toBe(cards[1]?.response?.ts);
    expect(alert.args.thread_ts).not.toBe(first.response?.ts);
    await eventually(async () => (await app.scheduling.store.get(id))?.parentTs === cards[1]?.response?.ts, 'new parent stored');
  });

  it('waits out a short Slack rate limit instead of losing the alert', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const id = await schedule('schedule limited.example every 1h', 'C0LIMITED');
    const baseline = await slack.waitFor(() => inChannel('chat.postMessage', 'C0LIMITED').find((c) => text(c).includes('Now watching') && c.response?.ok), 'baseline after 429', 20_000);
    expect(baseline.args.thread_ts).toBeDefined();
    await eventually(async () => (await app.scheduling.store.get(id))?.lastRunAt !== undefined, 'run recorded');
    expect((await app.scheduling.store.get(id))?.undelivered).toBeUndefined();
    expect(slack.callsOf('chat.postMessage').some((c) => c.response?.error === 'ratelimited')).toBe(true);
  });

  it('refuses a schedule where the bot cannot post (not_in_channel, a DM: channel_not_found), saying to invite it', async () => {
    slack.closeChannel('C0NOBOT', 'not_in_channel');
    const res = await slash('schedule nobot.example every 1h', 'C0NOBOT');
    expect(res.status).toBe(200);
    expect(ackText(res)).toContain('Not scheduled: I cannot post in this channel');
    expect(ackText(res)).toContain('/invite @tlscheck');
    expect(ackText(res)).not.toMatch(/Scheduled [a-z0-9]+:/);
    slack.closeChannel('D0PEOPLE', 'channel_not_found');
    const dm = await slash('schedule dm.example every 1h', 'D0PEOPLE');
    expect(ackText(dm)).toContain('Not scheduled: I cannot post in this direct message');
    expect(ackText(dm)).toContain('/invite @tlscheck');
    // Nothing was stored for either.
    expect(ackText(await slash('list', 'C0NOBOT'))).not.toContain('nobot.example');
    expect(ackText(await slash('list', 'D0PEOPLE'))).not.toContain('dm.example');
  });

  it('counts alerts it cannot post (bot removed from the channel after the schedule was made) and shows that in the list', async () => {
    slack.closeChannel('C0CLOSED', 'not_in_channel', { chatOnly: true });
    const id = await schedule('schedule closed.example every 1h', 'C0CLOSED');
    await eventually(async () => (await app.scheduling.store.get(id))?.undelivered === 1, 'undelivered count');
    const list = await slash('list', 'C0CLOSED');
    expect(ackText(list)).toContain('1 alert not delivered');
  });
});

describe('App Home', () => {
  let alices: string;
  let bobs: string;
  beforeAll(async () => {
    alices = await schedule('schedule home-alice.example every 1h', 'C0HOME', 'U0ALICE');
    bobs = await schedule('schedule home-bob.example every 1h', 'C0HOME', 'U0BOB');
  });

  it('publishes the schedules of the user\'s channels, with Pause/Remove only where the user may use them', async () => {
    const since = Date.now();
    const res = await sendEvent(url, SECRET, { type: 'app_home_opened', user: 'U0BOB', channel: 'D0HOME', tab: 'home', event_ts: '1.2' });
    expect(res.status).toBe(200);
    const publish = await latestPublish('U0BOB', since);
    const buttons = homeButtons(publish);
    expect(buttons.get(bobs)).toEqual(['sched_run', 'sched_pause', 'sched_remove']);
    expect(buttons.get(alices)).toEqual(['sched_run']);
    // Only channels Bob is in: C0SCHED is Alice's alone.
    const view = JSON.stringify(publish.args.view);
    expect(view).not.toContain('sched.example:443');
    expect(view).toContain('home-alice.example:443');
    expect(view).toContain('/tlscheck schedule');
  });

  it('Pause from the Home tab pauses and republishes with a notice; a refused Remove says why', async () => {
    let since = Date.now();
    await pressInHome('sched_pause', bobs, 'U0BOB');
    let publish = await latestPublish('U0BOB', since);
    expect(JSON.stringify(publish.args.view)).toContain(`Paused schedule \`${bobs}\``);
    expect(homeButtons(publish).get(bobs)).toEqual(['sched_run', 'sched_resume', 'sched_remove']);
    expect((await app.scheduling.store.get(bobs))?.paused).toBe(true);
    expect(await schedulerOf(bobs)).toBeUndefined();

    since = Date.now();
    await pressInHome('sched_remove', alices, 'U0BOB');
    publish = await latestPublish('U0BOB', since);
    expect(JSON.stringify(publish.args.view)).toContain('Only <@U0ALICE>');
    expect(await app.scheduling.store.get(alices)).not.toBeNull();

    since = Date.now();
    await pressInHome('sched_resume', bobs, 'U0BOB');
    publish = await latestPublish('U0BOB', since);
    expect((await app.scheduling.store.get(bobs))?.paused).toBe(false);
    expect(await schedulerOf(bobs)).toBeDefined();

    since = Date.now();
    await pressInHome('sched_remove', bobs, 'U0BOB');
    publish = await latestPublish('U0BOB', since);
    expect(JSON.stringify(publish.args.view)).toContain(`Removed schedule \`${bobs}\``);
    expect(homeButtons(publish).has(bobs)).toBe(false);
    expect(await schedulerOf(bobs)).toBeUndefined();
  });
});
