import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/args.js';
import { exitCodeFor } from '../src/verdict.js';
import type { CheckResult, Finding } from '../src/types.js';

describe('parseCli', () => {
  it('parses check with every option', () => {
    const r = parseCli(['check', 'example.com:8443', '--sni', 'api.example.com', '--ca', 'ca.pem', '--json', '--timeout-ms', '5000', '--no-evidence']);
    expect(r).toEqual({ ok: true, command: { kind: 'check', target: 'example.com:8443', sni: 'api.example.com', caFile: 'ca.pem', json: true, timeoutMs: 5000, evidence: false } });
  });
  it('asks for OpenSSL evidence unless --no-evidence, for check and explain', () => {
    const on = parseCli(['check', 'example.com']);
    const explained = parseCli(['explain', 'no renegotiation', 'example.com', '--no-evidence']);
    expect(on.ok && on.command.kind === 'check' && on.command.evidence).toBe(true);
    expect(explained.ok && explained.command.kind === 'explain' && explained.command.evidence).toBe(false);
  });
  it('--ocsp asks the responder; off unless given', () => {
    const on = parseCli(['check', 'example.com', '--ocsp']);
    expect(on.ok && on.command.kind === 'check' && on.command.ocsp).toBe(true);
    const off = parseCli(['check', 'example.com']);
    expect(off.ok && off.command.kind === 'check' && off.command.ocsp).toBeFalsy();
  });
  it('defaults the timeout to 10 s and json to false', () => {
    const r = parseCli(['check', 'example.com']);
    // Unset: the check plans its deadline from the measured round trip.
    expect(r.ok && r.command.kind === 'check' && r.command.timeoutMs).toBeUndefined();
    expect(r.ok && r.command.kind === 'check' && r.command.json).toBe(false);
  });
  it.each([
    [['check'], /needs a target/],
    [['check', 'a', 'b'], /one target/],
    [['check', 'a', '--timeout-ms', 'soon'], /whole number/],
    [['check', 'a', '--timeout-ms', '5'], /between 100/],
    [['check', 'a', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command/],
    [['explain'], /needs the error text/],
    [['explain', '   '], /needs the error text/],
  ])('rejects %j', (argv, message) => {
    const r = parseCli(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
  it('parses explain with and without a target', () => {
    expect(parseCli(['explain', 'wrong version number'])).toMatchObject({ ok: true, command: { kind: 'explain', text: 'wrong version number', target: undefined } });
    expect(parseCli(['explain', 'wrong version number', 'example.com'])).toMatchObject({ ok: true, command: { kind: 'explain', target: 'example.com' } });
  });
  it('treats no arguments and help as help', () => {
    expect(parseCli([])).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCli(['help'])).toEqual({ ok: true, command: { kind: 'help' } });
    expect(parseCli(['check', '--help'])).toEqual({ ok: true, command: { kind: 'help' } });
  });
});

describe('exitCodeFor', () => {
  const base = { findings: [] as Finding[], error: null } as unknown as CheckResult;
  const finding = (severity: Finding['severity']): Finding => ({ id: 'x', severity, title: 't', detail: '' });
  it.each([
    [[], 0],
    [[finding('warning'), finding('info')], 0],
    [[finding('error')], 1],
    [[finding('warning'), finding('critical')], 1],
  ] as const)('findings %j → %i', (findings, code) => {
    expect(exitCodeFor({ ...base, findings: [...findings] })).toBe(code);
  });
  it.each([
    ['timeout', 3], ['refused', 3], ['reset', 3], ['not-tls', 3], ['dns', 2], ['blocked', 2],
  ] as const)('error %s → %i', (code, exit) => {
    expect(exitCodeFor({ ...base, error: { code, message: 'm' } })).toBe(exit);
  });
});
