// The middlebox and post-quantum knowledge-base entries on hand-built results: which finding,
// at what severity, with which cause, and what explain() makes of a pasted browser error.
import { describe, expect, it } from 'vitest';
import { deriveFindings, diagnose, explain } from '../src/diagnose/index.js';
import { applicable } from '../src/diagnose/evaluate.js';
import { KNOWLEDGE_BASE } from '../src/diagnose/kb/index.js';
import { modernServer } from './fixtures/results/base.js';
import type { CheckResult, MiddleboxResult } from '../src/types.js';

const SIZES = { small: 230, padded: 512, large: 1733 };
const withMiddlebox = (m: Partial<MiddleboxResult>): CheckResult =>
  modernServer({ middlebox: { largeHello: 'ok', paddedHello: 'ok', paddedLargeHello: 'ok', detail: 'seen', sizes: SIZES, ...m } });
const finding = (r: CheckResult, id: string) => deriveFindings(r).find((f) => f.id === id);

describe('middlebox entries', () => {
  it('all hellos answered: no middlebox finding', () => {
    const ids = deriveFindings(withMiddlebox({})).map((f) => f.id);
    expect(ids.filter((id) => /hello/.test(id))).toEqual([]);
  });

  it('large and same-size padded hellos dropped: error, the cause is size', () => {
    const f = finding(withMiddlebox({ largeHello: 'dropped', paddedLargeHello: 'dropped' }), 'middlebox-large-hello');
    expect(f?.severity).toBe('error');
    expect(f?.detail).toMatch(/1733 bytes.*dropped.*limit is size/);
  });

  it('only the post-quantum hello reset: the cause is content', () => {
    const f = finding(withMiddlebox({ largeHello: 'reset', paddedLargeHello: 'ok' }), 'middlebox-large-hello');
    expect(f?.detail).toMatch(/content is rejected/);
  });

  it('padded hello cut: warning', () => {
    expect(finding(withMiddlebox({ paddedHello: 'reset' }), 'middlebox-padded-hello')?.severity).toBe('warning');
  });

  it('browser hello refused with an alert by the server itself', () => {
    expect(finding(withMiddlebox({ largeHello: 'refused' }), 'browser-hello-refused')?.severity).toBe('error');
    expect(finding(withMiddlebox({ largeHello: 'refused' }), 'middlebox-large-hello')).toBeUndefined();
  });

  it('unknown stays unknown: no finding, and explain leaves the cause untested', () => {
    const r = withMiddlebox({ largeHello: 'unknown', paddedHello: 'unknown', paddedLargeHello: 'unknown' });
    expect(deriveFindings(r).filter((f) => /hello/.test(f.id))).toEqual([]);
    expect(explain('net::ERR_CONNECTION_RESET', r).candidates.find((c) => c.id === 'middlebox-large-hello')?.verdict).toBe('untested');
  });

  it('explain: a Chrome reset is confirmed as the middlebox when the check measured it, ruled out when not', () => {
    const cut = withMiddlebox({ largeHello: 'reset', paddedLargeHello: 'reset' });
    expect(explain('net::ERR_CONNECTION_RESET', cut).candidates[0]).toMatchObject({ id: 'middlebox-large-hello', verdict: 'confirmed' });
    expect(explain('net::ERR_CONNECTION_RESET', withMiddlebox({})).candidates.find((c) => c.id === 'middlebox-large-hello')?.verdict).toBe('ruled-out');
    // Results without the probe (older versions, other tools): untested, never ruled out.
    expect(explain('net::ERR_CONNECTION_RESET', modernServer()).candidates.find((c) => c.id === 'middlebox-large-hello')?.verdict).toBe('untested');
  });
});

