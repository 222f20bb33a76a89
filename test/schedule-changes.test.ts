import { describe, expect, it } from 'vitest';
import { statusOf } from '../src/verdict.js';
import { EXPIRY_FINDING_IDS, EXPIRY_THRESHOLDS, certFingerprint, diffResults, expiryWarnings, shouldPost, warningKey, type Change } from '../src/schedule/changes.js';
import { cert, finding, result, unreachable } from './schedule-fixtures.js';

const kinds = (changes: Change[]) => changes.map((c) => c.kind);

describe('diffResults', () => {
  it('posts a baseline on the first run', () => {
    const after = result({ findings: [finding('weak-dh', 'warning', 'Weak DH')] });
    const changes = diffResults(null, after);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'baseline', severity: 'warning', before: '—' });
    expect(changes[0]?.after).toMatch(/1 problem: Weak DH; protocols: TLSv1.2, TLSv1.3; certificate expires in 60 days/);
    expect(shouldPost(changes, [])).toBe(true);
  });

  it('baseline of an unreachable target says so', () => {
    expect(diffResults(null, unreachable())[0]).toMatchObject({ kind: 'baseline', severity: 'error', after: 'unreachable (timeout)' });
  });

  it('is quiet when nothing changed', () => {
    const a = result({ findings: [finding('weak-dh', 'warning')] });
    const changes = diffResults(a, structuredClone(a));
    expect(changes).toEqual([]);
    expect(shouldPost(changes, [])).toBe(false);
  });

  it('reports new problems (warning and worse) and fixed ones', () => {
    const before = result({ findings: [finding('old-problem', 'error', 'Old'), finding('note', 'info')] });
    const after = result({ findings: [finding('new-problem', 'critical', 'New'), finding('note2', 'info'), finding('note', 'warning', 'Note got worse')] });
    const changes = diffResults(before, after);
    expect(changes).toEqual([
      { kind: 'problem-new', title: 'New problem: New', before: 'not present', after: 'New (detail)', severity: 'critical', findingId: 'new-problem' },
      { kind: 'problem-new', title: 'New problem: Note got worse', before: 'not present', after: 'Note got worse (detail)', severity: 'warning', findingId: 'note' },
      { kind: 'problem-fixed', title: 'Fixed: Old', before: 'Old (detail)', after: 'no longer found', severity: 'ok', findingId: 'old-problem' },
    ]);
  });

  it('never alerts a change that is only a list cut short by the deadline', () => {
    const whole = result({ findings: [finding('weak-cipher', 'warning', 'Weak cipher')] });
    const cutShort = result({
      ciphers: { 'TLSv1.2': ['ECDHE-ECDSA-AES128-GCM-SHA256'], 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] },
      renegotiation: { secure: true, clientInitiated: 'accepted', acceptedCount: 2, reason: 'check deadline reached after 2 renegotiation(s); no refusal seen' },
      findings: [],
      complete: false,
      incomplete: [
        { probe: 'ciphers', reason: 'deadline reached after 10.0 s; TLSv1.2: 1 suites found so far (the list may be longer)' },
        { probe: 'client-renegotiation', reason: 'check deadline reached after 2 renegotiation(s); no refusal seen' },
      ],
    });
    // Cut after a whole run, and whole again after a cut one: neither is news.
    expect(diffResults(whole, cutShort)).toEqual([]);
    expect(diffResults(cutShort, whole).filter((c) => c.kind !== 'problem-new')).toEqual([]);
    // A real change beside the cut one still goes out.
    const moved = result({ ...cutShort, protocols: { ...cutShort.protocols, TLSv1: true } });
    expect(kinds(diffResults(whole, moved))).toEqual(['protocols-changed']);
  });

  it("leaves the knowledge base's expiry finding to the expiry warnings", () => {
    const after = result({ findings: [finding('cert-expiring', 'warning')] });
    expect(EXPIRY_FINDING_IDS).toEqual(['cert-expiring']);
    expect(diffResults(result(), after)).toEqual([]);
    expect(diffResults(after, result())).toEqual([]);
    // The list is an option: empty diffs everything.
    expect(kinds(diffResults(result(), after, { ignoreFindings: [] }))).toEqual(['problem-new']);
    expect(diffResults(result(), result({ findings: [finding('x', 'error')] }), { ignoreFindings: ['x'] })).toEqual([]);
  });

  it('tells a renewal from a replacement', () => {
    const renewed = result({ certificate: cert({ notAfter: '2025-07-01T00:00:00.000Z', daysLeft: 120 }, 'CC:DD:02') });
    expect(diffResults(result(), renewed)).toEqual([
      expect.objectContaining({ kind: 'cert-renewed', severity: 'info', before: expect.stringContaining('2025-04-01'), after: expect.stringContaining('2025-07-01') }),
    ]);
    const replaced = result({ certificate: cert({ subject: 'CN=default.hosting.example', issuer: 'CN=Other CA' }, 'EE:FF:03') });
    expect(diffResults(result(), replaced)).toEqual([
      expect.objectContaining({ kind: 'cert-replaced', severity: 'warning', after: expect.stringContaining('CN=default.hosting.example') }),
    ]);
    const gone = result({ certificate: null });
    expect(kinds(diffResults(result(), gone))).toEqual(['cert-replaced']);
  });

  it('reports protocol changes, known in both runs only', () => {
    const legacyOn = result({ protocols: { SSLv3: false, TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true } });
    expect(diffResults(result(), legacyOn)).toEqual([
      { kind: 'protocols-changed', title: 'Protocols changed (+TLSv1)', before: 'TLSv1.2, TLSv1.3', after: 'TLSv1, TLSv1.2, TLSv1.3', severity: 'warning' },
    ]);
    const tls13Off = result({ protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false } });
    expect(diffResults(result(), tls13Off)).toEqual([expect.objectContaining({ title: 'Protocols changed (−TLSv1.3)', severity: 'info' })]);
    // A probe that could not tell (null) is not a configuration change.
    const unknown13 = result({ protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': null } });
    expect(diffResults(result(), unknown13)).toEqual([]);
  });

  it('reports cipher suites added and removed per protocol', () => {
    const after = result({
      ciphers: {
        'TLSv1.2': ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-DES-CBC3-SHA'],
        'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
      },
    });
    expect(diffResults(result(), after)).toEqual([
      {
        kind: 'ciphers-changed',
        title: 'TLSv1.2 cipher suites changed (1 added, 1 removed)',
        before: '2 suites',
        after: '2 suites',
        severity: 'warning',
        detail: '+ ECDHE-RSA-DES-CBC3-SHA\n− ECDHE-ECDSA-AES256-GCM-SHA384',
      },
    ]);
    const strongerOnly = result({ ciphers: { 'TLSv1.2': ['ECDHE-ECDSA-AES128-GCM-SHA256'], 'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] } });
    expect(diffResults(result(), strongerOnly)[0]).toMatchObject({ severity: 'info', title: 'TLSv1.2 cipher suites changed (0 added, 1 removed)' });
  });

  it('reports renegotiation verdict changes', () => {
    const insecure = result({ renegotiation: { secure: false, clientInitiated: 'accepted', acceptedCount: 5 } });
    expect(diffResults(result(), insecure)).toEqual([
      { kind: 'renegotiation-changed', title: 'Secure renegotiation changed', before: 'supported (RFC 5746)', after: 'not supported (insecure renegotiation)', severity: 'error' },
      { kind: 'renegotiation-changed', title: 'Client-initiated renegotiation changed', before: 'rejected', after: 'accepted', severity: 'warning' },
    ]);
    const unknown = result({ renegotiation: { secure: null, clientInitiated: 'unknown', acceptedCount: 0 } });
    expect(diffResults(result(), unknown)).toEqual([]);
  });

  it('reports an outage once, and the way back', () => {
    const down = unreachable('refused');
    expect(diffResults(result(), down)).toEqual([
      { kind: 'unreachable', title: 'example.com:443 became unreachable', before: 'no problems', after: 'refused: connection refused', severity: 'error' },
    ]);
    expect(diffResults(down, unreachable('timeout'))).toEqual([]);
    expect(diffResults(down, result())).toEqual([
      { kind: 'reachable', title: 'example.com:443 is reachable again', before: 'refused: connection refused', after: 'no problems', severity: 'info' },
    ]);
  });

  it('compares with the last reachable result after an outage', () => {
    const lastGood = result();
    const back = result({ findings: [finding('weak-dh', 'warning')], protocols: { SSLv3: false, TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true } });
    expect(kinds(diffResults(unreachable(), back, { lastReachable: lastGood }))).toEqual(['reachable', 'problem-new', 'protocols-changed']);
  });

  it('reports several aspects at once', () => {
    const after = result({
      findings: [finding('chain-incomplete', 'error')],
      certificate: cert({ notAfter: '2025-07-01T00:00:00.000Z' }, 'NEW'),
      protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false },
    });
    expect(kinds(diffResults(result(), after))).toEqual(['problem-new', 'cert-renewed', 'protocols-changed']);
  });
});

describe('statusOf', () => {
  it('is the worst finding, or unreachable', () => {
    expect(statusOf(result())).toBe('ok');
    expect(statusOf(result({ findings: [finding('a', 'info'), finding('b', 'error'), finding('c', 'warning')] }))).toBe('error');
    expect(statusOf(unreachable())).toBe('unreachable');
  });
});

describe('expiryWarnings', () => {
  const withDays = (daysLeft: number, fp = 'AA:BB:01') => result({ certificate: cert({ daysLeft }, fp) });

  it.each([
    [60, null],
    [31, null],
    [30, 30],
    [20, 30],
    [14, 14],
    [10, 14],
    [7, 7],
    [5, 7],
    [3, 3],
    [2, 3],
    [1, 1],
    [0, 1],
    [-1, null],
  ])('%i days left → %s-day warning', (days, threshold) => {
    const due = expiryWarnings(withDays(days), new Set());
    expect(due.map((w) => w.days)).toEqual(threshold === null ? [] : [threshold]);
  });

  it('sends each threshold once per certificate, tightest first', () => {
    const sent = new Set<string>();
    const sequence = [40, 29, 25, 13, 12, 6, 4, 2, 1, 0];
    const posted: number[] = [];
    for (const d of sequence) {
      for (const w of expiryWarnings(withDays(d), sent)) {
        posted.push(w.days);
        sent.add(w.key);
      }
    }
    expect(posted).toEqual([30, 14, 7, 3, 1]);
  });

  it('skips looser thresholds when first seen close to expiry', () => {
    const due = expiryWarnings(withDays(5), new Set());
    expect(due).toEqual([{ days: 7, daysLeft: 5, notAfter: '2025-04-01T00:00:00.000Z', subject: 'CN=example.com', fingerprint: 'AA:BB:01', key: warningKey('AA:BB:01', 7) }]);
  });

  it('starts over for a new certificate', () => {
    const sent = new Set([warningKey('AA:BB:01', 7)]);
    expect(expiryWarnings(withDays(6), sent)).toEqual([]);
    expect(expiryWarnings(withDays(6, 'NEW:FP'), sent).map((w) => w.days)).toEqual([7]);
  });

  it('has nothing to say without a certificate', () => {
    expect(expiryWarnings(unreachable(), new Set())).toEqual([]);
    expect(EXPIRY_THRESHOLDS).toEqual([30, 14, 7, 3, 1]);
  });

  it('fingerprints from the leaf, or from identifying fields', () => {
    expect(certFingerprint(cert({}, 'LEAF'))).toBe('LEAF');
    expect(certFingerprint(cert({ chain: [] }))).toBe('CN=example.com|CN=Example CA|2025-01-01T00:00:00.000Z|2025-04-01T00:00:00.000Z');
  });

  it('a due warning alone is reason to post', () => {
    expect(shouldPost([], expiryWarnings(withDays(3), new Set()))).toBe(true);
  });
});
