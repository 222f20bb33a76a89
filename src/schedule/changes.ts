// What changed between two checks of the same target, and which certificate expiry warnings are
// due. Pure, so every rule is tested with result pairs and no sockets.
//
// Baseline choice: the first run of a schedule (no previous result) posts once, as a "now
// watching" summary. Without it a new schedule would stay silent until something broke, and a
// silent channel could not tell "all fine" from "never ran".

import { resultSeverity, severityRank } from '../verdict.js';
import { type CertificateResult, type CheckResult, type Finding, type ProtocolName, type Severity } from '../types.js';

export type ChangeKind =
  | 'baseline'
  | 'problem-new'
  | 'problem-fixed'
  | 'cert-renewed'
  | 'cert-replaced'
  | 'protocols-changed'
  | 'ciphers-changed'
  | 'renegotiation-changed'
  | 'unreachable'
  | 'reachable';

export interface Change {
  kind: ChangeKind;
  title: string;
  before: string;
  after: string;
  severity: Severity;
  /** problem-new / problem-fixed: the finding, so the alert can find its diagnosis. */
  findingId?: string;
  /** Extra lines, e.g. the cipher suites added and removed. */
  detail?: string;
}

const atLeast = (s: Severity, min: Severity): boolean => severityRank(s) >= severityRank(min);

/**
 * Knowledge-base findings about a certificate nearing expiry (src/diagnose/kb/certificate.ts).
 * expiryWarnings() speaks for them, once per threshold; diffing them too would announce the
 * same thing as a "new problem", and a renewal as "fixed" next to "certificate renewed".
 */
export const EXPIRY_FINDING_IDS: readonly string[] = ['cert-expiring'];

export interface DiffOptions {
  /**
   * The last result that reached the server. When `before` is an outage and `after` is not,
   * the rest is compared with this one, so what changed while the server was away is reported.
   */
  lastReachable?: CheckResult | null;
  /** Finding ids not diffed; default EXPIRY_FINDING_IDS, left to expiryWarnings(). */
  ignoreFindings?: readonly string[];
}

export function diffResults(before: CheckResult | null, after: CheckResult, opts: DiffOptions = {}): Change[] {
  if (before === null) return [baseline(after)];
  if (after.error) {
    // Still down is not news; nothing else can be compared against an empty result.
    if (before.error) return [];
    return [{
      kind: 'unreachable',
      title: `${after.target.host}:${after.target.port} became unreachable`,
      before: describeStatus(before),
      after: `${after.error.code}: ${after.error.message}`,
      severity: 'error',
    }];
  }
  const changes: Change[] = [];
  let base: CheckResult | null = before;
  if (before.error) {
    changes.push({
      kind: 'reachable',
      title: `${after.target.host}:${after.target.port} is reachable again`,
      before: `${before.error.code}: ${before.error.message}`,
      after: describeStatus(after),
      severity: 'info',
    });
    base = opts.lastReachable && !opts.lastReachable.error ? opts.lastReachable : null;
  }
  if (base === null) return changes;
  const ignore = new Set(opts.ignoreFindings ?? EXPIRY_FINDING_IDS);
  return [
    ...changes,
    ...problemChanges(base, after, ignore),
    ...certificateChanges(base.certificate, after.certificate),
    ...protocolChanges(base, after),
    ...cipherChanges(base, after),
    ...renegotiationChanges(base, after),
  ];
}

function baseline(after: CheckResult): Change {
  const cert = after.certificate;
  const parts = [describeStatus(after)];
  if (!after.error) {
    parts.push(`protocols: ${supported(after).join(', ') || 'none'}`);
    if (cert) parts.push(`certificate expires in ${cert.daysLeft} days (${cert.notAfter})`);
  }
  return {
    kind: 'baseline',
    title: `Now watching ${after.target.host}:${after.target.port}`,
    before: '—',
    after: parts.join('; '),
    severity: severityOf(after),
  };
}

function severityOf(r: CheckResult): Severity {
  return r.error ? 'error' : resultSeverity(r);
}

function describeStatus(r: CheckResult): string {
  if (r.error) return `unreachable (${r.error.code})`;
  const problems = problemsOf(r, new Set());
  if (problems.size === 0) return 'no problems';
  const titles = [...problems.values()].map((f) => f.title);
  return `${problems.size} problem${problems.size === 1 ? '' : 's'}: ${titles.slice(0, 3).join('; ')}${titles.length > 3 ? '; …' : ''}`;
}

