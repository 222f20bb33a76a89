// `/tlscheck list` and the lines it shares with the Home tab: the channel's schedules, one line
// each (id, target, cadence, last status, next run, days to expiry), packed into few sections so
// 50 schedules fit one message; then the one-off results Slack would not take
// (src/limits/undelivered.ts), kept so they are seen later instead of lost. Pure.

import { describeCadence, estimateNextRun } from '../schedule/cadence.js';
import type { Schedule } from '../schedule/model.js';
import type { UndeliveredEntry } from '../limits/undelivered.js';
import {
  SLACK_LIMITS, button, code, context, esc, header, mentionChannel, mentionUser, oneMessage, packLines, relative, section, slackDate,
  type Block, type SlackMessage,
} from './slack/blocks.js';
import { ACTION_IDS, encodeRef } from './slack/actions.js';
import { EMOJI, statusEmoji } from './slack/emoji.js';
import { pageButtons, pageRange, type Page } from './slack/pages.js';

export interface LineContext {
  now: number;
  /** BullMQ's next run per schedule id (engine.nextRuns); estimated from the cadence when missing. */
  nextRuns?: ReadonlyMap<string, number>;
}

/** One schedule as one mrkdwn line; shared with the App Home. */
export function scheduleLine(s: Schedule, ctx: LineContext): string {
  const parts: string[] = [`${code(s.id)} *${esc(s.target)}*${s.sni ? ` (SNI ${esc(s.sni)})` : ''}`, describeCadence(s)];
  if (s.lastRunAt !== undefined) {
    parts.push(`${statusEmoji(s.lastStatus)} ${s.lastStatus ?? 'unknown'} ${relative(s.lastRunAt, ctx.now)}`);
  } else {
    parts.push('not run yet');
  }
  if (s.paused) {
    parts.push(`${statusEmoji('paused')} paused`);
  } else {
    const next = ctx.nextRuns?.get(s.id) ?? estimateNextRun(s, ctx.now);
    if (next !== null) parts.push(`next ${next <= ctx.now ? 'now' : slackDate(next)}`);
  }
  if (s.daysLeft !== undefined) parts.push(s.daysLeft < 0 ? `${statusEmoji('error')} certificate expired` : `cert ${s.daysLeft} d left${s.daysLeft <= 14 ? ` ${EMOJI.expiry}` : ''}`);
  if (s.undelivered) parts.push(`${EMOJI.undelivered} ${s.undelivered} alert${s.undelivered === 1 ? '' : 's'} not delivered`);
  return parts.join(' · ');
}

/** Schedules per page of `/tlscheck list`: 25 lines are two or three sections, far inside a message. */
export const LIST_PAGE_SIZE = 25;

export interface ListInput extends LineContext {
  channel: string;
  /** The schedules to show: the whole channel, or the page's slice when `page` is given. */
  schedules: readonly Schedule[];
  /** Which page of the channel's schedules this is (store.pageByChannel); adds Previous / Next. */
  page?: Page;
  maxPerChannel?: number;
  /** One-off results of this channel Slack would not take, newest first: listed after the schedules. */
  undelivered?: readonly UndeliveredEntry[];
}

/** Blocks the undelivered part may take from the message, so the schedules always keep most of it. */
const UNDELIVERED_BLOCKS = 15;

