// A private redis-server on a free loopback port, for fault injection and the scale benches: tests
// and benches stop and restart THIS one, never the machine's Redis. Persistent like production is
// told to run it (AOF, noeviction) in a temporary folder; fsync on every write by default, so a
// restart loses nothing (the scale benches ask for everysec, the README's setting). stop() kills it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { out += d; if (out.includes('PONG')) done(true); });
  });
}

/** Starts redis-server on `port` (a free one when omitted) and waits until it answers PING. */
export async function startPrivateRedis(port, { appendfsync = 'always' } = {}) {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tlscheck-redis-'));
  let child = null;
  const launch = async () => {
    const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', appendfsync, '--maxmemory-policy', 'noeviction'];
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (await ping(chosen)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server on ${chosen} did not start: ${err.slice(0, 500)}`);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((resolve) => {
      c.once('exit', resolve);
      c.kill('SIGKILL');
    });
  };
  // The server and its data folder go with the process that made them, whatever happens to the caller.
  process.once('exit', () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await launch();
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    /** The running server's process id (for CPU accounting), undefined while it is down. */
    get pid() {
      return child?.pid;
    },
    running: () => child !== null && child.exitCode === null,
    stop,
    /** Kills it (SIGKILL: a crash, not a clean shutdown) and starts it again on the same port, data intact. */
    async restart(downMs = 0) {
      await stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    start: launch,
    /** Stops it for good and removes its data. */
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
