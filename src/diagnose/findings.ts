// Facts with a severity, one per knowledge-base entry that applies to the result.
import type { Finding } from '../types.js';
import { KNOWLEDGE_BASE } from './kb/index.js';
import type { KbEntry, ResultFacts } from './kb/types.js';
import { safeApplies, toFinding } from './evaluate.js';
import { bySeverity } from './rank.js';

export function deriveFindings(result: ResultFacts, kb: readonly KbEntry[] = KNOWLEDGE_BASE): Finding[] {
  const found: Array<{ finding: Finding; order: number }> = [];
  kb.forEach((entry, order) => {
    const a = safeApplies(entry, result);
    if (a) found.push({ finding: toFinding(entry, result, a), order });
  });
  return found
    .map((f) => ({ ...f, severity: f.finding.severity, score: 0 }))
    .sort(bySeverity)
    .map((f) => f.finding);
}
