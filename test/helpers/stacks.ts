// Real servers of other TLS stacks and products (nginx, Apache httpd, HAProxy, lighttpd with its
// wolfSSL/GnuTLS/mbedTLS/NSS modules, Caddy), each started in the foreground on 127.0.0.1 with a
// config in a temp dir, and stopped (SIGKILL of its own process) by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { freePort, localhostCert, tempDir, type KeyPair, type Running } from './servers.js';

export { freePort };

export interface StackServer extends Running {
  /** Output of the server process so far (its error log when it writes to stderr). */
  output: () => string;
  dir: string;
}


/** Resolves once 127.0.0.1:port accepts TCP, rejects if the child exits first or time runs out. */
function waitForPort(child: ChildProcess, port: number, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null): void => finish(new Error(`server exited (${code}) before listening: ${output()}`));
    const timer = setTimeout(() => finish(new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms: ${output()}`)), timeoutMs);
    child.once('exit', onExit);
    // Each failed connect is answered at once (ECONNREFUSED), so the next try is event-driven;
    // setImmediate only keeps the loop from starving the child's own start-up.
    const attempt = (): void => {
      if (done) return;
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        finish();
      });
      s.once('error', () => {
        s.destroy();
        setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** Spawns `cmd` and waits for every port in `ports` to accept connections. */
export async function startForeground(cmd: string, args: string[], ports: number[], dir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<StackServer> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: dir });
  let out = '';
  const collect = (c: Buffer): void => {
    if (out.length < 200_000) out += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Servers that log to a file (nginx, Apache, lighttpd) explain a failed start there.
  const output = (): string => {
    const log = join(dir, 'error.log');
    return existsSync(log) ? `${out}\n${readFileSync(log, 'utf8').slice(-4000)}` : out;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  };
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  await spawned;
  try {
    for (const port of ports) await waitForPort(child, port, output, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: ports[0] ?? 0, stop, output, dir };
}

export interface NginxOptions {
  pair?: KeyPair;
  /** Extra lines inside the server block (ssl_verify_client, ssl_session_ticket_key, ...). */
  server?: string[];
  /** Extra files to write into the config folder first: name → content. */
  files?: Record<string, string | Buffer>;
}

/** nginx in the foreground (no master, no daemon), TLS 1.2 and 1.3, answering "hello". */
export async function startNginx(opts: NginxOptions = {}): Promise<StackServer> {
  const dir = tempDir();
  const pair = opts.pair ?? localhostCert();
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, [
    'daemon off;', 'master_process off;', 'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log info;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};`,
    '  server {',
    `    listen 127.0.0.1:${port} ssl;`,
    '    server_name localhost;',
    `    ssl_certificate ${pair.certFile};`,
    `    ssl_certificate_key ${pair.keyFile};`,
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    ...(opts.server ?? []).map((l) => `    ${l}`),
    '    location / { return 200 "hello\\n"; }',
    '  }',
    '}',
    '',
  ].join('\n'));
  return startForeground('nginx', ['-p', dir, '-c', conf], [port], dir);
}

export interface HaproxyOptions {
  /** 'tcp': round-robin over TLS backends untouched (each backend terminates TLS). */
  backends: number[];
}

/** HAProxy in TCP mode, round-robin: the load balancer in front of backends that terminate TLS. */
export async function startHaproxy(opts: HaproxyOptions): Promise<StackServer> {
  const dir = tempDir();
  const port = await freePort();
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(conf, [
    'global', '  maxconn 512',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
    'backend be', '  balance roundrobin',
    ...opts.backends.map((p, i) => `  server s${i} 127.0.0.1:${p}`),
    '',
  ].join('\n'));
  return startForeground('haproxy', ['-db', '-f', conf], [port], dir);
}

export interface ApacheOptions {
  pair?: KeyPair;
  /** Extra lines inside the <VirtualHost> (SSLVerifyClient, SSLCACertificateFile, ...). */
  vhost?: string[];
}

const APACHE_MODULES = '/usr/lib/apache2/modules';

