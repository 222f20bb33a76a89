// `/tlscheck list` and the App Home tab page through many schedules: every page fits Slack's
// block limits, every schedule is on exactly one page (none dropped, none twice), Previous / Next
// lead where they say, and the list reads only its page from Redis.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appHomeView, HOME_PAGE_SIZE, homePage } from '../src/format/slack-home.js';
import { buildScheduleList, LIST_PAGE_SIZE } from '../src/format/slack-list.js';
import { ACTION_IDS, decodePage } from '../src/format/slack/actions.js';
import { messageViolations, SLACK_LIMITS, type ActionsBlock, type Block } from '../src/format/slack/blocks.js';
import { pageOf, pageButtons } from '../src/format/slack/pages.js';
import { parseScheduleCommand } from '../src/schedule/command.js';
import type { Schedule } from '../src/schedule/model.js';
import { ScheduleStore } from '../src/schedule/store.js';
import { executeScheduleOp, type ScheduleOpsDeps } from '../jobs/schedule-ops.js';
import { connect, deleteKeys, uniquePrefix } from './schedule-fixtures.js';

const NOW = Date.UTC(2026, 0, 10);

function schedules(n: number, channelOf: (i: number) => string): Schedule[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p${String(i).padStart(5, '0')}`,
    channel: channelOf(i),
    // Long names and SNI: the longest lines a page can get.
    target: `a-rather-long-host-name-${i}.internal.example.com:8443`,
    sni: `sni-${i}.internal.example.com`,
    every: 3_600_000,
    createdBy: 'U0OWNER',
    createdAt: NOW - (n - i) * 1000,
    paused: i % 7 === 0,
    lastRunAt: NOW - 60_000,
    lastStatus: 'warning',
    daysLeft: 12,
    undelivered: i % 5 === 0 ? 2 : undefined,
  }));
}

/** Schedule ids a list message shows (in its code spans). */
const idsInList = (blocks: readonly Block[]): string[] => [...JSON.stringify(blocks).matchAll(/`(p\d{5})`/g)].map((m) => m[1] ?? '');
/** Schedule ids a Home view shows (one line block per schedule). */
const idsInHome = (blocks: readonly Block[]): string[] =>
  blocks.flatMap((b) => ('block_id' in b && typeof b.block_id === 'string' && b.block_id.startsWith('sched_line_') ? [b.block_id.slice('sched_line_'.length)] : []));
const navOf = (blocks: readonly Block[]): ActionsBlock | undefined =>
  blocks.find((b): b is ActionsBlock => b.type === 'actions' && b.elements.some((e) => e.action_id === ACTION_IDS.listPage || e.action_id === ACTION_IDS.homePage));

describe('page arithmetic', () => {
  it('clamps to the pages there are and offers only buttons that lead somewhere', () => {
    expect(pageOf(200, 3, 25)).toMatchObject({ page: 3, pages: 8, offset: 50 });
    expect(pageOf(200, 99, 25)).toMatchObject({ page: 8, offset: 175 });
    expect(pageOf(0, 5, 25)).toMatchObject({ page: 1, pages: 1, offset: 0 });
    expect(pageButtons(pageOf(10, 1, 25), ACTION_IDS.listPage, 'x')).toBeNull();
    const first = pageButtons(pageOf(60, 1, 25), ACTION_IDS.listPage, 'x');
    expect(first?.elements.map((e) => e.value)).toEqual(['2']);
    const middle = pageButtons(pageOf(60, 2, 25), ACTION_IDS.listPage, 'x');
    expect(middle?.elements.map((e) => e.value)).toEqual(['1', '3']);
    expect(decodePage('3')).toBe(3);
    for (const bad of ['0', '-1', 'x', '', undefined, '99999']) expect(decodePage(bad)).toBeNull();
  });

  it('reads `list <page>`', () => {
    const parse = (t: string) => parseScheduleCommand(t, { parseTarget: () => ({ ok: false, error: 'unused' }) as never });
    expect(parse('list')).toEqual({ ok: true, command: { kind: 'list' } });
    expect(parse('list 3')).toEqual({ ok: true, command: { kind: 'list', page: 3 } });
    expect(parse('list 0').ok).toBe(false);
    expect(parse('list two').ok).toBe(false);
  });
});

describe('/tlscheck list with 200 schedules in one channel', () => {
  const all = schedules(200, () => 'C0BUSY');

  it('shows every schedule on exactly one page, each page within Slack limits', () => {
    const seen: string[] = [];
    const pages = Math.ceil(all.length / LIST_PAGE_SIZE);
    for (let p = 1; p <= pages; p++) {
      const page = pageOf(all.length, p, LIST_PAGE_SIZE);
      const msg = buildScheduleList({ channel: 'C0BUSY', schedules: all.slice(page.offset, page.offset + page.size), page, now: NOW, maxPerChannel: 1000 });
      expect(messageViolations(msg.blocks)).toEqual([]);
      expect(JSON.stringify(msg.blocks)).not.toContain('more schedules than one message can show');
      expect(JSON.stringify(msg.blocks)).toContain(`TLS check schedules (200/1000)`);
      const nav = navOf(msg.blocks);
      expect(nav?.elements.map((e) => e.value)).toEqual([p > 1 ? String(p - 1) : null, p < pages ? String(p + 1) : null].filter((v) => v !== null));
      seen.push(...idsInList(msg.blocks));
    }
    expect(seen).toEqual(all.map((s) => s.id));
  });
});

describe('App Home with many schedules', () => {
  const cases: [string, Schedule[]][] = [
    ['200 in one channel', schedules(200, () => 'C0BUSY')],
    ['200 in 200 channels (a heading each)', schedules(200, (i) => `C${String(i).padStart(6, '0')}`)],
  ];
  for (const [name, all] of cases) {
    it(`${name}: every schedule on exactly one page, each view within 100 blocks`, () => {
      const notice = [{ type: 'section', text: { type: 'mrkdwn', text: 'Paused p00001' } }] as Block[];
      const undelivered = Array.from({ length: 30 }, (_, i) => ({ jobId: `c${i}`, channel: 'C0BUSY', user: 'U1', input: 'x.example:443', verdict: null, summary: 's', reason: 'r', at: new Date(NOW).toISOString() }));
      const seen: string[] = [];
      const pages = Math.ceil(all.length / HOME_PAGE_SIZE);
      for (let p = 1; p <= pages; p++) {
        const { page, slice } = homePage(all, p);
        const view = appHomeView({ userId: 'U0OWNER', isAdmin: false, schedules: slice, page, now: NOW, notice, undelivered });
        expect(messageViolations(view.blocks, SLACK_LIMITS.blocksPerHomeView)).toEqual([]);
        expect(JSON.stringify(view.blocks)).not.toContain('not shown here');
        expect(navOf(view.blocks)).toBeDefined();
        seen.push(...idsInHome(view.blocks));
      }
      expect(seen).toEqual(all.map((s) => s.id));
    });
  }
});

describe('the list reads one page from Redis', () => {
  const prefix = uniquePrefix('pages');
  let redis: Redis;
  let store: ScheduleStore;

  beforeAll(() => {
    redis = connect();
    store = new ScheduleStore(redis, { prefix, maxPerChannel: 1000 });
  });
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('pages 200 schedules of a channel through executeScheduleOp, each exactly once', async () => {
    const made: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await store.create({ channel: 'C0PAGED', target: `h${i}.example:443`, every: 3_600_000, createdBy: 'U0OWNER' });
      if (!r.ok) throw new Error(r.error);
      made.push(r.value.schedule.id);
    }
    const schedulerLookups: string[] = [];
    const deps = {
      store,
      queue: { getJobScheduler: async (id: string) => { schedulerLookups.push(id); return undefined; } },
      history: {}, users: {}, parseTarget: () => undefined, policy: {}, logger: { child: () => deps.logger },
    } as unknown as ScheduleOpsDeps;
    const seen: string[] = [];
    for (let p = 1; p <= 8; p++) {
      const { message } = await executeScheduleOp({ kind: 'list', page: p }, { userId: 'U0OWNER', channel: 'C0PAGED' }, deps);
      expect(messageViolations(message.blocks)).toEqual([]);
      seen.push(...[...JSON.stringify(message.blocks).matchAll(/`([a-z0-9]{6,})`/g)].map((m) => m[1] ?? '').filter((id) => made.includes(id)));
    }
    expect(seen).toEqual(made);
    // Next runs were looked up for the shown pages' schedules only, each once.
    expect(schedulerLookups).toHaveLength(200);
    // Past the end: the last page.
    const last = await executeScheduleOp({ kind: 'list', page: 99 }, { userId: 'U0OWNER', channel: 'C0PAGED' }, deps);
    expect(JSON.stringify(last.message.blocks)).toContain('Page 8 of 8');
  }, 30_000);
});
