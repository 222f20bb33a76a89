// The weak-dh fix lines are real: each server's own config test accepts them (nginx -t,
// apache2 -t, haproxy -c), and nginx configured with them serves the RFC 7919 group the probe names.
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
import { freePort } from './helpers/servers.js';

const dir = tempDir();
const pair = localhostCert();
const weakDh = KNOWLEDGE_BASE.find((e) => e.id === 'weak-dh');
if (!weakDh) throw new Error('weak-dh entry missing');
const FFDHE = join(dir, 'ffdhe2048.pem');

/** The fix lines of a platform that are directives (not the genpkey command or "Or …" prose), with our paths. */
function directives(platform: 'nginx' | 'apache' | 'haproxy'): string[] {
  return (weakDh?.fixes[platform] ?? [])
    .filter((l) => !/^(openssl |Or )/.test(l))
    .map((l) => l.replace(/\s+#.*$/, '').replaceAll('/etc/ssl/ffdhe2048.pem', FFDHE));
}

/** Runs a config test; the servers print their verdict on stderr. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
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
    // One process (no master/worker pair): killing it leaves no orphaned worker behind.
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
      const ctx = loopbackCtx(port);
      ctx.protocols = (await protocols.run(ctx, { sslv2: false })).protocols;
      const r = await kex.run(ctx);
      ctx.abort();
      expect(r.dh).toMatchObject({ bits: 2048, group: 'ffdhe2048' });
    } finally {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    }
  }, 30_000);

  it('apache2 -t accepts the Apache line', () => {
    const lines = directives('apache');
    expect(lines[0]).toBe(`SSLOpenSSLConfCmd DHParameters "${FFDHE}"`);
    const conf = join(dir, 'apache.conf');
    writeFileSync(conf, [
      'ServerRoot /etc/apache2', 'ServerName localhost', `PidFile ${dir}/apache.pid`, `ErrorLog ${dir}/apache-error.log`, `Mutex file:${dir}`,
      'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
      'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
      'LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so',
      'Listen 127.0.0.1:1', '<VirtualHost 127.0.0.1:1>', 'SSLEngine on', `SSLCertificateFile ${pair.certFile}`, `SSLCertificateKeyFile ${pair.keyFile}`,
      lines[0] ?? '', '</VirtualHost>', '',
    ].join('\n'));
    const t = run('apache2', ['-t', '-f', conf], { APACHE_RUN_DIR: dir });
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
