// Key exchange for TLS ≤ 1.2 (issue 20): the ServerKeyExchange codec on crafted bytes, the probe
// against openssl s_server with 1024-bit, RFC 7919 and custom 2048-bit DH groups, and the whole
// check: weak-dh as a finding and as the live confirmation of "dh key too small".
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keepServers, startSServer, tempDir } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import * as protocols from '../src/probe/protocols.js';
import * as kex from '../src/probe/key-exchange.js';
import * as ecdheCurves from '../src/probe/ecdhe-curves.js';
import * as ciphers from '../src/probe/ciphers.js';
import { cipherSuiteByName } from '../src/probe/codec/cipher-suites.js';
import { ecdheLine } from '../src/format/kex-lines.js';
import type { HelloOutcome } from '../src/probe/raw-hello.js';
import type { ServerHello } from '../src/probe/codec/server-response.js';
import { startDelayRelay } from '../bench/delay-relay.mjs';
import { hasLighttpdModule, startLighttpd } from './helpers/stacks.js';
import { bitLength, curveName, dhGroupName, parseServerKeyExchange } from '../src/probe/codec/server-key-exchange.js';
import { parseFlight } from '../src/probe/codec/server-response.js';
import { countScts } from '../src/probe/codec/sct-list.js';
import { runCheck } from '../src/check.js';
import { renderCheck } from '../src/format/cli-text.js';
import { summaryFields } from '../src/format/slack-result.js';
import { deriveFindings, explain } from '../src/diagnose/index.js';
import { modernServer } from './fixtures/results/base.js';
import type { CheckResult } from '../src/types.js';
import { TAG, expectChildren, readDer, type DerNode } from '../src/probe/der.js';