describe('one measured hello cut, one report: the general middlebox entry steps aside', () => {
  const ids = (r: CheckResult): string[] => deriveFindings(r).map((f) => f.id);
  const diagnosed = (r: CheckResult): string[] => diagnose(r).map((d) => d.id);
  const GENERAL = 'middlebox-interference';

  it.each([
    ['large hello reset (and the same size padded)', { largeHello: 'reset', paddedLargeHello: 'reset' }, 'middlebox-large-hello'],
    ['large hello dropped, content the trigger', { largeHello: 'dropped', paddedLargeHello: 'ok' }, 'middlebox-large-hello'],
    ['padded hello reset', { paddedHello: 'reset' }, 'middlebox-padded-hello'],
    ['browser hello refused with an alert', { largeHello: 'refused' }, 'browser-hello-refused'],
  ] as const)('%s: only the specific entry, in findings and diagnoses', (_name, m, specific) => {
    const r = withMiddlebox(m);
    expect(ids(r)).toContain(specific);
    expect(ids(r)).not.toContain(GENERAL);
    expect(diagnosed(r)).toContain(specific);
    expect(diagnosed(r)).not.toContain(GENERAL);
  });

  it('both hellos cut: each specific entry once, the general one not at all', () => {
    const r = withMiddlebox({ largeHello: 'dropped', paddedHello: 'reset', paddedLargeHello: 'dropped' });
    expect(ids(r).filter((id) => id.startsWith('middlebox-'))).toEqual(['middlebox-large-hello', 'middlebox-padded-hello']);
  });

  it('pure: applicable() on a result fixture leaves the general entry out, and keeps it judged on the full result elsewhere', () => {
    const r = withMiddlebox({ largeHello: 'reset', paddedLargeHello: 'reset' });
    const general = KNOWLEDGE_BASE.find((e) => e.id === GENERAL);
    // On its own the general entry still sees the cut (so explain() can confirm it as a candidate)...
    expect(general?.applies(r)).toMatchObject({ detail: expect.stringMatching(/large \(two-segment\) ClientHello was reset/) });
    // ...but findings and diagnoses come from applicable(), where it yields.
    const out = applicable(r, KNOWLEDGE_BASE).map((x) => x.entry.id);
    expect(out).toContain('middlebox-large-hello');
    expect(out).not.toContain(GENERAL);
    expect(explain('net::ERR_CONNECTION_RESET', r).candidates[0]).toMatchObject({ id: 'middlebox-large-hello', verdict: 'confirmed' });
  });

  it('other evidence of its own (a version probe reset) keeps the general entry, speaking only of that', () => {
    const base = withMiddlebox({ largeHello: 'reset', paddedLargeHello: 'reset' });
    const r: CheckResult = { ...base, protocols: { ...base.protocols, 'TLSv1.2': null } };
    const f = deriveFindings(r).find((x) => x.id === GENERAL);
    expect(f?.detail).toMatch(/Handshakes offering TLS 1\.2 got a reset or no answer/);
    expect(f?.detail).not.toMatch(/ClientHello/);
    expect(ids(r)).toContain('middlebox-large-hello');
    expect(diagnose(r).find((d) => d.id === GENERAL)?.why).not.toMatch(/^[^.]*ClientHello was reset/);
  });

  it('no specific entry applies: the general entry reports the silent probes as before', () => {
    const base = withMiddlebox({});
    const r: CheckResult = { ...base, protocols: { ...base.protocols, 'TLSv1.3': null } };
    expect(ids(r)).toContain(GENERAL);
    expect(ids(r).filter((id) => /hello/.test(id))).toEqual([]);
  });
});

describe('post-quantum entry', () => {
  it('ready: info naming the group and the clients', () => {
    const f = finding(modernServer({ keyExchange: { groups: ['X25519MLKEM768', 'x25519'], postQuantum: true } }), 'post-quantum-key-exchange');
    expect(f).toMatchObject({ severity: 'info' });
    expect(f?.detail).toMatch(/accepts X25519MLKEM768.*Chrome and Edge 131\+.*Firefox 132\+/);
  });

  it('not ready: info naming its groups', () => {
    const f = finding(modernServer({ keyExchange: { groups: ['x25519', 'secp256r1'], postQuantum: false } }), 'post-quantum-key-exchange');
    expect(f?.detail).toMatch(/does not negotiate post-quantum.*x25519, secp256r1/);
  });

  it('undetermined or not probed: no finding', () => {
    expect(finding(modernServer({ keyExchange: { groups: null, postQuantum: null } }), 'post-quantum-key-exchange')).toBeUndefined();
    expect(finding(modernServer(), 'post-quantum-key-exchange')).toBeUndefined();
  });
});
