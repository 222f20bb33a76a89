import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWholeServerOrder } from './helpers/ciphers-expect.js';
import { startSServer, type Running } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { alertRecord, serverHelloRecord, pickRecord } from './fixtures/codec/tls-bytes.js';
import * as protocols from '../src/probe/protocols.js';
import * as ciphers from '../src/probe/ciphers.js';
import { interleave } from '../src/probe/ciphers.js';
import { CIPHER_SUITES, cipherSuiteByName, suitesForVersion } from '../src/probe/codec/cipher-suites.js';
import type { ProtocolMap } from '../src/types.js';

const servers: Running[] = [];
async function track(p: Promise<Running>): Promise<Running> {
  const s = await p;
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const NONE: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };

/** Runs the protocols probe, then the ciphers probe with its map, as the orchestrator does. */
async function enumerate(port: number, rttMs?: number): Promise<ciphers.CiphersResult & { protocols: ProtocolMap }> {
  // A round trip at or above PARALLEL_MIN_RTT_MS plans parallel subsets, as on a long path.
  const ctx = loopbackCtx(port, { rttMs });
  try {
    const p = await protocols.run(ctx, { sslv2: false });
    ctx.protocols = p.protocols;
    return { ...(await ciphers.run(ctx)), protocols: p.protocols };
  } finally {
    ctx.abort();
  }
}

const iana = (...openssl: string[]): string[] => openssl.map((n) => cipherSuiteByName(n)?.name ?? `unknown ${n}`);

