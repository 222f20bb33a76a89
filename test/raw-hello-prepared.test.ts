// Connections opened ahead of their hello (prepareHello): the hello goes out on them and gets its
// answer, an unused one gives its socket slot back, and the check's end releases any left.
import { afterAll, describe, expect, it } from 'vitest';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { serverHelloRecord } from './fixtures/codec/tls-bytes.js';
import { startRawPeer, type Running } from './helpers/servers.js';
import { createLimiter } from '../src/probe/context.js';
import { helloFor } from '../src/probe/protocols.js';
import { prepareHello, sendHello } from '../src/probe/raw-hello.js';

const servers: Running[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('prepared hellos', () => {
  it('sends the hello on the connection opened beforehand and reports the answer', async () => {
    let hellos = 0;
    const s = await startFakeTls((h) => {
      if (h.kind !== 'tls') return null;
      hellos++;
      return serverHelloRecord({ version: 0x0303, cipher: h.hello.ciphers[0] as number, extensions: [] });
    });
    servers.push(s);
    const ctx = loopbackCtx(s.port);
    try {
      const prepared = prepareHello(ctx, { urgent: 2 });
      const outcome = await prepared.send(helloFor(ctx, 'TLSv1.2', { ciphers: [0xc02f, 0xc030] }));
      expect(outcome).toMatchObject({ kind: 'server-hello', cipher: 0xc02f });
      expect(hellos).toBe(1);
    } finally {
      ctx.abort();
    }
  });

  it('discarded, it frees its socket slot and sends nothing', async () => {
    const connections: Array<{ bytes: number; closed: Promise<void> }> = [];
    let accepted: () => void = () => undefined;
    const firstConnection = new Promise<void>((resolve) => (accepted = resolve));
    const s = await startRawPeer((socket) => {
      const entry = { bytes: 0, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
      connections.push(entry);
      accepted();
      socket.on('data', (d: Buffer) => {
        entry.bytes += d.length;
      });
      socket.on('error', () => undefined);
    });
    servers.push(s);
    const ctx = loopbackCtx(s.port, { limit: createLimiter(1) });
    try {
      const prepared = prepareHello(ctx);
      // The one slot is the prepared connection's: a hello must wait for it.
      let sent = false;
      const waiting = ctx.limit(() => {
        sent = true;
        return Promise.resolve();
      });
      expect(ctx.limit.waiting?.()).toBe(1);
      await firstConnection;
      prepared.discard();
      await waiting;
      expect(sent).toBe(true);
      expect(connections).toHaveLength(1);
      await connections[0]?.closed;
      expect(connections[0]?.bytes).toBe(0);
    } finally {
      ctx.abort();
    }
  });

  it('a greeting the server sends before the hello is kept for the answer (SMTP on the port)', async () => {
    let greeted: () => void = () => undefined;
    const greeting = new Promise<void>((resolve) => (greeted = resolve));
    const s = await startRawPeer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 mx.example.com ESMTP ready\r\n', () => greeted());
    });
    servers.push(s);
    const ctx = loopbackCtx(s.port);
    try {
      const prepared = prepareHello(ctx);
      // Sent once the greeting is out and the loop has turned a few times (a poll phase each), so the
      // client has read it before the hello exists.
      await greeting;
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      const outcome = await prepared.send(helloFor(ctx, 'TLSv1.2'));
      expect(outcome).toMatchObject({ kind: 'not-tls', label: 'smtp' });
    } finally {
      ctx.abort();
    }
  });

  it('left unused when the check ends, it is released by the check\'s signal', async () => {
    const s = await startRawPeer((socket) => socket.on('error', () => undefined));
    servers.push(s);
    const ctx = loopbackCtx(s.port, { limit: createLimiter(1) });
    prepareHello(ctx);
    const after = ctx.limit(() => Promise.resolve('ran'));
    ctx.abort();
    await expect(after).resolves.toBe('ran');
    // A hello asked for after the end is answered at once, without a connection.
    const late = await sendHello(ctx, helloFor(ctx, 'TLSv1.2'));
    expect(late).toMatchObject({ kind: 'error' });
  });
});
