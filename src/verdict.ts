// How bad a check result is, once, for every reader: the Slack verdict (pass/warn/fail), a
// schedule's status word, the CLI's exit code and the worst severity the terminal colours by.
import { SEVERITY_ORDER, type CheckResult, type Severity } from './types.js';

export type Verdict = 'pass' | 'warn' | 'fail';
/** A schedule's last status: the result's severity, or unreachable when no check completed. */
export type Status = Severity | 'unreachable';

const VERDICT_OF_SEVERITY: Record<Severity, Verdict> = { ok: 'pass', info: 'pass', warning: 'warn', error: 'fail', critical: 'fail' };

export const severityRank = (s: Severity): number => SEVERITY_ORDER.indexOf(s);

export function worstSeverity(severities: Iterable<Severity>): Severity {
  let worst: Severity = 'ok';
  for (const s of severities) if (severityRank(s) > severityRank(worst)) worst = s;
  return worst;
}

/**
 * The severity of a result: its worst finding or most likely diagnosis (a diagnosis is a
 * knowledge-base entry that also gave a finding, so in practice this is the worst finding).
 */
export function resultSeverity(r: Pick<CheckResult, 'findings' | 'diagnoses'>): Severity {
  return worstSeverity([...r.findings.map((f) => f.severity), ...(r.diagnoses ?? []).slice(0, 1).map((d) => d.severity)]);
}

export const verdictOfSeverity = (s: Severity): Verdict => VERDICT_OF_SEVERITY[s];

/** pass / warn / fail; a check that could not complete fails. */
export function verdictOf(r: Pick<CheckResult, 'error' | 'findings' | 'diagnoses'>): Verdict {
  return r.error ? 'fail' : verdictOfSeverity(resultSeverity(r));
}

/** One word for a schedule's last result. */
export function statusOf(r: Pick<CheckResult, 'error' | 'findings' | 'diagnoses'>): Status {
  return r.error ? 'unreachable' : resultSeverity(r);
}

export const EXIT = { ok: 0, findings: 1, invalid: 2, noHandshake: 3, internal: 70 } as const;

/** The CLI's exit code contract: scripts rely on it. */
export function exitCodeFor(r: Pick<CheckResult, 'error' | 'findings' | 'diagnoses'>): number {
  if (r.error) {
    // DNS failures and refused targets are input problems; the rest mean the peer never spoke TLS.
    return r.error.code === 'dns' || r.error.code === 'blocked' ? EXIT.invalid : EXIT.noHandshake;
  }
  return verdictOf(r) === 'fail' ? EXIT.findings : EXIT.ok;
}
