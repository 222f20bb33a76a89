// Client simulation against real servers, each verdict checked against what a real local client
// of the same family does with the same server (openssl s_client, Node.js, gnutls-cli).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import tls from 'node:tls';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { keepServers, startSServer, tempDir, type KeyPair } from './helpers/servers.js';
import { countingCtx, loopbackCtx } from './helpers/probe-ctx.js';
import * as sim from '../src/probe/client-simulation.js';
import { BROWSER_LIKE, runLastRound } from '../src/probe/last-round.js';
import { CLIENT_PROFILES } from '../src/clients/profiles.js';
import { PROBES } from '../src/probe/registry.js';
import type { CertificateResult, CheckResult, ClientResult, ProtocolMap } from '../src/types.js';

const keep = keepServers();

async function simulate(port: number): Promise<Map<string, sim.SimulatedClient>> {
  const ctx = loopbackCtx(port);
  try {
    return new Map((await sim.simulate(ctx)).map((c) => [c.id, c]));
  } finally {
    ctx.abort();
  }
}

/** Does a real `openssl s_client` (OpenSSL 3.0, Debian defaults) complete a handshake? */
async function opensslConnects(port: number, extra: string[] = []): Promise<boolean> {
  try {
    const cmd = `openssl s_client -connect 127.0.0.1:${port} -servername localhost ${extra.join(' ')} </dev/null 2>&1`;
    const { stdout } = await promisify(execFile)('bash', ['-c', cmd], { timeout: 15_000, encoding: 'utf8' });
    return /New, (?:TLSv[\d.]+|SSLv3), Cipher is (?!\(NONE\))/.test(stdout);
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? '');
    return /New, (?:TLSv[\d.]+|SSLv3), Cipher is (?!\(NONE\))/.test(out);
  }
}

/** Does Node.js 20's tls.connect, with its defaults, complete a handshake? */
function nodeConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    s.setTimeout(10_000, () => { s.destroy(); resolve(false); });
  });
}

/** Does gnutls-cli (3.7, NORMAL) complete a handshake? */
async function gnutlsConnects(port: number): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)('bash', ['-c', `gnutls-cli --insecure --port ${port} 127.0.0.1 </dev/null`], { timeout: 15_000, encoding: 'utf8' });
    return /Handshake was completed/.test(stdout);
  } catch (err) {
    return /Handshake was completed/.test(String((err as { stdout?: string }).stdout ?? ''));
  }
}

