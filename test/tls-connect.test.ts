import { describe, expect, it, vi } from 'vitest';
import type net from 'node:net';
import { RecordTap, closeTls, openTls, sniName, withTls, type TlsAttempt } from '../src/probe/tls-connect.js';
import { keepServers, startNodeTls, startRawPeer, startSServer } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const keep = keepServers();

describe('RecordTap (pure)', () => {
  it('splits records across chunk boundaries and reads cleartext alerts', () => {
    const tap = new RecordTap();
    const bytes = Buffer.from([22, 3, 3, 0, 3, 1, 2, 3, 21, 3, 3, 0, 2, 2, 40, 23, 3, 3, 0, 20]);
    for (const b of bytes) tap.feed(Buffer.from([b]));
    expect(tap.records).toEqual([
      { type: 22, length: 3 },
      { type: 21, length: 2, alert: { level: 'fatal', description: 40, source: 'record' } },
    ]);
    expect(tap.notTls).toBe(false);
  });
  it('flags a non-TLS answer and keeps a bounded capture', () => {
    const tap = new RecordTap(4);
    tap.feed(Buffer.from('HTTP/1.1 400 Bad Request\r\n'));
    expect(tap.notTls).toBe(true);
    expect(tap.capturedBuffer().toString()).toBe('HTTP');
  });
  it('never puts an IP literal in SNI', () => {
    expect(sniName('127.0.0.1')).toBeUndefined();
    expect(sniName('::1')).toBeUndefined();
    expect(sniName(null)).toBeUndefined();
    expect(sniName('example.com')).toBe('example.com');
  });
});

