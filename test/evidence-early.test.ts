// OpenSSL evidence started while the probes run: one s_client run per distinct command, runs
// started only for diagnoses whose probes have all settled, the final result deciding which runs
// count, and evidence from an early run identical to evidence from a run after the check.
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../src/check.js';
import { invocation } from '../src/evidence/command.js';
import { createEvidenceRuns, startEarlyEvidence, type EvidenceRuns } from '../src/evidence/index.js';
import { RECIPES } from '../src/evidence/recipes.js';
import { createLimiter } from '../src/probe/context.js';
import type { Invocation } from '../src/evidence/command.js';
import type { CertificateResult, CheckResult, Evidence } from '../src/types.js';
import { createPki } from './helpers/pki.js';
import { keepServers, startRawPeer, startSServer } from './helpers/servers.js';

const pki = createPki();
const keep = keepServers();
const TIMEOUT_MS = 15_000;
const TARGET = { host: 'localhost', port: 8443, ip: '127.0.0.1', sni: 'localhost' };

const EXPIRED: CertificateResult = {
  trusted: false, verifyError: 'CERT_HAS_EXPIRED', hostnameMatch: true, selfSigned: false, chainComplete: true,
  notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z', daysLeft: -300, subject: 'CN=localhost', issuer: 'CN=Test CA',
  san: ['localhost'], keyType: 'RSA', keyBits: 2048, signatureAlgorithm: 'sha256WithRSAEncryption', chain: [],
};

function partial(over: Partial<CheckResult> = {}): CheckResult {
  return {
    target: TARGET, error: null,
    protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    ciphers: {}, renegotiation: { secure: null, clientInitiated: 'unknown', acceptedCount: 0, reason: null, protocol: null },
    resumption: { sessionId: null, tickets: null, consistent: null }, certificate: null, sni: { required: null },
    clientAuth: { requested: null, required: null, caNames: [] }, alpn: null, ocspStapled: null, findings: [], durationMs: 0,
    ...over,
  };
}

/** Records what would be run, runs nothing. */
function recordingRuns(): EvidenceRuns & { started: Invocation[] } {
  const started: Invocation[] = [];
  return {
    started,
    run(inv, timeoutMs) {
      if (!started.some((s) => s.command === inv.command)) started.push(inv);
      return { outcome: Promise.resolve({ ok: false, reason: 'not run' }), timeoutMs };
    },
    has: (command) => started.some((s) => s.command === command),
    get size() {
      return started.length;
    },
    closed: false,
    discardExcept: () => undefined,
  };
}

const progress = (probe: string, settled: string[]) => ({ probe, settled: new Set(settled), deadline: Date.now() + TIMEOUT_MS });

describe('startEarlyEvidence on a partial result', () => {
  it('starts the certificate run once the version and certificate probes have settled, not before', () => {
    const runs = recordingRuns();
    startEarlyEvidence(partial({ certificate: EXPIRED }), progress('certificate', ['certificate']), { runs });
    expect(runs.started).toEqual([]);
    startEarlyEvidence(partial({ certificate: EXPIRED }), progress('certificate', ['protocols', 'certificate']), { runs });
    const expected = invocation(RECIPES['cert-expired']!, TARGET, partial()).command;
    expect(runs.started.map((i) => i.command)).toEqual([expected]);
  });

  it('a probe no recipe rests on settling starts nothing, and a diagnosis waits until every probe its recipe rests on has settled', () => {
    const runs = recordingRuns();
    const insecure = partial({ renegotiation: { secure: false, clientInitiated: 'rejected', acceptedCount: 0, reason: null, protocol: 'TLSv1.2' } });
    startEarlyEvidence(insecure, progress('secure-renegotiation', ['protocols', 'secure-renegotiation']), { runs });
    startEarlyEvidence(insecure, progress('protocols', ['protocols', 'secure-renegotiation']), { runs });
    expect(runs.started).toEqual([]);
    // Once the client renegotiation probe has settled too, the RFC 5746 answer is final.
    startEarlyEvidence(insecure, progress('client-renegotiation', ['protocols', 'secure-renegotiation', 'client-renegotiation']), { runs });
    expect(runs.started.map((i) => i.command)).toEqual([invocation(RECIPES['renegotiation-insecure']!, TARGET, insecure).command]);
  });

  it('nothing for a partial result that already failed, or once the final result had its evidence', () => {
    const failed = recordingRuns();
    startEarlyEvidence(partial({ certificate: EXPIRED, error: { code: 'timeout', message: 'x' } }), progress('certificate', ['protocols', 'certificate']), { runs: failed });
    expect(failed.started).toEqual([]);
    const closed = { ...recordingRuns(), closed: true };
    startEarlyEvidence(partial({ certificate: EXPIRED }), progress('certificate', ['protocols', 'certificate']), { runs: closed });
    expect(closed.started).toEqual([]);
  });
});

