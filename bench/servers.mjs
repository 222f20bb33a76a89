// Servers the benchmark starts on 127.0.0.1 and always stops.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A leaf (CN and SAN localhost) signed by an intermediate signed by a root, all RSA 2048: the
 * shape of a public server's chain. certFile holds leaf + intermediate, as servers send them;
 * rootFile the root, for a client that should trust it (NODE_EXTRA_CA_CERTS).
 */
export function makeChain(dir = mkdtempSync(join(tmpdir(), 'tlscheck-chain-'))) {
  const f = (name) => join(dir, name);
  const run = (args) => execFileSync('openssl', args, { stdio: 'ignore', timeout: 20_000 });
  const ext = (name, lines) => { writeFileSync(f(name), lines.join('\n') + '\n'); return f(name); };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('root.key'), '-out', f('root.pem'), '-days', '30', '-subj', '/CN=tlscheck bench root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const issue = (name, subject, issuer, extFile) => {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject]);
    run(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '30', '-extfile', extFile]);
  };
  issue('int', '/CN=tlscheck bench intermediate', 'root', ext('int.ext', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']));
  issue('leaf', '/CN=localhost', 'int', ext('leaf.ext', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth']));
  writeFileSync(f('chain.pem'), readFileSync(f('leaf.pem')) + readFileSync(f('int.pem')));
  return { dir, certFile: f('chain.pem'), keyFile: f('leaf.key'), rootFile: f('root.pem'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A node:tls TLS 1.2+1.3 server that answers a tiny HTTP response, on `host` (any loopback address). */
export async function nodeTlsServer(pair, host = '127.0.0.1') {
  const sockets = new Set();
  const server = tls.createServer({ key: pair.key, cert: pair.cert, minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Length: 0\r\n\r\n'));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('tlsClientError', () => {});
  await new Promise((r) => server.listen(0, host, r));
  return {
    host,
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

async function freePort() {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * nginx (TLS 1.2 + 1.3, its default ciphers unless `ciphers` is given) on 127.0.0.1, in the
 * foreground with its config, logs and pid in a temp dir; stop() kills it. `listeners` > 1: one
 * worker listening on that many ports (`ports`), as many targets for the throughput bench.
 */
export async function nginxServer(pair, { ciphers, preferServerCiphers = false, listeners = 1 } = {}) {
  const { writeFileSync } = await import('node:fs');
  const net = await import('node:net');
  const ports = [];
  for (let tries = 0; ports.length < listeners && tries < listeners * 10; tries++) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const port = ports[0];
  const dir = mkdtempSync(join(tmpdir(), 'tlscheck-nginx-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections ${Math.max(512, listeners * 16)}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    ${ports.map((p) => `listen 127.0.0.1:${p} ssl;`).join('\n    ')}
    server_name localhost;
    ssl_certificate ${pair.certFile};
    ssl_certificate_key ${pair.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ${ciphers ? `ssl_ciphers ${ciphers};` : ''}
    ssl_prefer_server_ciphers ${preferServerCiphers ? 'on' : 'off'};
    location / { return 200 "ok\\n"; }
  }
}
`);
  const child = spawn('nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8').slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    ports,
    stop: () => new Promise((r) => {
      const done = () => { rmSync(dir, { recursive: true, force: true }); r(); };
      if (child.exitCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGKILL');
    }),
  };
}
