import { describe, expect, it } from 'vitest';
import type { types } from '@slack/bolt';
import { buildScheduleAlert, defaultDiagnosisFor } from '../src/format/slack-schedule-alert.js';
import { SLACK_LIMITS as LIMITS, codeBlock, esc as escapeMrkdwn, packLines, relative, truncate, type Block, type HomeView } from '../src/format/slack/blocks.js';
import { SCHEDULE_ACTIONS } from '../src/format/slack/actions.js';
import { scheduleHomeBlocks, type HomeInput } from '../src/format/slack-home.js';
import { HOME_CALLBACK_ID } from '../src/format/slack/actions.js';

/** The schedule part of the Home tab as a view of its own. */
const buildScheduleHome = (input: HomeInput): HomeView => ({ type: 'home', callback_id: HOME_CALLBACK_ID, blocks: scheduleHomeBlocks(input) });
import { buildScheduleList, scheduleLine } from '../src/format/slack-list.js';
import { diffResults, expiryWarnings, type Change } from '../src/schedule/changes.js';
import type { Schedule } from '../src/schedule/model.js';
import type { Diagnosis } from '../src/types.js';
import { messageViolations, type Block as SlackLayerBlock } from '../src/format/slack/blocks.js';
import { cert, finding, result } from './schedule-fixtures.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

/** Every Block Kit limit these builders must respect, checked on the output. */
function checkLimits(blocks: readonly Block[], maxBlocks: number): void {
  expect(blocks.length).toBeLessThanOrEqual(maxBlocks);
  const blockIds = new Set<string>();
  // The Slack layer's own validator must agree, since the handlers will run it too.
  expect(messageViolations(blocks, maxBlocks)).toEqual([]);
  for (const b of blocks) {
    if ('block_id' in b && b.block_id) {
      expect(b.block_id.length).toBeLessThanOrEqual(LIMITS.blockId);
      expect(blockIds.has(b.block_id)).toBe(false);
      blockIds.add(b.block_id);
    }
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.headerText);
    if (b.type === 'section') {
      expect(b.text?.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      expect(b.text?.text.length).toBeGreaterThan(0);
    }
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(LIMITS.contextElements);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(LIMITS.contextText);
    }
    if (b.type === 'actions') {
      const ids = b.elements.map((e) => e.action_id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of b.elements) {
        expect(e.value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
        expect(e.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
      }
    }
  }
}

function texts(blocks: readonly Block[]): string {
  return blocks
    .map((b) => (b.type === 'section' || b.type === 'header' ? (b.text?.text ?? '') : b.type === 'context' ? b.elements.map((e) => e.text).join(' ') : ''))
    .join('\n');
}

const schedule: Schedule = { id: 'k7p2qx', channel: 'C1', target: 'example.com:443', every: 3_600_000, createdBy: 'U_ALICE', createdAt: NOW - 86_400_000, paused: false };

const diagnosis = (id: string, over: Partial<Diagnosis> = {}): Diagnosis => ({
  id,
  severity: 'error',
  title: `Diagnosis for ${id}`,
  why: 'The server sends only its own certificate, so clients cannot build a path to a root.',
  fixes: { apache: ['SSLCertificateChainFile /etc/ssl/chain.pem'], nginx: ['ssl_certificate /etc/ssl/fullchain.pem;'] },
  reproduce: 'openssl s_client -connect example.com:443 -servername example.com',
  references: ['https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2'],
  ...over,
});

describe('block helpers', () => {
  it('truncates, escapes and fences safely', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    // Never half an emoji.
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(escapeMrkdwn('<a> & b')).toBe('&lt;a&gt; &amp; b');
    const fenced = codeBlock('x'.repeat(5000), 100);
    expect(fenced.length).toBeLessThanOrEqual(100);
    expect(fenced.endsWith('```')).toBe(true);
    expect(relative(NOW + 42 * 60_000, NOW)).toBe('in 42 min');
    expect(relative(NOW - 3 * 3_600_000, NOW)).toBe('3 h ago');
    expect(packLines(['a'.repeat(2000), 'b'.repeat(2000), 'c'])).toEqual(['a'.repeat(2000), `${'b'.repeat(2000)}\nc`]);
  });
});

