// The message a scheduled check posts when something changed or a certificate expiry warning is
// due: before → after per change, and for a new problem its most likely diagnosis with the fix.
// Pure: (schedule, result, changes, warnings) in, Block Kit out.

import { EXPIRY_FINDING_IDS, type Change, type ExpiryWarning } from '../schedule/changes.js';
import type { Schedule } from '../schedule/model.js';
import { describeCadence } from '../schedule/cadence.js';
import type { CheckResult, Diagnosis, Severity } from '../types.js';
import { worstSeverity } from '../verdict.js';
import { SLACK_LIMITS, code, codeBlock, context, esc, header, oneMessage, section, slackDate, truncate, type Block, type SlackMessage } from './slack/blocks.js';
import { EMOJI, statusEmoji } from './slack/emoji.js';
import { fixPlatforms } from './slack-result.js';
import { scheduleButtons } from './slack-schedule-card.js';

export type DiagnosisFinder = (change: Change, result: CheckResult, newProblems: number) => Diagnosis | undefined;

export interface AlertInput {
  schedule: Pick<Schedule, 'id' | 'target' | 'sni' | 'every' | 'pattern' | 'tz'>;
  result: CheckResult;
  changes: readonly Change[];
  warnings: readonly ExpiryWarning[];
  /** When the check ran; defaults to now. */
  checkedAt?: number;
  /** How a new problem finds its diagnosis; defaults to defaultDiagnosisFor. */
  diagnosisFor?: DiagnosisFinder;
}

/**
 * The diagnosis with the finding's id (findings and diagnoses both come from one knowledge-base
 * entry and share its id), else one whose id contains it or the reverse, else, when this is the
 * only new problem, the top diagnosis: the diagnosis layer sorts the most likely first.
 */
export const defaultDiagnosisFor: DiagnosisFinder = (change, result, newProblems) => {
  const all = result.diagnoses ?? [];
  const id = change.findingId;
  if (id) {
    const hit = all.find((d) => d.id === id) ?? all.find((d) => d.id.includes(id) || id.includes(d.id));
    if (hit) return hit;
  }
  return newProblems === 1 ? all[0] : undefined;
};

function diagnosisBlocks(d: Diagnosis, result: CheckResult, asCause = true): Block[] {
  // The first fix list the result view would show: the detected server's, else a main server's.
  const platform = fixPlatforms(d, result.server)[0];
  const title = asCause ? `${statusEmoji(d.severity)} *Likely cause: ${esc(d.title)}*` : `*${esc(d.title)}*`;
  const head = `${title}\n${esc(d.why)}`;
  const blocks: Block[] = [];
  if (platform) {
    const fix = (d.fixes[platform] ?? []).join('\n');
    const room = SLACK_LIMITS.sectionText - head.length - platform.length - 20;
    blocks.push(section(room > 200 ? `${head}\n*Fix (${platform}):*\n${codeBlock(fix, room)}` : head));
  } else {
    blocks.push(section(head));
  }
  const notes: string[] = [];
  const others = Object.keys(d.fixes).filter((p) => p !== platform && (d.fixes[p]?.length ?? 0) > 0);
  if (others.length > 0) notes.push(`Fixes also for: ${others.join(', ')}`);
  if (d.reproduce) notes.push(`Reproduce: ${code(truncate(d.reproduce, 500))}`);
  if (d.references[0]) notes.push(`<${d.references[0]}|Reference>`);
  if (notes.length > 0) blocks.push(context(...notes));
  return blocks;
}

/** One change, before → after (also what a Re-run says changed: src/format/slack-changes.ts). */
export function changeBlock(c: Change): Block {
  const arrow = `${esc(c.before)} → ${esc(c.after)}`;
  let text = `${statusEmoji(c.severity)} *${esc(c.title)}*\n${arrow}`;
  if (c.detail) text += `\n${codeBlock(c.detail, SLACK_LIMITS.sectionText - text.length - 1)}`;
  return section(text);
}

function warningBlock(w: ExpiryWarning): Block {
  const when = w.daysLeft < 1 ? 'within a day' : `in ${w.daysLeft} day${w.daysLeft === 1 ? '' : 's'}`;
  return section(
    `${EMOJI.expiry} *Certificate expires ${when}* (${w.days}-day warning)\n` +
      `${esc(w.subject)}, valid until ${esc(w.notAfter)}. Renew and deploy it before then.`,
  );
}

/** A warning within a week is as urgent as the knowledge base's own verdict (error at ≤ 7 days). */
function warningSeverity(w: ExpiryWarning): Severity {
  return w.days <= 7 ? 'error' : 'warning';
}

function headline(input: AlertInput): string {
  const { changes, warnings } = input;
  const first = changes[0];
  if (changes.length === 1 && first) return first.title;
  if (changes.length === 0 && warnings[0]) return `certificate expires in ${warnings[0].daysLeft} days`;
  const n = changes.length + warnings.length;
  return `${n} changes`;
}

function worstEmoji(input: AlertInput): string {
  return statusEmoji(worstSeverity([...input.warnings.map(warningSeverity), ...input.changes.map((c) => c.severity)]));
}

export function buildScheduleAlert(input: AlertInput): SlackMessage {
  const { schedule, result, changes, warnings } = input;
  const findDiagnosis = input.diagnosisFor ?? defaultDiagnosisFor;
  const checkedAt = input.checkedAt ?? Date.now();
  const target = schedule.target;
  const title = `${target}: ${headline(input)}`;

  const meta = [`Schedule ${code(schedule.id)}`, describeCadence(schedule)];
  if (schedule.sni) meta.push(`SNI ${code(schedule.sni)}`);
  meta.push(`checked ${slackDate(checkedAt)}`);

  // plain_text with emoji: true renders :shortcodes: in the header too.
  const head: Block[] = [header(`${worstEmoji(input)} ${title}`), context(meta.join(' · '))];
  const actions = scheduleButtons(schedule, false);

  // Each item is the blocks of one change or warning; they go in whole or not at all.
  const newProblems = changes.filter((c) => c.kind === 'problem-new').length;
  // The renewal advice comes from the knowledge base's "expires soon" entry, when it applied.
  const renewal = result.diagnoses?.find((d) => EXPIRY_FINDING_IDS.includes(d.id));
  const items: Block[][] = [
    ...warnings.map((w, i) => (i === 0 && renewal ? [warningBlock(w), ...diagnosisBlocks(renewal, result, false)] : [warningBlock(w)])),
    ...changes.map((c) => {
      const d = c.kind === 'problem-new' ? findDiagnosis(c, result, newProblems) : undefined;
      return d ? [changeBlock(c), ...diagnosisBlocks(d, result)] : [changeBlock(c)];
    }),
  ];
  // Room for the head, the actions and a possible "more" note.
  const budget = SLACK_LIMITS.blocksPerMessage - head.length - 2;
  const body: Block[] = [];
  let shown = 0;
  for (const item of items) {
    if (body.length + item.length > budget) break;
    body.push(...item);
    shown++;
  }
  if (shown < items.length) body.push(context(`…and ${items.length - shown} more. Run ${code(`/tlscheck ${target}`)} for the full report.`));

  const summary = [...warnings.map((w) => `certificate expires in ${w.daysLeft} days`), ...changes.map((c) => c.title)].join('; ');
  // The fallback is mrkdwn too (notifications): escaped, or a finding could ping <!channel>.
  return oneMessage(esc(`tlscheck ${target}: ${summary}`), [...head, ...body, actions]);
}

