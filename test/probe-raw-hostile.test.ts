import { afterAll, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { startRawPeer, type Running } from './helpers/servers.js';
import { createLimiter } from '../src/probe/context.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { record, serverHelloRecord } from './fixtures/codec/tls-bytes.js';
import { MAX_RESPONSE_BYTES, sendHello, type HelloOutcome } from '../src/probe/raw-hello.js';
import { buildClientHello } from '../src/probe/codec/client-hello.js';
import { suitesForVersion } from '../src/probe/codec/cipher-suites.js';
import * as protocols from '../src/probe/protocols.js';

const servers: Running[] = [];
const timers: NodeJS.Timeout[] = [];
async function peer(onConnection: (s: net.Socket) => void): Promise<Running> {
  const s = await startRawPeer(onConnection);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await Promise.all(servers.map((s) => s.stop()));
});

const HELLO = buildClientHello({ version: 'TLSv1.2', ciphers: suitesForVersion('TLSv1.2'), sni: 'localhost' });

/** Generous budget by default (a loaded CI box may be slow to answer); tarpit tests pass a short one. */
async function hello(port: number, connectTimeoutMs = 3_000): Promise<HelloOutcome> {
  const ctx = loopbackCtx(port, { connectTimeoutMs });
  try {
    return await sendHello(ctx, HELLO);
  } finally {
    ctx.abort();
  }
}

async function protocolsAgainst(port: number, connectTimeoutMs = 3_000): Promise<protocols.ProtocolsResult> {
  const ctx = loopbackCtx(port, { connectTimeoutMs });
  try {
    return await protocols.run(ctx);
  } finally {
    ctx.abort();
  }
}

/** Answers once the hello has arrived, so the answer never races our write. */
function afterHello(act: (s: net.Socket) => void): (s: net.Socket) => void {
  return (s) => s.once('data', () => act(s));
}

