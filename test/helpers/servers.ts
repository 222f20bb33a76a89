// Servers the tests start themselves, on 127.0.0.1 only, each with a stop() the test must call.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { afterAll } from 'vitest';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Running {
  port: number;
  stop: () => Promise<void>;
}

export interface KeyPair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

let cachedLocalhost: KeyPair | undefined;
const tmpDirs: string[] = [];
process.on('exit', () => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tlscheck-test-'));
  tmpDirs.push(dir);
  return dir;
}

/** A self-signed RSA certificate for localhost/127.0.0.1, made once per test process. */
export function localhostCert(): KeyPair {
  if (cachedLocalhost) return cachedLocalhost;
  const dir = tempDir();
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '30', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore', timeout: 20_000 });
  cachedLocalhost = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  return cachedLocalhost;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a child server process and waits for `portPattern` (first group = port) on its output.
 * Used for `openssl s_server` (prints "ACCEPT 127.0.0.1:PORT") and similar.
 */
export function startProcessServer(cmd: string, args: string[], portPattern: RegExp, timeoutMs = 10_000): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const stop = async (): Promise<void> => {
      child.kill('SIGKILL');
      await waitForExit(child);
    };
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${cmd} did not start within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = portPattern.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        // Keep draining so the child never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ port: Number(m[1]), stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before listening: ${output}`));
    });
  });
}

/** `openssl s_server` on 127.0.0.1 with the localhost certificate unless args bring their own. */
export function startSServer(args: string[] = [], pair: KeyPair = localhostCert()): Promise<Running> {
  return startProcessServer('openssl', [
    's_server', '-accept', '127.0.0.1:0', '-cert', pair.certFile, '-key', pair.keyFile, ...args,
  ], /ACCEPT 127\.0\.0\.1:(\d+)/);
}

/** `gnutls-serv` on a free loopback port (it has no port-0 mode, so we pick one first). */
export async function startGnutlsServ(args: string[] = [], pair: KeyPair = localhostCert()): Promise<Running> {
  const port = await freePort();
  // gnutls-serv binds the wildcard address; tests still only connect to 127.0.0.1.
  const running = await startProcessServer('gnutls-serv', [
    '--port', String(port), '--x509certfile', pair.certFile, '--x509keyfile', pair.keyFile, ...args,
  ], /listening on IPv4 \S+ port (\d+)/);
  await waitForListen(port);
  return running;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function waitForListen(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A `node:tls` server on 127.0.0.1 that answers "hello" and tracks its sockets for stop(). */
export async function startNodeTls(options: tls.TlsOptions = {}, onSecure?: (s: tls.TLSSocket) => void): Promise<Running & { server: tls.Server }> {
  const pair = localhostCert();
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: pair.cert, key: pair.key, ...options }, (s) => {
    s.on('error', () => undefined);
    if (onSecure) onSecure(s);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, server, stop: () => closeServer(server, sockets) };
}

/** A plain TCP peer whose behaviour per connection the test decides (tarpit, reset, garbage...). */
export async function startRawPeer(onConnection: (socket: net.Socket) => void): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, stop: () => closeServer(server, sockets) };
}

/**
 * For a test file that starts servers as it goes: `const keep = keepServers();` then
 * `const srv = await keep(startSServer(...))`. Every server kept is stopped after the file's tests.
 */
export function keepServers(): <T extends Running>(p: Promise<T>) => Promise<T> {
  const running: Running[] = [];
  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });
  return async (p) => {
    const r = await p;
    running.push(r);
    return r;
  };
}