// Loopback plans one chain over the whole list; a measured round trip of 50 ms plans parallel subsets.
describe.each([['one chain', undefined], ['parallel subsets', 50]] as const)('ciphers probe against openssl s_server (%s)', (_plan, rttMs) => {
  it('lists exactly the one suite a restricted server accepts', async () => {
    const s = await track(startSServer(['-cipher', 'ECDHE-RSA-AES128-GCM-SHA256', '-no_tls1_3']));
    const r = await enumerate(s.port, rttMs);
    expect(r.protocols['TLSv1.2']).toBe(true);
    expect(r.ciphers).toEqual({ 'TLSv1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] });
    expect(r.serverOrder).toEqual({ 'TLSv1.2': null });
  });

  it('with -serverpref lists suites in the server order and says so', async () => {
    const order = ['AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256'];
    const s = await track(startSServer(['-cipher', order.join(':'), '-no_tls1_3', '-serverpref']));
    const r = await enumerate(s.port, rttMs);
    expect(r.ciphers['TLSv1.2']).toEqual(iana(...order));
    expect(r.serverOrder['TLSv1.2']).toBe(true);
  });

  it('without -serverpref the same server follows the client order', async () => {
    const order = ['AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256'];
    const s = await track(startSServer(['-cipher', order.join(':'), '-no_tls1_3']));
    const r = await enumerate(s.port, rttMs);
    expect([...(r.ciphers['TLSv1.2'] ?? [])].sort()).toEqual(iana(...order).sort());
    expect(r.serverOrder['TLSv1.2']).toBe(false);
    // Found in the probe's own offer order, forward-secret AEADs first.
    expect(r.ciphers['TLSv1.2']?.[0]).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  });

  it('enumerates TLS 1.3 suites in server order', async () => {
    const s = await track(startSServer(['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384', '-serverpref']));
    const r = await enumerate(s.port, rttMs);
    expect(r.ciphers).toEqual({ 'TLSv1.3': ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'] });
    expect(r.serverOrder['TLSv1.3']).toBe(true);
  });

  it('enumerates per version: TLS 1.0 and 1.2 lists differ on a legacy-enabled server', async () => {
    const s = await track(startSServer(['-no_tls1_3', '-no_tls1_1', '-cipher', 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384@SECLEVEL=0']));
    const r = await enumerate(s.port, rttMs);
    expect(r.protocols).toMatchObject({ TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': true });
    expect(r.ciphers.TLSv1).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA']);
    expect([...(r.ciphers['TLSv1.2'] ?? [])].sort()).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']);
  });
});

describe('ciphers probe against scripted peers', () => {
  it('an SSLv3 server with its own order (3DES, RC4) is enumerated over SSLv3', async () => {
    const preference = [0x000a, 0x0005, 0x0004];
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'tls' || h.hello.legacyVersion !== 0x0300) return alertRecord(2, 70, 0x0300);
      const pick = preference.find((id) => h.hello.ciphers.includes(id));
      return pick === undefined ? alertRecord(2, 40, 0x0300) : serverHelloRecord({ version: 0x0300, cipher: pick });
    }));
    const r = await enumerate(s.port);
    expect(r.protocols.SSLv3).toBe(true);
    expect(r.ciphers).toEqual({ SSLv3: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_MD5'] });
    expect(r.serverOrder).toEqual({ SSLv3: true });
  });

  it('stays bounded against a server that accepts anything: every offered suite once, rare ones included', async () => {
    let hellos = 0;
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      hellos++;
      return serverHelloRecord({ version: 0x0303, cipher: h.hello.ciphers[0] as number, extensions: [] });
    }));
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true } });
    try {
      const r = await ciphers.run(ctx);
      const expected = suitesForVersion('TLSv1.2').length + suitesForVersion('TLSv1.2', { rare: true }).length;
      expect(r.ciphers['TLSv1.2']).toHaveLength(expected);
      expect(hellos).toBeLessThanOrEqual(CIPHER_SUITES.length + 2);
      expect(r.serverOrder['TLSv1.2']).toBe(false);
    } finally {
      ctx.abort();
    }
  });

  /** A TLS 1.2 server that picks by its own order, counting the hellos it answers. */
  async function orderedServer(preference: readonly number[]) {
    let count = 0;
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      count++;
      const pick = preference.find((id) => h.hello.ciphers.includes(id));
      return pickRecord(pick);
    }));
    return { s, hellos: () => count };
  }

  it.each([['one chain', undefined], ['parallel subsets', 50]] as const)('establishes a long server order that runs against the client\'s, with every suite in place (%s)', async (_plan, rttMs) => {
    // 24 suites in an order far from the probe's own: reversed, then every third moved to the front.
    const offered = suitesForVersion('TLSv1.2');
    const reversed = offered.slice(0, 24).reverse();
    const preference = [...reversed.filter((_, i) => i % 3 === 0), ...reversed.filter((_, i) => i % 3 !== 0)];
    const { s, hellos } = await orderedServer(preference);
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs });
    try {
      const r = await ciphers.run(ctx);
      expectWholeServerOrder(r, preference);
      // Bounded: enumeration (one hello per suite plus a refusal per subset), then the ordering rounds.
      expect(hellos()).toBeLessThanOrEqual(preference.length + 20 + 2 + preference.length * 6);
    } finally {
      ctx.abort();
    }
  });

  it('a server left at OpenSSL\'s HIGH order: its order exactly, guessed with OpenSSL\'s sort instead of ours', async () => {
    // What `openssl ciphers HIGH` lists for an RSA certificate: the order such a server imposes.
    const listed = execFileSync('openssl', ['ciphers', '-tls1_2', '-s', 'HIGH:!aNULL:!MD5:!PSK:!SRP'], { encoding: 'utf8' }).trim().split(':');
    const offered = new Set(suitesForVersion('TLSv1.2'));
    const preference = listed.map((n) => cipherSuiteByName(n)).filter((c) => c && offered.has(c.id) && c.auth === 'RSA').map((c) => c?.id as number);
    expect(preference.length).toBeGreaterThan(20);
    const { s, hellos } = await orderedServer(preference);
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs: 50 });
    try {
      const r = await ciphers.run(ctx);
      expect(r.ciphers['TLSv1.2']).toEqual(preference.map((id) => CIPHER_SUITES.find((c) => c.id === id)?.name));
      expect(r.serverOrder['TLSv1.2']).toBe(true);
      // Enumeration: a hello per suite and a refusal per subset, one order check; then about one
      // ordering hello per suite (guessing by our own preference took over twice as many).
      const enumeration = preference.length + interleave(suitesForVersion('TLSv1.2')).length + 2;
      expect(hellos() - enumeration).toBeLessThanOrEqual(Math.ceil(preference.length * 1.25));
    } finally {
      ctx.abort();
    }
  });

  it('stops when the server picks a suite it was not offered', async () => {
    let hellos = 0;
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      hellos++;
      return serverHelloRecord({ version: 0x0303, cipher: 0xc02f, extensions: [] });
    }));
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs: 50 });
    try {
      const r = await ciphers.run(ctx);
      expect(r.ciphers['TLSv1.2']).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
      // One hello per parallel subset, then one more in the subset that holds the pick: no loop.
      expect(hellos).toBeLessThanOrEqual(interleave(suitesForVersion('TLSv1.2')).length + 2);
    } finally {
      ctx.abort();
    }
  });

  it('lists SSLv2 cipher kinds from the SERVER-HELLO', async () => {
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'sslv2') return alertRecord(2, 40);
      const specs = Buffer.from([0x01, 0x00, 0x80, 0x06, 0x00, 0x40]);
      const msg = Buffer.concat([Buffer.from([4, 0, 1, 0, 2, 0, 0, 0, specs.length, 0, 16]), specs, Buffer.alloc(16, 9)]);
      return Buffer.concat([Buffer.from([0x80, msg.length]), msg]);
    }));
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, SSLv2: true } });
    try {
      const r = await ciphers.run(ctx);
      expect(r.ciphers).toEqual({ SSLv2: ['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_64_CBC_WITH_MD5'] });
    } finally {
      ctx.abort();
    }
  });
});
