// REDIS_CLUSTER_NODES: parsed into seed nodes, refused when malformed (the value never echoed),
// and refused with a prefix that has no hash tag (multi-key scripts need one slot).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { bullConnection, createRedis, hashTag, isCluster, parseClusterNodes } from '../src/redis.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-redis-config', SLACK_SIGNING_SECRET: 's' };
const load = (env: Record<string, string>) => loadConfig({ env: { ...base, ...env }, dotenvPath: false });

describe('REDIS_CLUSTER_NODES', () => {
  it('is unset by default: one Redis at REDIS_URL', () => {
    const c = load({});
    expect(c.redisClusterNodes).toBeUndefined();
    expect(isCluster(c)).toBe(false);
  });

  it('parses host:port seed nodes, IPv6 in brackets', () => {
    const c = load({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001 ,[fd00::3]:7002' });
    expect(c.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: 'fd00::3', port: 7002 },
    ]);
    expect(isCluster(c)).toBe(true);
  });

  it('refuses an entry that is not host:port, naming its position but not its text', () => {
    for (const bad of ['10.0.0.1', '10.0.0.1:0', 'a:1,secret-ish:99999', 'redis://x:1', 'fd00::1:7000']) {
      expect(() => load({ REDIS_CLUSTER_NODES: bad })).toThrow(ConfigError);
    }
    try {
      load({ REDIS_CLUSTER_NODES: 'a:1,hunter2' });
    } catch (err) {
      expect(String(err)).toContain('REDIS_CLUSTER_NODES: entry 2 is not host:port');
      expect(String(err)).not.toContain('hunter2');
    }
  });

  it('needs a hash tag in the queue prefix in cluster mode', () => {
    expect(() => load({ REDIS_CLUSTER_NODES: 'a:1', TLSCHECK_QUEUE_PREFIX: 'tlscheck' })).toThrow(/hash tag/);
    expect(() => load({ REDIS_CLUSTER_NODES: 'a:1', TLSCHECK_QUEUE_PREFIX: '{}x' })).toThrow(/hash tag/);
    expect(load({ REDIS_CLUSTER_NODES: 'a:1', TLSCHECK_QUEUE_PREFIX: 'prod-{tc}' }).queuePrefix).toBe('prod-{tc}');
    // A single Redis takes any prefix, as before.
    expect(load({ TLSCHECK_QUEUE_PREFIX: 'tlscheck' }).queuePrefix).toBe('tlscheck');
  });
});

describe('the connection factory', () => {
  it('gives BullMQ options for one Redis and a Cluster client for a cluster', async () => {
    const single = bullConnection({ redisUrl: 'redis://127.0.0.1:6379' }, 'blocking');
    expect(single.connection).toEqual({ url: 'redis://127.0.0.1:6379', maxRetriesPerRequest: null, connectTimeout: 5_000 });
    const clustered = bullConnection({ redisUrl: 'rediss://u:p%40ss@ignored:1', redisClusterNodes: [{ host: '127.0.0.1', port: 1 }] }, 'blocking');
    const client = clustered.connection as { isCluster?: boolean; options: { redisOptions: Record<string, unknown> }; status: string };
    expect(client.isCluster).toBe(true);
    // Blocking connections must retry for ever (BullMQ refuses others); credentials and TLS come from REDIS_URL.
    expect(client.options.redisOptions).toMatchObject({ maxRetriesPerRequest: null, username: 'u', password: 'p@ss', tls: {} });
    expect(client.status).toBe('wait');
    await clustered.close();
    const app = createRedis({ redisUrl: 'redis://127.0.0.1:6379', redisClusterNodes: [{ host: '127.0.0.1', port: 1 }] }, 'app', { lazyConnect: true });
    expect((app as unknown as { options: { redisOptions: Record<string, unknown> } }).options.redisOptions).toMatchObject({ maxRetriesPerRequest: 1, commandTimeout: 1_200 });
    app.disconnect();
  });

  it('reads hash tags like Redis Cluster does', () => {
    expect(hashTag('{tlscheck}:schedule:x')).toBe('tlscheck');
    expect(hashTag('a{b}c{d}')).toBe('b');
    expect(hashTag('{}x{y}')).toBeNull();
    expect(hashTag('plain')).toBeNull();
    expect(parseClusterNodes('')).toEqual({ ok: true, nodes: [] });
  });
});
