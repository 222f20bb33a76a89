// What OpenSSL printed beside a diagnosis, collapsed to its key line for Slack. One function, so
// the Slack formatting can move it wherever the diagnosis goes.
import type { Diagnosis } from '../types.js';
import { code, context, esc, type ContextBlock } from './slack/blocks.js';
import { SEVERITY_EMOJI } from './slack/emoji.js';

/** The key line OpenSSL printed (or why there is none); null when evidence was not asked for. */
export function evidenceBlock(d: Pick<Diagnosis, 'evidence' | 'evidenceReason'>): ContextBlock | null {
  if (d.evidence === undefined) return null;
  const ev = d.evidence;
  if (ev === null) return context(`OpenSSL: no evidence (${esc(d.evidenceReason ?? 'not run')})`);
  const who = esc(ev.openssl ?? 'OpenSSL');
  const exit = ev.exitCode === null ? 'killed' : `exit ${ev.exitCode}`;
  const line = `${code(ev.keyLine.length > 300 ? `${ev.keyLine.slice(0, 300)}…` : ev.keyLine)} (${exit})`;
  if (ev.confirms === false) return context(`${SEVERITY_EMOJI.warning} ${who} does not show this: ${line} — it disagrees with this diagnosis`);
  if (ev.confirms === null) return context(`${who} cannot tell: ${line}${ev.note ? ` — ${esc(ev.note)}` : ''}`);
  return context(`${who} says: ${line}`);
}
