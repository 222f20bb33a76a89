// Facts with a severity, one per knowledge-base entry that applies to the result.
import type { Finding } from '../types.js';
import { KNOWLEDGE_BASE } from './kb/index.js';
import type { KbEntry, ResultFacts } from './kb/types.js';
import { applicable, toFinding, type Applicable } from './evaluate.js';
import { bySeverity } from './rank.js';

export function deriveFindings(result: ResultFacts, kb: readonly KbEntry[] = KNOWLEDGE_BASE): Finding[] {
  return findingsOf(applicable(result, kb));
}

/** The findings of entries already found to apply (see findingsAndDiagnoses). */
export function findingsOf(found: readonly Applicable[]): Finding[] {
  return found
    .map(({ entry, a, facts, order }) => ({ finding: toFinding(entry, facts, a), order }))
    .map((f) => ({ ...f, severity: f.finding.severity, score: 0 }))
    .sort(bySeverity)
    .map((f) => f.finding);
}