/** Findings that count as problems: warning and worse. */
function problemsOf(r: CheckResult, ignore: ReadonlySet<string>): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of r.findings) if (atLeast(f.severity, 'warning') && !ignore.has(f.id)) out.set(f.id, f);
  return out;
}

/** Probes cut short in this result (src/check.ts): what they did not see is not news. */
function cut(r: CheckResult, probe: string): boolean {
  return r.incomplete?.some((i) => i.probe === probe) ?? false;
}

function problemChanges(before: CheckResult, after: CheckResult, ignore: ReadonlySet<string>): Change[] {
  const was = problemsOf(before, ignore);
  const now = problemsOf(after, ignore);
  const out: Change[] = [];
  for (const [id, f] of now) {
    if (!was.has(id)) out.push({ kind: 'problem-new', title: `New problem: ${f.title}`, before: 'not present', after: f.detail || f.title, severity: f.severity, findingId: id });
  }
  // A problem no longer seen by a check cut short may only not have been looked at.
  if (after.incomplete?.length) return out;
  for (const [id, f] of was) {
    if (!now.has(id)) out.push({ kind: 'problem-fixed', title: `Fixed: ${f.title}`, before: f.detail || f.title, after: 'no longer found', severity: 'ok', findingId: id });
  }
  return out;
}

/** The leaf certificate's SHA-256 fingerprint, or a stand-in built from what identifies it. */
export function certFingerprint(cert: CertificateResult): string {
  return cert.chain[0]?.fingerprint256 || `${cert.subject}|${cert.issuer}|${cert.notBefore}|${cert.notAfter}`;
}

function certificateChanges(before: CertificateResult | null, after: CertificateResult | null): Change[] {
  if (before === null && after === null) return [];
  if (before === null || after === null) {
    return [{
      kind: 'cert-replaced',
      title: after ? 'A certificate is served again' : 'No certificate could be read',
      before: before ? describeCert(before) : 'none',
      after: after ? describeCert(after) : 'none',
      severity: after ? 'info' : 'warning',
    }];
  }
  if (certFingerprint(before) === certFingerprint(after) && before.notAfter === after.notAfter) return [];
  // Same name from the same CA with a later end date is a renewal; anything else is a swap, which
  // deserves a look (a default certificate served by mistake looks exactly like this).
  const renewed = before.subject === after.subject && before.issuer === after.issuer && Date.parse(after.notAfter) > Date.parse(before.notAfter);
  return [{
    kind: renewed ? 'cert-renewed' : 'cert-replaced',
    title: renewed ? 'Certificate renewed' : 'Certificate replaced',
    before: describeCert(before),
    after: describeCert(after),
    severity: renewed ? 'info' : 'warning',
  }];
}

function describeCert(c: CertificateResult): string {
  return `${c.subject}, issued by ${c.issuer}, valid until ${c.notAfter}`;
}

const ORDER: readonly ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const LEGACY: ReadonlySet<ProtocolName> = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

function supported(r: CheckResult): ProtocolName[] {
  return ORDER.filter((p) => r.protocols[p] === true);
}

function protocolChanges(before: CheckResult, after: CheckResult): Change[] {
  // Only protocols known in both runs: a probe that timed out (null) is no change of config.
  const known = ORDER.filter((p) => typeof before.protocols[p] === 'boolean' && typeof after.protocols[p] === 'boolean');
  const added = known.filter((p) => !before.protocols[p] && after.protocols[p]);
  const removed = known.filter((p) => before.protocols[p] && !after.protocols[p]);
  if (added.length === 0 && removed.length === 0) return [];
  const modernLeft = ['TLSv1.2', 'TLSv1.3'].some((p) => after.protocols[p as ProtocolName] === true);
  const severity: Severity = added.some((p) => LEGACY.has(p)) || !modernLeft ? 'warning' : 'info';
  const delta = [...added.map((p) => `+${p}`), ...removed.map((p) => `−${p}`)].join(', ');
  return [{
    kind: 'protocols-changed',
    title: `Protocols changed (${delta})`,
    before: supported(before).join(', ') || 'none',
    after: supported(after).join(', ') || 'none',
    severity,
  }];
}

/** Name fragments of suites nobody should be adding (OpenSSL and IANA spellings). */
const WEAK_SUITE = /(^|[-_])(NULL|EXPORT|EXP|RC4|DES|3DES|DES_CBC3|DES-CBC3|ANON|ADH|AECDH|MD5)([-_]|$)/i;