export function buildScheduleList(input: ListInput): SlackMessage {
  const { schedules, channel, page } = input;
  const total = page?.total ?? schedules.length;
  const lostEntries = newestPerJob(input.undelivered ?? []);
  const lost = undeliveredBlocks({ entries: lostEntries, where: 'channel', maxBlocks: UNDELIVERED_BLOCKS });
  const lostText = lost.length > 0 ? ` ${lostEntries.length} result${lostEntries.length === 1 ? '' : 's'} could not be delivered.` : '';
  if (total === 0) {
    return oneMessage(`No schedules in this channel.${lostText}`, [
      section(`No schedules in ${mentionChannel(channel)} yet. Add one: ${code('/tlscheck schedule example.com daily')}`),
      ...lost,
    ]);
  }
  const limit = input.maxPerChannel ? `/${input.maxPerChannel}` : '';
  const paged = page && page.pages > 1 ? page : null;
  const head: Block[] = [header(`TLS check schedules (${total}${limit})`)];
  if (paged) head.push(context(`Page ${paged.page} of ${paged.pages}: ${pageRange(paged)}, oldest first. ${code(`/tlscheck list ${Math.min(paged.page + 1, paged.pages)}`)} goes to a page.`));
  const foot = context(`Pause, resume or remove: ${code('/tlscheck pause <id>')} · ${code('/tlscheck resume <id>')} · ${code('/tlscheck unschedule <id>')}, or the app's Home tab.`);
  const sections = packLines(schedules.map((s) => scheduleLine(s, input)));
  const nav = paged ? pageButtons(paged, ACTION_IDS.listPage, 'tlscheck_list_pages') : null;
  const room = SLACK_LIMITS.blocksPerMessage - head.length - 2 - lost.length - (nav ? 1 : 0);
  const body = sections.slice(0, room).map((t) => section(t));
  // Pages keep this from happening; should a page's lines still overflow, say so rather than drop them unseen.
  const more = sections.length > room ? [context(`…more schedules than one message can show; see the Home tab.`)] : [];
  const which = paged ? ` (page ${paged.page} of ${paged.pages})` : '';
  const text = `${total} TLS check schedule${total === 1 ? '' : 's'} in this channel${which}: ${schedules.map((s) => s.target).join(', ')}${lostText ? `.${lostText}` : ''}`;
  return oneMessage(esc(text), [...head, ...body, ...more, ...(nav ? [nav] : []), foot, ...lost]);
}

// --- Undelivered results ------------------------------------------------------------------------

/** Entries shown one per section with their own Re-run button; older ones are packed as plain lines. */
export const UNDELIVERED_WITH_BUTTONS = 10;

export interface UndeliveredView {
  /** Newest first, as the store lists them. */
  entries: readonly UndeliveredEntry[];
  /**
   * 'channel': `/tlscheck list` in the entries' conversation, each with a Re-run button.
   * 'home': the App Home, entries of several conversations, no buttons (Re-run needs a conversation).
   */
  where: 'channel' | 'home';
  /** Blocks this part may use; nothing is shown when not even the heading and one line fit. */
  maxBlocks: number;
}

/** One entry per job: a job given up on twice (a retry, a stall) is one result to re-run. */
export function newestPerJob(entries: readonly UndeliveredEntry[]): UndeliveredEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.jobId) && seen.add(e.jobId));
}

/**
 * One line per undelivered result (mrkdwn). The summary and reason carry server- and
 * Slack-supplied text, so they are escaped; the user mention is ours.
 */
export function undeliveredLines(entries: readonly UndeliveredEntry[]): string[] {
  return entries.map((e) => `${esc(e.summary)} — checked for ${mentionUser(e.user)} ${e.at.slice(0, 16).replace('T', ' ')} UTC, not delivered (${esc(e.reason)})`);
}

const HINTS: Record<UndeliveredView['where'], string> = {
  channel: `Slack would not take these when they were ready. Press *Re-run* to check again, or run ${code('/tlscheck <host>')}.`,
  home: `Slack would not take these when they were ready. Run ${code('/tlscheck list')} in the channel for a *Re-run* button, or run the check again.`,
};

export function undeliveredBlocks(view: UndeliveredView): Block[] {
  const entries = newestPerJob(view.entries);
  // Heading, hint and at least one line.
  if (entries.length === 0 || view.maxBlocks < 3) return [];
  const lines = undeliveredLines(entries).map((line, i) => (view.where === 'home' ? `${mentionChannel(entries[i]?.channel ?? '')} ${line}` : line));
  const head = [header(`Results that could not be delivered (${entries.length})`), context(HINTS[view.where])];
  const room = view.maxBlocks - head.length;
  if (view.where === 'home') {
    const packed = packLines(lines);
    const body = packed.slice(0, room).map((t) => section(t));
    return [...head, ...body];
  }
  // One section per entry with its button, while they fit; the rest as packed lines in what is left.
  const withButtons = Math.min(entries.length, UNDELIVERED_WITH_BUTTONS, room);
  const body: Block[] = [];
  for (let i = 0; i < withButtons; i++) {
    const e = entries[i];
    if (!e) continue;
    const rerun = button('Re-run', ACTION_IDS.rerun, encodeRef({ jobId: e.jobId, input: e.input, sni: e.sni ?? null }));
    body.push(section(lines[i] ?? '', { blockId: `undelivered_${e.jobId}`, accessory: rerun }));
  }
  const rest = packLines(lines.slice(withButtons));
  body.push(...rest.slice(0, room - body.length).map((t) => section(t)));
  return [...head, ...body];
}
