// The pure and injected pieces of the schedule wiring: who is an admin (cached users.info), when
// an alert is shown in the channel, the parent card, the App Home budget, and the ack budget.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { appHomeView } from '../src/format/slack-home.js';
import { buildScheduleParent } from '../src/format/slack-schedule-card.js';
import { scheduledReply } from '../src/format/slack-schedule-replies.js';
import { messageViolations, plainText, SLACK_LIMITS } from '../src/format/slack/blocks.js';
import type { Change, ChangeKind } from '../src/schedule/changes.js';
import type { Schedule } from '../src/schedule/model.js';
import { shouldBroadcast } from '../jobs/schedule-post.js';
import { answerWithin } from '../handlers/commands/schedule.js';
import { createUserDirectory, type DirectoryClient } from '../jobs/slack-users.js';
import type { SlackMessage as Message } from '../src/format/slack/blocks.js';

const logger = createLogger('silent');

const schedule = (over: Partial<Schedule> = {}): Schedule => ({
  id: 'k7p2qx', channel: 'C0UNIT', target: 'example.com:443', every: 86_400_000, createdBy: 'U0ALICE', createdAt: 1, paused: false, ...over,
});

/** A users.* stand-in that counts calls and answers from a table. */
function fakeUsers(admins: Record<string, { is_admin?: boolean; is_owner?: boolean } | 'fail'>, channels: string[][] = [[]]) {
  const calls: { method: string; user: string; cursor?: string }[] = [];
  const client = {
    users: {
      info: async ({ user }: { user: string }) => {
        calls.push({ method: 'info', user });
        const a = admins[user];
        if (a === 'fail') throw Object.assign(new Error('An API error occurred: missing_scope'), { data: { error: 'missing_scope' } });
        return { ok: true, user: { id: user, ...a } };
      },
      conversations: async ({ user, cursor }: { user: string; cursor?: string }) => {
        calls.push({ method: 'conversations', user, cursor });
        const page = Number(cursor ?? 0);
        const next = page + 1 < channels.length ? String(page + 1) : '';
        return { ok: true, channels: (channels[page] ?? []).map((id) => ({ id })), response_metadata: { next_cursor: next } };
      },
    },
  } as unknown as DirectoryClient;
  return { client, calls };
}

describe('createUserDirectory', () => {
  it('counts TLSCHECK_ADMINS without asking Slack, and Slack admins and owners after one users.info each', async () => {
    const { client, calls } = fakeUsers({ U0SLACKADMIN: { is_admin: true }, U0OWNER: { is_owner: true }, U0BOB: {} });
    const dir = createUserDirectory(client, { admins: ['U0LISTED'], logger });
    expect(await dir.isAdmin('U0LISTED')).toBe(true);
    expect(await dir.isAdmin('U0SLACKADMIN')).toBe(true);
    expect(await dir.isAdmin('U0OWNER')).toBe(true);
    expect(await dir.isAdmin('U0BOB')).toBe(false);
    // Cached: asking again costs nothing.
    expect(await dir.isAdmin('U0SLACKADMIN')).toBe(true);
    expect(await dir.isAdmin('U0BOB')).toBe(false);
    expect(calls.map((c) => c.user)).toEqual(['U0SLACKADMIN', 'U0OWNER', 'U0BOB']);
  });

  it('fails closed when users.info fails, and asks again once the short failure cache expires', async () => {
    let now = 0;
    const table: Record<string, { is_admin?: boolean } | 'fail'> = { U0X: 'fail' };
    const { client, calls } = fakeUsers(table);
    const dir = createUserDirectory(client, { logger, ttlMs: 60_000, failureTtlMs: 1_000, now: () => now });
    expect(await dir.isAdmin('U0X')).toBe(false);
    now = 500;
    expect(await dir.isAdmin('U0X')).toBe(false);
    expect(calls).toHaveLength(1);
    table.U0X = { is_admin: true };
    now = 1_500;
    expect(await dir.isAdmin('U0X')).toBe(true);
    expect(calls).toHaveLength(2);
    // A success is kept for the full TTL.
    now = 50_000;
    expect(await dir.isAdmin('U0X')).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('reads every page of the user\'s channels', async () => {
    const { client, calls } = fakeUsers({}, [['C1', 'C2'], ['C3']]);
    const dir = createUserDirectory(client, { logger });
    expect(await dir.channelsOf('U0ALICE')).toEqual(['C1', 'C2', 'C3']);
    expect(await dir.channelsOf('U0ALICE')).toEqual(['C1', 'C2', 'C3']);
    expect(calls.filter((c) => c.method === 'conversations')).toHaveLength(2);
  });
});

describe('shouldBroadcast', () => {
  const change = (kind: ChangeKind): Change => ({ kind, title: kind, before: 'a', after: 'b', severity: 'info' });
  const warning = { days: 7, daysLeft: 6, notAfter: '2026-12-03T00:00:00Z', subject: 'CN=x', fingerprint: 'F', key: 'F@7d' };
  const table: [string, Change[], boolean, boolean][] = [
    ['baseline, even with an expiry warning', [change('baseline')], true, false],
    ['a new problem', [change('problem-new')], false, true],
    ['unreachable', [change('unreachable')], false, true],
    ['an expiry warning alone', [], true, true],
    ['a fix', [change('problem-fixed')], false, false],
    ['a renewal', [change('cert-renewed')], false, false],
    ['back online', [change('reachable')], false, false],
    ['ciphers changed', [change('ciphers-changed')], false, false],
    ['a fix and a new problem', [change('problem-fixed'), change('problem-new')], false, true],
  ];
  for (const [what, changes, withWarning, loud] of table) {
    it(`${loud ? 'shows' : 'keeps in the thread'}: ${what}`, () => {
      expect(shouldBroadcast({ changes, warnings: withWarning ? [warning] : [] })).toBe(loud);
    });
  }
});

describe('buildScheduleParent', () => {
  const actionIds = (m: Message): string[] => m.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));

  it('shows the target, cadence, id, status and certificate, with Run now and Pause', () => {
    const card = buildScheduleParent(schedule({ lastStatus: 'warning', daysLeft: 12 }), { kind: 'status', at: Date.UTC(2026, 10, 27, 9) });
    const body = JSON.stringify(card.blocks);
    expect(body).toContain('*example.com:443* · daily · schedule `k7p2qx`');
    expect(body).toContain('⚠️ warning since <!date^');
    expect(body).toContain('certificate: 12 d left');
    expect(actionIds(card)).toEqual(['sched_run', 'sched_pause']);
    expect(card.text).toBe('tlscheck schedule k7p2qx: example.com:443 (warning)');
    expect(messageViolations(card.blocks)).toEqual([]);
  });

  it('says who paused or removed it; a paused card offers Resume, a removed one nothing', () => {
    const paused = buildScheduleParent(schedule(), { kind: 'paused', by: 'U0BOB', at: 0 });
    expect(JSON.stringify(paused.blocks)).toContain('Paused by <@U0BOB>');
    expect(actionIds(paused)).toEqual(['sched_run', 'sched_resume']);
    const removed = buildScheduleParent(schedule(), { kind: 'removed', by: 'U0BOB', at: 0 });
    expect(JSON.stringify(removed.blocks)).toContain('Removed by <@U0BOB>');
    expect(actionIds(removed)).toEqual([]);
  });

  it('escapes a hostile SNI', () => {
    const card = buildScheduleParent(schedule({ sni: '<!channel>' }), { kind: 'status', at: 0 });
    expect(JSON.stringify(card)).not.toContain('<!channel>');
  });
});

