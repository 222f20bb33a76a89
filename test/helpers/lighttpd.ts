// lighttpd with its wolfSSL TLS module (Debian lighttpd-mod-wolfssl), on 127.0.0.1: a real server
// whose TLS stack hangs up on browser-like ClientHellos.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localhostCert, tempDir, type Running } from './servers.js';
import { freePort } from './servers.js';

export const HAS_LIGHTTPD_WOLFSSL = existsSync('/usr/lib/lighttpd/mod_wolfssl.so') && existsSync('/usr/sbin/lighttpd');


/** Starts lighttpd -D and resolves once it logs "server started" (it binds before that). */
export async function startLighttpdWolfssl(): Promise<Running> {
  const dir = tempDir();
  const pair = localhostCert();
  const port = await freePort();
  mkdirSync(join(dir, 'htdocs'));
  writeFileSync(join(dir, 'htdocs', 'index.html'), 'hello\n');
  writeFileSync(join(dir, 'server.pem'), pair.cert + pair.key);
  const conf = join(dir, 'lighttpd.conf');
  writeFileSync(conf, [
    'server.modules = ( "mod_wolfssl" )', `server.document-root = "${dir}/htdocs"`, 'server.bind = "127.0.0.1"',
    `server.port = ${port}`, 'ssl.engine = "enable"', `ssl.pemfile = "${dir}/server.pem"`, '',
  ].join('\n'));
  const child = spawn('lighttpd', ['-D', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  };
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => { void stop(); reject(new Error(`lighttpd did not start: ${output}`)); }, 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/server started/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`lighttpd exited with ${code}: ${output}`)); });
  });
  return { port, stop };
}
