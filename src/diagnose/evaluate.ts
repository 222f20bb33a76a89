// Runs one entry against a result: whether it applies, at what severity, and as a Diagnosis.
import type { Diagnosis, Finding, Severity } from '../types.js';
import { isTested, severityOf, type Applies, type KbEntry, type ResultFacts } from './kb/types.js';
import { PLACEHOLDER_TARGET, renderReproduce } from './reproduce.js';

export type Verdict = 'confirmed' | 'ruled-out' | 'untested';

/**
 * applies() guarded: results saved by older versions or written by users' scripts may lack
 * optional fields, and one odd field must not take the whole diagnosis down.
 */
export function safeApplies(entry: KbEntry, r: ResultFacts): false | Applies {
  try {
    return entry.applies(r);
  } catch {
    return false;
  }
}

/** An entry that applies, judged on `facts` (the result, or less of it when it yielded: see KbEntry.yieldsTo). */
export interface Applicable {
  entry: KbEntry;
  a: Applies;
  facts: ResultFacts;
  /** Position in the knowledge base, the ranking tie-break. */
  order: number;
}

/**
 * Every entry that applies to the result, in knowledge-base order, for findings and diagnoses.
 * An entry that yields to a more specific one that applies is judged again without what that one
 * covers, so one measurement is not reported twice (KbEntry.yieldsTo).
 */
export function applicable(result: ResultFacts, kb: readonly KbEntry[]): Applicable[] {
  const found: Applicable[] = [];
  kb.forEach((entry, order) => {
    const a = safeApplies(entry, result);
    if (a) found.push({ entry, a, facts: result, order });
  });
  const applied: ReadonlySet<string> = new Set(found.map((f) => f.entry.id));
  return found.flatMap((f) => {
    const y = f.entry.yieldsTo;
    if (!y || !y.ids.some((id) => applied.has(id))) return [f];
    let facts: ResultFacts;
    try {
      facts = y.without(result, applied);
    } catch {
      // An odd result must not take the diagnosis down: keep the entry as it applied.
      return [f];
    }
    const a = safeApplies(f.entry, facts);
    return a ? [{ ...f, a, facts }] : [];
  });
}

export function verdictOf(entry: KbEntry, r: ResultFacts | undefined): Verdict {
  if (!r) return 'untested';
  let tested: boolean;
  try {
    tested = isTested(entry, r);
  } catch {
    tested = false;
  }
  if (!tested) return 'untested';
  return safeApplies(entry, r) ? 'confirmed' : 'ruled-out';
}

/**
 * One line of evidence for a verdict: what the check saw that confirms the cause, rules it out,
 * or why it could not tell. null without a live check.
 */
export function evidenceOf(entry: KbEntry, r: ResultFacts | undefined, verdict: Verdict): string | null {
  if (!r) return null;
  if (verdict === 'confirmed') {
    const a = safeApplies(entry, r);
    if (a) return a.detail;
  }
  if (entry.evidence) {
    try {
      return entry.evidence(r);
    } catch {
      // Fall through to the generic line: an odd field must not take the explanation down.
    }
  }
  if (r.error) return `no TLS handshake completed (${r.error.message})`;
  return verdict === 'ruled-out' ? 'the live check did not see it' : 'the probes cannot see this from outside';
}

export function entrySeverity(entry: KbEntry, r: ResultFacts | undefined): Severity {
  if (typeof entry.severity !== 'function') return entry.severity;
  if (!r) return 'info';
  try {
    return severityOf(entry, r);
  } catch {
    return 'info';
  }
}

export function toFinding(entry: KbEntry, r: ResultFacts, a: Applies): Finding {
  return { id: entry.id, severity: entrySeverity(entry, r), title: entry.title, detail: a.detail };
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** A Diagnosis; with a result and a detail, the concrete values open the explanation. */
export function toDiagnosis(entry: KbEntry, r: ResultFacts | undefined, a?: Applies | false): Diagnosis {
  const fixes: Diagnosis['fixes'] = {};
  for (const [platform, lines] of Object.entries(entry.fixes)) if (lines?.length) fixes[platform] = [...lines];
  return {
    id: entry.id,
    severity: entrySeverity(entry, r),
    title: entry.title,
    why: a ? `${sentence(a.detail)} ${entry.why}` : entry.why,
    fixes,
    reproduce: renderReproduce(entry.reproduce, r?.target ?? PLACEHOLDER_TARGET),
    references: [...entry.references],
  };
}
