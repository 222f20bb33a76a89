// A loopback relay that plays a middlebox in front of a real server: it reads the client's first
// TLS record and, when that ClientHello is larger than a limit (or matches a test), swallows it
// (keeps the connection open and never answers) or resets the connection; anything else it relays
// both ways untouched. What firewalls that cannot reassemble a ClientHello across TCP segments,
// or that reject unknown groups, do to browsers' post-quantum hellos.
import net from 'node:net';
import type { Running } from './servers.js';

export type MiddleboxAction = 'swallow' | 'reset' | 'close' | 'close-notify';

export interface HelloFilterOptions {
  backendPort: number;
  action: MiddleboxAction;
  /** Act on ClientHello records whose total length (header included) exceeds this. */
  maxRecordBytes?: number;
  /** Act on hellos for which this returns true (e.g. "offers group 0x11EC"). */
  matches?: (record: Buffer) => boolean;
}

export interface HelloFilter extends Running {
  /** Hellos acted on so far. */
  blocked: () => number;
  /** Resolves once `n` hellos have been acted on. */
  whenBlocked: (n: number) => Promise<void>;
  /** Connections relayed untouched. */
  relayed: () => number;
}

/** True when the hello's bytes contain the 2-byte code point anywhere (good enough for a test filter). */
export function containsU16(record: Buffer, value: number): boolean {
  for (let i = 0; i + 1 < record.length; i++) if (record.readUInt16BE(i) === value) return true;
  return false;
}

/** Whether a ClientHello record carries the extension of this type (0 server_name, 5 status_request...). */
export function offersExtension(record: Buffer, type: number): boolean {
  let p = 5 + 4 + 2 + 32; // record header, handshake header, version, random
  p += 1 + (record[p] ?? 0); // session id
  p += 2 + record.readUInt16BE(p); // cipher suites
  p += 1 + (record[p] ?? 0); // compression methods
  const end = Math.min(record.length, p + 2 + record.readUInt16BE(p));
  p += 2;
  while (p + 4 <= end) {
    if (record.readUInt16BE(p) === type) return true;
    p += 4 + record.readUInt16BE(p + 2);
  }
  return false;
}

export async function startHelloFilter(opts: HelloFilterOptions): Promise<HelloFilter> {
  const sockets = new Set<net.Socket>();
  let blocked = 0;
  let relayed = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 5) return;
      const recordBytes = 5 + buf.readUInt16BE(3);
      // Like a middlebox that looks at the record header: it knows the size before the rest arrives.
      const tooBig = opts.maxRecordBytes !== undefined && recordBytes > opts.maxRecordBytes;
      if (!tooBig && buf.length < recordBytes) return;
      client.off('data', onData);
      if (tooBig || opts.matches?.(buf.subarray(0, recordBytes))) {
        blocked++;
        for (const w of waiters.filter((x) => x.n <= blocked)) w.resolve();
        if (opts.action === 'reset') client.resetAndDestroy();
        else if (opts.action === 'close') client.end();
        // A warning close_notify alert, then FIN: a refusal only the record itself tells from a bare close.
        else if (opts.action === 'close-notify') client.end(Buffer.from([21, 3, 3, 0, 2, 1, 0]));
        // 'swallow': keep reading and discarding, never answer; stop() ends it.
        else client.resume();
        return;
      }
      relayed++;
      const upstream = net.connect(opts.backendPort, '127.0.0.1');
      track(upstream);
      upstream.write(buf);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    blocked: () => blocked,
    whenBlocked: (n) => (blocked >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    relayed: () => relayed,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
