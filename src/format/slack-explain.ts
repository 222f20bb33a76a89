// `/tlscheck explain`: what an error message most likely means, and with a live check, which
// candidates the server's behaviour confirms or rules out.
import type { CheckResult, Diagnosis, Severity } from '../types.js';
import { codeBlock, context, divider, esc, section, type Block, type SlackMessage } from './slack/blocks.js';
import { EMOJI } from './slack/emoji.js';
import { toMessages } from './slack/split.js';
import { diagnosisBlocks, targetLabel } from './slack-result.js';

/** The shape of explain()'s answer that this view reads (src/diagnose owns the real type). */
export interface ExplanationView {
  recognised: boolean;
  candidates: readonly { id: string; title: string; severity: Severity; score: number; verdict?: string | null; evidence?: string | null }[];
  diagnoses: readonly Diagnosis[];
}

/** Verdicts a live check gives a candidate; unknown words are shown as they are. */
const VERDICT_LABEL: Record<string, { emoji: string; label: string; rank: number }> = {
  confirmed: { emoji: '✅', label: 'confirmed by the check', rank: 0 },
  likely: { emoji: EMOJI.likely, label: 'likely', rank: 1 },
  possible: { emoji: EMOJI.possible, label: 'possible', rank: 2 },
  untested: { emoji: EMOJI.possible, label: 'not testable from outside', rank: 3 },
  unknown: { emoji: EMOJI.possible, label: 'not determined', rank: 3 },
  'ruled-out': { emoji: EMOJI.ruledOut, label: 'ruled out by the check', rank: 4 },
  ruled_out: { emoji: EMOJI.ruledOut, label: 'ruled out by the check', rank: 4 },
};

const candidateVerdict = (v: string | null | undefined): { emoji: string; label: string; rank: number } =>
  (v ? VERDICT_LABEL[v] : undefined) ?? { emoji: EMOJI.possible, label: v ? esc(v) : 'not checked', rank: 3 };

/** Shown text of the pasted error: long pastes are kept whole (the splitter spreads them). */
function quoted(text: string): Block {
  return section(`*Your error*\n${codeBlock(text)}`);
}

function candidateLines(e: ExplanationView, live: boolean): string {
  const sorted = [...e.candidates].sort((a, b) => (live ? candidateVerdict(a.verdict).rank - candidateVerdict(b.verdict).rank : 0) || b.score - a.score);
  return sorted
    .map((c) => {
      const score = `${Math.round(c.score * 100)}%`;
      if (!live) return `• *${esc(c.title)}* — match ${score}`;
      const v = candidateVerdict(c.verdict);
      return `${v.emoji} *${esc(c.title)}* — ${v.label}${c.evidence ? `: ${esc(c.evidence)}` : ''}`;
    })
    .join('\n');
}

export interface ExplainViewOptions {
  /**
   * Quote the error back (default). Not in the thread of the message that holds it (the message
   * shortcut, an @mention): the thread already shows it once.
   */
  quote?: boolean;
  /** The diagnosis (by id) the rest of the thread shows anyway: not shown twice. */
  omitDiagnosis?: string;
}

/**
 * Blocks for an explanation; with `result`, candidates carry the live check's verdicts. The
 * verdict itself is not repeated here: every message that carries a result shows it already.
 */
export function explainBlocks(text: string, e: ExplanationView, result?: CheckResult, opts: ExplainViewOptions = {}): Block[] {
  const blocks: Block[] = [];
  if (opts.quote !== false) blocks.push(quoted(text));
  if (!e.recognised || e.candidates.length === 0) {
    blocks.push(section("I don't recognise this error yet. `/tlscheck &lt;host&gt;` checks the server anyway and often finds the cause."));
    return blocks;
  }
  const heading = result ? `*Possible causes, tested against ${esc(targetLabel(result))}*` : '*Possible causes, most likely first*';
  blocks.push(section(`${heading}\n${candidateLines(e, result !== undefined)}`));
  const top = e.diagnoses[0];
  if (top && top.id !== opts.omitDiagnosis) blocks.push(divider(), ...diagnosisBlocks(top, result?.server));
  if (!result) blocks.push(context('Add `--target &lt;host&gt;` to confirm or rule these out with a live check.'));
  return blocks;
}

export function explainMessages(text: string, e: ExplanationView, result?: CheckResult, opts: ExplainViewOptions = {}): SlackMessage[] {
  const title = result ? `Explanation checked against ${esc(targetLabel(result))}` : 'Explanation of your error';
  return toMessages(explainBlocks(text, e, result, opts), title);
}

/** The most likely cause the live check did not rule out, for the verdict line of an explain run. */
export function topExplanation(e: ExplanationView): string | null {
  const best = [...e.candidates].sort((a, b) => candidateVerdict(a.verdict).rank - candidateVerdict(b.verdict).rank || b.score - a.score)[0];
  if (!best || best.verdict === 'ruled-out' || best.verdict === 'ruled_out') return null;
  return `Your error: most likely *${esc(best.title)}* (${candidateVerdict(best.verdict).label})`;
}
