// The part of `/tlscheck list` and the App Home that shows one-off results Slack would not take
// (src/limits/undelivered.ts): kept so they are seen later instead of lost. Pure.
import { undeliveredLines, type UndeliveredEntry } from '../limits/undelivered.js';
import { ACTIONS, encodeRef } from './slack-messages.js';
import { button, code, context, header, packLines, section, type Block } from './schedule-blocks.js';

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

const HINTS: Record<UndeliveredView['where'], string> = {
  channel: `Slack would not take these when they were ready. Press *Re-run* to check again, or run ${code('/tlscheck <host>')}.`,
  home: `Slack would not take these when they were ready. Run ${code('/tlscheck list')} in the channel for a *Re-run* button, or run the check again.`,
};

export function undeliveredBlocks(view: UndeliveredView): Block[] {
  const entries = newestPerJob(view.entries);
  // Heading, hint and at least one line.
  if (entries.length === 0 || view.maxBlocks < 3) return [];
  const lines = undeliveredLines(entries).map((line, i) => (view.where === 'home' ? `<#${entries[i]?.channel ?? ''}> ${line}` : line));
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
    const rerun = button('Re-run', ACTIONS.rerun, encodeRef({ jobId: e.jobId, input: e.input, sni: e.sni ?? null }));
    body.push(section(lines[i] ?? '', `undelivered_${e.jobId}`, rerun));
  }
  const rest = packLines(lines.slice(withButtons));
  body.push(...rest.slice(0, room - body.length).map((t) => section(t)));
  return [...head, ...body];
}
