// Guessing a server's own order: a Node server left at its default cipher list orders the suites
// Node names first, then as OpenSSL sorts HIGH; guessing that settles a whole window a round.
import { execFileSync } from 'node:child_process';
import { DEFAULT_CIPHERS } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWholeServerOrder } from './helpers/ciphers-expect.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { pickRecord } from './fixtures/codec/tls-bytes.js';
import type { Running } from './helpers/servers.js';
import * as ciphers from '../src/probe/ciphers.js';
import { interleave, listedFirstRank, opensslLikeRank } from '../src/probe/ciphers.js';
import { cipherSuiteByName, suitesForVersion } from '../src/probe/codec/cipher-suites.js';
import type { ProtocolMap } from '../src/types.js';

const servers: Running[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const NONE: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };
const byRank = (m: ReadonlyMap<number, number>): number[] => [...m].sort((a, b) => a[1] - b[1]).map(([id]) => id);

describe('listedFirstRank', () => {
  it('the listed ids first in their order, then the rest as opensslLikeRank sorts them', () => {
    const ids = suitesForVersion('TLSv1.2').slice(0, 20);
    const rank = new Map(ids.map((id, i) => [id, i]));
    const listed = [ids[7] as number, ids[2] as number, 0xfefe];
    const got = byRank(listedFirstRank(listed, ids, rank));
    const rest = byRank(opensslLikeRank(ids.filter((id) => id !== ids[7] && id !== ids[2]), rank));
    // An id not among `ids` (0xfefe) is left out.
    expect(got).toEqual([ids[7], ids[2], ...rest]);
  });
});

describe('ciphers probe against a server left at Node\'s default cipher list', () => {
  it('its order exactly, with at most one ordering hello per suite', async () => {
    // What OpenSSL makes of Node's default list for an RSA certificate: the order such a server imposes.
    const listed = execFileSync('openssl', ['ciphers', '-tls1_2', '-s', DEFAULT_CIPHERS], { encoding: 'utf8' }).trim().split(':');
    const offered = new Set(suitesForVersion('TLSv1.2'));
    const preference = listed.map((n) => cipherSuiteByName(n)).filter((c) => c && offered.has(c.id) && c.auth === 'RSA').map((c) => c?.id as number);
    expect(preference.length).toBeGreaterThan(15);
    let hellos = 0;
    const s = await startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      hellos++;
      const pick = preference.find((id) => h.hello.ciphers.includes(id));
      return pickRecord(pick);
    });
    servers.push(s);
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs: 50 });
    try {
      const r = await ciphers.run(ctx);
      expectWholeServerOrder(r, preference);
      // Enumeration: a hello per suite and a refusal per subset, the order question (both ways
      // round: no seed here); then at most one ordering hello per suite, which only a guess right
      // a whole window at a time keeps to (OpenSSL's sort alone takes some 10% more).
      const enumeration = preference.length + interleave(suitesForVersion('TLSv1.2')).length + 1 + 2;
      expect(hellos - enumeration).toBeLessThanOrEqual(preference.length);
    } finally {
      ctx.abort();
    }
  });
});
