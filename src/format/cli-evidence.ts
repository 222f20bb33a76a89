// What OpenSSL printed beside a diagnosis, for a person at a terminal. Pure: colour is a parameter.
import type { Diagnosis } from '../types.js';

/** The styles this uses; cli-text's Paint fits (it is not imported: cli-text imports this file). */
type Paint = (style: 'bold' | 'dim' | 'yellow' | 'cyan', text: string) => string;

/** "OpenSSL 3.0.19 says:", the command, the excerpt; a disagreement or a missing run said plainly. */
export function evidenceLines(d: Pick<Diagnosis, 'evidence' | 'evidenceReason'>, indent: string, paint: Paint): string[] {
  if (d.evidence === undefined) return [];
  const ev = d.evidence;
  if (ev === null) return [`${indent}${paint('dim', `OpenSSL: no evidence (${d.evidenceReason ?? 'not run'})`)}`];
  const exit = ev.exitCode === null ? 'killed' : `exit ${ev.exitCode}`;
  const lines = [
    `${indent}${paint('cyan', `${ev.openssl ?? 'OpenSSL'} says:`)} ${paint('dim', `(${exit}, ${ev.durationMs} ms)`)}`,
    `${indent}  ${paint('dim', `$ ${ev.command}`)}`,
    ...ev.excerpt.split('\n').map((l) => `${indent}  ${l === ev.keyLine && ev.confirms ? paint('bold', l) : l}`),
  ];
  if (ev.confirms === false) lines.push(`${indent}${paint('yellow', `⚠ ${ev.note ?? 'OpenSSL does not show this symptom'}`)}`);
  else if (ev.confirms === null && ev.note) lines.push(`${indent}${paint('dim', ev.note)}`);
  return lines;
}
