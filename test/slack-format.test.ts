import { describe, expect, it } from 'vitest';
import {
  SLACK_LIMITS, blockViolations, context, esc, fieldsSection, header, messageViolations, section,
  type Block, type SlackMessage,
} from '../src/format/slack/blocks.js';
import { fitBlock, paginate, splitText, toMessages } from '../src/format/slack/split.js';
import {
  detectPlatform, displayInput, errorCause, fixPlatforms, handshakeLadder, reproduceCommand, resultThreadBlocks, summaryFields, verdictLine,
} from '../src/format/slack-result.js';
import { verdictOf } from '../src/verdict.js';
import { decodeRef, encodeRef } from '../src/format/slack/actions.js';
import {
  RESPONSE_URL_POSTS, capPosts, cliCommand, fallbackHint, fallbackMessages, pendingMessage, progressMessage,
  rawJsonMessages, threadMessages, verdictMessage,
} from '../src/format/slack-messages.js';
import { explainMessages, topExplanation } from '../src/format/slack-explain.js';
import { changesSince } from '../src/format/slack-changes.js';
import { helpMessage, homeBlocks } from '../src/format/slack-help.js';
import { parseCli } from '../src/cli/args.js';
import { classifyNetError } from '../src/probe/context.js';
import { baseResult, cleanResult, errorResult, fakeExplanation, hugeResult, renegDiagnosis } from './helpers/slack-fixtures.js';

/** All text of a list of messages, joined, to check nothing was lost. */
function allText(messages: SlackMessage[]): string {
  return messages.flatMap((m) => m.blocks).map(blockText).join('\n');
}
function blockText(b: Block): string {
  switch (b.type) {
    case 'section':
      return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)].join('\n');
    case 'header':
      return b.text.text;
    case 'context':
      return b.elements.map((e) => e.text).join('\n');
    case 'actions':
      return b.elements.map((e) => e.text.text).join(' ');
    case 'divider':
      return '';
  }
}
function expectValid(messages: SlackMessage[]): void {
  for (const m of messages) expect(messageViolations(m.blocks)).toEqual([]);
}

