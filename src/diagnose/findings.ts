// Facts with a severity, one per knowledge-base entry that applies to the result.
import type { Finding } from '../types.js';
import { KNOWLEDGE_BASE } from './kb/index.js';
import type { KbEntry, ResultFacts } from './kb/types.js';
import { applicable, toFinding } from './evaluate.js';
import { bySeverity } from './rank.js';

export function deriveFindings(result: ResultFacts, kb: readonly KbEntry[] = KNOWLEDGE_BASE): Finding[] {
  return applicable(result, kb)
    .map(({ entry, a, facts, order }) => ({ finding: toFinding(entry, facts, a), order }))
    .map((f) => ({ ...f, severity: f.finding.severity, score: 0 }))
    .sort(bySeverity)
    .map((f) => f.finding);
}
