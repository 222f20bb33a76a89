// Block Kit for a finished check: the one-line verdict (parent message) and the diagnosis (thread).
// Pure functions of a CheckResult; everything that came from the server is escaped.
import { domainToUnicode } from 'node:url';
import type { CheckResult, Diagnosis, Finding, Severity } from '../types.js';
import { evidenceBlock } from './slack-evidence.js';
import { RISKY } from '../diagnose/kb/types.js';
import { severityRank, verdictOf, verdictOfSeverity, type Verdict } from '../verdict.js';
import { hostPort } from '../target/host-port.js';
import { errnoSentenceFor } from '../probe/context.js';
import { PROTOCOL_LABEL, PROTOCOLS_NEWEST_FIRST } from './labels.js';
import { certExtrasText, keyExchangeLines, ocspText } from './kex-lines.js';
import {
  code, codeBlock, context, divider, esc, fieldsSection, header, section,
  type Block,
} from './slack/blocks.js';
import { SEVERITY_EMOJI, VERDICT_EMOJI } from './slack/emoji.js';

export const VERDICT_WORD: Record<Verdict, string> = { pass: 'no problems found', warn: 'works, with warnings', fail: 'problems found' };

const SEVERITY_HEADING: Record<Severity, string> = { critical: 'Critical', error: 'Errors', warning: 'Warnings', info: 'Notes', ok: 'Passed' };
const WORST_FIRST: readonly Severity[] = ['critical', 'error', 'warning', 'info', 'ok'];

export function targetLabel(result: Pick<CheckResult, 'target'>): string {
  return hostPort(result.target.host, result.target.port);
}

/** An internationalised (punycode) name in Unicode, or null when it is not one. */
function unicodeOf(name: string): string | null {
  if (!name.split('.').some((l) => l.toLowerCase().startsWith('xn--'))) return null;
  const unicode = domainToUnicode(name);
  return unicode && unicode !== name ? unicode : null;
}

/**
 * For people: "bücher.example:443 (xn--bcher-kva.example)" for an internationalised name, and the
 * SNI sent beside the target when it is another name, "10.0.0.5:443 → api.example.com": the
 * channel sees which certificate was asked for, not only where.
 */
export function displayTarget(host: string, port: number, sni?: string | null): string {
  const unicode = unicodeOf(host);
  let label = unicode ? `${hostPort(unicode, port)} (${host})` : hostPort(host, port);
  if (sni && sni.toLowerCase() !== host.toLowerCase()) {
    const sniUnicode = unicodeOf(sni);
    label += ` → ${sniUnicode ? `${sniUnicode} (${sni})` : sni}`;
  }
  return label;
}

export function displayLabel(result: Pick<CheckResult, 'target'>): string {
  return displayTarget(result.target.host, result.target.port, result.target.sni);
}

/** displayTarget for a queued target ("example.com:443", "[2001:db8::1]:443") before there is a result. */
export function displayInput(input: string, sni: string | null | undefined): string {
  const colon = input.lastIndexOf(':');
  const port = Number(input.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) return input;
  const host = input.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return displayTarget(host, port, sni);
}

/** "❌ example.com:443 — Server refuses client-initiated renegotiation" (mrkdwn). */
export function verdictLine(result: CheckResult): string {
  return `${VERDICT_EMOJI[verdictOf(result)]} *${esc(displayLabel(result))}* — ${esc(mainCause(result))}${incompleteNote(result)}`;
}

/** A cut result must never read as a whole one: " — _incomplete: ciphers, resumption_". */
function incompleteNote(result: CheckResult): string {
  const parts = result.incomplete?.map((i) => i.probe) ?? [];
  return parts.length ? ` — _incomplete: ${esc(parts.join(', '))}_` : '';
}