describe('client simulation against real servers, checked against real clients', () => {
  it('TLS 1.3 only: clients without TLS 1.3 fail with "no common protocol"; OpenSSL -tls1_2 fails the same way', async () => {
    const s = await keep(startSServer(['-tls1_3']));
    const c = await simulate(s.port);
    expect(c.get('java-8')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version \(alert 70/) });
    expect(c.get('openssl-1.0.2')?.connects).toBe(false);
    expect(c.get('envoy')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    expect(c.get('windows-10')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    expect(c.get('windows-7')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    expect(c.get('android-7')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    for (const id of ['chrome', 'firefox', 'safari', 'android-11', 'java-11', 'java-17', 'openssl-3', 'node-20', 'gnutls-3.7', 'go']) {
      expect(c.get(id), id).toMatchObject({ connects: true, protocol: 'TLSv1.3' });
    }
    // The real clients agree: the TLS 1.2 ceiling of OpenSSL 1.0.2 / Java 8 fails, defaults connect.
    expect(await opensslConnects(s.port, ['-tls1_2'])).toBe(false);
    expect(await opensslConnects(s.port)).toBe(true);
    expect(await nodeConnects(s.port)).toBe(true);
    expect(await gnutlsConnects(s.port)).toBe(true);
  });

  it('TLS 1.0 only: only clients that still offer TLS 1.0 connect, like gnutls-cli; openssl 3 and Node do not', async () => {
    const s = await keep(startSServer(['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']));
    const c = await simulate(s.port);
    for (const id of ['java-8', 'openssl-1.0.2', 'openssl-1.1.1', 'gnutls-3.7', 'windows-10', 'windows-7', 'safari', 'android-7', 'android-11']) {
      expect(c.get(id), id).toMatchObject({ connects: true, protocol: 'TLSv1' });
    }
    for (const id of ['chrome', 'firefox', 'java-17', 'openssl-3', 'node-20', 'go']) {
      expect(c.get(id), id).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    }
    expect(await opensslConnects(s.port)).toBe(false);
    expect(await nodeConnects(s.port)).toBe(false);
    expect(await gnutlsConnects(s.port)).toBe(true);
  });

  it('a single CBC suite with RSA key exchange (AES128-SHA, TLS 1.2): Go, which dropped RSA key exchange, fails', async () => {
    const s = await keep(startSServer(['-tls1_2', '-cipher', 'AES128-SHA']));
    const c = await simulate(s.port);
    expect(c.get('go')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common cipher suite/) });
    for (const id of ['chrome', 'firefox', 'safari', 'android-7', 'android-11', 'java-8', 'java-17', 'openssl-3', 'node-20', 'gnutls-3.7']) {
      expect(c.get(id), id).toMatchObject({ connects: true, cipher: 'TLS_RSA_WITH_AES_128_CBC_SHA' });
    }
    // Windows 7 has the suite, but out of the box only TLS 1.0: the TLS 1.2-only server refuses it.
    expect(c.get('windows-7')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common protocol version/) });
    expect(await opensslConnects(s.port)).toBe(true);
    expect(await nodeConnects(s.port)).toBe(true);
  });

  it('an ECDSA-only server: every current client connects with an ECDSA suite', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'ec.key');
    const certFile = join(dir, 'ec.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const pair: KeyPair = { cert: '', key: '', certFile, keyFile };
    const s = await keep(startSServer(['-tls1_2'], pair));
    const c = await simulate(s.port);
    for (const id of ['chrome', 'firefox', 'safari', 'android-7', 'android-11', 'java-17', 'openssl-3', 'node-20', 'go']) {
      expect(c.get(id), id).toMatchObject({ connects: true, cipher: expect.stringMatching(/ECDHE_ECDSA/) });
    }
    expect(await opensslConnects(s.port)).toBe(true);
  });
});

