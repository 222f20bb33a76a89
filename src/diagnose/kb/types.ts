// The shape of one knowledge-base entry. Entries are data: predicates over a CheckResult,
// the error strings they explain, and the fix lines per platform. No entry calls another.
import type { CheckResult, Severity } from '../../types.js';

/** A check result before the diagnosis layer has filled `findings` and `diagnoses`. */
export type ResultFacts = Omit<CheckResult, 'findings' | 'diagnoses'>;

/** Fix platforms. Server side first, then clients; keys are a contract with the CLI and Slack. */
export const FIX_PLATFORMS = ['nginx', 'apache', 'haproxy', 'lighttpd', 'node', 'java', 'openssl', 'node-client', 'java-client', 'browser', 'network'] as const;
export type FixPlatform = (typeof FIX_PLATFORMS)[number];
export type Fixes = Partial<Record<FixPlatform, string[]>>;

/** Every fix line that weakens security starts with this, so tests and renderers can spot it. */
export const RISKY = 'Risky workaround:';

export interface ErrorPattern {
  re: RegExp;
  /** A real error string (copied from a real run or the library's source) the pattern must match. */
  example: string;
  /** 3 = names this cause alone, 2 = one of a few causes, 1 = generic (e.g. curl exit 35). */
  weight: 1 | 2 | 3;
  /**
   * The pattern does not count when this also appears in the text: another cause owns that
   * combination (e.g. alert 40 right after "RENEGOTIATING" is a refused renegotiation, not a cipher mismatch).
   */
  unless?: RegExp;
}

export interface Applies {
  /** The concrete values behind the finding, e.g. "TLS 1.0 and TLS 1.1 are enabled". */
  detail: string;
}

export interface KbEntry {
  id: string;
  title: string;
  severity: Severity | ((r: ResultFacts) => Severity);
  applies: (r: ResultFacts) => false | Applies;
  /**
   * Whether the result holds the data `applies` needs. When false, explain() says "untested"
   * instead of ruling the cause out. Defaults to "a TLS connection was made" (error === null).
   */
  tested?: (r: ResultFacts) => boolean;
  errorPatterns: ErrorPattern[];
  /**
   * One line on what the live check measured for this cause when it is not confirmed (ruled out,
   * or untested and why). Confirmed causes use applies().detail instead.
   */
  evidence?: (r: ResultFacts) => string;
  why: string;
  fixes: Fixes;
  /**
   * The part of a result that concerns the client who wrote `symptom` (e.g. only the Java
   * profiles of a client simulation for a Java stack trace); explain() judges the entry on it.
   */
  forSymptom?: (r: ResultFacts, symptom: string) => ResultFacts;
  /**
   * More specific entries that report part of what this one measures (the large- and padded-hello
   * entries for the general middlebox one). When any of them applies, this entry is judged again on
   * `without(r, applied)`, the result minus what the applied ones cover: it stays out of findings
   * and diagnoses unless something else is left, and then speaks only of that. One measured drop is
   * reported once, by the entry that names its cause and fix.
   */
  yieldsTo?: { ids: readonly string[]; without: (r: ResultFacts, applied: ReadonlySet<string>) => ResultFacts };
  /** Command template: {connect} = host:port, {servername} = "-servername SNI" or nothing, {url}, {host}, {name} (SNI or host), {port}. */
  reproduce: string;
  references: string[];
}

export function severityOf(entry: KbEntry, r: ResultFacts): Severity {
  return typeof entry.severity === 'function' ? entry.severity(r) : entry.severity;
}

export function isTested(entry: KbEntry, r: ResultFacts): boolean {
  return entry.tested ? entry.tested(r) : r.error === null;
}
