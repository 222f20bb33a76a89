// The TLS 1.3 groups probe against real servers (none of which speaks post-quantum here) and a
// scripted one that selects X25519MLKEM768.
import { describe, expect, it } from 'vitest';
import { keepServers, startGnutlsServ, startNodeTls, startSServer } from './helpers/servers.js';
import { countingCtx } from './helpers/probe-ctx.js';
import { startPqServer } from './fixtures/codec/pq-server.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { HAS_LIGHTTPD_WOLFSSL, startLighttpdWolfssl } from './helpers/lighttpd.js';
import * as groups from '../src/probe/groups.js';
import type { ProtocolMap } from '../src/types.js';

const keep = keepServers();
const TLS13: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true };

/** Connections each probe() opened, by test name: the probe's cost on a real link. */
const hellos = new Map<string, number>();

async function probe(port: number, protocols: ProtocolMap | undefined = TLS13): Promise<groups.GroupsResult> {
  const ctx = countingCtx(port, { protocols });
  try {
    return await groups.run(ctx);
  } finally {
    ctx.abort();
    hellos.set(expect.getState().currentTestName ?? '?', ctx.hellos());
    if (process.env.GROUPS_HELLOS) console.log(`hellos ${ctx.hellos()}: ${expect.getState().currentTestName}`);
  }
}

describe('TLS 1.3 groups against a scripted post-quantum server', () => {
  it('server order: X25519MLKEM768 first, found by HelloRetryRequest without completing the handshake', async () => {
    const s = await keep(startPqServer({ groups: [0x11ec, 0x001d, 0x0017] }));
    const r = await probe(s.port);
    expect(r).toMatchObject({ groups: ['X25519MLKEM768', 'x25519', 'secp256r1'], groupsServerOrder: true, postQuantum: true, groupsComplete: true });
    expect(groups.incomplete(r)).toBeNull();
    // No hello of this probe carried a key share: the server's choice came by HelloRetryRequest.
    for (const h of s.hellos) if (h.kind === 'tls') expect(h.hello.extensions.get(0x0033)).toEqual(Buffer.from([0, 0]));
  });

  it('server order far from the likely one: every group in place, asked several at a time', async () => {
    // Reversed FFDHE, then the curves backwards: every guess the probe makes from OpenSSL's order is wrong.
    const order = [0x0104, 0x0103, 0x0102, 0x0101, 0x0100, 0x0018, 0x0019, 0x001e, 0x0017, 0x001d];
    const s = await keep(startPqServer({ groups: order }));
    const r = await probe(s.port);
    expect(r.groups).toEqual(['ffdhe8192', 'ffdhe6144', 'ffdhe4096', 'ffdhe3072', 'ffdhe2048', 'secp384r1', 'secp521r1', 'x448', 'secp256r1', 'x25519']);
    expect(r).toMatchObject({ groupsServerOrder: true, groupsComplete: true });
  });

  it('client order: the list in the order clients rank them, flagged as the client\'s', async () => {
    const s = await keep(startPqServer({ groups: [0x001d, 0x11ec], serverOrder: false }));
    const r = await probe(s.port);
    expect(r).toMatchObject({ groups: ['X25519MLKEM768', 'x25519'], groupsServerOrder: false, postQuantum: true });
  });

  it('a server with only the pre-standard Kyber draft is not post-quantum for current clients', async () => {
    const s = await keep(startPqServer({ groups: [0x6399, 0x001d] }));
    const r = await probe(s.port);
    expect(r.groups).toEqual(['X25519Kyber768Draft00', 'x25519']);
    expect(r.postQuantum).toBe(false);
  });
});

describe('TLS 1.3 groups against real servers without post-quantum groups', () => {
  it('openssl s_server -groups X25519:P-256 (OpenSSL 3.0): exactly those two, not post-quantum', async () => {
    const s = await keep(startSServer(['-groups', 'X25519:P-256']));
    const r = await probe(s.port);
    expect(r.groups).toEqual(['x25519', 'secp256r1']);
    expect(r.postQuantum).toBe(false);
    expect(r.groupsComplete).toBe(true);
    // One hello per family and the order pair, then one for P-256 after x25519's pick (client
    // order: nothing more to walk): not one hello per candidate group (20).
    expect(hellos.get(expect.getState().currentTestName ?? '')).toBeLessThanOrEqual(7);
  });

  it('openssl s_server with its defaults and -serverpref: the server\'s own order', async () => {
    const s = await keep(startSServer(['-serverpref']));
    const r = await probe(s.port);
    // OpenSSL 3.0's default TLS 1.3 list, in its order.
    expect(r.groups).toEqual(['x25519', 'secp256r1', 'x448', 'secp521r1', 'secp384r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192']);
    expect(r.groupsServerOrder).toBe(true);
    expect(r.postQuantum).toBe(false);
  });

  it('gnutls-serv: its groups, not post-quantum', async () => {
    const s = await keep(startGnutlsServ());
    const r = await probe(s.port);
    expect(r.groups).toEqual(expect.arrayContaining(['x25519', 'secp256r1', 'secp384r1']));
    expect(r.groups).not.toContain('X25519MLKEM768');
    expect(r.postQuantum).toBe(false);
    expect(r.groupsComplete).toBe(true);
  });

  it('Node.js tls server with ecdhCurve P-384: one group, order unknown', async () => {
    const s = await keep(startNodeTls({ ecdhCurve: 'P-384' }));
    const r = await probe(s.port);
    expect(r).toMatchObject({ groups: ['secp384r1'], groupsServerOrder: null, postQuantum: false });
    // One hello per family and the order pair, then its family's other two groups refused: not
    // one hello per candidate group (20).
    expect(hellos.get(expect.getState().currentTestName ?? '')).toBeLessThanOrEqual(8);
  });

  it.skipIf(!HAS_LIGHTTPD_WOLFSSL)('lighttpd + wolfSSL, which answers groups it lacks with a HelloRetryRequest naming none: refused', async () => {
    const s = await keep(startLighttpdWolfssl());
    const r = await probe(s.port);
    expect(r.groups).toEqual(expect.arrayContaining(['x25519', 'secp256r1']));
    expect(r.postQuantum).toBe(false);
    expect(r.groupsComplete).toBe(true);
  });

  it('a TLS 1.2-only server: no groups, not post-quantum, without a connection', async () => {
    const r = await probe(1, { ...TLS13, 'TLSv1.3': false });
    expect(r).toMatchObject({ groups: [], postQuantum: false });
  });

  it('TLS 1.3 undetermined: unknown, not "no", and the check is told the list is incomplete', async () => {
    const r = await probe(1, { ...TLS13, 'TLSv1.3': null });
    expect(r).toMatchObject({ groups: null, postQuantum: null, groupsComplete: false });
    expect(groups.incomplete(r)).toMatch(/TLS 1\.3 support unknown/);
  });

  it('groups no hello settled (the server hangs up on every hello): post-quantum unknown, and the check is told which', async () => {
    const s = await keep(startFakeTls(() => null));
    const r = await probe(s.port);
    expect(r).toMatchObject({ postQuantum: null, groupsComplete: false });
    expect(groups.incomplete(r)).toMatch(/^no answer for X25519MLKEM768, x25519, .*: the list may miss them$/);
  });
});
