// Ordering rules, kept apart so the CLI, Slack and explain() agree on "most likely first".
import { SEVERITY_ORDER, type Severity } from '../types.js';
import type { Verdict } from './evaluate.js';

export interface Rankable {
  severity: Severity;
  /** How well the pasted symptom matches (0 when there is none). */
  score: number;
  /** Position in the knowledge base: the tie-break, most fundamental first. */
  order: number;
  verdict?: Verdict;
}

const VERDICT_RANK: Record<Verdict, number> = { confirmed: 0, untested: 1, 'ruled-out': 2 };

export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

/** Symptom match first, then severity, then knowledge-base order. */
export function byLikelihood(a: Rankable, b: Rankable): number {
  return b.score - a.score || severityRank(b.severity) - severityRank(a.severity) || a.order - b.order;
}

/** explain(): what the live check confirmed first, ruled out last; within that, by likelihood. */
export function byVerdictThenLikelihood(a: Rankable, b: Rankable): number {
  const va = a.verdict ? VERDICT_RANK[a.verdict] : 1;
  const vb = b.verdict ? VERDICT_RANK[b.verdict] : 1;
  return va - vb || byLikelihood(a, b);
}

/** Findings: worst first, then knowledge-base order. */
export function bySeverity(a: Rankable, b: Rankable): number {
  return severityRank(b.severity) - severityRank(a.severity) || a.order - b.order;
}
