// Renders a check result for a person at a terminal. Pure: colour is a parameter.
import type { CheckResult, Diagnosis, Finding, ProtocolName, Severity } from '../types.js';
import { SEVERITY_ORDER } from '../types.js';
import { resultSeverity, verdictOfSeverity, type Verdict } from '../verdict.js';
import { hostPort } from '../target/host-port.js';
import { PROTOCOL_LABEL, PROTOCOLS_OLDEST_FIRST } from './labels.js';
import { evidenceLines } from './cli-evidence.js';
import { certExtrasText, keyExchangeLines as tls12KeyExchangeLines, ocspText } from './kex-lines.js';

export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan';
export type Paint = (style: Style, text: string) => string;

const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22], dim: [2, 22], red: [31, 39], yellow: [33, 39], green: [32, 39], cyan: [36, 39],
};
export const ansiPaint: Paint = (style, text) => `\x1b[${ANSI[style][0]}m${text}\x1b[${ANSI[style][1]}m`;
export const plainPaint: Paint = (_style, text) => text;

const SEVERITY_STYLE: Record<Severity, Style> = {
  ok: 'green', info: 'cyan', warning: 'yellow', error: 'red', critical: 'red',
};
const PROTOCOL_LABELS: Array<[ProtocolName, string]> = PROTOCOLS_OLDEST_FIRST.map((p) => [p, PROTOCOL_LABEL[p]]);
const VERDICT_MARK: Record<Verdict, string> = { pass: '✔', warn: '⚠', fail: '✖' };
/** Protocols whose being enabled is itself a problem, so "yes" is shown as a warning. */
const LEGACY: ReadonlySet<ProtocolName> = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

function yesNo(v: boolean | null | undefined, paint: Paint, goodWhen = true): string {
  if (v === null || v === undefined) return paint('dim', 'unknown');
  return paint(v === goodWhen ? 'green' : 'yellow', v ? 'yes' : 'no');
}

function endpoint(r: CheckResult): string {
  const ip = r.target.ip && r.target.ip !== r.target.host ? ` (${r.target.ip})` : '';
  return `${hostPort(r.target.host, r.target.port)}${ip}`;
}

