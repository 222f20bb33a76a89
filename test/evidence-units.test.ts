// The pure parts of src/evidence and their rendering: reading s_client's output (recorded from
// OpenSSL 3.0.19 runs on this machine), the paste-able command, which diagnoses get evidence,
// and how the CLI and Slack show it.
import { describe, expect, it } from 'vitest';
import { invocation } from '../src/evidence/command.js';
import { carryEvidence, pickForEvidence } from '../src/evidence/index.js';
import { judge } from '../src/evidence/judge.js';
import { observe } from '../src/evidence/observe.js';
import { RECIPES, type Recipe } from '../src/evidence/recipes.js';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { evidenceLines } from '../src/format/cli-evidence.js';
import { renderCheck } from '../src/format/cli-text.js';
import { evidenceBlock } from '../src/format/slack-evidence.js';
import { diagnosisBlocks } from '../src/format/slack-result.js';
import type { CheckResult, Diagnosis, Evidence, Severity } from '../src/types.js';

const TARGET = { host: 'api.example.com', port: 8443, ip: '192.0.2.7', sni: 'api.example.com' };

function result(over: Partial<CheckResult> = {}): CheckResult {
  return {
    target: TARGET, error: null,
    protocols: { SSLv3: false, TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': false },
    ciphers: {}, renegotiation: { secure: false, clientInitiated: 'rejected', acceptedCount: 0 },
    resumption: { sessionId: null, tickets: null, consistent: null }, certificate: null, sni: { required: false },
    alpn: null, ocspStapled: null, findings: [], durationMs: 1, ...over,
  };
}

function diag(id: string, severity: Severity): Diagnosis {
  return { id, severity, title: id, why: 'why', fixes: {}, reproduce: 'openssl s_client', references: [] };
}

function recipe(id: string): Recipe {
  const r = RECIPES[id];
  if (!r) throw new Error(`no recipe ${id}`);
  return r;
}

const run = (output: string, exitCode: number | null = 1, timedOut = false) => observe({ output, exitCode, timedOut }, 5_000);
const META = { command: 'openssl s_client …', openssl: 'OpenSSL 3.0.19', durationMs: 40 };

// Recorded: gnutls-serv --priority NORMAL:%DISABLE_SAFE_RENEGOTIATION.
const NO_5746_TLS12 = `40E7979C7C7F0000:error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:
CONNECTED(00000003)
---
no peer certificate available
---
SSL handshake has read 95 bytes and written 213 bytes
Verification: OK
---
New, (NONE), Cipher is (NONE)
Secure Renegotiation IS NOT supported
Compression: NONE
`;
// Recorded: a good server over TLS 1.3, where s_client says "IS NOT supported" anyway.
const GOOD_TLS13 = `depth=0 CN = localhost
verify return:1
CONNECTED(00000003)
---
Certificate chain
 0 s:CN = localhost
   i:CN = localhost
   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256
   v:NotBefore: Dec  1 06:20:41 2026 GMT; NotAfter: Dec 31 06:20:41 2026 GMT
---
New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384
Secure Renegotiation IS NOT supported
Verify return code: 0 (ok)
DONE
`;
const RENEG_REFUSED = `CONNECTED(00000003)
New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384
Secure Renegotiation IS supported
    Verify return code: 0 (ok)
---
RENEGOTIATING
4017B110817F0000:error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation:../ssl/record/rec_layer_s3.c:1617:
`;
const RENEG_ACCEPTED = `CONNECTED(00000003)
New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384
Secure Renegotiation IS supported
---
RENEGOTIATING
depth=0 CN = localhost
verify return:1
DONE
`;

describe('judging s_client output', () => {
  it('no RFC 5746: the refusal line, without the thread id, is the key line', () => {
    const ev = judge(run(NO_5746_TLS12), recipe('renegotiation-insecure'), result(), META);
    expect(ev.confirms).toBe(true);
    expect(ev.keyLine).toBe('error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:');
    // After a failed handshake the "IS NOT supported" line means nothing, so it is not quoted.
    expect(ev.excerpt).not.toMatch(/Secure Renegotiation/);
    expect(ev.excerpt).toBe([ev.keyLine, 'New, (NONE), Cipher is (NONE)'].join('\n'));
  });

  it('never takes TLS 1.3\'s "Secure Renegotiation IS NOT supported" for the symptom', () => {
    const ev = judge(run(GOOD_TLS13, 0), recipe('renegotiation-insecure'), result(), META);
    expect(ev.confirms).toBe(false);
    expect(ev.excerpt).not.toMatch(/Secure Renegotiation/);
    expect(ev.note).toBe('OpenSSL 3.0.19 does not show "unsafe legacy renegotiation disabled" over TLS 1.2: it connected (TLSv1.3, TLS_AES_256_GCM_SHA384) and exited with 0. It disagrees with this diagnosis; compare the two before acting on it');
  });

  it('renegotiation: refused after RENEGOTIATING, or completed', () => {
    const refused = judge(run(RENEG_REFUSED), recipe('renegotiation-refused'), result(), META);
    expect(refused.confirms).toBe(true);
    expect(refused.keyLine).toMatch(/^error:0A000153:.*no renegotiation/);
    expect(refused.excerpt.split('\n')).toEqual([
      'New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384', 'Secure Renegotiation IS supported', 'Verify return code: 0 (ok)', 'RENEGOTIATING', refused.keyLine,
    ]);
    expect(judge(run(RENEG_REFUSED), recipe('renegotiation-client-accepted'), result(), META).confirms).toBe(false);
    const accepted = judge(run(RENEG_ACCEPTED, 0), recipe('renegotiation-client-accepted'), result(), META);
    expect(accepted).toMatchObject({ confirms: true, keyLine: 'RENEGOTIATING', exitCode: 0 });
    expect(judge(run(RENEG_ACCEPTED, 0), recipe('renegotiation-refused'), result(), META).confirms).toBe(false);
  });

  it('renegotiation on a TLS 1.3-only server: TLS 1.2 refused is the evidence; on TLS 1.1 only, s_client uses TLS 1.1', () => {
    const only13 = result({ renegotiation: { secure: null, clientInitiated: 'not-applicable', acceptedCount: 0 } });
    const alert = 'error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1605:SSL alert number 70\nNew, (NONE), Cipher is (NONE)\n';
    expect(judge(run(alert), recipe('renegotiation-refused'), only13, META).keyLine).toMatch(/alert protocol version/);
    const on11 = result({ renegotiation: { secure: true, clientInitiated: 'accepted', acceptedCount: 10, protocol: 'TLSv1.1' } });
    expect(invocation(recipe('renegotiation-client-accepted'), TARGET, on11).command).toContain('-tls1_1 -cipher DEFAULT@SECLEVEL=0');
  });

  it('an OpenSSL built without the protocol or suite cannot tell: null, not a disagreement', () => {
    const ev = judge(run('s_client: Unknown option: -ssl3\ns_client: Use -help for summary.\n'), recipe('protocol-ssl-enabled'), result(), META);
    expect(ev.confirms).toBeNull();
    expect(ev.keyLine).toBe('s_client: Unknown option: -ssl3');
    expect(ev.note).toMatch(/^OpenSSL 3\.0\.19 cannot test this/);
    const rc4 = judge(run('Call to SSL_CONF_cmd(-cipher, RC4:3DES:@SECLEVEL=0) failed\n40A79D6EF97F0000:error:0A0000B9:SSL routines:SSL_CTX_set_cipher_list:no cipher match:../ssl/ssl_lib.c:2741:\n'), recipe('cipher-weak'), result(), META);
    expect(rc4.confirms).toBeNull();
  });

  it('a run killed at its deadline neither confirms nor contradicts, except for "no answer" itself', () => {
    const killed = run('CONNECTED(00000003)\n', null, true);
    expect(judge(killed, recipe('cert-expired'), result(), META)).toMatchObject({ confirms: null, exitCode: null });
    expect(judge(killed, recipe('connection-timeout'), result(), META)).toMatchObject({ confirms: true, keyLine: '(no answer within 5000 ms: killed)' });
  });

  it('reads the certificate lines: key size, signature, expiry, chain order', () => {
    const weak = 'Certificate chain\n 0 s:CN = a\n   i:CN = b\n   a:PKEY: rsaEncryption, 1024 (bit); sigalg: RSA-SHA1\n';
    expect(judge(run(weak, 0), recipe('cert-weak-key'), result(), META).keyLine).toBe('a:PKEY: rsaEncryption, 1024 (bit); sigalg: RSA-SHA1');
    expect(judge(run(weak, 0), recipe('cert-weak-signature'), result(), META).confirms).toBe(true);
    expect(judge(run(GOOD_TLS13, 0), recipe('cert-weak-key'), result(), META).confirms).toBe(false);
    const soon = new Date(Date.now() + 5 * 86_400_000).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) (\S+) GMT$/, '$2 $1 $4 $3 GMT');
    const expiring = judge(run(` 0 s:CN = a\n   v:NotBefore: Dec  1 06:20:41 2025 GMT; NotAfter: ${soon}\n`, 0), recipe('cert-expiring'), result(), META);
    expect(expiring.confirms).toBe(true);
    const order = 'Certificate chain\n 0 s:CN = leaf\n   i:CN = Int\n 1 s:CN = Root\n   i:CN = Root\n 2 s:CN = Int\n   i:CN = Root\n';
    expect(judge(run(order, 0), recipe('cert-chain-order'), result(), META).keyLine).toBe('1 s:CN = Root');
  });

  it('keeps the excerpt short, with the key line in it', () => {
    const noisy = Array.from({ length: 20 }, (_, i) => `error:000000${i}:noise`).join('\n') + '\nverify error:num=10:certificate has expired\n';
    const ev = judge(run(noisy), recipe('cert-expired'), result(), META);
    expect(ev.excerpt.split('\n')).toHaveLength(8);
    expect(ev.excerpt).toContain('verify error:num=10:certificate has expired');
  });
});

