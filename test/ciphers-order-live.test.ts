// A server with its own order has that order established while the enumeration chains still
// run: offers stay sound (a running chain's unfound suites rank below its last pick), and the
// order comes out whole even when a chain lags far behind the ordering rounds.
import type net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWholeServerOrder } from './helpers/ciphers-expect.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import type { Running } from './helpers/servers.js';
import { startHelloPeer } from './fixtures/codec/fake-server.js';
import { pickRecord } from './fixtures/codec/tls-bytes.js';
import * as ciphers from '../src/probe/ciphers.js';
import { interleave, soundOffers } from '../src/probe/ciphers.js';
import { suitesForVersion } from '../src/probe/codec/cipher-suites.js';
import type { ProtocolMap } from '../src/types.js';

const servers: Running[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const NONE: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };

/** A peer that hands each connection's first ClientHello (its offered suites) to `onHello`. */
const helloPeer = (onHello: (socket: net.Socket, offered: number[]) => void): Promise<Running> =>
  startHelloPeer((socket, h) => (h.kind === 'tls' ? onHello(socket, h.hello.ciphers) : socket.end()));

/** The ciphers probe against `s` (stopped with the file's servers), TLS 1.2 only, as if 50 ms away. */
async function runTls12(s: Running, budgetMs?: number): Promise<ciphers.CiphersResult> {
  servers.push(s);
  const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true }, rttMs: 50, ...(budgetMs === undefined ? {} : { budgetMs }) });
  try {
    return await ciphers.run(ctx);
  } finally {
    ctx.abort();
  }
}

describe('soundOffers', () => {
  it('with no chain running ahead of the guess, every offer but the one-suite one', () => {
    expect(soundOffers([1, 2, 3, 4], new Set())).toBe(3);
  });

  it('up to and including the offer that still holds a running chain\'s last pick', () => {
    // Offers: [1,2,3,4], [2,3,4], [3,4]: the third lacks 2, below which chain's unfound suites rank.
    expect(soundOffers([1, 2, 3, 4], new Set([2]))).toBe(2);
    expect(soundOffers([1, 2, 3, 4], new Set([3, 2]))).toBe(2);
    expect(soundOffers([1, 2, 3, 4], new Set([1]))).toBe(1);
  });

  it('none while a running chain has no pick or its last pick is settled', () => {
    expect(soundOffers([1, 2, 3], null)).toBe(0);
  });

  it('a lone suite is never offered', () => {
    expect(soundOffers([7], new Set([7]))).toBe(0);
    expect(soundOffers([], new Set())).toBe(0);
  });
});

/** Bytes of one complete TLS record, or 0 while its header is incomplete. */

describe('ciphers probe: a server\'s own order, established while a chain lags', () => {
  it('holds one chain\'s hellos until an ordering round was answered: the order is still exact', async () => {
    const preferred = suitesForVersion('TLSv1.2');
    const subsets = interleave(preferred);
    const [s0, s1, s2, lagging] = subsets as [number[], number[], number[], number[]];
    // Three accepted suites in each of four subsets; the lagging chain's rank below all others,
    // the others in reverse of the probe's own order.
    const top = [...s0.slice(0, 3), ...s1.slice(0, 3), ...s2.slice(0, 3)].reverse();
    const preference = [...top, ...lagging.slice(0, 3)];
    const inSubset = new Map(subsets.flatMap((s, i) => s.map((id) => [id, i] as const)));
    let crossSubset = 0;
    let released = false;
    const held: Array<() => void> = [];
    const answer = (socket: net.Socket, offered: readonly number[]): void => {
      const pick = preference.find((id) => offered.includes(id));
      socket.end(pickRecord(pick));
    };
    const s = await helloPeer((socket, all) => {
      const offered = all.filter((id) => inSubset.has(id));
      const from = new Set(offered.map((id) => inSubset.get(id)));
      // The lagging chain's steps after its first wait until the ordering has been answered
      // once (the order question's two hellos come first: seed unknown, both ways round).
      if (from.size === 1 && from.has(3) && offered.length < lagging.length && !released) {
        held.push(() => answer(socket, offered));
        return;
      }
      answer(socket, offered);
      if (from.size > 1 && ++crossSubset >= 3 && !released) {
        released = true;
        for (const go of held.splice(0)) go();
      }
    });
    const r = await runTls12(s, 8_000);
    expect(released).toBe(true);
    expectWholeServerOrder(r, preference);
  }, 15_000);

  it('a chain whose hellos are never answered: the ordering waiting on it ends at the deadline, the order unknown', async () => {
    const preferred = suitesForVersion('TLSv1.2');
    const subsets = interleave(preferred);
    const [s0, s1, stuck] = subsets as [number[], number[], number[]];
    const preference = [...s0.slice(0, 3), ...s1.slice(0, 3), ...stuck.slice(0, 2)].reverse();
    const inStuck = new Set(stuck);
    const s = await helloPeer((socket, all) => {
      const offered = all.filter((id) => preferred.includes(id));
      // The stuck chain's own steps after its first get no answer at all.
      if (offered.length > 1 && offered.length < stuck.length && offered.every((id) => inStuck.has(id))) return;
      socket.end(pickRecord(preference.find((id) => offered.includes(id))));
    });
    const r = await runTls12(s, 1_500);
    expect(r.partial).toEqual(['TLSv1.2']);
    expect(r.serverOrder['TLSv1.2']).toBeNull();
    // What was found is still listed.
    expect(r.ciphers['TLSv1.2']?.length).toBeGreaterThanOrEqual(6);
  }, 15_000);

  it('every accepted suite in one subset: that chain\'s own order is the server\'s, no ordering hello', async () => {
    const preferred = suitesForVersion('TLSv1.2');
    const subsets = interleave(preferred);
    const only = subsets[2] as number[];
    const preference = only.slice(0, 6).reverse();
    let hellos = 0;
    const s = await helloPeer((socket, offered) => {
      hellos++;
      socket.end(pickRecord(preference.find((id) => offered.includes(id))));
    });
    const r = await runTls12(s);
    expectWholeServerOrder(r, preference);
    // A hello per suite, a refusal per subset and the rare one's, the order question both ways round.
    expect(hellos).toBe(preference.length + subsets.length + 1 + 2);
  });
});