const keep = keepServers();
const dir = tempDir();
const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'ignore', timeout: 30_000 });
};
/** DH parameter files: 1024-bit and 2048-bit custom groups (DSA-style generation is fast), RFC 7919 ffdhe2048. */
const dhFile = (name: string, args: (out: string) => string[]): string => {
  const file = join(dir, `${name}.pem`);
  openssl(args(file));
  return file;
};
// A safe-prime 1024-bit group (s_server ignores DSA-style 1024-bit ones and serves its 2048-bit default).
const DH1024 = dhFile('dh1024', (out) => ['dhparam', '-out', out, '1024']);
const DH2048 = dhFile('dh2048', (out) => ['dhparam', '-dsaparam', '-out', out, '2048']);
const FFDHE2048 = dhFile('ffdhe2048', (out) => ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', out]);

/** The prime of a PEM "DH PARAMETERS" file (PKCS #3: SEQUENCE { prime INTEGER, base INTEGER }). */
function primeOf(file: string): Buffer {
  const der = Buffer.from(readFileSync(file, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (expectChildren(readDer(der), TAG.sequence)[0] as DerNode).value;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);

describe('ServerKeyExchange codec (pure)', () => {
  it('reads the DH prime size and names RFC 7919 groups', () => {
    const ffdhe = primeOf(FFDHE2048);
    expect(bitLength(ffdhe)).toBe(2048);
    expect(dhGroupName(ffdhe)).toBe('ffdhe2048');
    expect(dhGroupName(Buffer.concat([Buffer.from([0]), ffdhe]))).toBe('ffdhe2048');
    const body = Buffer.concat([vec16(primeOf(DH1024)), vec16(Buffer.from([2])), vec16(Buffer.alloc(128, 7)), Buffer.alloc(70)]);
    expect(parseServerKeyExchange(body, 'dh')).toEqual({ kind: 'dh', bits: 1024, group: 'custom' });
    // A 768-bit (Logjam range) prime with its top bit set.
    const p768 = Buffer.alloc(96, 0xff);
    expect(parseServerKeyExchange(Buffer.concat([vec16(p768), vec16(Buffer.from([2]))]), 'dh')).toMatchObject({ bits: 768, group: 'custom' });
  });

  it('reads the named curve of ECDHE and refuses what it cannot read', () => {
    const ecdh = (id: number): Buffer => Buffer.concat([Buffer.from([3]), u16(id), Buffer.from([32]), Buffer.alloc(32, 1)]);
    expect(parseServerKeyExchange(ecdh(29), 'ecdh')).toEqual({ kind: 'ecdh', curveId: 29, curve: 'x25519' });
    expect(parseServerKeyExchange(ecdh(23), 'ecdh')).toMatchObject({ curve: 'secp256r1' });
    expect(curveName(0x1234)).toBe('0x1234');
    expect(parseServerKeyExchange(Buffer.from([1, 0, 0]), 'ecdh').kind).toBe('unreadable');
    expect(parseServerKeyExchange(Buffer.from([0, 200, 1]), 'dh').kind).toBe('unreadable');
    expect(parseServerKeyExchange(Buffer.alloc(0), 'dh').kind).toBe('unreadable');
  });

  it('collects a flight across records and stops at ServerHelloDone', () => {
    const msg = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);
    const stream = Buffer.concat([msg(2, Buffer.alloc(40)), msg(11, Buffer.alloc(300, 1)), msg(12, Buffer.alloc(20, 2)), msg(14, Buffer.alloc(0))]);
    const rec = (b: Buffer): Buffer => Buffer.concat([Buffer.from([22, 3, 3]), u16(b.length), b]);
    const split = Buffer.concat([rec(stream.subarray(0, 100)), rec(stream.subarray(100))]);
    const f = parseFlight(split);
    expect(f).toMatchObject({ complete: true, error: null });
    expect(f.messages.map((m) => m.type)).toEqual([2, 11, 12, 14]);
    expect(parseFlight(split.subarray(0, 120)).complete).toBe(false);
    expect(parseFlight(Buffer.from('HTTP/1.1 400 Bad Request\r\n')).complete).toBe(true);
  });

  it('counts SCTs in a SignedCertificateTimestampList', () => {
    const list = vec16(Buffer.concat([vec16(Buffer.alloc(47, 1)), vec16(Buffer.alloc(47, 2))]));
    expect(countScts(list)).toBe(2);
    expect(countScts(list.subarray(0, 10))).toBeNull();
  });
});

/** Versions first, as the orchestrator does, then the key-exchange probe. */
async function probe(port: number): Promise<kex.KeyExchangeProbeResult> {
  const ctx = loopbackCtx(port);
  try {
    ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
    return await kex.run(ctx);
  } finally {
    ctx.abort();
  }
}

const BOTH = 'ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0';

describe('key-exchange probe against openssl s_server', () => {
  it('a 1024-bit custom DH group and the ECDHE curve', async () => {
    const s = await keep(startSServer(['-dhparam', DH1024, '-cipher', BOTH]));
    const r = await probe(s.port);
    expect(r.dh).toEqual({ bits: 1024, group: 'custom', suite: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', protocol: 'TLSv1.2' });
    expect(r.curves).toEqual({ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'x25519' });
    expect(r.sctTlsExtension).toBe(0);
    expect(r.problems).toEqual([]);
  });

  it('names the RFC 7919 group, and a custom 2048-bit one as custom', async () => {
    const ffdhe = await keep(startSServer(['-dhparam', FFDHE2048, '-cipher', BOTH]));
    const custom = await keep(startSServer(['-dhparam', DH2048, '-cipher', BOTH, '-no_tls1_3']));
    const [a, b] = await Promise.all([probe(ffdhe.port), probe(custom.port)]);
    expect(a.dh).toMatchObject({ bits: 2048, group: 'ffdhe2048' });
    expect(b.dh).toMatchObject({ bits: 2048, group: 'custom' });
  });

  it('no DHE suite: dh is null; TLS 1.1 only: read on TLS 1.1', async () => {
    const ecdheOnly = await keep(startSServer(['-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']));
    const old = await keep(startSServer(['-dhparam', DH1024, '-tls1_1', '-cipher', 'DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0']));
    const [a, b] = await Promise.all([probe(ecdheOnly.port), probe(old.port)]);
    expect(a.dh).toBeNull();
    expect(a.curves).toEqual({ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'x25519' });
    expect(b.dh).toMatchObject({ bits: 1024, protocol: 'TLSv1.1', suite: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA' });
  });

  it('a TLS 1.3-only server: nothing to read, nothing claimed', async () => {
    const s = await keep(startSServer(['-tls1_3']));
    const r = await probe(s.port);
    expect(r).toEqual({ sctTlsExtension: null, problems: [] });
  });

  it('reads SCTs from the signed_certificate_timestamp extension (s_server -serverinfo)', async () => {
    const sctList = vec16(Buffer.concat([vec16(Buffer.alloc(47, 1)), vec16(Buffer.alloc(47, 2))]));
    const ext = Buffer.concat([u16(18), vec16(sctList)]);
    const file = join(dir, 'serverinfo.pem');
    writeFileSync(file, `-----BEGIN SERVERINFO FOR localhost-----\n${ext.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END SERVERINFO FOR localhost-----\n`);
    const s = await keep(startSServer(['-serverinfo', file, '-cipher', BOTH, '-dhparam', FFDHE2048]));
    expect((await probe(s.port)).sctTlsExtension).toBe(2);
  });
});

describe('the whole check on a 1024-bit DHE server (the issue\'s reproduction)', () => {
  it('reports weak-dh as an error, and explain confirms "dh key too small"', async () => {
    const s = await keep(startSServer(['-dhparam', DH1024, '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', '-no_tls1_3']));
    const result = await runCheck(`127.0.0.1:${s.port}`, { timeoutMs: 20_000 });
    expect(result.keyExchange?.dh).toMatchObject({ bits: 1024, group: 'custom' });
    expect(result.keyExchange?.curves).toEqual({});
    const finding = result.findings.find((f) => f.id === 'weak-dh');
    expect(finding?.severity).toBe('error');
    expect(finding?.detail).toMatch(/1024-bit DH group/);
    expect(renderCheck(result)).toContain('DHE: 1024-bit group (custom), TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 on TLSv1.2');
    expect(summaryFields(result).join('\n')).toContain('DHE: 1024-bit group (custom)');
    const diag = result.diagnoses?.find((d) => d.id === 'weak-dh');
    expect(diag?.reproduce).toContain(`-connect 127.0.0.1:${s.port}`);
    for (const text of ['curl: (35) OpenSSL/3.0.19: error:0A00018A:SSL routines::dh key too small', 'error:0A00018A']) {
      const e = explain(text, result);
      expect(e.candidates[0]).toMatchObject({ id: 'weak-dh', verdict: 'confirmed' });
    }
    // The reproduce command really shows the client error against this server.
    const out = (() => {
      try {
        return execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-tls1_2', '-cipher', 'DHE:@SECLEVEL=2'], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
      } catch (err) {
        return String((err as { stderr?: string }).stderr ?? '');
      }
    })();
    expect(out).toMatch(/dh key too small/);
  }, 30_000);

  it('an RFC 7919 group: no key-exchange finding, and explain rules weak-dh out', async () => {
    const s = await keep(startSServer(['-dhparam', FFDHE2048, '-cipher', BOTH]));
    const result = await runCheck(`127.0.0.1:${s.port}`, { timeoutMs: 20_000 });
    expect(result.findings.map((f) => f.id)).not.toContain('weak-dh');
    expect(result.findings.map((f) => f.id)).not.toContain('dh-custom-group');
    expect(explain('dh key too small', result).candidates[0]).toMatchObject({ id: 'weak-dh', verdict: 'ruled-out' });
  }, 30_000);
});

/** A ServerHello outcome carrying an ECDHE ServerKeyExchange for `curveId` (pure tests). */
function helloWithCurve(suite: string, curveId: number, version: 'TLSv1.2' | 'TLSv1' = 'TLSv1.2'): HelloOutcome {
  const ske = Buffer.concat([Buffer.from([3]), u16(curveId), Buffer.from([32]), Buffer.alloc(32, 1)]);
  const hello = {
    kind: 'server-hello', version: version === 'TLSv1.2' ? 0x0303 : 0x0301, versionName: version, cipher: cipherSuiteByName(suite)?.id ?? 0, cipherName: suite,
    compression: 0, extensions: [], flight: [{ type: 12, body: ske }],
  } as unknown as ServerHello;
  return hello;
}

const ECDHE_RSA_128 = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256';
const ECDHE_RSA_256 = 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384';
const ECDHE_RSA_CBC = 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA';

describe('ECDHE curve per suite (pure)', () => {
  it('asks each accepted ECDHE suite once (ECDHE_PSK too), on its highest TLS ≤ 1.2 version; not RSA, DHE, plain PSK or TLS 1.3 suites', () => {
    const asked = ecdheCurves.ecdheSuitesToAsk({
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
      'TLSv1.2': [ECDHE_RSA_128, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', ECDHE_RSA_CBC, 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', 'TLS_PSK_WITH_AES_128_CBC_SHA'],
      TLSv1: [ECDHE_RSA_CBC, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
    });
    expect(asked).toEqual([
      { suite: ECDHE_RSA_128, version: 'TLSv1.2' },
      { suite: ECDHE_RSA_CBC, version: 'TLSv1.2' },
      { suite: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', version: 'TLSv1.2' },
      { suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', version: 'TLSv1' },
    ]);
    // ECDHE_PSK's ServerKeyExchange starts with the PSK identity hint (RFC 5489 §2).
    const psk = { suite: 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', version: 'TLSv1.2' as const };
    const hello = helloWithCurve(psk.suite, 23) as ServerHello;
    const ske = hello.flight?.[0]?.body ?? Buffer.alloc(0);
    const withHint = { ...hello, flight: [{ type: 12, body: Buffer.concat([u16(3), Buffer.from('abc'), ske]) }] } as ServerHello;
    expect(ecdheCurves.curveOf(psk, withHint)).toEqual({ curve: 'secp256r1' });
  });

  it('a curve per suite; complete only when every suite answered and the cipher list was whole', () => {
    const asked = [{ suite: ECDHE_RSA_128, version: 'TLSv1.2' as const }, { suite: ECDHE_RSA_256, version: 'TLSv1.2' as const }];
    const both = ecdheCurves.summarise(asked, [helloWithCurve(ECDHE_RSA_128, 29), helloWithCurve(ECDHE_RSA_256, 24)], []);
    expect(both).toMatchObject({ ran: true, suites: 2, complete: true, curves: { [ECDHE_RSA_128]: 'x25519', [ECDHE_RSA_256]: 'secp384r1' } });
    const timeout: HelloOutcome = { kind: 'error', error: { code: 'timeout', message: 'deadline reached' } };
    const cut = ecdheCurves.summarise(asked, [helloWithCurve(ECDHE_RSA_128, 29), timeout], []);
    expect(cut.complete).toBe(false);
    expect(cut.curves).toEqual({ [ECDHE_RSA_128]: 'x25519' });
    expect(cut.detail).toMatch(/no curve for TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);
    const listCut = ecdheCurves.summarise(asked.slice(0, 1), [helloWithCurve(ECDHE_RSA_128, 29)], ['TLSv1.2']);
    expect(listCut.complete).toBe(false);
    expect(listCut.detail).toMatch(/cipher list of TLSv1\.2 was cut short/);
    // A TLS 1.3 list cut short does not concern TLS ≤ 1.2 suites.
    expect(ecdheCurves.summarise(asked.slice(0, 1), [helloWithCurve(ECDHE_RSA_128, 29)], ['TLSv1.3']).complete).toBe(true);
    // The server answering another suite than the one offered is no curve for it.
    expect(ecdheCurves.curveOf(asked[0] as (typeof asked)[0], helloWithCurve(ECDHE_RSA_256, 29))).toMatchObject({ problem: expect.stringMatching(/answered TLSv1\.2 TLS_ECDHE_RSA_WITH_AES_256/) });
  });

  it('renders one curve once, differing curves per suite, and a cut list as incomplete', () => {
    expect(ecdheLine({ a: 'x25519', b: 'x25519', c: 'x25519' }, true)).toBe('ECDHE: x25519 on all 3 ECDHE suites');
    expect(ecdheLine({ [ECDHE_RSA_128]: 'x25519' }, true)).toBe(`ECDHE: x25519 (${ECDHE_RSA_128})`);
    expect(ecdheLine({ a: 'x25519', b: 'secp384r1', c: 'x25519' }, true)).toBe('ECDHE: x25519 on a, c; secp384r1 on b');
    expect(ecdheLine({ a: 'x25519', b: 'x25519' }, false)).toBe('ECDHE: x25519 on 2 ECDHE suites (incomplete: the curve of other ECDHE suites is not known)');
    expect(ecdheLine({}, true)).toBe('ECDHE: not offered');
    expect(ecdheLine({}, false)).toBe('ECDHE: unknown (not established)');
    expect(ecdheLine(undefined, undefined)).toBeNull();
  });

  it('weak-ecdhe-curve: below 224 bits a warning, other deprecated curves info, current ones nothing', () => {
    const withCurves = (curves: Record<string, string>): CheckResult => modernServer({ keyExchange: { curves, curvesComplete: true } });
    const finding = (r: CheckResult) => deriveFindings(r).find((f) => f.id === 'weak-ecdhe-curve');
    expect(finding(withCurves({ a: 'secp192r1', b: 'secp192r1' }))).toMatchObject({ severity: 'warning', detail: expect.stringMatching(/secp192r1 \(192 bits, 96-bit security\) on all 2 ECDHE suites/) });
    expect(finding(withCurves({ a: 'sect163k1', b: 'x25519' }))?.detail).toMatch(/sect163k1 \(163 bits, 81-bit security\) on a:/);
    expect(finding(withCurves({ a: 'secp256k1' }))?.severity).toBe('info');
    expect(finding(withCurves({ a: 'x25519', b: 'secp384r1', c: 'brainpoolP256r1' }))).toBeUndefined();
  });
});

/** Versions, then ciphers, then the per-suite curves, as the orchestrator orders them. */
async function curvesOf(port: number): Promise<{ accepted: string[]; value: ecdheCurves.EcdheCurvesResult }> {
  const ctx = loopbackCtx(port);
  try {
    ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
    const c = await ciphers.run(ctx);
    ctx.ciphers = { suites: c.ciphers, partial: c.partial ?? [] };
    const accepted = ecdheCurves.ecdheSuitesToAsk(c.ciphers).map((a) => a.suite);
    return { accepted, value: await ecdheCurves.run(ctx) };
  } finally {
    ctx.abort();
  }
}

describe('ECDHE curve per suite against openssl s_server', () => {
  it('default curves: the same curve on every accepted ECDHE suite, shown once', async () => {
    const s = await keep(startSServer(['-cipher', 'ECDHE:AES128-SHA', '-no_tls1_3']));
    const result = await runCheck(`127.0.0.1:${s.port}`, { timeoutMs: 20_000 });
    const accepted = ecdheCurves.ecdheSuitesToAsk(result.ciphers).map((a) => a.suite);
    expect(accepted.length).toBeGreaterThan(3);
    expect(Object.keys(result.keyExchange?.curves ?? {}).sort()).toEqual([...accepted].sort());
    expect(new Set(Object.values(result.keyExchange?.curves ?? {}))).toEqual(new Set(['x25519']));
    expect(result.keyExchange?.curvesComplete).toBe(true);
    expect(result.incomplete).toEqual([]);
    const line = `ECDHE: x25519 on all ${accepted.length} ECDHE suites`;
    expect(renderCheck(result)).toContain(line);
    expect(summaryFields(result).join('\n')).toContain(line);
    expect(result.findings.map((f) => f.id)).not.toContain('weak-ecdhe-curve');
  }, 30_000);

  it('-curves secp384r1: that curve on every suite', async () => {
    const s = await keep(startSServer(['-curves', 'secp384r1', '-cipher', 'ECDHE', '-no_tls1_3']));
    const { accepted, value } = await curvesOf(s.port);
    expect(accepted.length).toBeGreaterThan(1);
    expect(value.complete).toBe(true);
    expect(value.curves).toEqual(Object.fromEntries(accepted.map((suite) => [suite, 'secp384r1'])));
  }, 30_000);

  it('a server preferring secp192r1 over P-256: warning; the same curves in the client\'s order: P-256, nothing to say', async () => {
    const curves = ['-curves', 'secp192r1:prime256v1', '-cipher', 'ECDHE:@SECLEVEL=0', '-no_tls1_3'];
    const serverOrder = await keep(startSServer([...curves, '-serverpref']));
    const clientOrder = await keep(startSServer(curves));
    const [a, b] = await Promise.all([serverOrder, clientOrder].map((s) => runCheck(`127.0.0.1:${s.port}`, { timeoutMs: 20_000 })));
    if (!a || !b) throw new Error('no result');
    expect(Object.keys(a.keyExchange?.curves ?? {}).length).toBeGreaterThan(1);
    expect(new Set(Object.values(a.keyExchange?.curves ?? {}))).toEqual(new Set(['secp192r1']));
    const f = a.findings.find((x) => x.id === 'weak-ecdhe-curve');
    expect(f?.severity).toBe('warning');
    expect(f?.detail).toMatch(/secp192r1 \(192 bits, 96-bit security\) on all \d+ ECDHE suites/);
    expect(new Set(Object.values(b.keyExchange?.curves ?? {}))).toEqual(new Set(['secp256r1']));
    expect(b.findings.map((x) => x.id)).not.toContain('weak-ecdhe-curve');
    // The reproduce command shows the weak curve on the first server and not on the second.
    const reproduce = a.diagnoses?.find((d) => d.id === 'weak-ecdhe-curve')?.reproduce ?? '';
    expect(reproduce).toContain(`-connect 127.0.0.1:${serverOrder.port}`);
    const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(sh(reproduce)).toMatch(/Server Temp Key: ECDH, prime192v1, 192 bits/);
    expect(sh(reproduce.replace(String(serverOrder.port), String(clientOrder.port)))).toMatch(/Server Temp Key: ECDH, prime256v1, 256 bits/);
  }, 40_000);

  it('the curves the cipher probe read on the way equal those of hellos offering each suite alone, by the server\'s order or the client\'s', async () => {
    const curves = ['-curves', 'secp192r1:prime256v1:secp384r1', '-cipher', 'ECDHE:AES128-SHA:@SECLEVEL=0', '-no_tls1_3'];
    const servers = await Promise.all([keep(startSServer([...curves, '-serverpref'])), keep(startSServer(curves))]);
    const seen: string[] = [];
    for (const s of servers) {
      const ctx = loopbackCtx(s.port);
      try {
        ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
        const c = await ciphers.run(ctx);
        const read = await ecdheCurves.run({ ...ctx, ciphers: { suites: c.ciphers, partial: [], curves: c.curves } });
        const alone = await ecdheCurves.run({ ...ctx, ciphers: { suites: c.ciphers, partial: [] } });
        expect(read.suites).toBeGreaterThan(3);
        expect(read.detail).not.toMatch(/offered alone/);
        expect(alone.detail).toMatch(/offered alone/);
        expect(read.curves).toEqual(alone.curves);
        expect([read.complete, alone.complete]).toEqual([true, true]);
        seen.push(...Object.values(read.curves));
      } finally {
        ctx.abort();
      }
    }
    // The server's order gives its weak favourite, the client's the first curve offered that it has.
    expect(new Set(seen)).toEqual(new Set(['secp192r1', 'secp256r1']));
  }, 30_000);

  it('cut by the deadline: no curve claimed for the suites not answered, and not complete', async () => {
    const s = await keep(startSServer(['-cipher', 'ECDHE', '-no_tls1_3']));
    const ctx = loopbackCtx(s.port);
    ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
    const c = await ciphers.run(ctx);
    ctx.ciphers = { suites: c.ciphers, partial: c.partial ?? [] };
    ctx.abort(); // the deadline, before the per-suite hellos
    const value = await ecdheCurves.run(ctx);
    expect(value.complete).toBe(false);
    expect(value.curves).toEqual({});
    expect(ecdheCurves.incomplete(value)).toMatch(/no curve for TLS_ECDHE_/);
    const r = modernServer({ keyExchange: { curves: { [ECDHE_RSA_128]: 'x25519' } } });
    ecdheCurves.apply(r, value);
    expect(r.keyExchange).toMatchObject({ curves: {}, curvesComplete: false });
    // Without a cipher list the one suite key-exchange read stays, marked as not the whole list.
    const noList = await ecdheCurves.run({ ...ctx, ciphers: undefined });
    const r2 = modernServer({ keyExchange: { curves: { [ECDHE_RSA_128]: 'x25519' } } });
    ecdheCurves.apply(r2, noList);
    expect(r2.keyExchange).toMatchObject({ curves: { [ECDHE_RSA_128]: 'x25519' }, curvesComplete: false, curvesDetail: expect.stringMatching(/only the suite the server picked/) });
    expect(ecdheLine(r2.keyExchange?.curves, r2.keyExchange?.curvesComplete)).toMatch(/incomplete/);
  }, 30_000);
});

describe('ECDHE curve per suite through the whole check, cut by the deadline', () => {
  it('at 200 ms round trip with 1.5 s: ecdhe-curves is listed as incomplete and no curve list claims to be whole', async () => {
    const s = await keep(startSServer(['-cipher', 'ECDHE', '-no_tls1_3']));
    const far = await keep(startDelayRelay(s.port, { rttMs: 200 }));
    // Enough for the version hellos, not for the cipher chains, so not for the per-suite hellos after them.
    const result = await runCheck(`127.0.0.1:${far.port}`, { sni: 'localhost', timeoutMs: 1_500 });
    expect(result.error).toBeNull();
    const cut = new Map(result.incomplete?.map((i) => [i.probe, i.reason]));
    expect(cut.get('ecdhe-curves')).toMatch(/^deadline reached after 1\.5 s/);
    expect(result.keyExchange?.curvesComplete).toBe(false);
    expect(result.probeErrors).toBeUndefined();
    // Whatever was read before the deadline, the output never says "on all N suites".
    expect(keyLine(result) ?? '').not.toMatch(/on all/);
  }, 30_000);
});

const keyLine = (r: CheckResult): string | undefined => renderCheck(r).split('\n').find((l) => l.includes('ECDHE:'));

describe('ECDHE curve per suite on other TLS stacks (lighttpd)', () => {
  it.skipIf(!hasLighttpdModule('wolfssl') || !hasLighttpdModule('mbedtls'))('wolfSSL: ECDHE_PSK counted too; mbedTLS: its own pick among everything offered', async () => {
    const [wolf, mbed] = await Promise.all([keep(startLighttpd('wolfssl')), keep(startLighttpd('mbedtls'))]);
    const [w, m] = await Promise.all([wolf, mbed].map((s) => runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 20_000 })));
    if (!w || !m) throw new Error('no result');
    const accepted = (r: CheckResult): string[] => ecdheCurves.ecdheSuitesToAsk(r.ciphers).map((a) => a.suite).sort();
    // wolfSSL picks an ECDHE_PSK suite without a PSK configured; its ServerKeyExchange carries the hint first.
    expect(accepted(w)).toContain('TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256');
    expect(Object.keys(w.keyExchange?.curves ?? {}).sort()).toEqual(accepted(w));
    expect(w.keyExchange?.curvesComplete).toBe(true);
    expect(Object.keys(m.keyExchange?.curves ?? {}).sort()).toEqual(accepted(m));
    expect(m.keyExchange?.curvesComplete).toBe(true);
    // mbedTLS ranks curves itself, strongest first: offered every curve, it takes secp521r1 (not deprecated: no finding).
    expect(new Set(Object.values(m.keyExchange?.curves ?? {}))).toEqual(new Set(['secp521r1']));
    expect(m.findings.map((f) => f.id)).not.toContain('weak-ecdhe-curve');
  }, 40_000);
});
