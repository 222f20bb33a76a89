// A private redis-server for the scale benches, set up as the README tells production to run it
// (AOF every second, noeviction), in a temp dir; INFO memory is then the bot's own.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startBenchRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tlscheck-scale-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('redis-server did not start')), 15_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) { clearTimeout(t); child.stdout.resume(); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`redis-server exited ${code}: ${out.slice(-300)}`)); });
  });
  child.stderr.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) await new Promise((r) => { child.once('exit', r); child.kill('SIGKILL'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