describe('sendHello against hostile peers', () => {
  it('tarpit (accepts, never answers): timeout within the connection budget', async () => {
    const p = await peer(() => undefined);
    const o = await hello(p.port, 300);
    expect(o).toMatchObject({ kind: 'error', error: { code: 'timeout' } });
    const r = await protocolsAgainst(p.port, 300);
    expect(r.error?.code).toBe('timeout');
    expect(Object.values(r.protocols).every((v) => v === null)).toBe(true);
  });

  it('reset at once: reset', async () => {
    const p = await peer(afterHello((s) => s.resetAndDestroy()));
    expect(await hello(p.port)).toMatchObject({ kind: 'error', error: { code: 'reset' } });
    expect((await protocolsAgainst(p.port)).error?.code).toBe('reset');
  });

  it('reset before the hello is even read: still a reset, never a hang', async () => {
    const p = await peer((s) => s.resetAndDestroy());
    const o = await hello(p.port);
    expect(o.kind === 'error' || o.kind === 'closed').toBe(true);
    if (o.kind === 'error') expect(o.error.code).toBe('reset');
  });

  it('garbage bytes: not-tls unknown', async () => {
    const p = await peer(afterHello((s) => s.end(Buffer.from('9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'hex'))));
    expect(await hello(p.port)).toMatchObject({ kind: 'not-tls', label: 'unknown' });
    const r = await protocolsAgainst(p.port);
    expect(r.error?.code).toBe('not-tls');
  });

  it('plain HTTP answer: not-tls http, with a message that says so', async () => {
    const p = await peer(afterHello((s) => s.end('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n')));
    expect(await hello(p.port)).toMatchObject({ kind: 'not-tls', label: 'http' });
    const r = await protocolsAgainst(p.port);
    expect(r.error).toMatchObject({ code: 'not-tls' });
    expect(r.error?.message).toMatch(/plain HTTP on this port/);
    expect(r.protocols['TLSv1.2']).toBe(false);
  });

  it('SMTP greeting sent before any hello: not-tls smtp, STARTTLS hint', async () => {
    const p = await peer((s) => s.write('220 mx.example.com ESMTP ready\r\n'));
    expect(await hello(p.port)).toMatchObject({ kind: 'not-tls', label: 'smtp' });
    expect((await protocolsAgainst(p.port)).error?.message).toMatch(/STARTTLS/);
  });

  it('closes after reading the hello: closed', async () => {
    const p = await peer(afterHello((s) => s.end()));
    expect(await hello(p.port)).toEqual({ kind: 'closed' });
    const r = await protocolsAgainst(p.port);
    expect(r.error?.code).toBe('reset');
    expect(r.protocols['TLSv1.2']).toBe(false);
  });

  it('closes immediately on accept: closed (or a reset if our write lost the race)', async () => {
    const p = await peer((s) => s.end());
    const o = await hello(p.port);
    expect(['closed', 'error']).toContain(o.kind);
    if (o.kind === 'error') expect(o.error.code).toBe('reset');
  });

  it('bogus record length: not-tls unknown', async () => {
    const p = await peer(afterHello((s) => s.write(Buffer.from([22, 3, 3, 0xff, 0xf0, 2, 0, 0]))));
    expect(await hello(p.port)).toMatchObject({ kind: 'not-tls', label: 'unknown', detail: expect.stringMatching(/record length/) });
  });

  it('endless handshake bytes: gives up at the byte cap, not at the timeout', async () => {
    // Valid-looking records carrying a ServerHello that claims 64 KiB: never completes within the cap.
    const head = record(22, 0x0303, Buffer.concat([Buffer.from([2, 0x01, 0x00, 0x00]), Buffer.alloc(16000)]));
    const more = record(22, 0x0303, Buffer.alloc(16000));
    const p = await peer(afterHello((s) => {
      s.write(head);
      const t = setInterval(() => {
        if (s.destroyed) clearInterval(t);
        else s.write(more);
      }, 1);
      timers.push(t);
    }));
    const o = await hello(p.port, 10_000);
    expect(o).toMatchObject({ kind: 'not-tls', label: 'unknown', detail: expect.stringContaining(String(MAX_RESPONSE_BYTES)) });
  });

  it('a ServerHello dripped one byte at a time is still read', async () => {
    const bytes = serverHelloRecord({ version: 0x0303, cipher: 0xc02f, extensions: [] });
    const p = await peer(afterHello((s) => {
      let i = 0;
      const t = setInterval(() => {
        if (i >= bytes.length || s.destroyed) clearInterval(t);
        else s.write(bytes.subarray(i, ++i));
      }, 2);
      timers.push(t);
    }));
    expect(await hello(p.port, 5_000)).toMatchObject({ kind: 'server-hello', cipherName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
  });

  it('gives up at once when the check is aborted, and never starts past the deadline', async () => {
    const p = await peer(() => undefined);
    const ctx = loopbackCtx(p.port, { connectTimeoutMs: 10_000 });
    const pending = sendHello(ctx, HELLO);
    setTimeout(() => ctx.abort(), 50);
    expect(await pending).toMatchObject({ kind: 'error', error: { code: 'timeout' } });
    expect(await sendHello(ctx, HELLO)).toMatchObject({ kind: 'error', error: { code: 'timeout' } });
    const late = { ...loopbackCtx(p.port), deadline: Date.now() - 1 };
    expect(await sendHello(late, HELLO)).toMatchObject({ kind: 'error', error: { code: 'timeout', message: expect.stringMatching(/deadline/) } });
    late.abort();
  });

  it('many hellos sharing one signal add one abort listener, not one each', async () => {
    const p = await peer(() => undefined);
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.name); };
    process.on('warning', onWarning);
    const ctx = { ...loopbackCtx(p.port, { connectTimeoutMs: 10_000 }), limit: createLimiter(30) };
    try {
      const pending = Array.from({ length: 30 }, () => sendHello(ctx, HELLO));
      await new Promise((r) => setTimeout(r, 100));
      ctx.abort();
      const outcomes = await Promise.all(pending);
      expect(outcomes.every((o) => o.kind === 'error' && o.error.code === 'timeout')).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