describe('splitText', () => {
  it('keeps short text as it is', () => {
    expect(splitText('hello', 3000)).toEqual(['hello']);
  });

  it('splits long text at line breaks without losing a character', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    const text = lines.join('\n');
    const chunks = splitText(text, 3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(3000);
    expect(chunks.join('\n')).toBe(text);
  });

  it('closes and reopens a code fence that spans a cut', () => {
    const body = Array.from({ length: 300 }, (_, i) => `  "key${i}": "value ${i}",`).join('\n');
    const text = `Intro\n\`\`\`\n${body}\n\`\`\`\nOutro`;
    const chunks = splitText(text, 3000);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(3000);
      expect((c.match(/```/g) ?? []).length % 2).toBe(0);
    }
    const rejoined = chunks.join('\n').replace(/\n```\n```\n/g, '\n');
    expect(rejoined).toBe(text);
  });

  it('wraps a single line longer than the limit, keeping every character', () => {
    const text = 'a'.repeat(7000);
    const chunks = splitText(text, 3000);
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join('')).toBe(text);
  });

  it('does not cut inside an HTML entity', () => {
    const text = `${'x'.repeat(2990)}&amp;${'y'.repeat(100)}`;
    const chunks = splitText(text, 3000);
    expect(chunks.some((c) => c.includes('&amp;'))).toBe(true);
    expect(chunks.join('')).toBe(text);
  });
});

describe('fitBlock and paginate', () => {
  it('turns a header over 150 characters into a bold section instead of cutting it', () => {
    const title = 'T'.repeat(200);
    const out = fitBlock(header(title));
    expect(out).toHaveLength(1);
    expect(out[0]?.type).toBe('section');
    expect(blockText(out[0] as Block)).toContain(title);
    expect(blockViolations(out[0] as Block)).toEqual([]);
  });

  it('spreads more than 10 fields over sections and moves an oversized field into text', () => {
    const fields = Array.from({ length: 23 }, (_, i) => `field ${i}`);
    fields.push('L'.repeat(2500));
    const out = fitBlock(fieldsSection(fields));
    expect(out.every((b) => blockViolations(b).length === 0)).toBe(true);
    const text = out.map(blockText).join('\n');
    for (let i = 0; i < 23; i++) expect(text).toContain(`field ${i}`);
    expect(text).toContain('L'.repeat(2500));
  });

  it('pages 130 blocks into messages of at most 50, each marked', () => {
    const blocks = Array.from({ length: 130 }, (_, i) => section(`block ${i}`));
    const pages = paginate(blocks);
    expect(pages.length).toBe(3);
    for (const [i, p] of pages.entries()) {
      expect(p.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect(blockText(p[p.length - 1] as Block)).toContain(`Part ${i + 1} of 3`);
    }
    const text = pages.flat().map(blockText).join('\n');
    for (let i = 0; i < 130; i++) expect(text).toContain(`block ${i}`);
  });

  it('respects the per-message character budget', () => {
    const blocks = Array.from({ length: 20 }, (_, i) => section(`${i}:${'z'.repeat(2900)}`));
    const pages = paginate(blocks);
    for (const p of pages) {
      const chars = p.map(blockText).join('').length;
      expect(chars).toBeLessThanOrEqual(SLACK_LIMITS.messageChars + 100);
    }
    expect(pages.length).toBeGreaterThan(4);
  });

  it('always returns at least one page', () => {
    expect(paginate([])).toEqual([[]]);
  });
});

describe('verdict', () => {
  it('is ❌ with the top diagnosis as the cause when something is broken', () => {
    const r = baseResult();
    expect(verdictOf(r)).toBe('fail');
    expect(verdictLine(r)).toBe('❌ *example.com:443* — The server refuses client-initiated renegotiation');
  });

  it('is ✅ for a clean result and ⚠️ for warnings only', () => {
    expect(verdictLine(cleanResult())).toMatch(/^✅ \*example\.com:443\* — no problems found$/);
    const warn = baseResult({ findings: [{ id: 'w', severity: 'warning', title: 'TLS 1.0 offered', detail: '' }], diagnoses: [] });
    expect(verdictLine(warn)).toBe('⚠️ *example.com:443* — TLS 1.0 offered');
  });

  it('gives the error message when the check could not run, once: the thread summary does not repeat it', () => {
    const r = errorResult('blocked', '10.1.2.3 is a private address; tlscheck only checks public servers');
    expect(verdictLine(r)).toContain('❌ *internal.example:443* — 10.1.2.3 is a private address');
    expect(summaryFields(r)).toEqual(['*Address*\n`10.1.2.3` as `internal.example`']);
    expect(allText(threadMessages(r))).not.toContain('private address');
  });

  it('says an error without repeating the target, and raw errno codes as sentences', () => {
    const cases: [Parameters<typeof errorResult>[0], string, string][] = [
      ['dns', "Could not resolve 'internal.example': no such host. Check the spelling, or give an IP address.", 'Could not resolve the name: no such host. Check the spelling, or give an IP address.'],
      ['refused', 'connect ECONNREFUSED 10.1.2.3:443', 'The connection was refused: nothing listens on that port, or a firewall rejects it (ECONNREFUSED)'],
      ['reset', 'read ECONNRESET', 'The connection was reset by the server or something in between (often a firewall or middlebox) (ECONNRESET)'],
      ['reset', 'write EPIPE', 'The connection was closed by the other side while sending (EPIPE)'],
      ['reset', 'connect EHOSTDOWN internal.example:443', 'The host is down (EHOSTDOWN)'],
      ['timeout', 'timeout', "No answer from the server before the check's deadline"],
      ['refused', 'The connection was refused: nothing listens on that port, or a firewall rejects it (ECONNREFUSED).', 'The connection was refused: nothing listens on that port, or a firewall rejects it (ECONNREFUSED).'],
      ['blocked', "Refusing 'internal.example', which resolves to a private address.", 'Refusing the name, which resolves to a private address.'],
      ['reset', 'handshake to 10.1.2.3:443 cut off', 'Handshake to the server cut off'],
    ];
    for (const [code, message, said] of cases) {
      const r = errorResult(code, message);
      expect(errorCause(r), message).toBe(said);
      expect(verdictLine(r)).toBe(`❌ *internal.example:443* — ${esc(said)}`);
      expect(verdictLine(r).match(/internal\.example/g)).toHaveLength(1);
    }
  });

  it('keeps the SNI beside the target when it is another name, and internationalised names in Unicode', () => {
    const sni = baseResult({ target: { host: 'example.com', port: 443, ip: '93.184.216.34', sni: 'www.example.com' } });
    expect(verdictLine(sni)).toBe('❌ *example.com:443 → www.example.com* — The server refuses client-initiated renegotiation');
    expect(verdictMessage(sni, { ref: { jobId: 'c1', input: 'example.com:443', sni: 'www.example.com' }, user: null }).text).toMatch(/^❌ example\.com:443 → www\.example\.com: /);
    expect(displayInput('10.0.0.5:8443', 'api.example.com')).toBe('10.0.0.5:8443 → api.example.com');
    expect(displayInput('[2001:db8::1]:443', null)).toBe('[2001:db8::1]:443');
    expect(displayInput('xn--bcher-kva.example:443', 'xn--bcher-kva.example')).toBe('bücher.example:443 (xn--bcher-kva.example)');
    expect(displayInput('example.com:443', 'xn--bcher-kva.example')).toBe('example.com:443 → bücher.example (xn--bcher-kva.example)');
    expect(pendingMessage(displayInput('example.com:443', 'www.example.com'), 'U0ALICE').text).toBe('🔎 Checking example.com:443 → www.example.com…');
  });

  it('says each fact of the thread once: the lead diagnosis is not listed again among the findings, nor the alert in the grid', () => {
    const lead = { ...renegDiagnosis, id: 'reneg-client' };
    const text = allText(threadMessages(baseResult({ diagnoses: [lead] })));
    expect(text.match(/no_renegotiation/g)).toHaveLength(1);
    expect(text).not.toContain('Client-initiated renegotiation refused');
    expect(text).toContain('TLS 1.0 offered');
    // The duration is in the verdict's line, above the thread.
    expect(text).not.toMatch(/\d\.\d s/);
  });

  it('escapes text from the server so it cannot mention @channel or forge links', () => {
    const r = baseResult({ server: '<!channel> evil', diagnoses: [{ ...renegDiagnosis, title: 'A <https://evil|click> & more' }] });
    expect(verdictLine(r)).toContain('A &lt;https://evil|click&gt; &amp; more');
    const text = threadMessages(r).map((m) => allText([m])).join('');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('shows an internationalised name in Unicode with its punycode beside; the reproduce command keeps punycode', () => {
    const r = baseResult({ target: { host: 'xn--bcher-kva.example', port: 443, ip: '93.184.216.34', sni: 'xn--bcher-kva.example' } });
    expect(verdictLine(r)).toContain('*bücher.example:443 (xn--bcher-kva.example)*');
    expect(allText(threadMessages(r))).toContain('Summary for bücher.example:443 (xn--bcher-kva.example)');
    expect(reproduceCommand(r)).toBe('tlscheck check xn--bcher-kva.example:443');
    expect(verdictLine(baseResult())).toContain('*example.com:443*');
  });

  it('brackets IPv6 targets', () => {
    const r = baseResult({ target: { host: '2001:db8::1', port: 8443, ip: '2001:db8::1', sni: null } });
    expect(verdictLine(r)).toContain('[2001:db8::1]:8443');
  });
});

describe('summary and ladder', () => {
  it('summarises protocols, ciphers, renegotiation, resumption and certificate in at most 10 fields', () => {
    const fields = summaryFields(baseResult());
    expect(fields.length).toBeLessThanOrEqual(10);
    const text = fields.join('\n');
    expect(text).toContain('offered: TLS 1.3, TLS 1.2, TLS 1.0');
    expect(text).toContain('refused: TLS 1.1, SSL 3');
    expect(text).toContain('5 suites');
    // The alert is in the findings' detail: the grid does not say it again.
    expect(text).toContain('client-initiated: refused');
    expect(text).not.toContain('warning alert 100');
    expect(text).toContain('tickets: yes');
    expect(text).toContain('trusted, name matches, expires in 80 days');
  });

  it('draws no ladder for a healthy server that refuses or limits client renegotiation (no handshake failed)', () => {
    expect(handshakeLadder(baseResult())).toBeNull();
    const limited = baseResult({ renegotiation: { secure: true, clientInitiated: 'limited', acceptedCount: 3, reason: 'connection closed', protocol: 'TLSv1.2' } });
    expect(handshakeLadder(limited)).toBeNull();
    expect(allText(threadMessages(baseResult()))).not.toContain('Where the handshake fails');
  });

  it('says "1 suite", not "1 suites"', () => {
    const one = summaryFields(baseResult({ ciphers: { 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] } })).join('\n');
    expect(one).toContain('1 suite (');
    expect(one).not.toContain('1 suites');
  });

  it('gives a reproduce command the CLI accepts', () => {
    const r = cleanResult();
    const cmd = reproduceCommand({ target: { ...r.target, host: '10.0.0.1', sni: 'api.example' } });
    expect(cmd).toBe('tlscheck check 10.0.0.1:443 --sni api.example');
    const parsed = parseCli(cmd.split(' ').slice(1));
    expect(parsed).toMatchObject({ ok: true, command: { kind: 'check', target: '10.0.0.1:443', sni: 'api.example' } });
    expect(cliCommand({ input: 'example.com', sni: null })).toBe('tlscheck check example.com');
    expect(parseCli(cliCommand({ input: 'example.com', sni: 'x.example' }).split(' ').slice(1)).ok).toBe(true);
  });

  it('draws resets and a legacy server; none for a clean result', () => {
    expect(handshakeLadder(errorResult('reset', 'reset'))).toContain('ClientHello → ✗ connection reset');
    const legacy = baseResult({ renegotiation: { secure: false, clientInitiated: 'accepted', acceptedCount: 10, reason: null, protocol: 'TLSv1.2' } });
    expect(handshakeLadder(legacy)).toContain('unsafe legacy renegotiation disabled');
    expect(handshakeLadder(cleanResult())).toBeNull();
    expect(handshakeLadder(errorResult('blocked', 'x'))).toBeNull();
  });
});

describe('fix steps by server software', () => {
  it('maps Server headers to platforms', () => {
    expect(detectPlatform('nginx/1.22')).toBe('nginx');
    expect(detectPlatform('Apache/2.4.57 (Debian)')).toBe('apache');
    expect(detectPlatform('cloudflare')).toBeNull();
    expect(detectPlatform(null)).toBeNull();
  });

  it('shows the detected server\'s fixes plus the client-side ones', () => {
    expect(fixPlatforms(renegDiagnosis, 'nginx/1.22')).toEqual(['nginx', 'client']);
    expect(fixPlatforms(renegDiagnosis, 'Apache')).toEqual(['apache', 'client']);
  });

  it('marks risky workarounds so they do not read like the other steps', () => {
    const d = { ...renegDiagnosis, fixes: { openssl: ['Risky workaround: Options = UnsafeLegacyServerConnect', 'Upgrade the server'] } };
    const text = allText(toMessages(resultThreadBlocks(baseResult({ diagnoses: [d] })), 'x'));
    expect(text).toContain('1. ⚠️ *Risky workaround:* Options = UnsafeLegacyServerConnect');
    expect(text).toContain('2. Upgrade the server');
  });

  it('shows the main platforms when the server is unknown', () => {
    expect(fixPlatforms(renegDiagnosis, null)).toEqual(['nginx', 'apache', 'haproxy', 'client']);
  });

  it('leads the thread with the cause, the fix for the detected server and the reproduce command; the summary after', () => {
    const flat = JSON.stringify(resultThreadBlocks(baseResult()));
    const at = (s: string): number => flat.indexOf(s);
    expect(at('The server refuses client-initiated renegotiation')).toBeGreaterThanOrEqual(0);
    expect(at('The server refuses client-initiated renegotiation')).toBeLessThan(at('Fix on nginx'));
    expect(at('Fix on nginx')).toBeLessThan(at('*Reproduce*'));
    expect(at('*Reproduce*')).toBeLessThan(at('Summary for example.com:443'));
    expect(at('Summary for example.com:443')).toBeLessThan(at('*Findings*') === -1 ? at('Passed') : at('*Findings*'));
  });

  it('puts the nginx steps, the reproduce command and the references in the thread', () => {
    const text = allText(threadMessages(baseResult()));
    expect(text).toContain('*Fix on nginx* (detected from `nginx/1.22.1`)');
    expect(text).toContain('1. nginx never allows client renegotiation');
    expect(text).toContain('*Fix on the client*');
    expect(text).not.toContain('Fix on Apache');
    expect(text).toContain('openssl s_client -connect example.com:443 -servername example.com -tls1_2 &lt;&lt;&lt; R');
    expect(text).toContain('*no_renegotiation*');
    expect(text).toContain('Also possible: ⚠️ Backends do not share session ticket keys');
  });
});

describe('whole messages', () => {
  const results = { base: baseResult(), clean: cleanResult(), error: errorResult('timeout', 'no answer'), huge: hugeResult() };

  it.each(Object.entries(results))('%s: every message respects Block Kit limits', (_name, r) => {
    const ref = { jobId: 'cabc', input: 'example.com:443', sni: null };
    expectValid(threadMessages(r));
    expectValid([verdictMessage(r, { ref, user: 'U1' })]);
    expectValid(fallbackMessages(r, { ref, user: 'U1' }, 'hint'));
    expectValid(rawJsonMessages(r));
    expectValid([progressMessage('example.com:443', 'U1', { probe: 'certificate', done: 3, total: 10 })]);
  });

  it('spreads an oversized diagnosis over several thread messages without losing any of it', () => {
    const r = hugeResult();
    const messages = threadMessages(r);
    expect(messages.length).toBeGreaterThan(1);
    expectValid(messages);
    const text = allText(messages);
    for (let i = 0; i < 60; i++) expect(text).toContain(`END${i}`);
    for (let i = 0; i < 40; i++) expect(text).toContain(`DONE${i}`);
    expect(text).toContain('very long title');
    expect(messages[1]?.text).toContain('(part 2 of');
  });

  it('splits the raw JSON across messages; the pieces rebuild the exact JSON', () => {
    const r = hugeResult();
    const messages = rawJsonMessages(r);
    expect(messages.length).toBeGreaterThan(1);
    const code = messages
      .flatMap((m) => m.blocks.slice(m === messages[0] ? 1 : 0))
      .filter((b) => b.type === 'section')
      .map((b) => blockText(b))
      .join('\n')
      .replace(/\n```\n```\n/g, '\n');
    const json = code.replace(/^```/, '').replace(/```$/, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('carries the job and target in buttons within the 2000-character value limit', () => {
    const ref = { jobId: 'c0123', input: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example:65535`, sni: 'd'.repeat(253) };
    const value = encodeRef(ref);
    expect(value.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
    expect(decodeRef(value)).toEqual(ref);
    expect(decodeRef('not json')).toBeNull();
    const msg = verdictMessage(baseResult(), { ref, user: 'U1' });
    const actions = msg.blocks.find((b) => b.type === 'actions');
    expect(actions?.type === 'actions' && actions.elements.map((e) => e.text.text)).toEqual(['Re-run', 'Schedule daily', 'Show raw JSON']);
  });

  it('caps response_url posts at 5 and says what did not fit', () => {
    const pages = toMessages(Array.from({ length: 400 }, (_, i) => section(`b${i}`)), 'x');
    expect(pages.length).toBeGreaterThan(RESPONSE_URL_POSTS);
    const capped = capPosts(pages, 'example.com:443', 'tlscheck example.com:443');
    expect(capped).toHaveLength(RESPONSE_URL_POSTS);
    expect(allText(capped.slice(-1))).toMatch(/has \d+ more parts.*\/invite @tlscheck/);
  });

  it('tells a user in a private channel how to invite the bot, and one in a DM where threads come', () => {
    expect(fallbackHint('C0PRIV', 'channel_not_found')).toContain('/invite @tlscheck');
    expect(fallbackHint('G0PRIV', 'not_in_channel')).toContain('/invite @tlscheck');
    expect(fallbackHint('D0DM', 'channel_not_found')).toContain('direct messages');
  });
});

describe('help and explain', () => {
  it('help lists usage and examples within limits', () => {
    const help = helpMessage();
    expectValid([help]);
    expect(allText([help])).toContain('/tlscheck explain');
    expect(messageViolations(homeBlocks(), SLACK_LIMITS.blocksPerHomeView)).toEqual([]);
  });

  it('explain without a check ranks candidates and shows the top diagnosis', () => {
    const msgs = explainMessages('ssl3_read_bytes:no renegotiation', fakeExplanation(false));
    expectValid(msgs);
    const text = allText(msgs);
    expect(text).toContain('ssl3_read_bytes:no renegotiation');
    expect(text).toContain('match 90%');
    expect(text).toContain('--target');
  });

  it('explain with a check shows confirmed and ruled-out candidates', () => {
    const msgs = explainMessages('no renegotiation', fakeExplanation(true), baseResult());
    const text = allText(msgs);
    expect(text).toMatch(/✅ \*The server refuses client-initiated renegotiation\* — confirmed by the check/);
    expect(text).toMatch(/✖️ \*The server lacks RFC 5746 secure renegotiation\* — ruled out by the check/);
  });

  it('names the most likely cause of the error for the verdict, never a ruled-out one', () => {
    expect(topExplanation(fakeExplanation(true))).toBe('Your error: most likely *The server refuses client-initiated renegotiation* (confirmed by the check)');
    const ruledOut = fakeExplanation(true);
    const only = { ...ruledOut, candidates: ruledOut.candidates.filter((c) => c.verdict === 'ruled-out') };
    expect(topExplanation(only)).toBeNull();
    const msg = verdictMessage(baseResult(), { ref: { jobId: 'c1', input: 'example.com:443', sni: null }, user: null, explained: topExplanation(fakeExplanation(true)) });
    expect(allText([msg])).toContain('Your error: most likely');
  });

  it('explain says so when the error is not recognised', () => {
    const text = allText(explainMessages('weird', { recognised: false, candidates: [], diagnoses: [] }));
    expect(text).toContain("I don't recognise this error yet");
  });

  it('escapes a pasted error so it cannot ping the channel', () => {
    const text = allText(explainMessages('<!channel> boom', fakeExplanation(false)));
    expect(text).not.toContain('<!channel>');
    expect(esc('<!here>')).toBe('&lt;!here&gt;');
  });
});

describe('validator', () => {
  it('reports each broken limit', () => {
    const bad: Block[] = [
      section('x'.repeat(3001)),
      header('h'.repeat(151)),
      context(...Array.from({ length: 11 }, () => 'c')),
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' }, action_id: 'sched_run', value: 'v'.repeat(2001) }] },
    ];
    const problems = messageViolations([...bad, ...Array.from({ length: 47 }, () => section('s'))]);
    expect(problems.join('\n')).toMatch(/section text is 3001/);
    expect(problems.join('\n')).toMatch(/header is 151/);
    expect(problems.join('\n')).toMatch(/context has 11 elements/);
    expect(problems.join('\n')).toMatch(/button value is 2001/);
    expect(problems.join('\n')).toMatch(/51 blocks \(max 50\)/);
  });

  it('passes the thread blocks after fitting', () => {
    expect(resultThreadBlocks(hugeResult()).flatMap(fitBlock).every((b) => blockViolations(b).length === 0)).toBe(true);
  });
});

describe('errno codes', () => {
  it('become sentences, the code kept in brackets', () => {
    const reset = classifyNetError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(reset.code).toBe('reset');
    expect(reset.message).toMatch(/^The connection was reset .*\(ECONNRESET\)\.$/);
    expect(classifyNetError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })).message).toMatch(/^The connection was refused/);
    expect(classifyNetError(new Error('something odd')).message).toBe('something odd');
  });
});

