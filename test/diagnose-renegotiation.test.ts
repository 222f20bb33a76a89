// Issue 13: "renegotiation handshake failed" and its wordings name six causes; the live check
// confirms the one the server has, rules the others out, and says what it saw for each.
import { describe, expect, it } from 'vitest';
import { diagnose, explain, type ExplainResult } from '../src/diagnose/index.js';
import { renderExplain } from '../src/format/cli-explain.js';
import { explainBlocks } from '../src/format/slack-explain.js';
import type { CheckResult } from '../src/types.js';
import { failedConnection, modernServer } from './fixtures/results/base.js';
import * as S from './fixtures/results/scenarios.js';

const SIX = [
  'renegotiation-refused', 'renegotiation-limited', 'renegotiation-insecure', 'middlebox-interference',
  'resumption-tickets-rejected', 'resumption-inconsistent',
];

/** The phrase as users paste it, from each stack that words it. */
const WORDINGS: Array<[string, string]> = [
  ['generic', 'TLS renegotiation handshake failed'],
  ['lower case in a log', '2026-01-12T08:14:03.511Z WARN upstream: ssl error: renegotiation handshake failed'],
  ['Java 17 client against OpenSSL 3', 'javax.net.ssl.SSLHandshakeException: received handshake warning: no_renegotiation\n\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)'],
  ['.NET alert name', "System.Security.Authentication.AuthenticationException: Authentication failed because the remote party sent a TLS alert: 'NoRenegotiation'."],
  ['.NET SChannel', 'System.ComponentModel.Win32Exception (0x80090321): The context data must be renegotiated with the peer.'],
];

const ids = (e: ExplainResult): string[] => e.candidates.map((c) => c.id);
const byId = (e: ExplainResult, id: string) => {
  const c = e.candidates.find((x) => x.id === id);
  if (!c) throw new Error(`${id} is not a candidate: ${ids(e).join(', ')}`);
  return c;
};
const sixOf = (e: ExplainResult): string[] => ids(e).filter((id) => SIX.includes(id));

describe('renegotiation handshake failed, without a live check', () => {
  it.each(WORDINGS)('%s: all six causes, refusal first, in order of how common they are', (_, text) => {
    const e = explain(text);
    expect(e.recognised).toBe(true);
    expect(sixOf(e)).toEqual(SIX);
    expect(e.candidates[0]?.id).toBe('renegotiation-refused');
    for (const c of e.candidates) {
      expect(c.verdict).toBe('untested');
      expect(c.evidence).toBeNull();
    }
    expect(e.diagnoses[0]?.id).toBe('renegotiation-refused');
  });

  it("Apache's own wording puts httpd's renegotiation first, then the six", () => {
    const e = explain('[ssl:error] [pid 4021] [client 10.0.0.7:51542] AH02261: Re-negotiation handshake failed');
    expect(e.candidates[0]?.id).toBe('renegotiation-server-initiated');
    expect(sixOf(e)).toEqual(SIX);
    const missing = explain('AH02263: Re-negotiation handshake failed: Client certificate missing');
    expect(missing.candidates[0]?.id).toBe('renegotiation-server-initiated');
    expect(explain('AH10158: cannot perform post-handshake authentication').candidates[0]?.id).toBe('renegotiation-server-initiated');
  });

  it('sends a Java server\'s alert 40 after a renegotiation to "refused", never to "no common cipher"', () => {
    // openssl s_client typed R against JDK 17 with -Djdk.tls.rejectClientInitiatedRenegotiation=true (measured).
    const text = 'RENEGOTIATING\n40C79904B47F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40';
    const e = explain(text);
    expect(e.candidates[0]?.id).toBe('renegotiation-refused');
    expect(ids(e)).not.toContain('no-common-cipher');
    // Without the renegotiation the same alert still means a cipher mismatch first.
    expect(explain('error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:SSL alert number 40').candidates[0]?.id).toBe('no-common-cipher');
  });
});

