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