function cipherChanges(before: CheckResult, after: CheckResult): Change[] {
  const out: Change[] = [];
  for (const p of ORDER) {
    // A protocol switched on or off is the protocol change's news, not its ciphers'.
    if (before.protocols[p] !== true || after.protocols[p] !== true) continue;
    // A list cut short by the deadline differs from the whole one without the server changing.
    if (cut(before, 'ciphers') || cut(after, 'ciphers')) continue;
    const was = before.ciphers[p];
    const now = after.ciphers[p];
    if (!was || !now) continue;
    const wasSet = new Set(was);
    const nowSet = new Set(now);
    const added = now.filter((c) => !wasSet.has(c));
    const removed = was.filter((c) => !nowSet.has(c));
    if (added.length === 0 && removed.length === 0) continue;
    const lines = [...added.map((c) => `+ ${c}`), ...removed.map((c) => `− ${c}`)];
    out.push({
      kind: 'ciphers-changed',
      title: `${p} cipher suites changed (${added.length} added, ${removed.length} removed)`,
      before: `${was.length} suites`,
      after: `${now.length} suites`,
      severity: added.some((c) => WEAK_SUITE.test(c)) ? 'warning' : 'info',
      detail: lines.join('\n'),
    });
  }
  return out;
}

const SECURE_WORDS = { true: 'supported (RFC 5746)', false: 'not supported (insecure renegotiation)' } as const;

function renegotiationChanges(before: CheckResult, after: CheckResult): Change[] {
  const out: Change[] = [];
  const b = before.renegotiation;
  const a = after.renegotiation;
  if (typeof b.secure === 'boolean' && typeof a.secure === 'boolean' && b.secure !== a.secure) {
    out.push({
      kind: 'renegotiation-changed',
      title: 'Secure renegotiation changed',
      before: SECURE_WORDS[`${b.secure}`],
      after: SECURE_WORDS[`${a.secure}`],
      severity: a.secure ? 'info' : 'error',
    });
  }
  const known = (v: string): boolean => v !== 'unknown';
  const whole = !cut(before, 'client-renegotiation') && !cut(after, 'client-renegotiation');
  if (whole && known(b.clientInitiated) && known(a.clientInitiated) && b.clientInitiated !== a.clientInitiated) {
    out.push({
      kind: 'renegotiation-changed',
      title: 'Client-initiated renegotiation changed',
      before: b.clientInitiated,
      after: a.clientInitiated,
      // Accepting unlimited client renegotiations is a CPU lever for attackers.
      severity: a.clientInitiated === 'accepted' ? 'warning' : 'info',
    });
  }
  return out;
}

/** Days before expiry at which a warning goes out, loosest first. */
export const EXPIRY_THRESHOLDS = [30, 14, 7, 3, 1] as const;

export interface ExpiryWarning {
  /** The threshold crossed: 30, 14, 7, 3 or 1. */
  days: number;
  daysLeft: number;
  notAfter: string;
  subject: string;
  fingerprint: string;
  /** What to remember once sent (history.markWarningSent). */
  key: string;
}

export function warningKey(fingerprint: string, days: number): string {
  return `${fingerprint}@${days}d`;
}

/**
 * The expiry warning due now, if any: the tightest threshold the certificate has crossed, unless
 * already sent for this certificate. Only the tightest, so a schedule created 5 days before
 * expiry says "7 days" once rather than 30, 14 and 7 at once; a renewed certificate has a new
 * fingerprint and so starts over. An expired certificate gets none: it is a finding, diffed as a
 * problem.
 */
export function expiryWarnings(result: CheckResult, sent: ReadonlySet<string>): ExpiryWarning[] {
  const cert = result.certificate;
  if (result.error || !cert || cert.daysLeft < 0) return [];
  const crossed = EXPIRY_THRESHOLDS.filter((t) => cert.daysLeft <= t);
  const tightest = crossed[crossed.length - 1];
  if (tightest === undefined) return [];
  const fingerprint = certFingerprint(cert);
  const key = warningKey(fingerprint, tightest);
  if (sent.has(key)) return [];
  return [{ days: tightest, daysLeft: cert.daysLeft, notAfter: cert.notAfter, subject: cert.subject, fingerprint, key }];
}

/** Quiet unless something changed or a warning is due. */
export function shouldPost(changes: readonly Change[], warnings: readonly ExpiryWarning[]): boolean {
  return changes.length > 0 || warnings.length > 0;
}
