import { describe, expect, it } from 'vitest';
import { parseCommand, unescapeSlack } from '../src/command/parse.js';
import { checkTarget } from '../src/target/check-target.js';
import { createAddressPolicy, parseTarget } from '../src/target/index.js';

const parse = (text: string) => parseCommand(text, parseTarget);

describe('parseCommand', () => {
  it.each(['', 'help', '  HELP ', '--help'])('%j is help', (text) => {
    expect(parse(text)).toEqual({ kind: 'help' });
  });

  it('reads a target and --sni in either spelling', () => {
    expect(parse('example.com')).toEqual({ kind: 'check', target: 'example.com', sni: null });
    expect(parse('203.0.113.5:8443 --sni api.example.com')).toEqual({ kind: 'check', target: '203.0.113.5:8443', sni: 'api.example.com' });
    expect(parse('--sni=api.example.com 203.0.113.5')).toEqual({ kind: 'check', target: '203.0.113.5', sni: 'api.example.com' });
    // Phones autocorrect "--" into an em dash.
    expect(parse('example.com —sni other.example')).toEqual({ kind: 'check', target: 'example.com', sni: 'other.example' });
  });

  it('keeps a Slack link for the target parser to unwrap', () => {
    expect(parse('<http://example.com|example.com>')).toEqual({ kind: 'check', target: '<http://example.com|example.com>', sni: null });
  });

  it('says what is wrong with bad input', () => {
    expect(parse('a.example b.example')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/One server at a time/) });
    expect(parse('example.com --port 8443')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/Unknown option `--port`/) });
    expect(parse('example.com --sni')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/needs a value/) });
    expect(parse('explain')).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/Paste the error message/) });
  });

  it('explain takes the whole error text, unescaped', () => {
    expect(parse('explain ssl3_read_bytes:no renegotiation')).toEqual({ kind: 'explain', text: 'ssl3_read_bytes:no renegotiation', target: null, sni: null });
    expect(parse('explain error &lt;foo&gt; &amp; bar')).toMatchObject({ text: 'error <foo> & bar' });
  });

  it('explain takes a target from --target or a trailing host name, not from dotted error words', () => {
    expect(parse('explain unsafe legacy renegotiation disabled --target api.example.com')).toMatchObject({ target: 'api.example.com', text: 'unsafe legacy renegotiation disabled' });
    expect(parse('explain no renegotiation api.example.com:8443')).toMatchObject({ target: 'api.example.com:8443', text: 'no renegotiation' });
    expect(parse('explain no renegotiation <https://api.example.com|api.example.com>')).toMatchObject({ target: '<https://api.example.com|api.example.com>' });
    expect(parse('explain Received fatal alert: javax.net.ssl.SSLHandshakeException')).toMatchObject({ target: null });
    expect(parse('explain error at (_ssl.c:1006)')).toMatchObject({ target: null });
    expect(parse('explain wrong version number ssl.c:1006')).toMatchObject({ target: null });
    expect(parse('explain api.example.com')).toMatchObject({ kind: 'explain', text: 'api.example.com', target: null });
  });

  it('unescapeSlack turns links back into what was typed', () => {
    expect(unescapeSlack('see <https://x.example/a|x.example/a> and <http://y.example>')).toBe('see x.example/a and http://y.example');
  });
});

describe('checkTarget', () => {
  const policy = createAddressPolicy([]);

  it('normalises host and port for the queue', () => {
    expect(checkTarget('Example.COM', null, parseTarget, policy)).toEqual({ ok: true, input: 'example.com:443', sni: null, label: 'example.com:443' });
    expect(checkTarget('[2606:4700::1111]:8443', 'api.example.com', parseTarget, policy)).toEqual({
      ok: true, input: '[2606:4700::1111]:8443', sni: 'api.example.com', label: '[2606:4700::1111]:8443 (SNI api.example.com)',
    });
    expect(checkTarget('<https://example.com:8443/path|example.com:8443/path>', null, parseTarget, policy)).toMatchObject({ ok: true, input: 'example.com:8443' });
  });

  it('refuses private and loopback address literals at once, with the reason', () => {
    const r = checkTarget('127.0.0.1:8443', null, parseTarget, policy);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(/⛔ Not checked: 127\.0\.0\.1 is a loopback address/);
    expect(checkTarget('169.254.169.254', null, parseTarget, policy)).toMatchObject({ ok: false, problem: expect.stringMatching(/metadata/) });
  });

  it('allows what TLSCHECK_ALLOW_CIDRS opens', () => {
    const open = createAddressPolicy(['127.0.0.0/8']);
    expect(checkTarget('127.0.0.1:8443', null, parseTarget, open)).toMatchObject({ ok: true, input: '127.0.0.1:8443' });
  });

  it('passes parse errors through', () => {
    expect(checkTarget('exa mple', null, parseTarget, policy)).toMatchObject({ ok: false, problem: expect.stringMatching(/space/) });
  });
});
