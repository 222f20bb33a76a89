// Issue 15: server- and user-controlled text (certificate SAN/subject, the first response line, a
// pasted error) is escaped after any formatting, in blocks and in the fallback `text`: it never
// becomes a link or a mention.
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_BASE } from '../src/diagnose/kb/index.js';
import { failureMessage, threadMessages, verdictMessage } from '../src/format/slack-messages.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { baseResult, errorResult, renegDiagnosis } from './helpers/slack-fixtures.js';

const SAN = 'DNS:[click](https://evil.example/)';
const LINE = 'HTTP/1.1 200 OK <!channel> <@U123> <https://evil.example/|login>';
const everything = (msgs: SlackMessage[]): string => msgs.map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`).join('\n');

function assertInert(out: string): void {
  expect(out).not.toContain('<https://evil.example/');
  expect(out).not.toContain('|click>');
  expect(out).not.toContain('<!channel>');
  expect(out).not.toContain('<@U123>');
}

describe('no links or mentions from a checked server', () => {
  it('a SAN with a Markdown link in a diagnosis stays text in blocks and fallback', () => {
    const r = baseResult({ diagnoses: [{ ...renegDiagnosis, title: `Name mismatch ${SAN}`, why: `The certificate names ${SAN}, not the host. ${renegDiagnosis.why}` }] });
    const out = everything([verdictMessage(r, { ref: { jobId: 'j1', input: 'a.example:443', sni: null }, user: 'U0ME', explained: null }), ...threadMessages(r)]);
    expect(out).toContain('[click](https://evil.example/)');
    assertInert(out);
  });

  it('a response line with <!channel> and <@U…> in an error is escaped in the fallback text too', () => {
    const r = errorResult('reset', `The server answered plain text: ${LINE}`);
    const verdict = verdictMessage(r, { ref: { jobId: 'j2', input: 'a.example:443', sni: null }, user: 'U0ME', explained: null });
    assertInert(everything([verdict, ...threadMessages(r)]));
    expect(verdict.text).toContain('&lt;!channel&gt;');
    assertInert(everything([failureMessage('a.example:443', LINE)]));
  });

  it('the knowledge base writes no Markdown links (the Slack formatter does not convert them)', () => {
    const texts = KNOWLEDGE_BASE.flatMap((e) => [e.why, ...Object.values(e.fixes ?? {}).flat()]);
    expect(texts.length).toBeGreaterThan(10);
    for (const t of texts) expect(String(t)).not.toMatch(/\[[^\]]+\]\(https?:/);
  });
});