describe('createEvidenceRuns', () => {
  it('one run per command, and a run nobody used is stopped', async () => {
    const tarpit = await keep(startRawPeer(() => undefined));
    const target = { ...TARGET, port: tarpit.port };
    const inv = invocation(RECIPES['cert-expired']!, target, partial({ target }));
    const runs = createEvidenceRuns();
    const first = runs.run(inv, 20_000);
    expect(runs.run(invocation(RECIPES['cert-self-signed']!, target, partial({ target })), 20_000)).toBe(first);
    expect(runs.size).toBe(1);
    runs.discardExcept(new Set());
    expect(await first.outcome).toEqual({ ok: false, reason: 'the check was cancelled' });
    expect(runs.closed).toBe(true);
  });

  it('with the check\'s socket cap, s_client starts only once a slot is free and holds it until it ends', async () => {
    let connections = 0;
    let connected!: () => void;
    const reached = new Promise<void>((r) => (connected = r));
    const tarpit = await keep(startRawPeer(() => {
      connections++;
      connected();
    }));
    const target = { ...TARGET, port: tarpit.port };
    const inv = invocation(RECIPES['cert-expired']!, target, partial({ target }));
    const limit = createLimiter(1);
    let release!: () => void;
    const busy = limit(() => new Promise<void>((r) => (release = r)));
    const runs = createEvidenceRuns();
    const run = runs.run(inv, 20_000, undefined, (fn) => limit(fn));
    expect(limit.waiting?.()).toBe(1);
    expect(connections).toBe(0);
    release();
    await busy;
    // s_client now holds the slot: its connection reaches the tarpit, and another task waits behind it.
    await reached;
    let second = false;
    const after = limit(async () => (second = true));
    expect(limit.waiting?.()).toBe(1);
    runs.discardExcept(new Set());
    expect(await run.outcome).toEqual({ ok: false, reason: 'the check was cancelled' });
    await after;
    expect(second).toBe(true);
    expect(connections).toBe(1);
  });
});

describe('early evidence in a whole check', () => {
  const withRoot = (extra: CheckOptions = {}): CheckOptions => ({ sni: 'localhost', ca: [pki.root.cert], timeoutMs: TIMEOUT_MS, ...extra });
  const same = (e: Evidence | null | undefined) => e && { ...e, durationMs: 0 };

  it('the expired certificate\'s run starts before the last probe settles (the engine starts it for every caller), and its evidence is what a run after the check gives', async () => {
    const chain = pki.bundle('early-expired', [pki.intermediate]);
    const { port } = await keep(startSServer(['-cert_chain', chain], pki.expired));
    const runs = createEvidenceRuns();
    const evidence = { caFile: pki.root.certFile, runs };
    let startedBeforeLastProbe: boolean | null = null;
    // No onPartialResult of the caller's: asking for evidence is enough (src/check.ts withEarlyEvidence).
    const early = await runCheck(`127.0.0.1:${port}`, withRoot({
      evidence,
      onProgress: (e) => {
        if (e.done === e.total) startedBeforeLastProbe = runs.size > 0;
      },
    }));
    expect(startedBeforeLastProbe).toBe(true);
    let partials = 0;
    const late = await runCheck(`127.0.0.1:${port}`, withRoot({ evidence: { caFile: pki.root.certFile }, onPartialResult: () => partials++ }));
    // A caller's own onPartialResult still hears every settled probe beside the early evidence.
    expect(partials).toBeGreaterThan(5);
    const ids = (r: CheckResult) => (r.diagnoses ?? []).filter((d) => d.evidence !== undefined).map((d) => d.id);
    expect(ids(early)).toEqual(ids(late));
    expect(ids(early)).toContain('cert-expired');
    for (const d of early.diagnoses ?? []) {
      const other = late.diagnoses?.find((x) => x.id === d.id);
      expect(same(d.evidence), d.id).toEqual(same(other?.evidence));
      expect(d.evidenceReason, d.id).toBe(other?.evidenceReason);
    }
    expect(early.diagnoses?.find((d) => d.id === 'cert-expired')?.evidence?.confirms).toBe(true);
  });
});