function verdictLine(r: CheckResult, paint: Paint): string[] {
  if (r.error) {
    return [paint('red', paint('bold', `✖ ${endpoint(r)}: no TLS handshake (${r.error.code})`)), `  ${r.error.message}`];
  }
  const worst = resultSeverity(r);
  const counts = SEVERITY_ORDER.filter((s) => s !== 'ok' && s !== 'info')
    .map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${n > 1 ? 's' : ''}`);
  const mark = VERDICT_MARK[verdictOfSeverity(worst)];
  const summary = counts.length ? counts.join(', ') : 'no problems found';
  const lines = [paint(SEVERITY_STYLE[worst], paint('bold', `${mark} ${endpoint(r)}: ${summary}`))];
  // A cut result must never read as a whole one: say so under the verdict, one line per probe.
  if (r.incomplete?.length) {
    lines.push(paint('yellow', `  Incomplete: ${r.incomplete.map((i) => i.probe).join(', ')} did not finish (see below)`));
  }
  const top = r.diagnoses?.[0];
  if (top && (top.severity === 'error' || top.severity === 'critical' || top.severity === 'warning')) {
    lines.push(`  Most likely: ${top.title}`);
  }
  return lines;
}

function section(title: string, body: string[], paint: Paint): string[] {
  return body.length ? ['', paint('bold', title), ...body.map((l) => `  ${l}`)] : [];
}

function protocolLines(r: CheckResult, paint: Paint): string[] {
  return PROTOCOL_LABELS.filter(([p]) => p in r.protocols).map(([p, label]) => {
    const v = r.protocols[p];
    const shown = v === true && LEGACY.has(p) ? paint('yellow', 'yes (legacy)') : yesNo(v, paint, !LEGACY.has(p));
    return `${label.padEnd(8)} ${shown}`;
  });
}

function cipherLines(r: CheckResult, paint: Paint): string[] {
  const out: string[] = [];
  for (const [p, label] of PROTOCOL_LABELS) {
    const list = r.ciphers[p];
    if (!list?.length) continue;
    const order = r.serverCipherOrder?.[p];
    const note = order === true ? 'server order' : order === false ? 'client order' : '';
    out.push(`${label}${note ? paint('dim', ` (${note})`) : ''}:`);
    for (const c of list) out.push(`  ${c}`);
  }
  return out;
}

function renegotiationLines(r: CheckResult, paint: Paint): string[] {
  const rn = r.renegotiation;
  const secure = rn.secure === null && r.protocols['TLSv1.3'] === true && !r.protocols['TLSv1.2']
    ? paint('dim', 'not applicable (TLS 1.3 has no renegotiation)')
    : yesNo(rn.secure, paint);
  const ci: Record<string, string> = {
    accepted: paint('yellow', `accepted (${rn.acceptedCount} in a row)`),
    limited: paint('cyan', `limited: ${rn.acceptedCount} honoured, then refused`),
    rejected: paint('green', 'rejected'),
    'not-applicable': paint('dim', 'not applicable (TLS 1.3 only)'),
    unknown: paint('dim', 'unknown'),
  };
  const reason = rn.reason ? paint('dim', ` — ${rn.reason}`) : '';
  return [`Secure renegotiation (RFC 5746): ${secure}`, `Client-initiated:                ${ci[rn.clientInitiated] ?? rn.clientInitiated}${reason}`];
}

function resumptionLines(r: CheckResult, paint: Paint): string[] {
  const rs = r.resumption;
  const lines = [
    `By session ID: ${yesNo(rs.sessionId, paint)}`,
    `By ticket:     ${yesNo(rs.tickets, paint)}`,
  ];
  if (rs.tls13Tickets !== undefined) lines.push(`TLS 1.3:       ${yesNo(rs.tls13Tickets, paint)}`);
  lines.push(`Consistent:    ${yesNo(rs.consistent, paint)}`);
  if (rs.ticketKeys !== undefined) {
    lines.push(`Ticket keys:   ${rs.ticketKeys}${rs.ticketKeys > 1 ? paint('yellow', ' (backends seal tickets with different keys)') : ''}`);
  }
  return lines;
}

function clientAuthLine(r: CheckResult, paint: Paint): string[] {
  const a = r.clientAuth;
  if (!a || a.requested === null) return [];
  if (!a.requested) return [`Client cert:       ${paint('dim', 'not requested')}`];
  const need = a.required === true ? paint('yellow', 'required') : a.required === false ? 'optional' : 'requested';
  const cas = a.caNames.length ? ` — CAs: ${a.caNames.join('; ')}` : ' — any CA';
  return [`Client cert:       ${need}${cas}`];
}

function certificateLines(r: CheckResult, paint: Paint): string[] {
  const c = r.certificate;
  if (!c) return [paint('dim', 'not available')];
  const days = c.daysLeft < 0 ? paint('red', `expired ${-c.daysLeft} days ago`)
    : c.daysLeft <= 14 ? paint('yellow', `${c.daysLeft} days left`) : `${c.daysLeft} days left`;
  return [
    `Subject:   ${c.subject}`,
    `Issuer:    ${c.issuer}`,
    `SAN:       ${c.san.join(', ') || paint('dim', 'none')}`,
    `Valid:     ${c.notBefore} → ${c.notAfter} (${days})`,
    `Key:       ${c.keyType} ${c.keyBits} bits, ${c.signatureAlgorithm}`,
    `Trusted:   ${yesNo(c.trusted, paint)}${c.verifyError ? paint('dim', ` (${c.verifyError})`) : ''}`,
    `Hostname:  ${c.hostnameMatch ? paint('green', 'matches') : paint('red', 'does not match')}`,
    `Chain:     ${c.chainComplete ? paint('green', 'complete') : paint('red', 'incomplete')}${c.chainIssues?.length ? paint('dim', ` (${c.chainIssues.join(', ')})`) : ''}, ${c.chain.length} sent`,
    ...[certExtrasText(r)].filter((t): t is string => t !== null).map((t) => `Extras:    ${t}`),
  ];
}

function otherLines(r: CheckResult, paint: Paint): string[] {
  const lines = [
    `SNI required:      ${yesNo(r.sni.required, paint, false)}`,
    `ALPN:              ${r.alpn ?? paint('dim', 'none')}`,
    `OCSP stapled:      ${yesNo(r.ocspStapled, paint)}`,
  ];
  const ocsp = ocspText(r);
  if (ocsp) lines.push(`OCSP status:       ${r.ocsp?.status === 'revoked' ? paint('red', ocsp) : ocsp}`);
  if (r.fallbackScsv !== undefined) lines.push(`TLS_FALLBACK_SCSV: ${yesNo(r.fallbackScsv, paint)}`);
  lines.push(...clientAuthLine(r, paint));
  lines.push(...keyExchangeLines(r, paint));
  if (r.server) lines.push(`Server software:   ${r.server}`);
  return lines;
}

const TOLERANCE_STYLE: Record<string, Style> = { ok: 'green', unknown: 'dim', refused: 'red', dropped: 'red', reset: 'red' };

/** TLS 1.3 groups, post-quantum readiness and how the path treats large hellos, when probed. */
function keyExchangeLines(r: CheckResult, paint: Paint): string[] {
  const lines: string[] = [];
  const kx = r.keyExchange;
  if (kx?.groups !== undefined) {
    const order = kx.groupsServerOrder === true ? ' (server order)' : kx.groupsServerOrder === false ? ' (client order)' : '';
    const list = kx.groups === null ? paint('dim', 'unknown') : kx.groups.length ? kx.groups.join(', ') : paint('dim', 'none');
    lines.push(`TLS 1.3 groups:    ${list}${paint('dim', `${order}${kx.groupsComplete === false ? ' (incomplete)' : ''}`)}`);
  }
  if (kx?.postQuantum !== undefined) lines.push(`Post-quantum:      ${yesNo(kx.postQuantum, paint)}${paint('dim', ' (X25519MLKEM768)')}`);
  const m = r.middlebox;
  if (m) {
    const show = (v: string): string => paint(TOLERANCE_STYLE[v] ?? 'dim', v);
    lines.push(`Large ClientHello: ${show(m.largeHello)}, padded: ${show(m.paddedHello)}${m.sizes ? paint('dim', ` (${m.sizes.large} / ${m.sizes.padded} bytes)`) : ''}`);
  }
  return lines;
}

/** One line per simulated client: ✔ with what it negotiated, ✖ with why not, ? when unknown. */
function clientLines(r: CheckResult, paint: Paint): string[] {
  const clients = r.clients ?? [];
  const width = Math.max(0, ...clients.map((c) => c.name.length));
  return clients.map((c) => {
    const name = c.name.padEnd(width);
    if (c.connects === true) return `${paint('green', '✔')} ${name}  ${[c.protocol, c.cipher, c.group].filter(Boolean).join(' ')}`;
    if (c.connects === false) return `${paint('red', '✖')} ${name}  ${c.reason ?? ''}`;
    return `${paint('dim', '?')} ${name}  ${paint('dim', c.reason ?? 'unknown')}`;
  });
}

function findingLines(findings: readonly Finding[], paint: Paint): string[] {
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity));
  return sorted.map((f) => `${paint(SEVERITY_STYLE[f.severity], `[${f.severity.toUpperCase()}]`.padEnd(10))} ${f.title}${f.detail ? paint('dim', ` — ${f.detail}`) : ''}`);
}

function diagnosisLines(diagnoses: readonly Diagnosis[], paint: Paint): string[] {
  const out: string[] = [];
  diagnoses.forEach((d, i) => {
    out.push(`${paint('bold', `${i + 1}. ${d.title}`)} ${paint(SEVERITY_STYLE[d.severity], `(${d.severity})`)}`);
    out.push(`   ${d.why}`);
    // The full fix list for the most likely cause; the rest point at --json for theirs.
    if (i === 0) {
      for (const [platform, steps] of Object.entries(d.fixes)) {
        if (!steps?.length) continue;
        out.push(`   ${paint('cyan', `Fix (${platform}):`)}`);
        for (const s of steps) out.push(`     ${s}`);
      }
    }
    if (d.reproduce) out.push(...reproduceLines(d.reproduce, '   ', paint));
    out.push(...evidenceLines(d, '   ', paint));
    if (i === 0 && d.references.length) out.push(`   ${paint('dim', `See: ${d.references.join(' ')}`)}`);
  });
  return out;
}

/** A reproduce recipe may hold several commands, one a line: keep each under the label. */
export function reproduceLines(reproduce: string, indent: string, paint: Paint): string[] {
  return reproduce.split('\n').map((cmd, i) => `${indent}${paint('dim', `${i === 0 ? 'Reproduce: ' : '           '}${cmd}`)}`);
}

export function renderCheck(r: CheckResult, paint: Paint = plainPaint): string {
  const lines = [...verdictLine(r, paint)];
  if (!r.error) {
    lines.push(
      ...section('Protocols', protocolLines(r, paint), paint),
      ...section('Cipher suites', cipherLines(r, paint), paint),
      ...section('Key exchange (TLS ≤ 1.2)', tls12KeyExchangeLines(r), paint),
      ...section('Renegotiation', renegotiationLines(r, paint), paint),
      ...section('Session resumption', resumptionLines(r, paint), paint),
      ...section('Certificate', certificateLines(r, paint), paint),
      ...section('Other', otherLines(r, paint), paint),
      ...section('Client simulation', clientLines(r, paint), paint),
    );
  }
  lines.push(...section('Findings', findingLines(r.findings, paint), paint));
  lines.push(...section('Diagnosis (most likely first)', diagnosisLines(r.diagnoses ?? [], paint), paint));
  if (r.incomplete?.length) {
    lines.push(...section('Incomplete (these parts are unknown or partial)', r.incomplete.map((i) => paint('yellow', `${i.probe}: ${i.reason}`)), paint));
  }
  if (r.probeErrors && Object.keys(r.probeErrors).length) {
    lines.push(...section('Probes that failed (please report)', Object.entries(r.probeErrors).map(([k, v]) => `${k}: ${v}`), paint));
  }
  lines.push('', paint('dim', `Checked in ${r.durationMs} ms`));
  return lines.join('\n') + '\n';
}
