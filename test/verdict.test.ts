import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, resultSeverity, statusOf, verdictOf, worstSeverity } from '../src/verdict.js';
import type { CheckResult, Diagnosis, Finding, Severity } from '../src/types.js';

const finding = (severity: Severity): Finding => ({ id: `f-${severity}`, severity, title: severity, detail: '' });
const diagnosis = (severity: Severity): Diagnosis => ({ id: 'd', severity, title: 'd', why: '', fixes: {}, reproduce: '', references: [] });
const result = (findings: Finding[], over: Partial<CheckResult> = {}): CheckResult =>
  ({ error: null, findings, diagnoses: [], ...over }) as unknown as CheckResult;

describe('one severity → verdict, status and exit code', () => {
  it('orders severities', () => {
    expect(worstSeverity([])).toBe('ok');
    expect(worstSeverity(['info', 'critical', 'warning'])).toBe('critical');
  });

  it.each([
    [[], 'pass', 'ok', EXIT.ok],
    [['info'], 'pass', 'info', EXIT.ok],
    [['warning', 'info'], 'warn', 'warning', EXIT.ok],
    [['error', 'warning'], 'fail', 'error', EXIT.findings],
    [['critical'], 'fail', 'critical', EXIT.findings],
  ] as const)('findings %j: %s, status %s, exit %i', (severities, verdict, status, exit) => {
    const r = result(severities.map(finding));
    expect(verdictOf(r)).toBe(verdict);
    expect(statusOf(r)).toBe(status);
    expect(exitCodeFor(r)).toBe(exit);
  });

  it('counts the most likely diagnosis, not the others', () => {
    expect(resultSeverity(result([], { diagnoses: [diagnosis('error')] }))).toBe('error');
    expect(resultSeverity(result([], { diagnoses: [diagnosis('info'), diagnosis('critical')] }))).toBe('info');
  });

  it('a check that could not complete fails, is unreachable, and exits 2 or 3', () => {
    const dns = result([], { error: { code: 'dns', message: 'no such host' } });
    const timeout = result([finding('ok')], { error: { code: 'timeout', message: 'no answer' } });
    expect([verdictOf(dns), statusOf(dns), exitCodeFor(dns)]).toEqual(['fail', 'unreachable', EXIT.invalid]);
    expect([verdictOf(timeout), statusOf(timeout), exitCodeFor(timeout)]).toEqual(['fail', 'unreachable', EXIT.noHandshake]);
  });
});