describe('alike profiles share one hello', () => {
  const BOTH: ProtocolMap = { SSLv2: false, SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true };
  const ids = (classes: sim.HelloClass[]) => classes.map((c) => c.profiles.map((p) => p.id));

  it('on a TLS 1.2 + 1.3 server, Node.js 20 and OpenSSL 1.1.1 differ only in what TLS 1.3 ignores: one hello; every other profile its own', () => {
    const classes = sim.helloClasses(CLIENT_PROFILES, BOTH);
    expect(ids(classes)).toContainEqual(['openssl-1.1.1', 'node-20']);
    expect(classes.filter((c) => c.profiles.length > 1)).toHaveLength(1);
    // Their TLS 1.2 suites and versions differ: with nothing known of the server, apart.
    expect(ids(sim.helloClasses(CLIENT_PROFILES, undefined)).every((c) => c.length === 1)).toBe(true);
  });

  it('the hellos left for the last round have one: the middlebox probe runs it, last', () => {
    expect(PROBES.filter((p) => p.phase === 'last').map((p) => p.name)).toEqual(['middlebox']);
  });

  it('the last round takes the Chrome hello under the middlebox probe\'s name, the post-quantum ones, then others from the end while it has room', () => {
    const classes = sim.helloClasses(CLIENT_PROFILES, BOTH);
    const late = sim.lastRoundClasses(classes, 4);
    const names = [...late].map(([c, name]) => [c.profiles.map((p) => p.id).join('+'), name]);
    expect(names[0]).toEqual(['chrome', 'browser-like']);
    expect(names.slice(1, 3).map(([id]) => id)).toEqual(['firefox', 'go']);
    expect(names).toHaveLength(5);
    // A shared hello never waits: an answer that calls for each profile's own would find the round over.
    expect([...late.keys()].every((c) => c.profiles.length === 1)).toBe(true);
  });

  /** What the server chose for each profile (reasons are worded from what was known). */
  const choices = (m: Map<string, sim.SimulatedClient>) => [...m.values()].map(({ id, connects, protocol, cipher, group }) => ({ id, connects, protocol, cipher, group }));

  it('a last round that never runs leaves its clients without a verdict, never a guess; when it runs, one hello per name', async () => {
    const s = await keep(startSServer());
    const ctx = countingCtx(s.port, { protocols: BOTH });
    try {
      const value = await sim.run(ctx);
      const waiting = value.clients.filter((c) => /last round, which did not run/.test(c.reason ?? ''));
      expect(waiting.map((c) => c.id)).toContain('chrome');
      for (const c of waiting) expect(c).toMatchObject({ connects: null, protocol: null, cipher: null });
      const result = { certificate: null } as unknown as CheckResult;
      sim.apply(result, value);
      expect(result.clients?.find((c) => c.id === 'chrome')?.connects).toBeNull();
      // The round itself: an own hello of the browser-like name answers the Chrome profile too.
      const before = ctx.hellos();
      const own = await runLastRound(ctx, { [BROWSER_LIKE]: sim.helloFor(CLIENT_PROFILES.find((p) => p.id === 'chrome') as (typeof CLIENT_PROFILES)[number], 'localhost') });
      expect(ctx.hellos() - before).toBe(waiting.length);
      expect(own[BROWSER_LIKE].outcome.kind).toBe('server-hello');
      expect(sim.merged(value).find((c) => c.id === 'chrome')).toMatchObject({ connects: true, protocol: 'TLSv1.3' });
    } finally {
      ctx.abort();
    }
  });

  async function counted(port: number, protocols: ProtocolMap | undefined): Promise<{ clients: Map<string, sim.SimulatedClient>; hellos: number }> {
    const ctx = countingCtx(port, { protocols });
    try {
      return { clients: new Map((await sim.simulate(ctx)).map((c) => [c.id, c])), hellos: ctx.hellos() };
    } finally {
      ctx.abort();
    }
  }

  it('openssl s_server (TLS 1.2 + 1.3): the same verdict for every profile with shared hellos as with one hello each', async () => {
    const s = await keep(startSServer());
    const shared = await counted(s.port, BOTH);
    const each = await counted(s.port, undefined);
    expect(choices(shared.clients)).toEqual(choices(each.clients));
    expect(shared.clients.get('node-20')).toMatchObject({ connects: true, protocol: 'TLSv1.3' });
    // One hello fewer for the shared class, one for Windows 7, which the version map already answers.
    expect(shared.hellos).toBe(each.hellos - 2);
  });

  it('a shared hello answered with another version than the class was formed for: each profile sends its own, same verdicts', async () => {
    // The version map claims TLS 1.3, the server speaks only TLS 1.2: the Node.js / OpenSSL 1.1.1
    // hello is answered with TLS 1.2, whose choice their different TLS 1.2 lists could change.
    const s = await keep(startSServer(['-tls1_2']));
    const shared = await counted(s.port, BOTH);
    const each = await counted(s.port, undefined);
    expect(choices(shared.clients)).toEqual(choices(each.clients));
    expect(shared.clients.get('node-20')).toMatchObject({ connects: true, protocol: 'TLSv1.2' });
    // Windows 7 is answered by the version map; the shared class cost its two hellos after all.
    expect(shared.hellos).toBe(each.hellos - 1);
  });
});