describe('buildScheduleAlert', () => {
  it('shows before → after and the diagnosis of a new problem, fix for the detected platform first', () => {
    const before = result();
    const after = result({
      server: 'nginx/1.24.0',
      findings: [finding('chain-incomplete', 'error', 'Incomplete chain')],
      diagnoses: [diagnosis('other-thing'), diagnosis('chain-incomplete')],
      protocols: { SSLv3: false, TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    });
    const changes = diffResults(before, after);
    const msg = buildScheduleAlert({ schedule, result: after, changes, warnings: [], checkedAt: NOW });
    checkLimits(msg.blocks, LIMITS.blocksPerMessage);
    const all = texts(msg.blocks);
    expect(all).toContain('*New problem: Incomplete chain*\nnot present → Incomplete chain (detail)');
    expect(all).toContain('TLSv1.2, TLSv1.3 → TLSv1, TLSv1.2, TLSv1.3');
    expect(all).toContain('Likely cause: Diagnosis for chain-incomplete');
    expect(all).toContain('*Fix (nginx):*\n```ssl_certificate /etc/ssl/fullchain.pem;```');
    expect(all).toContain('Fixes also for: apache');
    expect(all).toContain('Reproduce: `openssl s_client');
    expect(all).not.toContain('Diagnosis for other-thing');
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { text: '❌ example.com:443: 2 changes' } });
    expect(msg.text).toBe('tlscheck example.com:443: New problem: Incomplete chain; Protocols changed (+TLSv1)');
    const actions = msg.blocks.at(-1);
    expect(actions).toMatchObject({ type: 'actions', elements: [{ action_id: 'sched_run', value: 'k7p2qx' }, { action_id: 'sched_pause', value: 'k7p2qx' }] });
  });

  it('finds diagnoses by id, by containment, or the top one for a single new problem', () => {
    const change = (findingId: string): Change => ({ kind: 'problem-new', title: 't', before: '', after: '', severity: 'error', findingId });
    const r = result({ diagnoses: [diagnosis('top'), diagnosis('cert-expired')] });
    expect(defaultDiagnosisFor(change('cert-expired'), r, 2)?.id).toBe('cert-expired');
    expect(defaultDiagnosisFor(change('expired'), r, 2)?.id).toBe('cert-expired');
    expect(defaultDiagnosisFor(change('unrelated'), r, 1)?.id).toBe('top');
    expect(defaultDiagnosisFor(change('unrelated'), r, 2)).toBeUndefined();
  });

  it('announces expiry warnings and baselines', () => {
    const r = result({ certificate: cert({ daysLeft: 6 }) });
    const warnings = expiryWarnings(r, new Set());
    const msg = buildScheduleAlert({ schedule, result: r, changes: [], warnings, checkedAt: NOW });
    checkLimits(msg.blocks, LIMITS.blocksPerMessage);
    expect(texts(msg.blocks)).toContain('*Certificate expires in 6 days* (7-day warning)');
    // Within a week it is as urgent as the knowledge base says (error).
    expect(msg.blocks[0]).toMatchObject({ text: { text: '❌ example.com:443: certificate expires in 6 days' } });

    const base = buildScheduleAlert({ schedule, result: result(), changes: diffResults(null, result()), warnings: [], checkedAt: NOW });
    expect(texts(base.blocks)).toContain('Now watching example.com:443');
    expect(texts(base.blocks)).toContain('Schedule `k7p2qx` · hourly · checked <!date^');
  });

  it('escapes server-supplied text', () => {
    const after = result({ findings: [finding('x', 'warning', '<script> & <@U123>')] });
    const msg = buildScheduleAlert({ schedule, result: after, changes: diffResults(result(), after), warnings: [] });
    // Headers are plain_text, which Slack never parses; mrkdwn blocks and the fallback must be escaped.
    const mrkdwn = texts(msg.blocks.filter((b) => b.type !== 'header'));
    expect(mrkdwn).toContain('&lt;script&gt; &amp; &lt;@U123&gt;');
    expect(mrkdwn).not.toContain('<@U123>');
    expect(msg.text).not.toContain('<@U123>');
  });

  it('stays within 50 blocks and 3000 characters however much changed', () => {
    const huge = 'x'.repeat(10_000);
    const findings = Array.from({ length: 80 }, (_, i) => finding(`f${i}`, 'error', `Problem ${i} ${huge}`));
    const after = result({
      findings,
      diagnoses: findings.map((f) => diagnosis(f.id, { why: huge, fixes: { nginx: [huge, huge] }, reproduce: huge })),
      ciphers: { 'TLSv1.2': Array.from({ length: 400 }, (_, i) => `SUITE-${i}-WITH-A-LONG-NAME`), 'TLSv1.3': [] },
    });
    const changes = diffResults(result(), after);
    expect(changes.length).toBeGreaterThan(50);
    const msg = buildScheduleAlert({ schedule: { ...schedule, target: `${'a'.repeat(200)}.example:443` }, result: after, changes, warnings: [] });
    checkLimits(msg.blocks, LIMITS.blocksPerMessage);
    expect(texts(msg.blocks)).toMatch(/…and \d+ more\. Run `\/tlscheck/);
    expect(msg.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    // Still a valid alert: header first, buttons last.
    expect(msg.blocks[0]?.type).toBe('header');
    expect(msg.blocks.at(-1)?.type).toBe('actions');
  });

  it("fits the Slack SDK's block types and the Slack layer's", () => {
    const msg = buildScheduleAlert({ schedule, result: result(), changes: diffResults(null, result()), warnings: [] });
    const blocks: types.KnownBlock[] = msg.blocks;
    const theirs: SlackLayerBlock[] = msg.blocks;
    expect(theirs).toBe(blocks);
  });

  it('adds the renewal advice to an expiry warning', () => {
    const r = result({
      certificate: cert({ daysLeft: 20 }),
      findings: [finding('cert-expiring', 'warning', 'The certificate expires soon')],
      diagnoses: [diagnosis('cert-expiring', { title: 'The certificate expires soon', fixes: { certbot: ['certbot renew'] } })],
    });
    // The expiry finding is the warning's to announce, not a "new problem".
    const changes = diffResults(result(), r);
    expect(changes).toEqual([]);
    const msg = buildScheduleAlert({ schedule, result: r, changes, warnings: expiryWarnings(r, new Set()) });
    checkLimits(msg.blocks, LIMITS.blocksPerMessage);
    const all = texts(msg.blocks);
    expect(all).toContain('*Certificate expires in 20 days* (30-day warning)');
    expect(all).toContain('*The certificate expires soon*');
    expect(all).toContain('```certbot renew```');
    expect(all).not.toContain('Likely cause');
  });
});

function many(n: number, channels: number, over: (i: number) => Partial<Schedule> = () => ({})): Schedule[] {
  return Array.from({ length: n }, (_, i) => ({
    ...schedule,
    id: `s${String(i).padStart(5, '0')}`,
    channel: `C${i % channels}`,
    target: `host-${i}.${'long-label-'.repeat(10)}example:443`,
    sni: i % 3 === 0 ? `sni-${i}.example` : undefined,
    createdBy: i % 2 === 0 ? 'U_ALICE' : 'U_BOB',
    lastStatus: i % 4 === 0 ? 'warning' : 'ok',
    lastRunAt: NOW - 10 * 60_000,
    daysLeft: 10 + i,
    undelivered: i % 7 === 0 ? 2 : undefined,
    ...over(i),
  })).sort((a, b) => a.channel.localeCompare(b.channel));
}

describe('buildScheduleList', () => {
  it('shows id, target, cadence, last status, next run and days to expiry', () => {
    const line = scheduleLine({ ...schedule, sni: 'www.example.com', lastStatus: 'warning', lastRunAt: NOW - 600_000, daysLeft: 12, undelivered: 1 }, { now: NOW });
    expect(line).toBe(
      '`k7p2qx` *example.com:443* (SNI www.example.com) · hourly · ⚠️ warning 10 min ago · next <!date^1772369400^{date_short_pretty} {time}|2026-03-01 12:50 UTC> · cert 12 d left ⏳ · 📭 1 alert not delivered',
    );
    expect(scheduleLine({ ...schedule, paused: true }, { now: NOW })).toBe('`k7p2qx` *example.com:443* · hourly · not run yet · ⏸️ paused');
    // BullMQ's own next run wins over the estimate.
    expect(scheduleLine(schedule, { now: NOW, nextRuns: new Map([['k7p2qx', NOW + 5 * 60_000]]) })).toContain('next <!date^1772366700^');
  });

  it('says how to start when empty', () => {
    const msg = buildScheduleList({ channel: 'C1', schedules: [], now: NOW });
    expect(texts(msg.blocks)).toContain('No schedules in <#C1> yet. Add one: `/tlscheck schedule example.com daily`');
  });

  it('fits 50 long schedules in one message', () => {
    const list = many(50, 1);
    const msg = buildScheduleList({ channel: 'C0', schedules: list, now: NOW, maxPerChannel: 50 });
    checkLimits(msg.blocks, LIMITS.blocksPerMessage);
    const all = texts(msg.blocks);
    for (const s of list) expect(all).toContain(`\`${s.id}\``);
    expect(msg.blocks[0]).toMatchObject({ text: { text: 'TLS check schedules (50/50)' } });
  });
});

