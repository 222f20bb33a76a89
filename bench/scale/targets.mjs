// N node:tls servers, each on an address of its own (127.0.1.1, 127.0.1.2, …: all loopback on
// Linux), so each is a separate host for the per-host slots, like N real servers. ECDSA P-256, as
// in the throughput bench: with RSA 2048 the servers' signing on the same 2 cores would dominate.
import tls from 'node:tls';

export async function startTargets(pair, n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const host = `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    const sockets = new Set();
    const server = tls.createServer({ key: pair.key, cert: pair.cert, minVersion: 'TLSv1.2' }, (s) => {
      s.on('error', () => {});
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Length: 0\r\n\r\n'));
    });
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('tlsClientError', () => {});
    await new Promise((r) => server.listen(0, host, r));
    servers.push({ host, port: server.address().port, stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) });
  }
  return { list: servers, stop: () => Promise.all(servers.map((s) => s.stop())) };
}