describe('replies', () => {
  it('plain text keeps a cron expression and turns dates into their fallback', () => {
    expect(plainText('*a.example:443* cron `0 9 * * 1-5` at <!date^1^{date}|2026-11-27 08:00 UTC>')).toBe('a.example:443 cron 0 9 * * 1-5 at 2026-11-27 08:00 UTC');
  });

  it('says when a cron schedule first runs, and that an interval runs now', () => {
    const now = Date.UTC(2026, 10, 27, 6);
    expect(scheduledReply(schedule(), 'created', now, now).text).toContain('The first check runs now.');
    const cron = scheduledReply(schedule({ every: undefined, pattern: '0 9 * * *' }), 'created', Date.UTC(2026, 10, 27, 9), now);
    expect(cron.text).toContain('The first check runs 2026-11-27 09:00 UTC.');
  });
});

describe('appHomeView', () => {
  it('stays within 100 blocks with many schedules, a notice and the usage', () => {
    const many = Array.from({ length: 120 }, (_, i) => schedule({ id: `s${String(i).padStart(4, '0')}x`, channel: `C${i % 7}`, createdAt: i }));
    const view = appHomeView({ userId: 'U0ALICE', isAdmin: false, schedules: many, now: 0, notice: [{ type: 'section', text: { type: 'mrkdwn', text: 'Paused' } }] });
    expect(view.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerHomeView);
    expect(messageViolations(view.blocks, SLACK_LIMITS.blocksPerHomeView)).toEqual([]);
    const body = JSON.stringify(view.blocks);
    expect(body.indexOf('Paused')).toBeLessThan(body.indexOf('TLS check schedules'));
    expect(body).toContain('not shown here');
    expect(body).toContain('/tlscheck schedule');
  });
});

describe('answerWithin', () => {
  const msg = (text: string): Message => ({ text, blocks: [] });
  const result = (text: string) => ({ message: msg(text) });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('answers in the ack when the work is quick', async () => {
    const first: string[] = [];
    const later: string[] = [];
    await answerWithin(Promise.resolve(result('done')), 200, async (m) => first.push(m.text), async (m) => later.push(m.text), logger);
    expect(first).toEqual(['done']);
    expect(later).toEqual([]);
  });

  it('acks "working on it" past the budget and answers later', async () => {
    const first: string[] = [];
    const later: string[] = [];
    const started = Date.now();
    await answerWithin(wait(300).then(() => result('slow done')), 50, async (m) => first.push(`${m.text}@${Date.now() - started}`), async (m) => later.push(m.text), logger);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^⏳ Working on it…@\d+$/);
    expect(Number(first[0]?.split('@')[1])).toBeLessThan(250);
    expect(later).toEqual(['slow done']);
  });

  it('tells the user to try again when Redis fails', async () => {
    const first: string[] = [];
    const out = await answerWithin(Promise.reject(new Error('ECONNREFUSED')), 200, async (m) => first.push(m.text), async () => undefined, logger);
    expect(out).toBeNull();
    expect(first[0]).toMatch(/schedule store \(Redis\) is not answering/);
  });
});