describe('what a Re-run says changed', () => {
  it('says when the previous result is gone, and then posts the whole diagnosis', () => {
    const view = changesSince(null, baseResult());
    expect(view.changed).toBe(true);
    expect(view.headline).toMatch(/no longer stored/);
  });

  it('says nothing changed for the same result, so the diagnosis is not repeated', () => {
    const view = changesSince(baseResult(), baseResult());
    expect(view).toEqual({ headline: expect.stringMatching(/^nothing changed since the last result/), blocks: [], changed: false });
  });

  it('names a verdict change and the changes behind it, before → after', () => {
    const view = changesSince(baseResult(), cleanResult());
    expect(view.changed).toBe(true);
    const shown = view.blocks.map(blockText).join('\n');
    expect(shown).toContain('❌ problems found → ✅ no problems found');
    expect(shown).toContain('Fixed: Client-initiated renegotiation refused');
    expect(view.headline).toMatch(/^\d+ changes since the last result$/);
  });

  it('reports an outage whose cause changed, and an unchanged one as nothing new', () => {
    const refused = errorResult('refused', 'The connection was refused (ECONNREFUSED).');
    const reset = errorResult('reset', 'The connection was reset (ECONNRESET).');
    expect(changesSince(refused, refused).changed).toBe(false);
    const other = changesSince(refused, reset);
    expect(other.changed).toBe(true);
    expect(other.blocks.map(blockText).join('\n')).toContain('Still unreachable, for another reason');
  });
});
