// A throwaway Redis Cluster on 127.0.0.1: three primaries (no replicas), each in a temp dir of its
// own with free client and cluster-bus ports, joined by `redis-cli --cluster create`. Ready when
// every node reports cluster_state:ok; stop() kills the nodes and removes their dirs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisClusterHandle {
  /** "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3", as REDIS_CLUSTER_NODES wants it. */
  nodesEnv: string;
  ports: number[];
  stop(): Promise<void>;
}

/** Free loopback ports, all held at once so none is handed out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Resolves once the node logs that it accepts connections; rejects if it exits first. */
function startNode(port: number, busPort: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
    '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '3000', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code}): ${out.slice(-500)}`)));
    child.once('error', reject);
  });
}

async function clusterState(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { timeout: 5_000 });
  return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
}

export async function startRedisCluster(opts: { timeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const all = await freePorts(6);
  const ports = all.slice(0, 3);
  const dirs = ports.map(() => mkdtempSync(join(tmpdir(), 'tlscheck-cluster-')));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    })));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  // Whatever happens to the test process, the nodes go with it.
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  try {
    const started = await Promise.allSettled(ports.map((p, i) => startNode(p, all[i + 3] as number, dirs[i] as string)));
    for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs });
    // `create` returns once slots are assigned; the nodes agree on cluster_state:ok a moment later (gossip).
    const until = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(ports.map(clusterState));
      if (states.every((s) => s === 'ok')) break;
      if (Date.now() > until) throw new Error(`cluster not ok after ${timeoutMs} ms: ${states.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { nodesEnv: nodes.join(','), ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