describe('the paste-able command', () => {
  it('uses the resolved address with -connect, the name with -servername, the recipe\'s flags', () => {
    const inv = invocation(recipe('renegotiation-insecure'), TARGET, result());
    expect(inv.command).toBe('openssl s_client -connect 192.0.2.7:8443 -servername api.example.com -tls1_2 </dev/null');
    expect(inv.args).toEqual([['connect', '192.0.2.7:8443'], ['servername', 'api.example.com'], ['tls1_2']]);
  });

  it('brackets IPv6, types R for renegotiation, quotes what the shell would read, adds -CAfile', () => {
    const v6 = { ...TARGET, ip: '2001:db8::7', sni: null };
    expect(invocation(recipe('renegotiation-refused'), v6, result(), { caFile: '/tmp/my ca.pem' }).command)
      .toBe("printf 'R\\n' | openssl s_client -connect [2001:db8::7]:8443 -tls1_2 -CAfile '/tmp/my ca.pem'");
    expect(invocation(recipe('cipher-cbc-only'), TARGET, result()).command).toContain('-cipher ECDHE+AESGCM:ECDHE+CHACHA20 ');
  });

  it('checks the name it sent, or the address when it sent none; sends none when SNI is the subject', () => {
    expect(invocation(recipe('cert-hostname-mismatch'), TARGET, result()).command).toContain('-servername api.example.com -verify_hostname api.example.com');
    expect(invocation(recipe('cert-hostname-mismatch'), { ...TARGET, sni: null }, result()).command).toContain('-verify_ip 192.0.2.7');
    expect(invocation(recipe('sni-required'), TARGET, result()).command).toBe('openssl s_client -connect 192.0.2.7:8443 -noservername </dev/null');
  });

  it('TLS 1.0/1.1: the oldest version the server speaks, with SECLEVEL=0 as OpenSSL 3 needs', () => {
    expect(invocation(recipe('protocol-legacy-tls'), TARGET, result()).command).toContain('-tls1 -cipher DEFAULT@SECLEVEL=0 ');
    const only11 = result({ protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': true } });
    expect(invocation(recipe('protocol-legacy-tls'), TARGET, only11).command).toContain('-tls1_1 -cipher DEFAULT@SECLEVEL=0 ');
  });

  it('every recipe belongs to a knowledge-base entry and uses the flags its reproduce command names', () => {
    // Added on purpose: OpenSSL 3 needs SECLEVEL=0 for TLS 1.0/1.1 (tls-facts.md); the kb command lacks it.
    const ours = new Set(['cipher DEFAULT@SECLEVEL=0']);
    for (const [id, r] of Object.entries(RECIPES)) {
      const entry = KNOWLEDGE_BASE.find((e) => e.id === id);
      expect(entry, id).toBeDefined();
      // The knowledge base tests RC4/3DES with gnutls-cli (OpenSSL 3 has none); the recipe exists so
      // that evidence says "cannot tell" rather than disagreeing.
      if (!entry?.reproduce.startsWith('openssl')) continue;
      const args = typeof r.args === 'function' ? r.args(result()) : r.args;
      for (const [flag, value] of args) {
        if (ours.has(`${flag} ${value}`)) continue;
        expect(entry?.reproduce, `${id}: -${flag}`).toContain(`-${flag}`);
        if (value) expect(entry?.reproduce, `${id}: ${value}`).toContain(value);
      }
      if (r.stdin) expect(entry?.reproduce).toContain("printf 'R\\n'");
      if (r.verifyName) expect(entry?.reproduce).toContain('-verify_hostname');
      if (r.sni === false) expect(entry?.reproduce).toContain('-noservername');
    }
  });
});

describe('which diagnoses get evidence', () => {
  it('warning and above, most likely first, at most three; confirmed causes of a pasted error first', () => {
    const r = result({ diagnoses: [diag('a', 'critical'), diag('b', 'info'), diag('c', 'warning'), diag('d', 'error'), diag('e', 'error'), diag('ok', 'ok')] });
    expect(pickForEvidence(r).map((d) => d.id)).toEqual(['a', 'c', 'd']);
    expect(pickForEvidence(r, 3, ['ok', 'missing']).map((d) => d.id)).toEqual(['ok', 'a', 'c']);
  });

  it('explain keeps the evidence of the check for the same causes', () => {
    const ev: Evidence = { command: 'c', exitCode: 1, excerpt: 'x', keyLine: 'x', confirms: true, note: null, openssl: null, durationMs: 1 };
    const checked = result({ diagnoses: [{ ...diag('a', 'error'), evidence: ev }, { ...diag('b', 'error'), evidence: null, evidenceReason: 'why' }] });
    const answer = carryEvidence({ recognised: true, diagnoses: [diag('a', 'error'), diag('b', 'error'), diag('c', 'info')] }, checked);
    expect(answer.diagnoses.map((d) => [d.evidence, d.evidenceReason ?? null])).toEqual([[ev, null], [null, 'why'], [undefined, null]]);
  });
});

describe('rendering', () => {
  const ev: Evidence = {
    command: 'openssl s_client -connect 192.0.2.7:8443 -servername api.example.com -tls1_2 </dev/null', exitCode: 1,
    excerpt: 'error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled\nNew, (NONE), Cipher is (NONE)',
    keyLine: 'error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled', confirms: true, note: null, openssl: 'OpenSSL 3.0.19', durationMs: 41,
  };

  it('CLI: "OpenSSL 3.0.x says:" with the command and the excerpt under the diagnosis', () => {
    const text = renderCheck(result({ diagnoses: [{ ...diag('renegotiation-insecure', 'error'), evidence: ev }] }));
    expect(text).toContain([
      '     OpenSSL 3.0.19 says: (exit 1, 41 ms)',
      `       $ ${ev.command}`,
      '       error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled',
      '       New, (NONE), Cipher is (NONE)',
    ].join('\n'));
  });

  it('CLI: a disagreement and a missing run are said, not hidden', () => {
    const plain = (_s: unknown, t: string) => t;
    const against = evidenceLines({ evidence: { ...ev, confirms: false, note: 'OpenSSL 3.0.19 does not show it' } }, '', plain);
    expect(against.at(-1)).toBe('⚠ OpenSSL 3.0.19 does not show it');
    expect(evidenceLines({ evidence: null, evidenceReason: 'openssl is not installed (not found on PATH)' }, '', plain))
      .toEqual(['OpenSSL: no evidence (openssl is not installed (not found on PATH))']);
    expect(evidenceLines({}, '', plain)).toEqual([]);
  });

  it('Slack: the key line in the diagnosis message, escaped', () => {
    const blocks = diagnosisBlocks({ ...diag('renegotiation-insecure', 'error'), evidence: ev });
    expect(JSON.stringify(blocks)).toContain('OpenSSL 3.0.19 says: `error:0A000152:SSL routines:final_renegotiate:unsafe legacy renegotiation disabled` (exit 1)');
    const hostile = evidenceBlock({ evidence: { ...ev, keyLine: '<!channel> `x`', confirms: false } });
    expect(JSON.stringify(hostile)).toContain("⚠️ OpenSSL 3.0.19 does not show this: `&lt;!channel&gt; 'x'` (exit 1)");
    expect(evidenceBlock({})).toBeNull();
  });
});
