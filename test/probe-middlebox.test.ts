// The hello-tolerance probe: real servers answer every hello; relays in front of them that swallow
// or reset large (or post-quantum) ClientHellos are caught, and told apart by size vs content.
import { describe, expect, it } from 'vitest';
import { keepServers, startGnutlsServ, startNodeTls, startSServer } from './helpers/servers.js';
import { containsU16, startHelloFilter } from './helpers/hello-filter.js';
import { HAS_LIGHTTPD_WOLFSSL, startLighttpdWolfssl } from './helpers/lighttpd.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { startPqServer } from './fixtures/codec/pq-server.js';
import { decodeClientHello } from './fixtures/codec/tls-bytes.js';
import * as middlebox from '../src/probe/middlebox.js';

const keep = keepServers();

/** A short per-connection cap: a swallowed hello costs this long, nothing else waits on time. */
async function probe(port: number, connectTimeoutMs = 8_000): Promise<middlebox.MiddleboxResult> {
  const ctx = loopbackCtx(port, { connectTimeoutMs });
  try {
    return await middlebox.run(ctx);
  } finally {
    ctx.abort();
  }
}

describe('hello tolerance against real servers: every hello answered', () => {
  it.each([
    ['openssl s_server (TLS 1.2 + 1.3)', () => startSServer()],
    ['openssl s_server -tls1_2', () => startSServer(['-tls1_2'])],
    ['gnutls-serv', () => startGnutlsServ()],
    ['Node.js tls', () => startNodeTls()],
  ])('%s', async (_name, start) => {
    const s = await keep(start());
    const r = await probe(s.port);
    expect(r).toMatchObject({ largeHello: 'ok', paddedHello: 'ok', paddedLargeHello: 'ok' });
    expect(r.detail).toMatch(/nothing in the path drops large ClientHellos/);
  });

  it('sizes: small under 256 bytes, padded exactly 512, large browser-size over 1,500 (two segments on a real link)', async () => {
    const s = await keep(startSServer());
    const r = await probe(s.port);
    expect(r.sizes.small).toBeLessThan(256);
    expect(r.sizes.padded).toBe(512);
    expect(r.sizes.large).toBeGreaterThan(1500);
  });

  it('the large hello carries X25519MLKEM768 (1,216-byte share) and X25519 key shares; a post-quantum server selects it', async () => {
    const s = await keep(startPqServer());
    const r = await probe(s.port);
    expect(r.largeHello).toBe('ok');
    expect(r.detail).toMatch(/browser-like hello with X25519MLKEM768 \(\d+ bytes\): ServerHello TLSv1\.3/);
    const large = s.hellos.map((h) => (h.kind === 'tls' ? h.hello : null)).find((h) => (h?.handshakeLength ?? 0) > 1500 && h?.extensions.get(0x0033)?.length !== undefined && (h.extensions.get(0x0033)?.length ?? 0) > 1200);
    expect(large).toBeDefined();
    const ks = large?.extensions.get(0x0033) as Buffer;
    const entries: Array<[number, number]> = [];
    for (let off = 2; off < ks.length; off += 4 + ks.readUInt16BE(off + 2)) entries.push([ks.readUInt16BE(off), ks.readUInt16BE(off + 2)]);
    // GREASE entry (1 byte), then X25519MLKEM768 (1184 + 32), then X25519.
    expect(entries.slice(1)).toEqual([[0x11ec, 1216], [0x001d, 32]]);
    expect(entries[0]?.[1]).toBe(1);
  });
});

describe('hello tolerance behind a middlebox in front of a real server', () => {
  it('swallows hellos over 1,000 bytes: large dropped, padded fine, size is the cause', async () => {
    const backend = await keep(startSServer());
    const relay = await keep(startHelloFilter({ backendPort: backend.port, action: 'swallow', maxRecordBytes: 1000 }));
    const r = await probe(relay.port, 1_500);
    expect(r).toMatchObject({ largeHello: 'dropped', paddedHello: 'ok', paddedLargeHello: 'dropped' });
    expect(r.detail).toMatch(/larger than one TCP segment/);
    expect(relay.blocked()).toBe(2);
  });

  it('resets hellos over 1,000 bytes: large reset', async () => {
    const backend = await keep(startSServer());
    const relay = await keep(startHelloFilter({ backendPort: backend.port, action: 'reset', maxRecordBytes: 1000 }));
    const r = await probe(relay.port);
    expect(r).toMatchObject({ largeHello: 'reset', paddedHello: 'ok', paddedLargeHello: 'reset' });
  });

  it('closes on hellos over 300 bytes: the 512-byte padded hello is cut too', async () => {
    const backend = await keep(startGnutlsServ());
    const relay = await keep(startHelloFilter({ backendPort: backend.port, action: 'close', maxRecordBytes: 300 }));
    const r = await probe(relay.port);
    expect(r).toMatchObject({ largeHello: 'reset', paddedHello: 'reset' });
  });

  it('resets only hellos offering X25519MLKEM768: content, not size, is the cause', async () => {
    const backend = await keep(startSServer());
    const relay = await keep(startHelloFilter({
      backendPort: backend.port, action: 'reset',
      matches: (rec) => containsU16(decodeClientHello(rec).extensions.get(0x000a) ?? Buffer.alloc(0), 0x11ec),
    }));
    const r = await probe(relay.port);
    expect(r).toMatchObject({ largeHello: 'reset', paddedHello: 'ok', paddedLargeHello: 'ok' });
    expect(r.detail).toMatch(/rejects its content/);
  });

  it('a target that answers nothing at all: unknown, not "dropped"', async () => {
    const backend = await keep(startSServer());
    const relay = await keep(startHelloFilter({ backendPort: backend.port, action: 'reset', maxRecordBytes: 10 }));
    const r = await probe(relay.port);
    expect(r).toMatchObject({ largeHello: 'unknown', paddedHello: 'unknown' });
    expect(r.detail).toMatch(/nothing to compare with/);
  });
});

describe('round trips', () => {
  it('sends all four hellos at once: one connect and one hello on the critical path', async () => {
    const backend = await keep(startSServer());
    // Swallows every hello, so none is answered until the probe gives up.
    const relay = await keep(startHelloFilter({ backendPort: backend.port, action: 'swallow', maxRecordBytes: 10 }));
    const ctx = loopbackCtx(relay.port, { connectTimeoutMs: 60_000 });
    const running = middlebox.run(ctx);
    // The relay holds all four hellos while none is answered: no hello waited for another's answer.
    await relay.whenBlocked(4);
    expect(relay.blocked()).toBe(4);
    ctx.abort();
    const r = await running;
    expect(r).toMatchObject({ largeHello: 'unknown', paddedHello: 'unknown' });
  });
});

describe('a real server whose own TLS stack hangs up on browser hellos', () => {
  it.skipIf(!HAS_LIGHTTPD_WOLFSSL)('lighttpd + wolfSSL: the browser-like hello is cut, the same size padded passes: content, not size', async () => {
    const s = await keep(startLighttpdWolfssl());
    const r = await probe(s.port);
    expect(r).toMatchObject({ largeHello: 'reset', paddedHello: 'ok', paddedLargeHello: 'ok' });
    expect(r.detail).toMatch(/or the server's own TLS stack, rejects its content/);
  });
});
