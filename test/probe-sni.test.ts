import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compareSni, run } from '../src/probe/sni.js';
import { run as httpServer } from '../src/probe/http-server.js';
import type { ProbeContext } from '../src/probe/context.js';
import { createPki } from './helpers/pki.js';
import { keepServers, startGnutlsServ, startRawPeer, startSServer, type Running } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { offersExtension, startHelloFilter } from './helpers/hello-filter.js';

const pki = createPki();
const keep = keepServers();

/**
 * A front end like SNI-routing proxies: without SNI it answers the ClientHello with a cleartext
 * fatal unrecognized_name alert; with SNI it passes the connection to the backend.
 */
function sniGate(backendPort: number): Promise<Running> {
  return startRawPeer((client) => {
    client.once('data', (hello: Buffer) => {
      if (!offersExtension(hello, 0)) {
        client.end(Buffer.from([21, 3, 3, 0, 2, 2, 112]));
        return;
      }
      const upstream = net.connect(backendPort, '127.0.0.1', () => upstream.write(hello));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
    });
  });
}

describe('SNI comparison (pure)', () => {
  const ok = (fingerprint: string): { ok: true; fingerprint: string } => ({ ok: true, fingerprint });
  it('treats a network failure without SNI as inconclusive, a refusal as required', () => {
    expect(compareSni(ok('a'), { ok: false, failure: { kind: 'timeout', alert: null, message: 'timeout' } })).toMatchObject({ required: null });
    expect(compareSni(ok('a'), { ok: false, failure: { kind: 'reset', alert: null, message: '' } })).toMatchObject({ required: true, reason: 'connection reset' });
  });
  it('says nothing when even the handshake with SNI fails', () => {
    expect(compareSni({ ok: false, failure: { kind: 'reset', alert: null, message: '' } }, ok('a'))).toMatchObject({ required: null, differentCertWithoutSni: null });
  });
});

describe('SNI probe', () => {
  it('same certificate with and without SNI: not required, not different', async () => {
    const srv = await keep(startSServer());
    expect(await run(loopbackCtx(srv.port))).toEqual({ required: false, differentCertWithoutSni: false, reason: null });
  });

  it('a different default certificate without SNI', async () => {
    const srv = await keep(startSServer(['-servername', 'localhost', '-cert2', pki.leaf.certFile, '-key2', pki.leaf.keyFile], pki.wrongHost));
    expect(await run(loopbackCtx(srv.port))).toEqual({ required: false, differentCertWithoutSni: true, reason: null });
  });

  it('a front end that refuses clients without SNI with alert 112', async () => {
    const backend = await keep(startSServer());
    const gate = await keep(sniGate(backend.port));
    expect(await run(loopbackCtx(gate.port))).toEqual({ required: true, differentCertWithoutSni: null, reason: 'fatal alert 112 unrecognized_name' });
  });

  it.each([
    ['close', 'connection closed'],
    ['reset', 'connection reset'],
  ] as const)('a front end that refuses clients without SNI by a bare %s (no alert): said so', async (action, reason) => {
    const backend = await keep(startSServer());
    const gate = await keep(startHelloFilter({ backendPort: backend.port, action, matches: (hello) => !offersExtension(hello, 0) }));
    expect(await run(loopbackCtx(gate.port))).toEqual({ required: true, differentCertWithoutSni: null, reason });
  });

  it('gnutls-serv --sni-hostname-fatal: a missing name is no mismatch; a wrong name is refused', async () => {
    const srv = await keep(startGnutlsServ(['--sni-hostname', 'localhost', '--sni-hostname-fatal']));
    expect(await run(loopbackCtx(srv.port))).toEqual({ required: false, differentCertWithoutSni: false, reason: null });
    // With the asked-for name refused there is no baseline to compare with.
    expect(await run(loopbackCtx(srv.port, { sni: 'other.example' }))).toEqual({ required: null, differentCertWithoutSni: null, reason: null });
  });

  it('an IP target without a name: not applicable', async () => {
    expect(await run(loopbackCtx(1, { sni: null, host: '127.0.0.1' }))).toEqual({ required: null, differentCertWithoutSni: null, reason: null });
  });
});

describe('SNI probe with the HTTP probe lending its handshake (as in a check: SNI starts first)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Both probes on one context, started in the same turn; node:tls handshakes counted by SNI. */
  async function together(ctx: ProbeContext): Promise<{ result: Awaited<ReturnType<typeof run>>; withName: number; withoutName: number }> {
    const connect = vi.spyOn(tls, 'connect');
    const [result] = await Promise.all([run(ctx), httpServer(ctx)]);
    const names = connect.mock.calls.map((c) => (c[0] as tls.ConnectionOptions).servername);
    return { result, withName: names.filter((n) => n !== undefined).length, withoutName: names.filter((n) => n === undefined).length };
  }

  it('a different default certificate without SNI: same verdict, one handshake with the name for both probes', async () => {
    const srv = await keep(startSServer(['-servername', 'localhost', '-cert2', pki.leaf.certFile, '-key2', pki.leaf.keyFile], pki.wrongHost));
    const { result, withName, withoutName } = await together(loopbackCtx(srv.port));
    expect(result).toEqual({ required: false, differentCertWithoutSni: true, reason: null });
    expect([withName, withoutName]).toEqual([1, 1]);
  });

  it('a front end that refuses clients without SNI: same verdict and reason', async () => {
    const backend = await keep(startSServer());
    const gate = await keep(sniGate(backend.port));
    const { result, withName } = await together(loopbackCtx(gate.port));
    expect(result).toEqual({ required: true, differentCertWithoutSni: null, reason: 'fatal alert 112 unrecognized_name' });
    expect(withName).toBe(1);
  });

  it('the asked-for name refused: the lent handshake failed, so the SNI probe tries its own, which fails too', async () => {
    const srv = await keep(startGnutlsServ(['--sni-hostname', 'localhost', '--sni-hostname-fatal']));
    const { result, withName } = await together(loopbackCtx(srv.port, { sni: 'other.example' }));
    expect(result).toEqual({ required: null, differentCertWithoutSni: null, reason: null });
    expect(withName).toBe(2);
  });
});
