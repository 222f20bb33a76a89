// Hostile TLS "servers" on 127.0.0.1 for the hardening tests and the soak: each misbehaves in one
// way a real target can (tarpit, reset, garbage, drip, megabyte chain, alert flood, cut-off
// handshake, bogus record length). Every one tracks its sockets and timers so stop() leaves
// nothing behind, and every endless behaviour is bounded in bytes and time by itself.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import { clearImmediate, setImmediate } from 'node:timers';

export const HOSTILE_KINDS = ['tarpit', 'reset', 'garbage', 'drip', 'huge-chain', 'alert-flood', 'mid-handshake-close', 'bogus-length'];

/** No behaviour streams longer or more than this, whatever the client does. */
const MAX_STREAM_MS = 20_000;
const MAX_STREAM_BYTES = 64 * 1024 * 1024;

function tlsRecord(type, body) {
  const head = Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([head, body]);
}

/** A plausible TLS 1.2 ServerHello (ECDHE-RSA-AES128-GCM-SHA256, no extensions). */
export function serverHello() {
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0, 0xc0, 0x2f, 0])]);
  return tlsRecord(22, Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]));
}

/** Warning alert user_canceled (90): legal on its own, absurd a hundred thousand times. */
const WARNING_ALERT = tlsRecord(21, Buffer.from([1, 90]));

/**
 * Writes `chunk` as fast as the socket drains until it closes, `maxBytes` went out or `maxMs`
 * passed. Respects backpressure, so the server's own memory stays flat.
 */
function flood(socket, chunk, timers, maxBytes = MAX_STREAM_BYTES, maxMs = MAX_STREAM_MS) {
  const until = Date.now() + maxMs;
  let sent = 0;
  const pump = () => {
    while (!socket.destroyed && sent < maxBytes && Date.now() < until) {
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    if (!socket.destroyed) socket.end();
  };
  const t = setImmediate(pump);
  timers.add({ clear: () => clearImmediate(t) });
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Runs `onSocket` per connection on a plain TCP server; stop() destroys every socket and timer. */
async function rawPeer(kind, onSocket) {
  const sockets = new Set();
  const timers = new Set();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s, timers);
  });
  const port = await listen(server);
  return {
    kind,
    port,
    connections: () => connections,
    stop: () => new Promise((resolve) => {
      for (const t of timers) t.clear();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Answers once the client's first bytes (its hello) arrived, so the answer never races our read. */
const afterHello = (act) => (s, timers) => s.once('data', () => act(s, timers));

const BEHAVIOURS = {
  // Accepts and never says a word.
  tarpit: () => undefined,
  // RST as soon as the connection is accepted.
  reset: (s) => s.resetAndDestroy(),
  // 64 KiB of random bytes (never a TLS record header), then FIN.
  garbage: afterHello((s) => {
    const junk = randomBytes(64 * 1024);
    junk[0] = 0x9f;
    s.end(junk);
  }),
  // A real ServerHello, one byte a second: never completes within any sane deadline.
  drip: afterHello((s, timers) => {
    const bytes = serverHello();
    let i = 0;
    const t = setInterval(() => {
      if (s.destroyed || i >= bytes.length) clearInterval(t);
      else s.write(bytes.subarray(i, ++i));
    }, 1000);
    timers.add({ clear: () => clearInterval(t) });
  }),
  // Warning alerts as fast as the client reads them.
  'alert-flood': afterHello((s, timers) => flood(s, Buffer.concat(Array.from({ length: 1024 }, () => WARNING_ALERT)), timers)),
  // A handshake record claiming 65535 bytes (more than TLS allows), then silence.
  'bogus-length': afterHello((s) => s.write(Buffer.concat([Buffer.from([22, 3, 3, 0xff, 0xff]), Buffer.alloc(64, 2)]))),
};

/**
 * A node:tls server whose certificate "chain" is the leaf plus `copies` copies of a padded CA
 * certificate: megabytes in one Certificate message.
 */
async function hugeChainPeer(certs, copies) {
  const sockets = new Set();
  let connections = 0;
  const chain = [certs.leafCert, ...Array.from({ length: copies }, () => certs.caCert)].join('\n');
  const server = tls.createServer({ key: certs.leafKey, cert: chain, minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: huge-chain\r\nContent-Length: 0\r\n\r\n'));
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  return {
    kind: 'huge-chain',
    port,
    connections: () => connections,
    chainBytes: Buffer.byteLength(chain),
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * A proxy to a real TLS server that forwards the server's first `cutAfter` bytes and then closes
 * both sides: the handshake ends in the middle of the server's flight.
 */
function midHandshakeClose(backendPort, cutAfter = 300) {
  return rawPeer('mid-handshake-close', (client) => {
    const upstream = net.connect(backendPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    let forwarded = 0;
    client.on('data', (c) => upstream.write(c));
    client.on('close', () => upstream.destroy());
    upstream.on('data', (c) => {
      const room = cutAfter - forwarded;
      forwarded += c.length;
      if (room > 0) client.write(c.subarray(0, room));
      if (forwarded >= cutAfter) {
        client.end();
        upstream.destroy();
      }
    });
    upstream.on('end', () => client.end());
  });
}

/**
 * Starts one hostile peer. `huge-chain` needs `certs` (see makeHugeChainCerts); `mid-handshake-close`
 * needs `backendPort`, a real TLS server on 127.0.0.1 to cut short.
 */
export async function startHostilePeer(kind, opts = {}) {
  if (kind === 'huge-chain') {
    if (!opts.certs) throw new Error('huge-chain needs certs');
    return hugeChainPeer(opts.certs, opts.copies ?? 300);
  }
  if (kind === 'mid-handshake-close') {
    if (!opts.backendPort) throw new Error('mid-handshake-close needs backendPort');
    return midHandshakeClose(opts.backendPort, opts.cutAfter);
  }
  const behaviour = BEHAVIOURS[kind];
  if (!behaviour) throw new Error(`unknown hostile kind ${kind}`);
  return rawPeer(kind, behaviour);
}

/**
 * A self-signed leaf for localhost and a CA certificate padded with a comment of `padBytes`, so
 * 300 copies make megabytes. EC keys: generated in milliseconds.
 */
export function makeHugeChainCerts(dir, padBytes = 8 * 1024) {
  const run = (args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  const file = (n) => join(dir, n);
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('leaf.key'), '-out', file('leaf.pem'),
    '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-days', '30', '-subj', '/CN=Padded Hostile CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', `nsComment=${'x'.repeat(padBytes)}`]);
  return {
    leafCert: readFileSync(file('leaf.pem'), 'utf8'),
    leafKey: readFileSync(file('leaf.key'), 'utf8'),
    caCert: readFileSync(file('ca.pem'), 'utf8'),
  };
}
