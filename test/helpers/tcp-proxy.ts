// A loopback TCP proxy for tests: round-robins connections over backends and can tamper with
// client bytes once the client's handshake flight (its ChangeCipherSpec) has gone through.
import net from 'node:net';
import type { Running } from './servers.js';

export type AfterHandshake = 'pass' | 'drop' | 'reset';

export interface Proxy extends Running {
  /** Connections accepted so far. */
  connections: () => number;
}

/** True when the chunk holds a TLS ChangeCipherSpec record header (content type 20). */
function hasChangeCipherSpec(chunk: Buffer): boolean {
  let offset = 0;
  while (offset + 5 <= chunk.length) {
    if (chunk[offset] === 20) return true;
    offset += 5 + chunk.readUInt16BE(offset + 3);
  }
  return false;
}

export async function startProxy(backendPorts: number[], afterHandshake: AfterHandshake = 'pass'): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    const port = backendPorts[count++ % backendPorts.length] ?? 0;
    track(client);
    const upstream = net.connect(port, '127.0.0.1');
    track(upstream);
    let handshakeDone = false;
    // Record boundaries are tracked per chunk, which holds for the small flights of these tests.
    client.on('data', (chunk: Buffer) => {
      if (handshakeDone && afterHandshake === 'drop') return;
      if (handshakeDone && afterHandshake === 'reset') {
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (hasChangeCipherSpec(chunk)) handshakeDone = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
