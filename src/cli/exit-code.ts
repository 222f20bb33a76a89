import type { CheckResult } from '../types.js';

export const EXIT = { ok: 0, findings: 1, invalid: 2, noHandshake: 3, internal: 70 } as const;

/** The CLI's exit code contract: scripts and the scheduler rely on it. */
export function exitCodeFor(result: CheckResult): number {
  if (result.error) {
    // DNS failures and refused targets are input problems; the rest mean the peer never spoke TLS.
    return result.error.code === 'dns' || result.error.code === 'blocked' ? EXIT.invalid : EXIT.noHandshake;
  }
  return result.findings.some((f) => f.severity === 'error' || f.severity === 'critical') ? EXIT.findings : EXIT.ok;
}
