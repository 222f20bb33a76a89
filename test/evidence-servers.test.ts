// Evidence against real servers on 127.0.0.1: the whole check with `evidence` set, then what
// OpenSSL printed beside each diagnosis must carry that diagnosis' symptom.
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../src/check.js';
import { attachEvidence } from '../src/evidence/index.js';
import type { CheckResult, Diagnosis } from '../src/types.js';
import { createPki, type Issued } from './helpers/pki.js';
import { keepServers, startGnutlsServ, startRawPeer, startSServer } from './helpers/servers.js';

const pki = createPki();
const keep = keepServers();
const TIMEOUT_MS = 15_000;

function withRoot(extra: CheckOptions = {}): CheckOptions {
  return { sni: 'localhost', ca: [pki.root.cert], timeoutMs: TIMEOUT_MS, evidence: { caFile: pki.root.certFile }, ...extra };
}

async function sserver(leaf: Issued, extra: string[] = []): Promise<number> {
  const chain = pki.bundle(`ev-${leaf.name}`, [pki.intermediate]);
  return (await keep(startSServer(['-cert_chain', chain, ...extra], leaf))).port;
}

function diagnosis(r: CheckResult, id: string): Diagnosis {
  const d = r.diagnoses?.find((x) => x.id === id);
  if (!d) throw new Error(`no ${id} among ${r.diagnoses?.map((x) => x.id).join(', ')}`);
  return d;
}

/** Evidence that must be there and must agree with the diagnosis. */
function confirmed(r: CheckResult, id: string) {
  const d = diagnosis(r, id);
  expect(d.evidenceReason ?? null, `${id}: ${d.evidenceReason}`).toBeNull();
  const ev = d.evidence;
  if (!ev) throw new Error(`${id} has no evidence`);
  expect(ev.confirms, `${id}: ${ev.note}\n${ev.excerpt}`).toBe(true);
  expect(ev.excerpt).toContain(ev.keyLine);
  expect(ev.command).toContain(`-connect 127.0.0.1:${r.target.port}`);
  expect(ev.openssl).toMatch(/^OpenSSL \d+\.\d+\.\d+/);
  return ev;
}

