// The entries that apply to a result, as Diagnoses, most likely cause first.
import type { Diagnosis, Finding } from '../types.js';
import { KNOWLEDGE_BASE } from './kb/index.js';
import type { Applies, KbEntry, ResultFacts } from './kb/types.js';
import { applicable, entrySeverity, toDiagnosis, type Applicable } from './evaluate.js';
import { findingsOf } from './findings.js';
import { matchText } from './match.js';
import { byLikelihood } from './rank.js';

/** A match by a pattern shared by at most a few causes (weight 2 of 3), not a generic hint. */
const SPECIFIC_MATCH = 0.5;

export interface DiagnoseOptions {
  /** Pasted error text: entries it matches rank first. Empty or missing: ranked by severity. */
  symptom?: string | null;
}

export function diagnose(result: ResultFacts, opts: DiagnoseOptions = {}, kb: readonly KbEntry[] = KNOWLEDGE_BASE): Diagnosis[] {
  return diagnosesOf(applicable(result, kb), opts, kb);
}

/**
 * deriveFindings and diagnose of one result at once: both start from the entries that apply, and
 * running every entry's applies() over the result is most of what either costs.
 */
export function findingsAndDiagnoses(result: ResultFacts, opts: DiagnoseOptions = {}, kb: readonly KbEntry[] = KNOWLEDGE_BASE): { findings: Finding[]; diagnoses: Diagnosis[] } {
  const found = applicable(result, kb);
  return { findings: findingsOf(found), diagnoses: diagnosesOf(found, opts, kb) };
}

function diagnosesOf(found: readonly Applicable[], opts: DiagnoseOptions, kb: readonly KbEntry[]): Diagnosis[] {
  const symptom = opts.symptom?.trim() ? matchText(opts.symptom, kb) : [];
  const scores = new Map(symptom.map((m) => [m.entry, m.score]));
  // A cause named by a shared phrase ("renegotiation handshake failed") is the explanation the user asked for.
  const named = new Set(symptom.filter((m) => m.family).map((m) => m.entry));
  const items: Array<{ entry: KbEntry; a: Applies; facts: ResultFacts; score: number; order: number; severity: ReturnType<typeof entrySeverity> }> = [];
  for (const { entry, a, facts, order } of found) {
    const severity = entrySeverity(entry, facts);
    const score = scores.get(entry) ?? 0;
    // Good news ("renegotiation refused, as it should be") is a diagnosis only when the symptom names it.
    if (severity === 'ok' && score < SPECIFIC_MATCH && !named.has(entry)) continue;
    items.push({ entry, a, facts, score, order, severity });
  }
  return items.sort(byLikelihood).map((i) => toDiagnosis(i.entry, i.facts, i.a));
}
