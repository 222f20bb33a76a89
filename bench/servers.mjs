// Servers the benchmark starts on 127.0.0.1 and always stops.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** kind: 'rsa' (RSA 2048) or 'ec' (ECDSA P-256). */
export function makeCert(kind = 'rsa') {
  const dir = mkdtempSync(join(tmpdir(), 'tlscheck-bench-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const keyArgs = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore', timeout: 20_000 });
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A node:tls TLS 1.2+1.3 server that answers a tiny HTTP response. */
export async function nodeTlsServer(pair) {
  const sockets = new Set();
  const server = tls.createServer({ key: pair.key, cert: pair.cert, minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Length: 0\r\n\r\n'));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('tlsClientError', () => {});
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** openssl s_server with extra args; resolves once it prints its port. */
export function sServer(pair, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', pair.certFile, '-key', pair.keyFile, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('s_server did not start')); }, 10_000);
    const onData = (d) => {
      out += d;
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.resume(); child.stderr.resume();
        resolve({ port: Number(m[1]), stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGKILL'); }) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
