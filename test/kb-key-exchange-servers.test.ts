// The weak-dh and weak-ecdhe-curve fix lines are real: each server's own config test accepts them
// (nginx -t, apache2 -t, haproxy -c); nginx configured with them serves the RFC 7919 group the
// probe names, and nginx's ssl_ecdh_curve is the curve the per-suite probe reports on every suite.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { localhostCert, tempDir } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import * as protocols from '../src/probe/protocols.js';
import * as kex from '../src/probe/key-exchange.js';
import * as ciphers from '../src/probe/ciphers.js';
import * as ecdheCurves from '../src/probe/ecdhe-curves.js';
import { freePort } from './helpers/servers.js';

const dir = tempDir();
const pair = localhostCert();
const weakDh = KNOWLEDGE_BASE.find((e) => e.id === 'weak-dh');
if (!weakDh) throw new Error('weak-dh entry missing');
const weakCurve = KNOWLEDGE_BASE.find((e) => e.id === 'weak-ecdhe-curve');
if (!weakCurve) throw new Error('weak-ecdhe-curve entry missing');
const FFDHE = join(dir, 'ffdhe2048.pem');

/** The fix lines of a platform that are directives (not the genpkey command or "Or …" prose), with our paths. */
function directives(platform: 'nginx' | 'apache' | 'haproxy', entry = weakDh): string[] {
  return (entry?.fixes[platform] ?? [])
    .filter((l) => !/^(openssl |Or )/.test(l))
    .map((l) => l.replace(/\s+#.*$/, '').replaceAll('/etc/ssl/ffdhe2048.pem', FFDHE));
}

/** Runs a config test; the servers print their verdict on stderr. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `apache2 -t` on a minimal mod_ssl config whose TLS virtual host carries `line`. */
function apacheSyntax(file: string, line: string): { ok: boolean; out: string } {
  const conf = join(dir, file);
  writeFileSync(conf, [
    'ServerRoot /etc/apache2', 'ServerName localhost', `PidFile ${dir}/apache.pid`, `ErrorLog ${dir}/apache-error.log`, `Mutex file:${dir}`,
    'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
    'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
    'LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so',
    'Listen 127.0.0.1:1', '<VirtualHost 127.0.0.1:1>', 'SSLEngine on', `SSLCertificateFile ${pair.certFile}`, `SSLCertificateKeyFile ${pair.keyFile}`,
    line, '</VirtualHost>', '',
  ].join('\n'));
  return run('apache2', ['-t', '-f', conf], { APACHE_RUN_DIR: dir });
}

function nginxConf(port: number, lines: string[]): string {
  const root = join(dir, `nginx-${port}`);
  mkdirSync(join(root, 'logs'), { recursive: true });
  const file = join(root, 'nginx.conf');
  writeFileSync(file, [
    `pid ${root}/nginx.pid;`, `error_log ${root}/error.log;`, 'events {}',
    `http { access_log off; client_body_temp_path ${root}; proxy_temp_path ${root}; fastcgi_temp_path ${root}; uwsgi_temp_path ${root}; scgi_temp_path ${root};`,
    `  server { listen 127.0.0.1:${port} ssl; ssl_certificate ${pair.certFile}; ssl_certificate_key ${pair.keyFile}; ssl_ciphers DHE+AESGCM:ECDHE+AESGCM; ssl_protocols TLSv1.2;`,
    ...lines.map((l) => `    ${l}`), '  }', '}', '',
  ].join('\n'));
  return file;
}

/** Runs nginx on `conf` as one process (no master/worker pair: killing it leaves no orphaned worker) while `fn` runs. */
async function withNginx(conf: string, port: number, fn: () => Promise<void>): Promise<void> {
  const child = spawn('nginx', ['-c', conf, '-p', dir, '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
  try {
    // Wait for the listener: each attempt waits on the connect or error event; bounded.
    let up = false;
    for (let i = 0; i < 100 && !up && child.exitCode === null; i++) {
      up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => { s.destroy(); resolve(true); });
        s.once('error', () => setTimeout(() => resolve(false), 50));
      });
    }
    expect(up).toBe(true);
    await fn();
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  }
}

describe('weak-dh fixes on the installed servers', () => {
  execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', FFDHE], { stdio: 'ignore' });

  it('nginx -t accepts the nginx lines, and nginx then serves ffdhe2048', async () => {
    const lines = directives('nginx');
    expect(lines).toEqual([`ssl_dhparam ${FFDHE};`]);
    const port = await freePort();
    const conf = nginxConf(port, lines);
    const t = run('nginx', ['-t', '-c', conf, '-p', dir]);
    expect(t.ok, t.out).toBe(true);
    expect(t.out).toMatch(/test is successful/);
    await withNginx(conf, port, async () => {
      const ctx = loopbackCtx(port);
      ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
      const r = await kex.run(ctx);
      ctx.abort();
      expect(r.dh).toMatchObject({ bits: 2048, group: 'ffdhe2048' });
    });
  }, 30_000);

  it('apache2 -t accepts the Apache line', () => {
    const lines = directives('apache');
    expect(lines[0]).toBe(`SSLOpenSSLConfCmd DHParameters "${FFDHE}"`);
    const t = apacheSyntax('apache.conf', lines[0] ?? '');
    expect(t.ok, t.out).toBe(true);
    expect(t.out).toMatch(/Syntax OK/);
  });

  it('haproxy -c accepts the HAProxy lines', () => {
    const lines = directives('haproxy');
    expect(lines).toEqual([`ssl-dh-param-file ${FFDHE}`, 'tune.ssl.default-dh-param 2048']);
    const both = join(dir, 'both.pem');
    writeFileSync(both, pair.cert + pair.key);
    const conf = join(dir, 'haproxy.cfg');
    writeFileSync(conf, [
      'global', ...lines.map((l) => `  ${l}`),
      'defaults', '  mode http', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s',
      'frontend f', `  bind 127.0.0.1:1 ssl crt ${both}`, '',
    ].join('\n'));
    const t = run('haproxy', ['-c', '-f', conf]);
    expect(t.ok, t.out).toBe(true);
    expect(t.out).toMatch(/Configuration file is valid/);
  });
});

describe('weak-ecdhe-curve fixes on the installed servers, and nginx ssl_ecdh_curve seen per suite', () => {
  it('nginx -t accepts the nginx line; nginx with ssl_ecdh_curve secp384r1 uses it on every ECDHE suite', async () => {
    const fix = directives('nginx', weakCurve);
    expect(fix).toEqual(['ssl_ecdh_curve X25519:prime256v1:secp384r1;']);
    const fixPort = await freePort();
    const t = run('nginx', ['-t', '-c', nginxConf(fixPort, fix), '-p', dir]);
    expect(t.ok, t.out).toBe(true);
    const port = await freePort();
    await withNginx(nginxConf(port, ['ssl_ecdh_curve secp384r1;']), port, async () => {
      const ctx = loopbackCtx(port);
      try {
        ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
        const c = await ciphers.run(ctx);
        ctx.ciphers = { suites: c.ciphers, partial: c.partial ?? [] };
        const asked = ecdheCurves.ecdheSuitesToAsk(c.ciphers).map((a) => a.suite);
        expect(asked.length).toBeGreaterThan(1);
        const value = await ecdheCurves.run(ctx);
        expect(value.complete).toBe(true);
        expect(value.curves).toEqual(Object.fromEntries(asked.map((suite) => [suite, 'secp384r1'])));
      } finally {
        ctx.abort();
      }
    });
  }, 30_000);

  it('apache2 -t accepts the Apache line', () => {
    const [line] = directives('apache', weakCurve);
    expect(line).toBe('SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1');
    const t = apacheSyntax('apache-curves.conf', line ?? '');
    expect(t.ok, t.out).toBe(true);
    expect(t.out).toMatch(/Syntax OK/);
  });

  it('haproxy -c accepts the global line and the bind option it names', () => {
    const [global] = directives('haproxy', weakCurve);
    expect(global).toBe('ssl-default-bind-curves X25519:P-256:P-384');
    const both = join(dir, 'both-curves.pem');
    writeFileSync(both, pair.cert + pair.key);
    const conf = join(dir, 'haproxy-curves.cfg');
    writeFileSync(conf, [
      'global', `  ${global ?? ''}`,
      'defaults', '  mode http', '  timeout client 5s', '  timeout server 5s', '  timeout connect 5s',
      'frontend f', `  bind 127.0.0.1:1 ssl crt ${both}`, `  bind 127.0.0.1:2 ssl crt ${both} curves X25519:P-256:P-384`, '',
    ].join('\n'));
    const t = run('haproxy', ['-c', '-f', conf]);
    expect(t.ok, t.out).toBe(true);
    expect(t.out).toMatch(/Configuration file is valid/);
  });
});
