// What a Re-run says changed since the result it was pressed under: the verdict, then the same
// before → after list a schedule posts (src/schedule/changes.ts decides what counts as a change:
// protocol versions, cipher suites, the certificate, renegotiation, problems found or fixed).
import { diffResults } from '../schedule/changes.js';
import type { CheckResult } from '../types.js';
import { verdictOf } from '../verdict.js';
import { context, esc, section, type Block } from './slack/blocks.js';
import { VERDICT_EMOJI } from './slack/emoji.js';
import { changeBlock } from './slack-schedule-alert.js';
import { VERDICT_WORD } from './slack-result.js';

/** Change blocks shown before the rest is summarised in one line (the thread stays readable). */
export const MAX_CHANGES_SHOWN = 8;

export interface ChangesView {
  /** One line (no user text), for the mention and the notification: "2 changes since the last result". */
  headline: string;
  /** The changes, before → after; empty when nothing changed. */
  blocks: Block[];
  /** Whether the new result says anything the thread does not already show (so the diagnosis is posted again). */
  changed: boolean;
}

/** `before`: the result the Re-run was pressed under, or null when it is no longer stored. */
export function changesSince(before: CheckResult | null, after: CheckResult): ChangesView {
  if (before === null) {
    return {
      headline: 'the previous result is no longer stored (results are kept for a day), so I cannot say what changed; the full diagnosis follows',
      blocks: [],
      changed: true,
    };
  }
  const blocks: Block[] = [];
  const was = verdictOf(before);
  const now = verdictOf(after);
  if (was !== now) {
    blocks.push(section(`*Verdict*\n${VERDICT_EMOJI[was]} ${VERDICT_WORD[was]} → ${VERDICT_EMOJI[now]} ${VERDICT_WORD[now]}`));
  }
  // A still-down server or an unchanged one gives no change; the baseline kind never appears (before is set).
  const changes = diffResults(before, after);
  // diffResults stays quiet about an outage that goes on; a Re-run still says when its cause changed.
  if (before.error && after.error && before.error.code !== after.error.code) {
    changes.push({ kind: 'unreachable', title: 'Still unreachable, for another reason', before: before.error.message, after: after.error.message, severity: 'error' });
  }
  blocks.push(...changes.slice(0, MAX_CHANGES_SHOWN).map(changeBlock));
  if (changes.length > MAX_CHANGES_SHOWN) {
    blocks.push(context(`…and ${changes.length - MAX_CHANGES_SHOWN} more: ${esc(changes.slice(MAX_CHANGES_SHOWN).map((c) => c.title).join('; '))}`));
  }
  const n = changes.length + (was !== now && changes.length === 0 ? 1 : 0);
  if (n === 0) {
    const what = after.error ? 'still unreachable, for the same reason' : 'same verdict, protocol versions, cipher suites, certificate and findings';
    return { headline: `nothing changed since the last result (${what}); the diagnosis above still holds`, blocks: [], changed: false };
  }
  return { headline: `${n} change${n === 1 ? '' : 's'} since the last result`, blocks, changed: true };
}