describe('renegotiation handshake failed, against the live server', () => {
  const text = 'TLS renegotiation handshake failed';
  const check = (r: CheckResult): ExplainResult => explain(text, r);

  it('a server that refuses (OpenSSL 3, nginx): refusal confirmed with the alert it sent, the rest ruled out', () => {
    const e = check(S.renegRejected);
    expect(e.candidates[0]).toMatchObject({
      id: 'renegotiation-refused',
      verdict: 'confirmed',
      evidence: 'The server answered warning alert 100 no_renegotiation to a client-initiated renegotiation over TLS 1.2',
    });
    expect(byId(e, 'renegotiation-limited').verdict).toBe('ruled-out');
    expect(byId(e, 'renegotiation-insecure')).toMatchObject({ verdict: 'ruled-out', evidence: expect.stringMatching(/renegotiation_info/) });
    expect(byId(e, 'middlebox-interference')).toMatchObject({ verdict: 'ruled-out', evidence: expect.stringMatching(/ServerHello or a TLS alert/) });
    expect(byId(e, 'resumption-tickets-rejected')).toMatchObject({ verdict: 'ruled-out', evidence: expect.stringMatching(/ticket .*resumed/) });
    expect(byId(e, 'resumption-inconsistent')).toMatchObject({ verdict: 'ruled-out', evidence: expect.stringMatching(/same outcome/) });
    expect(e.diagnoses[0]?.id).toBe('renegotiation-refused');
    expect(e.diagnoses.map((d) => d.id)).not.toContain('resumption-inconsistent');
  });

  it('a server without RFC 5746: insecure renegotiation confirmed, refusal and cap ruled out by what it accepted', () => {
    const e = check(S.noRfc5746);
    expect(e.candidates[0]).toMatchObject({ id: 'renegotiation-insecure', verdict: 'confirmed' });
    expect(byId(e, 'renegotiation-refused')).toMatchObject({ verdict: 'ruled-out', evidence: 'The server honoured 10 client-initiated renegotiations in a row over TLS 1.2' });
    expect(byId(e, 'renegotiation-limited').verdict).toBe('ruled-out');
    expect(e.diagnoses[0]?.id).toBe('renegotiation-insecure');
  });

  it('a load balancer over backends with different ticket keys: inconsistent resumption confirmed next to the refusal', () => {
    const e = check(S.inconsistentResumption);
    const confirmed = e.candidates.filter((c) => c.verdict === 'confirmed').map((c) => c.id);
    expect(confirmed).toEqual(['renegotiation-refused', 'resumption-inconsistent']);
    expect(byId(e, 'resumption-inconsistent').evidence).toMatch(/sessionId: new, reused, new, reused/);
    expect(e.diagnoses.map((d) => d.id)).toContain('resumption-inconsistent');
  });

  it('a Node.js server that caps renegotiation: the cap confirmed with the count it allowed', () => {
    const e = check(S.renegLimited);
    expect(e.candidates[0]).toMatchObject({ id: 'renegotiation-limited', verdict: 'confirmed', evidence: expect.stringMatching(/honoured 3 .* then cut the client off/) });
    expect(byId(e, 'renegotiation-refused').verdict).toBe('ruled-out');
  });

  it('a middlebox that resets some hellos: confirmed from the probes, or from the middlebox probe when it ran', () => {
    expect(byId(check(S.middleboxResets), 'middlebox-interference')).toMatchObject({ verdict: 'confirmed', evidence: expect.stringMatching(/TLS 1\.3 got a reset or no answer/) });
    const dropped = { ...modernServer(), middlebox: { largeHello: 'dropped', paddedHello: 'ok', detail: 'no answer within 3000 ms' } } as CheckResult;
    const e = check(dropped);
    expect(byId(e, 'middlebox-interference')).toMatchObject({ verdict: 'confirmed', evidence: expect.stringMatching(/large \(two-segment\) ClientHello got no answer/) });
    const clean = { ...modernServer(), middlebox: { largeHello: 'ok', paddedHello: 'ok', detail: "" } } as CheckResult;
    expect(byId(check(clean), 'middlebox-interference')).toMatchObject({ verdict: 'ruled-out', evidence: expect.stringMatching(/large and padded ClientHellos were answered/) });
    const unknown = { ...modernServer(), middlebox: { largeHello: 'unknown', paddedHello: 'unknown', detail: "" } } as CheckResult;
    expect(byId(check(unknown), 'middlebox-interference').verdict).toBe('ruled-out');
  });

  it('tickets the server cannot decrypt: confirmed', () => {
    const r = modernServer({ resumption: { sessionId: true, tickets: false, consistent: true, tls13Tickets: true, attempts: { tickets: [false, false, false] } } });
    expect(byId(check(r), 'resumption-tickets-rejected')).toMatchObject({ verdict: 'confirmed', evidence: expect.stringMatching(/session IDs still resume/) });
  });

  it('no handshake at all: every cause the check could not test says why', () => {
    const e = check(failedConnection({ code: 'timeout', message: '203.0.113.10:443: no answer within 5000 ms' }));
    for (const id of ['renegotiation-refused', 'renegotiation-limited', 'renegotiation-insecure', 'resumption-tickets-rejected', 'resumption-inconsistent']) {
      expect(byId(e, id)).toMatchObject({ verdict: 'untested', evidence: expect.stringMatching(/no TLS handshake completed \(.*5000 ms\)/) });
    }
  });

  it('confirms a cause the check measured although the pasted text named a sibling', () => {
    // "no renegotiation" names the refusal only; the live check also saw the backends disagree.
    const e = explain('error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation', S.inconsistentResumption);
    expect(e.candidates[0]).toMatchObject({ id: 'renegotiation-refused', verdict: 'confirmed' });
    expect(byId(e, 'resumption-inconsistent')).toMatchObject({ verdict: 'confirmed', matched: 'measured by the live check' });
    // Causes it did not measure are not added as noise.
    expect(ids(e)).not.toContain('resumption-tickets-rejected');
    const insecure = explain('error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation', S.noRfc5746);
    expect(byId(insecure, 'renegotiation-insecure').verdict).toBe('confirmed');
  });

  it('check --symptom lists the refusal as the diagnosis the phrase asked for', () => {
    expect(diagnose(S.renegRejected, { symptom: text }).map((d) => d.id)).toContain('renegotiation-refused');
    expect(diagnose(S.renegRejected).map((d) => d.id)).not.toContain('renegotiation-refused');
  });
});

describe('the CLI and the Slack reply show the same verdicts and evidence', () => {
  const text = 'TLS renegotiation handshake failed';
  const plain = (_: unknown, s: string): string => s;

  it.each([
    ['refusing server', S.renegRejected],
    ['server without RFC 5746', S.noRfc5746],
    ['load balancer', S.inconsistentResumption],
  ])('%s', (_, result) => {
    const e = explain(text, result);
    const cli = renderExplain(e, result, plain);
    const slack = JSON.stringify(explainBlocks(text, e, result));
    for (const c of e.candidates) {
      expect(cli).toContain(c.title);
      expect(slack).toContain(c.title);
      expect(c.evidence).toBeTruthy();
      expect(cli).toContain(c.evidence ?? '');
      // Slack escapes &, < and >; the evidence lines here carry none of them.
      expect(slack).toContain(c.evidence ?? '');
    }
    expect(cli).toMatch(/confirmed by the live check/);
    expect(slack).toMatch(/confirmed by the check/);
  });
});
