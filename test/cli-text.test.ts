import { describe, expect, it } from 'vitest';
import { ansiPaint, plainPaint, renderCheck } from '../src/format/cli-text.js';
import { resultSeverity } from '../src/verdict.js';
import { deriveFindings, diagnose } from '../src/diagnose/index.js';
import { modernServer } from './fixtures/results/base.js';
import { plainHttp, renegRejected, tls10Only } from './fixtures/results/scenarios.js';
import type { CheckResult } from '../src/types.js';

function withDiagnosis(r: CheckResult): CheckResult {
  const findings = deriveFindings(r);
  const full = { ...r, findings };
  return { ...full, diagnoses: diagnose(full) };
}

describe('renderCheck', () => {
  it('starts with a one-line verdict naming the endpoint and the worst findings', () => {
    const text = renderCheck(withDiagnosis(tls10Only));
    const first = text.split('\n')[0] ?? '';
    expect(first).toMatch(/^[✖⚠✔] /);
    expect(first).toContain(`${tls10Only.target.host}:${tls10Only.target.port}`);
    expect(text).toMatch(/TLS 1\.0\s+yes \(legacy\)/);
  });

  it('shows sections, the refusal reason and the fix steps of the top diagnosis', () => {
    const r = withDiagnosis(renegRejected);
    const text = renderCheck(r);
    for (const section of ['Protocols', 'Cipher suites', 'Renegotiation', 'Session resumption', 'Certificate', 'Findings']) {
      expect(text).toContain(`\n${section}`);
    }
    expect(text).toContain(r.renegotiation.reason ?? 'no reason in fixture');
  });

  it('shows only the error, findings and diagnosis when no handshake was possible', () => {
    const r = withDiagnosis(plainHttp);
    const text = renderCheck(r);
    expect(text.split('\n')[0]).toMatch(/no TLS handshake \(not-tls\)/);
    expect(text).not.toContain('\nProtocols');
    expect(text).toContain('Diagnosis');
  });

  it('says so when there is no problem', () => {
    const r = withDiagnosis(modernServer());
    expect(resultSeverity(r)).not.toMatch(/error|critical/);
    expect(renderCheck(r).split('\n')[0]).toMatch(/^[✔⚠] /);
  });

  it('colours only when asked', () => {
    const r = withDiagnosis(tls10Only);
    expect(renderCheck(r, plainPaint)).not.toContain('\x1b[');
    expect(renderCheck(r, ansiPaint)).toContain('\x1b[');
  });
});
