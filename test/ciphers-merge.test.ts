// Cipher chains merging on a server that follows the client's order: merges save refusals, but
// no chain may collect so much that it walks the accepted suites alone long after the others end.
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { createLimiter } from '../src/probe/context.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { pickRecord } from './fixtures/codec/tls-bytes.js';
import type { Running } from './helpers/servers.js';
import * as ciphers from '../src/probe/ciphers.js';
import { interleave, mergeTarget, openSuites, settledBy } from '../src/probe/ciphers.js';
import { CIPHER_SUITES, suitesForVersion } from '../src/probe/codec/cipher-suites.js';
import type { ProtocolMap } from '../src/types.js';

const servers: Running[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const NONE: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };

describe('settledBy', () => {
  it('a refusal settles every suite offered', () => {
    expect(settledBy([5, 1, 9], null)).toEqual([5, 1, 9]);
  });

  it('a pick settles itself and the suites offered ahead of it, not those after', () => {
    expect(settledBy([5, 1, 9, 4], 1)).toEqual([5, 1]);
    expect(settledBy([5, 1, 9, 4], 5)).toEqual([5]);
  });

  it('a pick that was not offered settles nothing', () => {
    expect(settledBy([5, 1], 7)).toEqual([]);
  });
});

describe('openSuites', () => {
  it('counts only the suites still open', () => {
    expect(openSuites([1, 2, 3, 4], new Set([2, 4, 8]))).toBe(2);
    expect(openSuites([], new Set([1]))).toBe(0);
  });
});

describe('mergeTarget', () => {
  it('hands to the chain with the fewest open suites when the sum stays within the longest', () => {
    expect(mergeTarget(3, [9, 4, 6], 10)).toBe(1);
  });

  it('refuses when even the smallest would become longer than the longest', () => {
    expect(mergeTarget(7, [9, 4, 6], 10)).toBeNull();
  });

  it('the longest chain itself hands over only to a chain with nothing open', () => {
    expect(mergeTarget(10, [3, 5], 10)).toBeNull();
    expect(mergeTarget(10, [3, 0], 10)).toBe(1);
  });

  it('no other chain: no target', () => {
    expect(mergeTarget(2, [], 2)).toBeNull();
  });
});

describe('ciphers probe: merging chains on a client-order server', () => {
  /**
   * A TLS 1.2 server taking the first offered suite it accepts, which also reads its own answers
   * as the probe does: the most suites whose fate was still open in any one offer.
   */
  async function clientOrderServer(accepted: readonly number[]) {
    const open = new Set(suitesForVersion('TLSv1.2'));
    let widest = 0;
    let refusals = 0;
    const s = await startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      const offered = h.hello.ciphers;
      widest = Math.max(widest, offered.filter((id) => open.has(id)).length);
      const pick = offered.find((id) => accepted.includes(id)) ?? null;
      // Its pick (or refusal) settles every suite offered up to it.
      for (const id of pick === null ? offered : offered.slice(0, offered.indexOf(pick) + 1)) open.delete(id);
      if (pick === null) refusals++;
      return pickRecord(pick);
    });
    servers.push(s);
    return { s, widest: () => widest, refusals: () => refusals };
  }

  it.each([
    ['every third suite', 3],
    ['every seventh suite', 7],
  ])('with every socket busy (%s accepted): every suite found, fewer refusals, no chain holds more open suites than a subset', async (_name, every) => {
    const preferred = suitesForVersion('TLSv1.2');
    const accepted = preferred.filter((_, i) => i % every === 0);
    const { s, widest, refusals } = await clientOrderServer(accepted);
    // Two sockets for nine chains: hellos always wait for one, so chains hand their suites over.
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs: 50, limit: createLimiter(2) });
    try {
      const r = await ciphers.run(ctx);
      expect(r.ciphers['TLSv1.2']).toEqual(accepted.map((id) => CIPHER_SUITES.find((c) => c.id === id)?.name));
      expect(r.serverOrder['TLSv1.2']).toBe(false);
      expect(r.partial).toBeUndefined();
      // Without merging each preferred subset and the rare one end with a refusal.
      expect(refusals()).toBeLessThan(interleave(preferred).length + 1);
      // A chain that took every suite handed over would offer most of the list still open.
      const largestSubset = Math.max(...interleave(preferred).map((x) => x.length));
      expect(widest()).toBeLessThanOrEqual(largestSubset);
    } finally {
      ctx.abort();
    }
  });
});
