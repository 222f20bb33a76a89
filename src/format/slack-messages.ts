// Whole messages the bot posts for a check: pending, progress, verdict (+ buttons), thread,
// and the response_url fallback. Pure: the worker and the handlers only send what these return.
import type { CheckResult } from '../types.js';
import {
  actions, button, code, codeBlock, context, esc, mentionUser, section,
  type ActionsBlock, type Block, type SlackMessage,
} from './slack/blocks.js';
import { ACTION_IDS, encodeRef, type ResultRef } from './slack/actions.js';
import { EMOJI } from './slack/emoji.js';
import { toMessages } from './slack/split.js';
import { displayLabel, resultThreadBlocks, targetLabel, verdictFallback, verdictLine } from './slack-result.js';

export function resultButtons(ref: ResultRef): ActionsBlock {
  const value = encodeRef(ref);
  return actions(
    [button('Re-run', ACTION_IDS.rerun, value, 'primary'), button('Schedule daily', ACTION_IDS.schedule, value), button('Show raw JSON', ACTION_IDS.raw, value)],
    'tlscheck_result_actions',
  );
}

const by = (user: string | null): string => (user ? ` for ${mentionUser(user)}` : '');

/** `again`: a Re-run, posted under the result it was pressed on. */
export function pendingMessage(label: string, user: string | null, opts: { again?: boolean } = {}): SlackMessage {
  const emoji = opts.again ? EMOJI.rerun : EMOJI.checking;
  const again = opts.again ? ' again' : '';
  const text = `${emoji} Checking ${label}${again}…`;
  return { text, blocks: [section(`${emoji} Checking *${esc(label)}*${again}${by(user)}…`)] };
}

export interface Progress {
  probe: string;
  done: number;
  total: number;
}

export function progressMessage(label: string, user: string | null, p: Progress): SlackMessage {
  const filled = p.total > 0 ? Math.round((p.done / p.total) * 10) : 0;
  const bar = '▰'.repeat(filled) + '▱'.repeat(10 - filled);
  return {
    text: `${EMOJI.checking} Checking ${label}… ${p.done}/${p.total}`,
    blocks: [
      section(`${EMOJI.checking} Checking *${esc(label)}*${by(user)}…`),
      context(`${bar} ${p.done}/${p.total} probes done · last: ${esc(p.probe)}`),
    ],
  };
}

export interface VerdictMeta {
  ref: ResultRef;
  user: string | null;
  /** Where the details are: "in the thread" or below. */
  detailsBelow?: boolean;
  /** For an explain run: the line naming the most likely cause of the user's error. */
  explained?: string | null;
}

export function verdictMessage(r: CheckResult, meta: VerdictMeta): SlackMessage {
  const where = meta.detailsBelow ? 'details below' : 'details in the thread';
  return {
    text: verdictFallback(r),
    blocks: [
      section(verdictLine(r)),
      ...(meta.explained ? [section(meta.explained)] : []),
      context(`Checked${by(meta.user)} in ${(r.durationMs / 1000).toFixed(1)} s · ${where}`),
      resultButtons(meta.ref),
    ],
  };
}

export function threadMessages(r: CheckResult, extraFirst: Block[] = []): SlackMessage[] {
  return toMessages([...extraFirst, ...resultThreadBlocks(r)], `Diagnosis for ${displayLabel(r)}`);
}

/** A check that could not run at all (bad input reaching the worker, an internal failure). */
export function failureMessage(label: string, reason: string): SlackMessage {
  return { text: `${EMOJI.failed} ${esc(label)}: ${esc(reason)}`, blocks: [section(`${EMOJI.failed} *${esc(label)}* — ${esc(reason)}`)] };
}

/**
 * Why the bot answers through the slash command's response_url instead of a thread, and what
 * to do about it, per Slack error and kind of conversation (D… ids are direct messages).
 */
export function fallbackHint(channel: string, slackError: string): string {
  if (channel.startsWith('D')) {
    return 'I can only answer here in direct messages, so there is no thread. Run `/tlscheck` in a channel I am in to get the diagnosis threaded.';
  }
  const why = slackError === 'channel_not_found' ? 'this is a private channel I have not been added to' : 'I am not a member of this channel';
  return `Only you can see this answer because ${why}. Type \`/invite @tlscheck\` to add me; then results come as a message with the diagnosis in its thread.`;
}

/** response_url takes at most 5 posts; the last one names what did not fit rather than dropping it silently. */
export const RESPONSE_URL_POSTS = 5;

/** Verdict, hint, then `before` (an explanation) and the diagnosis, within response_url's 5 posts. */
export function fallbackMessages(r: CheckResult, meta: VerdictMeta, hint: string, before: Block[] = []): SlackMessage[] {
  const verdict = verdictMessage(r, { ...meta, detailsBelow: true });
  const pages = toMessages([...verdict.blocks, context(`${EMOJI.hint} ${hint}`), ...before, ...resultThreadBlocks(r)], verdict.text);
  return capPosts(pages, targetLabel(r), cliCommand(meta.ref));
}

export const cliCommand = (ref: { input: string; sni: string | null }): string => `tlscheck check ${ref.input}${ref.sni ? ` --sni ${ref.sni}` : ''}`;

/** At most RESPONSE_URL_POSTS messages; the last one says how many parts did not fit and where to get them. */
export function capPosts(pages: SlackMessage[], label: string, cli: string): SlackMessage[] {
  if (pages.length <= RESPONSE_URL_POSTS) return pages;
  const kept = pages.slice(0, RESPONSE_URL_POSTS - 1);
  const missing = pages.length - kept.length;
  kept.push({
    text: `${missing} more parts for ${label} did not fit`,
    blocks: [section(`${EMOJI.cut} The report for *${esc(label)}* has ${missing} more parts than Slack lets me post here. Invite me with \`/invite @tlscheck\` to get it whole in a thread, or run ${code(cli)} locally.`)],
  });
  return kept;
}

/** The stored result as JSON code blocks, split over messages (never cut). */
export function rawJsonMessages(r: CheckResult): SlackMessage[] {
  const json = JSON.stringify(r, null, 2);
  return toMessages([section(`*Raw result for ${esc(targetLabel(r))}* (${json.length} characters)`), section(codeBlock(json))], `Raw result for ${esc(targetLabel(r))}`);
}