describe('openTls failures always resolve, classified', () => {
  it('refused', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    const a = await openTls(loopbackCtx(srv.port));
    expect(a).toMatchObject({ ok: false, error: { code: 'refused' }, failure: { kind: 'refused' } });
  });

  it('not TLS', async () => {
    const peer = await keep(startRawPeer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'))));
    expect(await openTls(loopbackCtx(peer.port))).toMatchObject({ ok: false, error: { code: 'not-tls' }, failure: { kind: 'not-tls' } });
  });

  it('tarpit: timeout within the budget', async () => {
    const peer = await keep(startRawPeer(() => undefined));
    expect(await openTls(loopbackCtx(peer.port), { timeoutMs: 300 })).toMatchObject({ ok: false, error: { code: 'timeout' }, failure: { kind: 'timeout' } });
  });

  it('reset and close during the handshake', async () => {
    const resetter = await keep(startRawPeer((s) => s.once('data', () => s.resetAndDestroy())));
    expect(await openTls(loopbackCtx(resetter.port))).toMatchObject({ ok: false, error: { code: 'reset' }, failure: { kind: 'reset' } });
    const closer = await keep(startRawPeer((s) => s.once('data', () => s.end())));
    expect(await openTls(loopbackCtx(closer.port))).toMatchObject({ ok: false, failure: { kind: 'closed' } });
  });

  it('the check being aborted ends a pending connection at once', async () => {
    const peer = await keep(startRawPeer(() => undefined));
    const controller = new AbortController();
    const pending = openTls(loopbackCtx(peer.port, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'timeout' }, failure: { kind: 'aborted' } });
  });

  it('no time left: fails without connecting', async () => {
    const a = await openTls(loopbackCtx(1, { deadline: Date.now() - 1 }));
    expect(a).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('a cleartext fatal alert is read from the wire', async () => {
    const srv = await keep(startSServer(['-tls1_3']));
    const a = await openTls(loopbackCtx(srv.port), { tls: { maxVersion: 'TLSv1.2' } });
    expect(a).toMatchObject({ ok: false, failure: { kind: 'alert', alert: { level: 'fatal', description: 70, source: 'record' } } });
  });
});

describe('untapped (tap: false), failures read as the tap reads them', () => {
  /** The failure without the tap, checked against the tapped one (whose alerts come from the record). */
  async function bothWays(onConnection: (s: net.Socket) => void, timeoutMs?: number): Promise<Extract<TlsAttempt, { ok: false }>> {
    const peer = await keep(startRawPeer(onConnection));
    const [tapped, untapped] = await Promise.all([openTls(loopbackCtx(peer.port), { timeoutMs }), openTls(loopbackCtx(peer.port), { timeoutMs, tap: false })]);
    if (tapped.ok || untapped.ok) throw new Error('expected both attempts to fail');
    expect(untapped.tap.attached).toBe(false);
    const firstHand = tapped.failure.alert ? { ...tapped.failure, alert: { ...tapped.failure.alert, source: 'openssl' } } : tapped.failure;
    expect(untapped.failure).toEqual(firstHand);
    expect(untapped.error).toEqual(tapped.error);
    return untapped;
  }

  it('a fatal alert: its level and number, from OpenSSL', async () => {
    const a = await bothWays((s) => s.once('data', () => s.end(Buffer.from([21, 3, 3, 0, 2, 2, 112]))));
    expect(a.failure).toMatchObject({ kind: 'alert', alert: { level: 'fatal', description: 112 } });
  });

  it('a FIN without a byte: closed, not reset (node calls it ECONNRESET, without a syscall)', async () => {
    const a = await bothWays((s) => s.once('data', () => s.end()));
    expect(a).toMatchObject({ error: { code: 'reset', message: 'connection closed by the server' }, failure: { kind: 'closed', message: 'connection closed by the server' } });
  });

  it('a RST: reset', async () => {
    const a = await bothWays((s) => s.once('data', () => s.resetAndDestroy()));
    expect(a).toMatchObject({ error: { code: 'reset' }, failure: { kind: 'reset', message: 'read ECONNRESET' } });
  });

  it.each([
    ['an HTTP answer, then FIN', 'HTTP/1.1 400 Bad Request\r\n\r\n', true],
    ['an SSH banner, left open', 'SSH-2.0-OpenSSH_9.6\r\n', false],
  ])('a non-TLS answer (%s): not TLS', async (_name, answer, end) => {
    const a = await bothWays((s) => s.once('data', () => (end ? s.end(answer) : s.write(answer))));
    expect(a).toMatchObject({ error: { code: 'not-tls' }, failure: { kind: 'not-tls', message: 'the server did not answer with TLS' } });
  });

  it('no answer: timeout', async () => {
    const a = await bothWays(() => undefined, 300);
    expect(a).toMatchObject({ error: { code: 'timeout' }, failure: { kind: 'timeout' } });
  });
});

describe('connections', () => {
  it('sends the SNI name, and none for IP literals or when asked not to', async () => {
    const names: Array<string | false> = [];
    const srv = await keep(startNodeTls({}, (s) => names.push(s.servername ?? false)));
    for (const servername of [undefined, null, '127.0.0.1']) {
      const a = await openTls(loopbackCtx(srv.port), { servername });
      expect(a.ok).toBe(true);
      await closeTls(a);
    }
    expect(names).toEqual(['localhost', false, false]);
  });

  it('withTls closes with close_notify and releases the socket', async () => {
    let ended = 0;
    let closed: () => void = () => undefined;
    const serverClosed = new Promise<void>((r) => (closed = r));
    const srv = await keep(startNodeTls({}, (s) => {
      s.on('end', () => ended++);
      s.on('close', () => closed());
    }));
    const protocol = await withTls(loopbackCtx(srv.port), {}, (a) => (a.ok ? a.socket.getProtocol() : null));
    expect(protocol).toBe('TLSv1.3');
    await serverClosed;
    // 'end' before 'close': the server read our close_notify and FIN, not a reset.
    expect(ended).toBe(1);
    const open = await new Promise<number>((r) => srv.server.getConnections((_e, n) => r(n)));
    expect(open).toBe(0);
  });

  it('withTls releases the socket even when the user function throws', async () => {
    const srv = await keep(startNodeTls());
    let socketRef: { destroyed: boolean } | null = null;
    await expect(withTls(loopbackCtx(srv.port), {}, (a) => {
      if (a.ok) socketRef = a.socket;
      throw new Error('boom');
    })).rejects.toThrow('boom');
    // The close finishes in the background (close_notify, then the server's close or a timer).
    await vi.waitFor(() => expect(socketRef).toMatchObject({ destroyed: true }), { timeout: 2_000 });
  });
});