/** The error that stopped the check, else the most likely diagnosis, else the worst finding. */
export function mainCause(result: CheckResult): string {
  const verdict = verdictOf(result);
  if (result.error) return errorCause(result);
  if (verdict === 'pass') return VERDICT_WORD.pass;
  const top = result.diagnoses?.[0];
  if (top && verdictOfSeverity(top.severity) !== 'pass') return top.title;
  const worst = [...result.findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
  return worst?.title ?? VERDICT_WORD[verdict];
}

/** What a bare error code means when the message says no more ("timeout"). */
const BARE_ERROR: Partial<Record<NonNullable<CheckResult['error']>['code'], string>> = {
  timeout: "No answer from the server before the check's deadline",
  refused: 'The connection was refused: nothing listens on that port, or a firewall rejects it',
  reset: 'The connection was reset by the server or something in between (often a firewall or middlebox)',
};

/** "connect ECONNREFUSED 192.0.2.1:443", "read ECONNRESET": a known errno code, with the words and address around it. */
const RAW_ERRNO = /(?<![(\w])(?:(?:connect|read|write|getaddrinfo|socket|lookup)\s+)?\b(E[A-Z]{3,}|ERR_SOCKET_[A-Z_]+)\b(?:\s+(?:\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3}|[\w-]+(?:\.[\w-]+)+)(?::\d+)?)?/g;

/**
 * The error of a check that could not run, as the verdict says it beside the target: raw errno
 * codes become sentences (the code kept in brackets, for searching), and the target is not said
 * a second time ("Could not resolve 'x.example': …" → "Could not resolve the name: …").
 */
export function errorCause(result: Pick<CheckResult, 'error' | 'target'>): string {
  const err = result.error;
  if (!err) return '';
  const { host, ip, port } = result.target;
  let text = err.message.trim();
  const bare = BARE_ERROR[err.code];
  if (bare && /^(timeout|timed out|check deadline reached|connection (refused|reset)|)$/i.test(text)) return bare;
  text = text.replace(RAW_ERRNO, (whole: string, code: string) => {
    const sentence = errnoSentenceFor(code);
    return sentence ? `${sentence} (${code})` : whole;
  });
  const quoted = (name: string): RegExp => new RegExp(`'${escapeRe(name)}'`, 'gi');
  text = text.replace(quoted(host), 'the name');
  for (const name of [host, ip].filter(Boolean)) {
    // "… to 192.0.2.1:443": the server, already named beside the verdict.
    text = text.replace(new RegExp(`\\[?${escapeRe(name)}\\]?:${port}\\b`, 'g'), 'the server');
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------
// Summary

const PROTOCOL_ORDER = PROTOCOLS_NEWEST_FIRST;

const yesNo = (v: boolean | null | undefined, yes = 'yes', no = 'no'): string => (v === true ? yes : v === false ? no : 'unknown');

function protocolsText(r: CheckResult): string {
  const by = (want: boolean | null): string[] =>
    PROTOCOL_ORDER.filter((p) => p in r.protocols && r.protocols[p] === want).map((p) => PROTOCOL_LABEL[p]);
  const parts = [
    by(true).length ? `offered: ${by(true).join(', ')}` : 'offered: none',
    by(false).length ? `refused: ${by(false).join(', ')}` : '',
    by(null).length ? `unknown: ${by(null).join(', ')}` : '',
  ];
  return parts.filter(Boolean).join('\n');
}

function ciphersText(r: CheckResult): string {
  const per = PROTOCOL_ORDER.flatMap((p) => (r.ciphers[p]?.length ? [`${PROTOCOL_LABEL[p]}: ${r.ciphers[p]?.length}`] : []));
  const unique = new Set(Object.values(r.ciphers).flatMap((list) => list ?? []));
  return unique.size === 0 ? 'none found' : `${unique.size} suite${unique.size === 1 ? '' : 's'} (${per.join(', ')})`;
}

const CLIENT_RENEG: Record<CheckResult['renegotiation']['clientInitiated'], string> = {
  accepted: 'accepted',
  limited: 'limited',
  rejected: 'refused',
  'not-applicable': 'not applicable (TLS 1.3 only)',
  unknown: 'unknown',
};

function renegotiationText(r: CheckResult): string {
  const g = r.renegotiation;
  const secure = g.secure === null && g.clientInitiated === 'not-applicable' ? 'n/a' : yesNo(g.secure);
  let client = CLIENT_RENEG[g.clientInitiated];
  if (g.clientInitiated === 'limited' || g.clientInitiated === 'accepted') client += ` (${g.acceptedCount} honoured)`;
  // The findings say why (the alert) already; the grid repeats it only when no finding does.
  if (g.reason && !r.findings.some((f) => f.detail.includes(g.reason ?? ''))) client += ` — ${esc(g.reason)}`;
  return `secure (RFC 5746): ${secure}\nclient-initiated: ${client}`;
}

function resumptionText(r: CheckResult): string {
  const s = r.resumption;
  const lines = [`session IDs: ${yesNo(s.sessionId)}`, `tickets: ${yesNo(s.tickets)}`];
  if (s.consistent !== null) lines.push(`consistent across connections: ${yesNo(s.consistent)}`);
  return lines.join('\n');
}

function certificateText(r: CheckResult): string {
  const c = r.certificate;
  if (!c) return 'not seen';
  const trust = c.trusted ? 'trusted' : `*not trusted*${c.verifyError ? ` (${code(c.verifyError)})` : ''}`;
  const name = c.hostnameMatch ? 'name matches' : '*name does not match*';
  const expiry = c.daysLeft < 0 ? `*expired ${-c.daysLeft} days ago*` : `expires in ${c.daysLeft} days`;
  const issues = c.chainIssues?.length ? `\nchain: ${c.chainIssues.map(esc).join(', ')}` : '';
  const extras = certExtrasText(r);
  return `${trust}, ${name}, ${expiry}\n${esc(c.subject)} ← ${esc(c.issuer)}${issues}${extras ? `\n${esc(extras)}` : ''}`;
}

function serverText(r: CheckResult): string {
  const lines = [`software: ${r.server ? code(r.server) : 'not seen'}`, `ALPN: ${r.alpn ? code(r.alpn) : 'none'}`, `OCSP stapling: ${yesNo(r.ocspStapled)}`];
  const auth = r.clientAuth;
  if (auth?.requested) {
    const need = auth.required === true ? '*required*' : auth.required === false ? 'optional' : 'requested';
    lines.push(`client certificate: ${need}${auth.caNames.length ? ` (CAs: ${auth.caNames.map(esc).join('; ')})` : ''}`);
  }
  const ocsp = ocspText(r);
  if (ocsp) lines.push(`OCSP status: ${esc(ocsp)}`);
  lines.push(...keyExchangeLines(r).map(esc));
  const pq = r.keyExchange?.postQuantum;
  if (pq !== undefined) lines.push(`post-quantum (X25519MLKEM768): ${yesNo(pq)}`);
  const large = r.middlebox?.largeHello;
  if (large !== undefined) lines.push(`large ClientHello: ${large === 'ok' ? 'passes' : large === 'unknown' ? 'unknown' : `*${large}*`}`);
  return lines.join('\n');
}

/** "✅ 9 of 11 common clients connect; ❌ Java 8, OpenSSL 1.0.2": the list with reasons is in the findings. */
export function clientsText(clients: NonNullable<CheckResult['clients']>): string {
  const ok = clients.filter((c) => c.connects === true).length;
  const bad = clients.filter((c) => c.connects === false).map((c) => esc(c.name));
  const unknown = clients.filter((c) => c.connects === null).length;
  const parts = [`${bad.length ? '⚠️' : '✅'} ${ok} of ${clients.length} common clients connect`];
  if (bad.length) parts.push(`❌ ${bad.join(', ')}`);
  if (unknown) parts.push(`${unknown} unknown`);
  return parts.join('; ');
}

const sniText = (r: CheckResult): string => (r.target.sni ? ` as ${code(r.target.sni)}` : ' without SNI');

/** Summary fields: one per aspect, at most 10 (Slack's limit for fields). */
export function summaryFields(r: CheckResult): string[] {
  if (r.error && !Object.values(r.protocols).some((v) => v !== null)) {
    // The error itself is the verdict, at the top of the thread: not said again here.
    return [`*Address*\n${r.target.ip ? code(r.target.ip) : 'not resolved'}${sniText(r)}`];
  }
  const rows: [string, string][] = [
    ['Protocols', protocolsText(r)],
    ['Ciphers', ciphersText(r)],
    ['Renegotiation', renegotiationText(r)],
    ['Resumption', resumptionText(r)],
    ['Certificate', certificateText(r)],
    ['Server', serverText(r)],
    ...(r.clients?.length ? [['Clients', clientsText(r.clients)] as [string, string]] : []),
    // How long it took is in the verdict's line, above the thread.
    ['Checked', `${code(r.target.ip || r.target.host)}${sniText(r)}`],
  ];
  return rows.map(([k, v]) => `*${k}*\n${v}`);
}

// ---------------------------------------------------------------------------------------------
// Handshake ladder

/** How a connection failed, step by step; null when no handshake failed. */
export function handshakeLadder(r: CheckResult): string | null {
  const err = r.error;
  const errorLadders: Partial<Record<NonNullable<typeof err>['code'], string[]>> = {
    refused: ['TCP SYN', `✗ connection refused (nothing listens on port ${r.target.port})`],
    reset: ['ClientHello', '✗ connection reset, no TLS alert (often a firewall or middlebox)'],
    timeout: ['ClientHello', '…', '✗ no answer before the deadline'],
    'not-tls': ['ClientHello', '✗ the answer is not TLS (plain HTTP on a TLS port?)'],
  };
  if (err) {
    const steps = errorLadders[err.code];
    return steps ? steps.join(' → ') : null;
  }
  // A server that refuses or limits client-initiated renegotiation completed its handshake: that is
  // a passed check (listed under Passed), not a failure, so it gets no ladder.
  const g = r.renegotiation;
  if (g.secure === false) {
    return 'ClientHello (+ renegotiation_info) → ServerHello without renegotiation_info ✗ OpenSSL 3 clients stop here: unsafe legacy renegotiation disabled';
  }
  const known = Object.values(r.protocols).filter((v) => v !== null);
  if (known.length > 0 && known.every((v) => v === false)) {
    return 'ClientHello (SSL 3 … TLS 1.3) → ✗ every version refused';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Findings and diagnosis

export function findingsBlocks(findings: readonly Finding[]): Block[] {
  if (findings.length === 0) return [section('*Findings*\nnone')];
  const groups = WORST_FIRST
    .map((sev) => ({ sev, items: findings.filter((f) => f.severity === sev) }))
    .filter((g) => g.items.length > 0);
  return groups.map(({ sev, items }) => {
    const emoji = SEVERITY_EMOJI[sev];
    const heading = SEVERITY_HEADING[sev];
    // Passed checks are many and dull: titles only.
    const lines = sev === 'ok'
      ? [items.map((f) => esc(f.title)).join(' · ')]
      : items.map((f) => `• *${esc(f.title)}*${f.detail ? ` — ${esc(f.detail)}` : ''}`);
    return section(`${emoji} *${heading}* (${items.length})\n${lines.join('\n')}`);
  });
}

/** Server software as a knowledge-base platform key, from the Server header. */
const SERVER_PLATFORMS: [RegExp, string][] = [
  [/nginx|openresty|tengine/i, 'nginx'],
  [/apache|httpd/i, 'apache'],
  [/haproxy/i, 'haproxy'],
  [/node|express|deno/i, 'node'],
  [/jetty|tomcat|java|glassfish|wildfly|undertow/i, 'java'],
];
/** The main server platforms, shown when the server's own cannot be told. */
const MAIN_SERVER_PLATFORMS = ['nginx', 'apache', 'haproxy', 'node', 'java'];

const PLATFORM_LABEL: Record<string, string> = {
  nginx: 'nginx', apache: 'Apache httpd', haproxy: 'HAProxy', node: 'Node.js server', java: 'Java server',
  openssl: 'OpenSSL / curl client', curl: 'curl', 'node-client': 'Node.js client', 'java-client': 'Java client',
  browser: 'Browsers', network: 'Firewall / middlebox',
  client: 'the client', general: 'any server', any: 'any server',
};

export function detectPlatform(server: string | null | undefined): string | null {
  if (!server) return null;
  return SERVER_PLATFORMS.find(([re]) => re.test(server))?.[1] ?? null;
}

/**
 * Which fix lists to show, in order: the detected server's own (or every main server platform
 * when unknown), then every client-side or general list, since many fixes belong to the client.
 */
export function fixPlatforms(d: Diagnosis, server: string | null | undefined): string[] {
  const available = Object.keys(d.fixes).filter((k) => (d.fixes[k]?.length ?? 0) > 0);
  const detected = detectPlatform(server);
  const serverSide = detected && available.includes(detected) ? [detected] : MAIN_SERVER_PLATFORMS.filter((p) => available.includes(p));
  const rest = available.filter((k) => !MAIN_SERVER_PLATFORMS.includes(k));
  return [...serverSide, ...rest];
}

/** The knowledge base writes Markdown for the CLI; Slack speaks mrkdwn. */
// No link conversion: `why` carries the check's own detail (a certificate's SAN, the server's first
// response line), so `[text](url)` there would become a disguised link (issue 15). The knowledge
// base writes no Markdown links (test/gates-escaping.test.ts holds it to that).
export function markdownToMrkdwn(text: string): string {
  return esc(text)
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/^#{1,6}\s+(.*)$/gm, '*$1*');
}

/** Fixes that weaken security start with RISKY; they must stand out, not read like the others. */
function fixLine(step: string): string {
  return step.startsWith(RISKY) ? `⚠️ *${esc(RISKY)}*${markdownToMrkdwn(step.slice(RISKY.length))}` : markdownToMrkdwn(step);
}

export function diagnosisBlocks(d: Diagnosis, server?: string | null): Block[] {
  const detected = detectPlatform(server);
  const blocks: Block[] = [header(`${SEVERITY_EMOJI[d.severity]} ${d.title}`), section(markdownToMrkdwn(d.why))];
  for (const p of fixPlatforms(d, server)) {
    const steps = d.fixes[p] ?? [];
    const label = PLATFORM_LABEL[p] ?? p;
    const note = p === detected && server ? ` (detected from ${code(server)})` : '';
    const list = steps.map((s, i) => `${i + 1}. ${fixLine(s)}`).join('\n');
    blocks.push(section(`*Fix on ${esc(label)}*${note}\n${list}`));
  }
  if (d.reproduce) blocks.push(section(`*Reproduce*\n${codeBlock(d.reproduce)}`));
  const evidence = evidenceBlock(d);
  if (evidence) blocks.push(evidence);
  if (d.references.length) blocks.push(context(`References: ${d.references.map((u) => (/^https?:\/\//.test(u) ? `<${u}>` : esc(u))).join(' · ')}`));
  return blocks;
}

/**
 * The whole diagnosis, for the thread, in the order an on-call engineer needs it: the most likely
 * cause with the fix for the detected server and the reproduce command first; then the summary
 * grid, the handshake ladder (only where a handshake failed) and the other findings.
 */
export function resultThreadBlocks(r: CheckResult): Block[] {
  const [top, ...others] = r.diagnoses ?? [];
  const lead: Block[] = top ? [...diagnosisBlocks(top, r.server), divider()] : [];
  const blocks: Block[] = [...lead, header(`Summary for ${displayLabel(r)}`), fieldsSection(summaryFields(r))];
  const ladder = handshakeLadder(r);
  if (ladder) blocks.push(section(`*Where the handshake fails*\n\`\`\`${ladder}\`\`\``));
  // The lead diagnosis's own finding (same knowledge-base id) was just explained in full.
  const rest = top ? r.findings.filter((f) => f.id !== top.id) : r.findings;
  if (rest.length > 0 || !top) blocks.push(divider(), ...findingsBlocks(rest));
  if (others.length) {
    blocks.push(context(`Also possible: ${others.map((d) => `${SEVERITY_EMOJI[d.severity]} ${esc(d.title)}`).join(' · ')}`));
  }
  if (!top) blocks.push(divider(), section(`*Reproduce*\n${codeBlock(reproduceCommand(r))}`));
  return blocks;
}

/** A command the CLI accepts (src/cli/args.ts): `tlscheck check host:port [--sni name]`. */
export function reproduceCommand(r: Pick<CheckResult, 'target'>): string {
  const sni = r.target.sni && r.target.sni !== r.target.host ? ` --sni ${r.target.sni}` : '';
  return `tlscheck check ${targetLabel(r)}${sni}`;
}

/**
 * The first threaded reply, which mentions the requester (chat.update of the verdict notifies
 * nobody): the verdict's word and where to look, not the cause again, which the thread's first
 * message (the verdict) shows right above.
 */
export function notifyLine(r: CheckResult): string {
  if (r.error) return `${VERDICT_EMOJI.fail} the check could not finish: where it stopped and what to try are below.`;
  const v = verdictOf(r);
  if (v === 'pass') return `${VERDICT_EMOJI.pass} ${VERDICT_WORD.pass}; the summary is below.`;
  return `${VERDICT_EMOJI[v]} ${VERDICT_WORD[v]}: the most likely cause and its fix come first.`;
}

/** Slack reads a message's `text` as mrkdwn too (notifications): the cause is server text, escaped. */
export const verdictFallback = (r: CheckResult): string => `${VERDICT_EMOJI[verdictOf(r)]} ${esc(displayLabel(r))}: ${esc(mainCause(r))}`;