describe('evidence from OpenSSL against real servers', () => {
  it('no RFC 5746 (gnutls-serv %DISABLE_SAFE_RENEGOTIATION): "unsafe legacy renegotiation disabled" over TLS 1.2', async () => {
    const srv = await keep(startGnutlsServ(['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']));
    const r = await runCheck(`127.0.0.1:${srv.port}`, { sni: 'localhost', timeoutMs: TIMEOUT_MS, evidence: {} });
    const ev = confirmed(r, 'renegotiation-insecure');
    expect(ev.keyLine).toMatch(/^error:0A000152:SSL routines:[a-z_]*:unsafe legacy renegotiation disabled/);
    expect(ev.command).toBe(`openssl s_client -connect 127.0.0.1:${srv.port} -servername localhost -tls1_2 </dev/null`);
    expect(ev.exitCode).toBe(1);
    // Never the misleading TLS 1.3 "IS NOT supported" line.
    expect(ev.excerpt).not.toMatch(/Secure Renegotiation IS/);
  });

  it('expired certificate: verify error 10', async () => {
    const port = await sserver(pki.expired);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot());
    const ev = confirmed(r, 'cert-expired');
    expect(ev.excerpt).toMatch(/verify error:num=10:certificate has expired/);
    expect(ev.excerpt).toMatch(/Verify return code: 10 \(certificate has expired\)/);
    expect(ev.command).toBe(`openssl s_client -connect 127.0.0.1:${port} -servername localhost -CAfile ${pki.root.certFile} </dev/null`);
  });

  it('wrong host: verify error 62 with -verify_hostname', async () => {
    const port = await sserver(pki.wrongHost);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot());
    const ev = confirmed(r, 'cert-hostname-mismatch');
    expect(ev.keyLine).toMatch(/hostname mismatch/);
    expect(ev.command).toContain('-verify_hostname localhost');
  });

  it('TLS 1.0 only: TLS 1.2 refused ("unsupported protocol"), and TLS 1.0 accepted with SECLEVEL=0', async () => {
    const port = await sserver(pki.rsa2048, ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot());
    const old = confirmed(r, 'protocol-server-too-old');
    expect(old.keyLine).toMatch(/unsupported protocol|protocol version/);
    expect(old.command).toContain('-tls1_2');
    const legacy = confirmed(r, 'protocol-legacy-tls');
    expect(legacy.keyLine).toMatch(/^New, TLSv1\.0, Cipher is /);
    expect(legacy.command).toContain('-tls1 -cipher DEFAULT@SECLEVEL=0 ');
  });

  it('refused renegotiation, explained: the confirmed cause shows "no renegotiation" after RENEGOTIATING', async () => {
    const port = await sserver(pki.leaf);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot({ symptom: 'error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation' }));
    const ev = confirmed(r, 'renegotiation-refused');
    expect(ev.excerpt).toMatch(/RENEGOTIATING\n(.*\n)*error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation/);
    expect(ev.command).toMatch(/^printf 'R\\n' \| openssl s_client -connect 127\.0\.0\.1:\d+ -servername localhost -tls1_2 -CAfile /);
  });

  it('"no renegotiation" against a TLS 1.3-only server: OpenSSL shows TLS 1.2 is not spoken at all', async () => {
    const port = await sserver(pki.leaf, ['-tls1_3']);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot({ symptom: 'ssl3_read_bytes:no renegotiation' }));
    expect(r.renegotiation.clientInitiated).toBe('not-applicable');
    const ev = confirmed(r, 'renegotiation-refused');
    expect(ev.keyLine).toMatch(/protocol version|unsupported protocol/);
  });

  it('accepted client renegotiation: RENEGOTIATING completes', async () => {
    const port = await sserver(pki.leaf, ['-client_renegotiation', '-tls1_2']);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot());
    const ev = confirmed(r, 'renegotiation-client-accepted');
    expect(ev.keyLine).toBe('RENEGOTIATING');
    expect(ev.exitCode).toBe(0);
  });

  it('says so when OpenSSL disagrees with a diagnosis', async () => {
    const port = await sserver(pki.leaf);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot({ evidence: undefined }));
    // A result that claims the (valid) certificate expired: OpenSSL must contradict it, not be quiet.
    r.diagnoses = [{ id: 'cert-expired', severity: 'critical', title: 'expired', why: '', fixes: {}, reproduce: '', references: [] }];
    await attachEvidence(r, { deadline: Date.now() + TIMEOUT_MS, caFile: pki.root.certFile });
    const ev = r.diagnoses[0]?.evidence;
    expect(ev?.confirms).toBe(false);
    expect(ev?.note).toMatch(/does not show a "certificate has expired" verify error \(10\): it connected \(TLSv1\.3, TLS_AES_256_GCM_SHA384\)/);
    expect(ev?.excerpt).toMatch(/Verify return code: 0 \(ok\)/);
  });

  it('a server that never answers: s_client is killed at the deadline, and the evidence says it cannot tell', async () => {
    const tarpit = await keep(startRawPeer(() => undefined));
    const r: CheckResult = {
      ...(await runCheck(`127.0.0.1:${tarpit.port}`, { timeoutMs: 300 })),
      diagnoses: [{ id: 'renegotiation-insecure', severity: 'error', title: 't', why: '', fixes: {}, reproduce: '', references: [] }],
    };
    await attachEvidence(r, { deadline: Date.now() + 600 });
    const ev = r.diagnoses?.[0]?.evidence;
    expect(ev?.exitCode).toBeNull();
    expect(ev?.confirms).toBeNull();
    expect(ev?.note).toMatch(/got no answer within \d+ ms/);
  });

  it('no time left in the deadline: null with the reason, OpenSSL not started', async () => {
    const port = await sserver(pki.expired);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot({ evidence: undefined }));
    await attachEvidence(r, { deadline: Date.now() + 10 });
    const d = diagnosis(r, 'cert-expired');
    expect(d.evidence).toBeNull();
    expect(d.evidenceReason).toMatch(/deadline left \d+ ms/);
  });

  it('openssl missing from PATH: evidence null with the reason, the check itself unharmed', async () => {
    const port = await sserver(pki.expired);
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-tlscheck-test';
    let r: CheckResult;
    try {
      r = await runCheck(`127.0.0.1:${port}`, withRoot());
    } finally {
      process.env.PATH = saved;
    }
    expect(r.error).toBeNull();
    const d = diagnosis(r, 'cert-expired');
    expect(d.evidence).toBeNull();
    expect(d.evidenceReason).toBe('openssl is not installed (not found on PATH)');
  });

  it('a target the address policy refuses never reaches openssl', async () => {
    const r = await runCheck('127.0.0.1:1', { enforcePolicy: true, evidence: {}, symptom: 'connection refused' });
    expect(r.error?.code).toBe('blocked');
    expect((r.diagnoses ?? []).length).toBeGreaterThan(0);
    for (const d of r.diagnoses ?? []) expect(d).not.toHaveProperty('evidence');
  });

  it('without the option, no evidence and no openssl run', async () => {
    const port = await sserver(pki.expired);
    const r = await runCheck(`127.0.0.1:${port}`, withRoot({ evidence: undefined }));
    expect(diagnosis(r, 'cert-expired')).not.toHaveProperty('evidence');
  });
});