/** A web server's own folder, certificate (the given one or localhost's), free port and document root with one page. */
async function webServerDir(given?: KeyPair): Promise<{ dir: string; pair: KeyPair; port: number; docroot: string }> {
  const dir = tempDir();
  const docroot = join(dir, 'htdocs');
  mkdirSync(docroot, { recursive: true });
  writeFileSync(join(docroot, 'index.html'), 'hello\n');
  return { dir, pair: given ?? localhostCert(), port: await freePort(), docroot };
}

/** Apache httpd 2.4 with mod_ssl, in the foreground (-X: one process), its own config only. */
export async function startApache(opts: ApacheOptions = {}): Promise<StackServer> {
  const { dir, pair, port, docroot } = await webServerDir(opts.pair);
  const conf = join(dir, 'httpd.conf');
  const mods = ['mpm_event', 'authz_core', 'socache_shmcb', 'ssl'];
  writeFileSync(conf, [
    `ServerRoot ${dir}`,
    ...mods.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
    `PidFile ${dir}/httpd.pid`, `ErrorLog ${dir}/error.log`, 'LogLevel info ssl:info',
    'ServerName localhost', `Listen 127.0.0.1:${port}`, `DocumentRoot ${docroot}`, `Mutex file:${dir} default`,
    `SSLSessionCache shmcb:${dir}/ssl_scache(512000)`,
    `<VirtualHost 127.0.0.1:${port}>`,
    '  SSLEngine on',
    `  SSLCertificateFile ${pair.certFile}`,
    `  SSLCertificateKeyFile ${pair.keyFile}`,
    '  SSLProtocol -all +TLSv1.2 +TLSv1.3',
    ...(opts.vhost ?? []).map((l) => `  ${l}`),
    '</VirtualHost>',
    '',
  ].join('\n'));
  // -X runs a single process in the foreground, so stop() ends the whole server.
  return startForeground('apache2', ['-X', '-f', conf, '-d', dir], [port], dir, { APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir });
}

export type LighttpdTls = 'openssl' | 'wolfssl' | 'gnutls' | 'mbedtls' | 'nss';

/** The Debian module for a TLS stack is installed (lighttpd-mod-<stack>). */
export function hasLighttpdModule(stack: LighttpdTls): boolean {
  return existsSync(`/usr/lib/lighttpd/mod_${stack}.so`);
}

/** lighttpd with one of its TLS modules, in the foreground (-D). */
export async function startLighttpd(stack: LighttpdTls, opts: { pair?: KeyPair; extra?: string[] } = {}): Promise<StackServer> {
  const { dir, pair, port, docroot } = await webServerDir(opts.pair);
  const pem = join(dir, 'server.pem');
  writeFileSync(pem, pair.cert + pair.key);
  const conf = join(dir, 'lighttpd.conf');
  writeFileSync(conf, [
    `server.modules = ( "mod_${stack}" )`,
    `server.document-root = "${docroot}"`,
    `server.bind = "127.0.0.1"`, `server.port = ${port}`,
    `server.errorlog = "${dir}/error.log"`,
    `server.pid-file = "${dir}/lighttpd.pid"`,
    'ssl.engine = "enable"',
    `ssl.pemfile = "${pem}"`,
    ...(opts.extra ?? []),
    '',
  ].join('\n'));
  return startForeground('lighttpd', ['-D', '-f', conf], [port], dir);
}

/** Caddy (Go crypto/tls) serving "hello" with the given certificate, admin API and automatic HTTPS off. */
export async function startCaddy(opts: { pair?: KeyPair } = {}): Promise<StackServer> {
  const dir = tempDir();
  const pair = opts.pair ?? localhostCert();
  const port = await freePort();
  const config = {
    admin: { disabled: true },
    storage: { module: 'file_system', root: join(dir, 'data') },
    apps: {
      http: {
        servers: {
          s: {
            listen: [`127.0.0.1:${port}`],
            routes: [{ handle: [{ handler: 'static_response', body: 'hello\n' }] }],
            tls_connection_policies: [{ default_sni: 'localhost' }],
            automatic_https: { disable: true },
          },
        },
      },
      tls: { certificates: { load_files: [{ certificate: pair.certFile, key: pair.keyFile }] } },
    },
  };
  const file = join(dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config));
  return startForeground('caddy', ['run', '--config', file], [port], dir, { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') });
}
