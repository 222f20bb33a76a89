// From one s_client run to the evidence shown beside a diagnosis: the few lines that matter,
// whether they show the symptom, and if not, a plain sentence saying so. Pure.
import type { CheckResult, Evidence } from '../types.js';
import { failureLine, isErrorLine, type Observed } from './observe.js';
import { CANNOT_TEST, type Recipe } from './recipes.js';

const MAX_LINES = 8;
const MAX_LINE = 240;

/** Lines worth quoting whatever the diagnosis: errors, verify results, the handshake, renegotiation. */
const COMMON: RegExp[] = [
  /^error:|:error:|errno=\d+/,
  /^verify error:/,
  /^Verify return code:/,
  /^New, /,
  /^RENEGOTIATING$/,
  CANNOT_TEST,
];

function wanted(o: Observed, recipe: Recipe, l: string): boolean {
  // s_client prints "IS NOT supported" over TLS 1.3 and after failed handshakes, for any server.
  if (/^Secure Renegotiation IS/.test(l)) return o.handshake !== null && o.handshake.protocol !== 'TLSv1.3';
  return COMMON.some((re) => re.test(l)) || (recipe.extra ?? []).some((re) => re.test(l));
}

/** The chosen lines in output order, without repeats, the key line always among them. */
export function excerptOf(o: Observed, recipe: Recipe, key: string | null): string[] {
  const seen = new Set<string>();
  const picked: string[] = [];
  for (const l of o.lines) {
    if (seen.has(l) || !(l === key || wanted(o, recipe, l))) continue;
    seen.add(l);
    picked.push(l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l);
  }
  if (picked.length <= MAX_LINES) return picked;
  const head = picked.slice(0, MAX_LINES);
  if (key && !head.includes(key)) head[MAX_LINES - 1] = key;
  return head;
}

/** What OpenSSL showed instead of the symptom, in a few words. */
function instead(o: Observed): string {
  if (o.timedOut) return `it got no answer within ${o.timeoutMs} ms`;
  if (o.handshake) return `it connected (${o.handshake.protocol}, ${o.handshake.cipher}) and exited with ${o.exitCode}`;
  const fail = failureLine(o);
  return fail ? `it printed "${fail}"` : `it exited with ${o.exitCode}`;
}

export function judge(
  o: Observed,
  recipe: Recipe,
  result: CheckResult,
  meta: { command: string; openssl: string | null; durationMs: number },
): Evidence {
  const who = meta.openssl ?? 'OpenSSL';
  const cannot = o.lines.find((l) => CANNOT_TEST.test(l));
  const key = cannot ? null : recipe.shows(o, result);
  const excerptLines = excerptOf(o, recipe, key ?? cannot ?? null);
  let confirms: boolean | null;
  let note: string | null;
  if (key) {
    confirms = true;
    note = null;
  } else if (cannot) {
    confirms = null;
    note = `${who} cannot test this (built without it): "${cannot}"`;
  } else if (o.timedOut) {
    confirms = null;
    note = `${who} got no answer within ${o.timeoutMs} ms and was stopped, so it neither confirms nor contradicts this diagnosis`;
  } else {
    confirms = false;
    note = `${who} does not show ${recipe.expect}: ${instead(o)}. It disagrees with this diagnosis; compare the two before acting on it`;
  }
  const keyLine = key ?? cannot ?? excerptLines.find(isErrorLine) ?? o.handshake?.line ?? excerptLines[0] ?? (o.timedOut ? `(no answer within ${o.timeoutMs} ms: killed)` : '(no output)');
  const excerpt = excerptLines.length ? excerptLines.join('\n') : keyLine;
  return { command: meta.command, exitCode: o.exitCode, excerpt, keyLine, confirms, note, openssl: meta.openssl, durationMs: meta.durationMs };
}
