import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { startNodeTls, startGnutlsServ, startSServer, type Running } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { alertRecord, serverHelloRecord, ext } from './fixtures/codec/tls-bytes.js';
import * as protocols from '../src/probe/protocols.js';
import * as secureReneg from '../src/probe/secure-renegotiation.js';
import * as fallback from '../src/probe/fallback-scsv.js';
import type { ProtocolMap } from '../src/types.js';

const servers: Running[] = [];
async function track<T extends Running>(p: Promise<T>): Promise<T> {
  const s = await p;
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const NONE: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false, SSLv2: false };

async function probe(port: number): Promise<protocols.ProtocolsResult> {
  const ctx = loopbackCtx(port);
  try {
    return await protocols.run(ctx);
  } finally {
    ctx.abort();
  }
}

describe('protocols probe against real servers', () => {
  it('openssl s_server -tls1_2: TLS 1.2 only', async () => {
    const s = await track(startSServer(['-tls1_2']));
    const r = await probe(s.port);
    expect(r.error).toBeNull();
    expect(r.protocols).toEqual({ ...NONE, 'TLSv1.2': true });
    expect(r.outcomes['TLSv1.2']?.detail).toMatch(/^ServerHello TLSv1\.2 TLS_/);
    expect(r.outcomes['TLSv1.3']?.kind).not.toBe('error');
  });

  it('openssl s_server -tls1_3: TLS 1.3 only', async () => {
    const s = await track(startSServer(['-tls1_3']));
    const r = await probe(s.port);
    expect(r.error).toBeNull();
    expect(r.protocols).toEqual({ ...NONE, 'TLSv1.3': true });
  });

  it('openssl s_server -tls1_3 with only P-256: the HelloRetryRequest counts as TLS 1.3 support', async () => {
    const s = await track(startSServer(['-tls1_3', '-groups', 'P-256']));
    const r = await probe(s.port);
    expect(r.protocols['TLSv1.3']).toBe(true);
    expect(r.outcomes['TLSv1.3']?.detail).toMatch(/^HelloRetryRequest TLSv1\.3/);
  });

  it('openssl s_server -tls1 at SECLEVEL=0: TLS 1.0 only', async () => {
    const s = await track(startSServer(['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']));
    const r = await probe(s.port);
    expect(r.error).toBeNull();
    expect(r.protocols).toEqual({ ...NONE, TLSv1: true });
  });

  it('node:tls with minVersion TLSv1.2, maxVersion TLSv1.3', async () => {
    const s = await track(startNodeTls({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }));
    const r = await probe(s.port);
    expect(r.error).toBeNull();
    expect(r.protocols).toEqual({ ...NONE, 'TLSv1.2': true, 'TLSv1.3': true });
  });
});

describe('protocols probe against scripted peers', () => {
  it('an SSLv3-only stack (not buildable with local OpenSSL) is seen as SSLv3', async () => {
    const s = await track(startFakeTls((h) => {
      if (h.kind === 'tls' && h.hello.legacyVersion === 0x0300) return serverHelloRecord({ version: 0x0300, cipher: h.hello.ciphers[0] as number });
      return alertRecord(2, 70, 0x0300);
    }));
    const r = await probe(s.port);
    expect(r.error).toBeNull();
    expect(r.protocols).toEqual({ ...NONE, SSLv3: true });
  });

  it('an SSLv2 server is seen through its SERVER-HELLO', async () => {
    const s = await track(startFakeTls((h) => {
      if (h.kind !== 'sslv2') return alertRecord(2, 40);
      const specs = Buffer.from([0x07, 0x00, 0xc0]);
      const msg = Buffer.concat([Buffer.from([4, 0, 1, 0, 2, 0, 0, 0, specs.length, 0, 16]), specs, Buffer.alloc(16, 9)]);
      return Buffer.concat([Buffer.from([0x80, msg.length]), msg]);
    }));
    const r = await probe(s.port);
    expect(r.protocols.SSLv2).toBe(true);
    expect(r.protocols['TLSv1.2']).toBe(false);
  });

  it('a server answering every hello with TLS 1.2 supports only TLS 1.2, not the lower versions it was asked for', async () => {
    const s = await track(startFakeTls((h) => (h.kind === 'tls' ? serverHelloRecord({ version: 0x0303, cipher: h.hello.ciphers[0] as number, extensions: [] }) : null)));
    const r = await probe(s.port);
    expect(r.protocols).toMatchObject({ SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false });
  });

  it('nothing listening: every version refused, error refused', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = await probe(port);
    expect(r.error?.code).toBe('refused');
    expect(Object.values(r.protocols).every((v) => v === null)).toBe(true);
  });
});

describe('secure renegotiation and fallback SCSV', () => {
  let both: Running;
  beforeAll(async () => {
    both = await track(startSServer(['-no_tls1_3', '-no_tls1', '-cipher', 'DEFAULT@SECLEVEL=0']));
  });

  it('s_server announces RFC 5746 renegotiation_info', async () => {
    const ctx = loopbackCtx(both.port, { protocols: { ...NONE, 'TLSv1.2': true, 'TLSv1.1': true } });
    try {
      expect(await secureReneg.run(ctx)).toEqual({ secure: true, protocol: 'TLSv1.2' });
    } finally {
      ctx.abort();
    }
  });

  it('gnutls-serv with %DISABLE_SAFE_RENEGOTIATION does not', async () => {
    const g = await track(startGnutlsServ(['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']));
    const ctx = loopbackCtx(g.port, { protocols: { ...NONE, 'TLSv1.2': true } });
    try {
      expect(await secureReneg.run(ctx)).toEqual({ secure: false, protocol: 'TLSv1.2' });
    } finally {
      ctx.abort();
    }
  });

  it('is not applicable to a TLS 1.3-only server', async () => {
    const ctx = loopbackCtx(1, { protocols: { ...NONE, 'TLSv1.3': true } });
    expect(await secureReneg.run(ctx)).toEqual({ secure: null, protocol: null });
    ctx.abort();
  });

  it('s_server with TLS 1.2 and 1.1 refuses a flagged TLS 1.1 hello with inappropriate_fallback', async () => {
    const ctx = loopbackCtx(both.port);
    try {
      const found = await protocols.run(ctx);
      expect(found.protocols['TLSv1.2']).toBe(true);
      expect(found.protocols['TLSv1.1']).toBe(true);
      ctx.protocols = found.protocols;
      expect(await fallback.run(ctx)).toMatchObject({ supported: true });
    } finally {
      ctx.abort();
    }
  });

  it('a server ignoring the SCSV is reported as not supporting it', async () => {
    const s = await track(startFakeTls((h) => (h.kind === 'tls' ? serverHelloRecord({ version: h.hello.legacyVersion, cipher: h.hello.ciphers[0] as number, extensions: [ext(0xff01, Buffer.from([0]))] }) : null)));
    const ctx = loopbackCtx(s.port, { protocols: { ...NONE, 'TLSv1.2': true, 'TLSv1.1': true } });
    try {
      expect(await fallback.run(ctx)).toEqual({ supported: false, protocol: 'TLSv1.1', refusal: null });
    } finally {
      ctx.abort();
    }
  });

  it('one version only: fallback not applicable', async () => {
    const ctx = loopbackCtx(1, { protocols: { ...NONE, 'TLSv1.2': true } });
    expect(await fallback.run(ctx)).toEqual({ supported: null, protocol: null });
    ctx.abort();
  });
});
