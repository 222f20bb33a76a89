import type tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHeader, parseServerHeader, run, MAX_HEAD_BYTES } from '../src/probe/http-server.js';
import { startNodeTls, type Running } from './helpers/servers.js';
import { startSServer } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

/** A TLS server that answers the first request with `reply(requestHead)`. */
async function httpLike(reply: (request: string) => string | Buffer, keepOpen = false): Promise<number> {
  const srv = await startNodeTls({}, (s: tls.TLSSocket) => {
    let request = '';
    s.on('data', (d: Buffer) => {
      request += d.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      if (keepOpen) s.write(reply(request));
      else s.end(reply(request));
    });
  });
  running.push(srv);
  return srv.port;
}

describe('Server header parsing (pure)', () => {
  it('finds the header case-insensitively in a complete head', () => {
    expect(parseServerHeader('HTTP/1.1 200 OK\r\nDate: x\r\nserver:  nginx/1.25.3 \r\n\r\n')).toBe('nginx/1.25.3');
    expect(parseServerHeader('HTTP/1.0 301 Moved\nServer: Apache\n\n')).toBe('Apache');
  });
  it('ignores non-HTTP, headers after the blank line, and partial lines', () => {
    expect(parseServerHeader('SSH-2.0-OpenSSH\r\nServer: x\r\n')).toBeNull();
    expect(parseServerHeader('HTTP/1.1 200 OK\r\n\r\nServer: body\r\n')).toBeNull();
    expect(parseServerHeader('HTTP/1.1 200 OK\r\nServer: cut-of')).toBeNull();
    expect(parseServerHeader('HTTP/1.1 200 OK\r\nServer: \r\n\r\n')).toBeNull();
  });
  it('builds Host headers', () => {
    expect(hostHeader('example.com', 443)).toBe('example.com');
    expect(hostHeader('example.com', 8443)).toBe('example.com:8443');
    expect(hostHeader('::1', 8443)).toBe('[::1]:8443');
  });
});

describe('HTTP server probe', () => {
  it('returns the Server header and sends a proper HEAD with Host', async () => {
    let seen = '';
    const port = await httpLike((req) => {
      seen = req;
      return 'HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nContent-Length: 0\r\n\r\n';
    });
    expect(await run(loopbackCtx(port))).toEqual({ server: 'nginx/1.25.3' });
    expect(seen).toMatch(/^HEAD \/ HTTP\/1\.1\r\n/);
    expect(seen).toContain(`\r\nHost: localhost:${port}\r\n`);
  });

  it('does not wait for the connection to close once the head is complete', async () => {
    const port = await httpLike(() => 'HTTP/1.1 200 OK\r\nServer: Apache\r\n\r\n', true);
    expect(await run(loopbackCtx(port, { connectTimeoutMs: 60_000 }))).toEqual({ server: 'Apache' });
  });

  it('HTTP without a Server header: null', async () => {
    const port = await httpLike(() => 'HTTP/1.1 204 No Content\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n');
    expect(await run(loopbackCtx(port))).toEqual({ server: null });
  });

  it('a non-HTTP TLS service: null', async () => {
    const port = await httpLike(() => '* OK IMAP4rev1 ready\r\n');
    expect(await run(loopbackCtx(port))).toEqual({ server: null });
  });

  it('a silent TLS service: null after the wait', async () => {
    const srv = await startSServer([]);
    running.push(srv);
    expect(await run(loopbackCtx(srv.port, { connectTimeoutMs: 1000 }))).toEqual({ server: null });
  });

  it('endless headers are capped', async () => {
    const port = await httpLike(() => `HTTP/1.1 200 OK\r\n${'X-Pad: aaaaaaaaaaaaaaaaaaaa\r\n'.repeat(MAX_HEAD_BYTES / 10)}Server: late\r\n\r\n`, true);
    expect(await run(loopbackCtx(port))).toEqual({ server: null });
  });
});