describe('limits judged after the handshake: certificate key and DH size', () => {
  const rsa1024: CertificateResult = { keyType: 'RSA', keyBits: 1024 } as CertificateResult;
  const connected = (id: string, cipher = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', dhe = false): sim.SimulatedClient =>
    ({ id, name: id, connects: true, protocol: 'TLSv1.2', cipher, group: null, reason: null, dhe });

  it('a 1024-bit RSA certificate: OpenSSL 3 (Debian, level 2) refuses, Node.js 20 (level 1) accepts', () => {
    const out = sim.finalize({ certificate: rsa1024 } as CheckResult, [connected('openssl-3'), connected('node-20')]);
    const byId = new Map(out.map((c: ClientResult) => [c.id, c]));
    expect(byId.get('openssl-3')).toMatchObject({ connects: false, reason: expect.stringMatching(/1024-bit RSA key is below the 2048/) });
    expect(byId.get('node-20')?.connects).toBe(true);
  });

  it('a DHE suite without a measured DH size: unknown, not "connects"', () => {
    const [c] = sim.finalize({ certificate: null } as CheckResult, [connected('openssl-3', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', true)]);
    expect(c).toMatchObject({ connects: null, reason: expect.stringMatching(/DH group reaches the 2048 bits/) });
  });

  it('DH 1024 measured: OpenSSL 3 (Debian) refuses with "dh key too small", Java accepts', () => {
    const result = { certificate: null, keyExchange: { dh: { bits: 1024 } } } as unknown as CheckResult;
    const out = sim.finalize(result, [connected('openssl-3', 'x', true), connected('java-17', 'x', true)]);
    expect(out[0]).toMatchObject({ connects: false, reason: expect.stringMatching(/dh key too small/) });
    expect(out[1]?.connects).toBe(true);
  });
});

describe('SHA-1 signed certificates', () => {
  const connected = (id: string): sim.SimulatedClient =>
    ({ id, name: id, connects: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', group: 'x25519', reason: null, dhe: false });
  const ids = ['openssl-3', 'node-20', 'go', 'chrome', 'safari', 'java-17', 'firefox', 'openssl-1.1.1', 'openssl-1.0.2', 'windows-10'];
  const judge = (cert: Partial<CertificateResult>): Map<string, ClientResult> => {
    const full = { keyType: 'RSA', keyBits: 2048, selfSigned: false, subject: 'CN=leaf', signatureAlgorithm: 'sha256WithRSAEncryption', chain: [], ...cert } as CertificateResult;
    return new Map(sim.finalize({ certificate: full } as unknown as CheckResult, ids.map(connected)).map((c) => [c.id, c]));
  };

  it('a SHA-1 signed leaf from a private CA: clients that refuse SHA-1 always fail; Java and Firefox, which refuse it only under their public roots, connect', () => {
    const c = judge({ signatureAlgorithm: 'sha1WithRSAEncryption', publicRoot: false });
    for (const id of ['openssl-3', 'node-20', 'go', 'chrome', 'safari']) {
      expect(c.get(id), id).toMatchObject({ connects: false, reason: 'certificate signature it rejects: CN=leaf is signed with SHA-1 (sha1WithRSAEncryption)' });
    }
    for (const id of ['java-17', 'firefox', 'openssl-1.1.1', 'openssl-1.0.2']) expect(c.get(id)?.connects, id).toBe(true);
    // Not established for Schannel: no verdict rests on it, the handshake's verdict stands.
    expect(c.get('windows-10')?.connects).toBe(true);
  });

  it('under a public root Java and Firefox refuse it too; with the root unknown they get no verdict', () => {
    const pub = judge({ signatureAlgorithm: 'sha1WithRSAEncryption', publicRoot: true });
    expect(pub.get('java-17')).toMatchObject({ connects: false, reason: expect.stringMatching(/^certificate signature it rejects/) });
    expect(pub.get('firefox')?.connects).toBe(false);
    const unknown = judge({ signatureAlgorithm: 'sha1WithRSAEncryption' });
    expect(unknown.get('java-17')).toMatchObject({ connects: null, reason: expect.stringMatching(/whether this chain ends at one is unknown/) });
    expect(unknown.get('openssl-3')?.connects).toBe(false);
  });

  it('a SHA-1 signed intermediate counts; a self-signed leaf or a SHA-1 root sent along does not (an anchor\'s own signature is never checked)', () => {
    const chain = (sig: string, selfIssued: boolean) => [
      { subject: 'CN=leaf', issuer: 'CN=Int', selfIssued: false, signatureAlgorithm: 'sha256WithRSAEncryption' },
      { subject: 'CN=Int', issuer: 'CN=Root', selfIssued, signatureAlgorithm: sig },
    ] as CertificateResult['chain'];
    expect(judge({ chain: chain('sha1WithRSAEncryption', false) }).get('openssl-3')).toMatchObject({ connects: false, reason: expect.stringMatching(/CN=Int is signed with SHA-1/) });
    expect(judge({ chain: chain('sha1WithRSAEncryption', true) }).get('openssl-3')?.connects).toBe(true);
    expect(judge({ selfSigned: true, signatureAlgorithm: 'sha1WithRSAEncryption' }).get('openssl-3')?.connects).toBe(true);
  });
});

describe('clients the version probe already answered', () => {
  const profile = (id: string) => CLIENT_PROFILES.find((p) => p.id === id) as (typeof CLIENT_PROFILES)[number];
  const versions = (accepted: string[], unknown: string[] = []) => Object.fromEntries(
    (['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((v) => [v, accepted.includes(v) ? true : unknown.includes(v) ? null : false]),
  ) as unknown as ProtocolMap;

  it('every version it offers refused: no hello, the refusal said with what the server speaks', () => {
    expect(sim.refusedByVersions(profile('windows-7'), versions(['TLSv1.2', 'TLSv1.3']))).toMatchObject({
      connects: false, reason: 'no common protocol version: the server refuses TLS 1.0, SSL 3, all this client offers (it speaks TLS 1.2, TLS 1.3)',
    });
  });

  it('one of its versions accepted or undetermined, or nothing known: its hello is sent', () => {
    expect(sim.refusedByVersions(profile('windows-7'), versions(['TLSv1', 'TLSv1.2']))).toBeNull();
    expect(sim.refusedByVersions(profile('windows-7'), versions(['TLSv1.3'], ['SSLv3']))).toBeNull();
    expect(sim.refusedByVersions(profile('java-8'), undefined)).toBeNull();
  });

  it('against a real TLS 1.3-only server, the judged hello and the version probe agree', async () => {
    const s = await keep(startSServer(['-tls1_3']));
    const ctx = loopbackCtx(s.port);
    try {
      const probed = (await sim.simulate(ctx)).find((c) => c.id === 'java-8');
      const known = sim.refusedByVersions(profile('java-8'), versions(['TLSv1.3']));
      expect(probed).toMatchObject({ connects: false, reason: expect.stringMatching(/^no common protocol version \(alert 70/) });
      expect(known).toMatchObject({ connects: false, reason: expect.stringMatching(/^no common protocol version: /) });
    } finally {
      ctx.abort();
    }
  });
});

describe('profiles', () => {
  it('the client simulation applies after the certificate and key-exchange probes, whose results it judges by', () => {
    const names = PROBES.map((p) => p.name);
    expect(names.indexOf('client-simulation')).toBeGreaterThan(names.indexOf('certificate'));
    expect(names.indexOf('client-simulation')).toBeGreaterThan(names.indexOf('key-exchange'));
  });

  it('names every client the issue lists, Edge and Java 21 included', () => {
    const names = CLIENT_PROFILES.map((p) => `${p.name}: ${p.covers}`).join('\n');
    for (const re of [/Chrome/, /Edge/, /Firefox/, /Safari 17/, /Android 7/, /Android 11/, /Java 8/, /Java 11/, /Java 17 \/ 21/, /OpenSSL 1\.0\.2/, /OpenSSL 1\.1\.1/, /OpenSSL 3/, /Windows 7/, /Windows 10/, /Go/, /\.NET on Linux/, /Envoy/]) {
      expect(names).toMatch(re);
    }
  });

  it('Windows 7 offers no ECDHE-RSA AES-GCM suite (Microsoft\'s Windows 7 list), and by default only TLS 1.0 and SSL 3.0', () => {
    const win7 = CLIENT_PROFILES.find((p) => p.id === 'windows-7');
    expect(win7?.protocols).toEqual(['TLSv1', 'SSLv3']);
    expect(win7?.ciphers.filter((c) => /ECDHE_RSA.*GCM/.test(c))).toEqual([]);
    expect(win7?.ciphers).toContain('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  });

  it('every profile resolves its suites and says where its facts come from', () => {
    for (const p of CLIENT_PROFILES) {
      expect(() => sim.helloFor(p, 'example.com'), p.id).not.toThrow();
      expect(p.sources.length, p.id).toBeGreaterThan(0);
    }
  });
});