describe('buildScheduleHome', () => {
  it('groups by channel with Run now / Pause|Resume / Remove for what the user may change', () => {
    const list: Schedule[] = [
      { ...schedule, id: 'aaaaaa', channel: 'C1' },
      { ...schedule, id: 'bbbbbb', channel: 'C1', createdBy: 'U_BOB', paused: true },
      { ...schedule, id: 'cccccc', channel: 'C2', paused: true },
    ];
    const view = buildScheduleHome({ userId: 'U_ALICE', isAdmin: false, schedules: list, now: NOW });
    expect(view.type).toBe('home');
    checkLimits(view.blocks, LIMITS.blocksPerHomeView);
    const actions = view.blocks.filter((b): b is Extract<Block, { type: 'actions' }> => b.type === 'actions');
    expect(actions.map((a) => [a.block_id, a.elements.map((e) => `${e.action_id}=${e.value}`)])).toEqual([
      // The "Add schedule" modal's button (handlers/views/) comes first.
      ['tlscheck_home_add', ['tlscheck_schedule_add=add']],
      ['sched_aaaaaa', ['sched_run=aaaaaa', 'sched_pause=aaaaaa', 'sched_remove=aaaaaa']],
      // Bob's: Alice may run it, not pause, resume or remove it.
      ['sched_bbbbbb', ['sched_run=bbbbbb']],
      ['sched_cccccc', ['sched_run=cccccc', 'sched_resume=cccccc', 'sched_remove=cccccc']],
    ]);
    expect(actions[1]?.elements[2]?.confirm?.confirm?.text).toBe('Remove');
    const all = texts(view.blocks);
    expect(all.indexOf('<#C1>')).toBeLessThan(all.indexOf('<#C2>'));
    expect([...SCHEDULE_ACTIONS]).toEqual(['sched_run', 'sched_pause', 'sched_resume', 'sched_remove']);

    const asAdmin = buildScheduleHome({ userId: 'U_ADMIN', isAdmin: true, schedules: list, now: NOW });
    expect(asAdmin.blocks.filter((b) => b.type === 'actions' && b.block_id?.startsWith('sched_')).every((b) => b.type === 'actions' && b.elements.length === 3)).toBe(true);
  });

  it('stays within 100 blocks and says what it left out', () => {
    const view = buildScheduleHome({ userId: 'U_ALICE', isAdmin: false, schedules: many(300, 40), now: NOW });
    checkLimits(view.blocks, LIMITS.blocksPerHomeView);
    expect(texts(view.blocks)).toMatch(/\d+ more schedules not shown here/);
    const homeView: types.HomeView = view;
    expect(homeView.blocks.length).toBeLessThanOrEqual(100);
  });

  it('shares the view with other Home blocks within a budget', () => {
    const blocks = scheduleHomeBlocks({ userId: 'U_ALICE', isAdmin: false, schedules: many(100, 5), now: NOW, maxBlocks: 60 });
    checkLimits(blocks, 60);
    expect(texts(blocks)).toMatch(/more schedules not shown here/);
  });

  it('has an empty state', () => {
    const view = buildScheduleHome({ userId: 'U_ALICE', isAdmin: false, schedules: [], now: NOW });
    expect(texts(view.blocks)).toContain('No schedules in your channels yet.');
  });
});
