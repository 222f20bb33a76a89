// Renders `tlscheck explain` for a person. Pure: colour is a parameter.
import type { CheckResult } from '../types.js';
import type { ExplainResult } from '../diagnose/index.js';
import { reproduceLines, type Paint } from './cli-text.js';
import { evidenceLines } from './cli-evidence.js';

const VERDICT_LABEL: Record<string, [Parameters<Paint>[0], string]> = {
  confirmed: ['red', 'confirmed by the live check'],
  'ruled-out': ['green', 'ruled out by the live check'],
  untested: ['dim', 'not tested'],
};

export function renderExplain(answer: ExplainResult, result: CheckResult | null, paint: Paint): string {
  const lines: string[] = [];
  if (!answer.recognised) {
    lines.push(paint('yellow', 'Not recognised: no known error matches this text exactly.'));
    if (answer.candidates.length) lines.push('Nearest candidates:');
    else {
      lines.push(
        'Paste the whole error line as the client printed it (OpenSSL, curl, Java, Node.js, Go, .NET or',
        'a browser), e.g. "tlsv1 alert protocol version" or "unable to get local issuer certificate",',
        'or run `tlscheck check <host>` to see what the server itself does wrong.',
      );
    }
  } else {
    lines.push(paint('bold', 'Likely causes, most likely first:'));
  }
  answer.candidates.forEach((c, i) => {
    const [style, label] = VERDICT_LABEL[c.verdict] ?? ['dim', c.verdict];
    const verdict = result ? ` ${paint(style, `[${label}]`)}` : '';
    lines.push(`${i + 1}. ${c.title}${verdict}`);
    if (result && c.evidence) lines.push(`   ${c.evidence}`);
    if (c.matched) lines.push(paint('dim', `   matched: ${c.matched}`));
    // The live server's confirmation in OpenSSL's own words.
    const d = c.verdict === 'confirmed' ? answer.diagnoses.find((x) => x.id === c.id) : undefined;
    if (d) lines.push(...evidenceLines(d, '   ', paint));
  });
  const top = answer.diagnoses[0];
  if (top) {
    lines.push('', paint('bold', top.title), top.why);
    for (const [platform, steps] of Object.entries(top.fixes)) {
      if (!steps?.length) continue;
      lines.push(paint('cyan', `Fix (${platform}):`), ...steps.map((s) => `  ${s}`));
    }
    if (top.reproduce) lines.push(...reproduceLines(top.reproduce, '', paint));
    if (top.references.length) lines.push(paint('dim', `See: ${top.references.join(' ')}`));
  }
  if (result?.error) lines.push('', paint('yellow', `The live check could not complete a handshake: ${result.error.message}`));
  return lines.join('\n') + '\n';
}
