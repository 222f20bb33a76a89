// Every Redis connection of the web handler and the workers comes from here: one Redis at
// REDIS_URL, or a Redis Cluster when REDIS_CLUSTER_NODES is set. What a connection is for decides
// how it fails: the web handler's must answer within Slack's 3 s ("Redis is down" is an answer),
// a worker's waits out a restart, and BullMQ's blocking ones must retry for ever.
//
// Cluster mode works because every key tlscheck writes starts with the queue prefix, whose
// {hash tag} (default "{tlscheck}") puts all of them on one slot: BullMQ's Lua scripts, the
// limits' and the schedule store's multi-key scripts, MULTI and pipelines all need their keys on
// one slot. loadConfig refuses a cluster configuration whose prefix has no hash tag.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: the part of Config the factory reads. */
export interface RedisTarget {
  redisUrl: string;
  /** Set: a Redis Cluster reached through these seed nodes; redisUrl then only lends credentials and TLS. */
  redisClusterNodes?: readonly RedisNode[];
}

/**
 * app: the web handler's commands (fail fast). producer: queue writes from the web handler.
 * worker: a worker's own commands (wait out a restart). blocking: BullMQ's worker connections
 * (BullMQ requires maxRetriesPerRequest null on them).
 */
export type RedisRole = 'app' | 'producer' | 'worker' | 'blocking';

/** A bit under half of Slack's 3 s: time left to answer that Redis is down. */
export const APP_COMMAND_TIMEOUT_MS = 1_200;

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  app: { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: APP_COMMAND_TIMEOUT_MS },
  producer: { maxRetriesPerRequest: 1, connectTimeout: 5_000 },
  worker: { maxRetriesPerRequest: 50, connectTimeout: 5_000 },
  blocking: { maxRetriesPerRequest: null, connectTimeout: 5_000 },
};

export function isCluster(target: RedisTarget): boolean {
  return (target.redisClusterNodes?.length ?? 0) > 0;
}

/** Credentials, database and TLS from a redis[s]:// URL, for the nodes of a cluster. */
function urlOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {};
  }
  const out: RedisOptions = {};
  if (parsed.username) out.username = decodeURIComponent(parsed.username);
  if (parsed.password) out.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') out.tls = {};
  return out;
}

function clusterOptions(target: RedisTarget, role: RedisRole, extra: RedisOptions): ClusterOptions {
  return {
    redisOptions: { ...urlOptions(target.redisUrl), ...ROLE_OPTIONS[role], ...extra },
    // Slots move when a cluster is resharded or fails over: follow MOVED/ASK and refresh the map.
    slotsRefreshTimeout: 2_000,
    // The web handler gives up on a command like a single Redis would; workers keep waiting.
    ...(role === 'app' ? { clusterRetryStrategy: (times: number) => (times > 3 ? null : 200 * times) } : {}),
    ...(extra.lazyConnect ? { lazyConnect: true } : {}),
  };
}

/**
 * A connection for `role`. Connection trouble shows up as failed commands where it matters; an
 * 'error' event without a listener would crash the process instead, so one is attached here.
 */
export function createRedis(target: RedisTarget, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  const nodes = target.redisClusterNodes;
  const client: RedisClient =
    nodes && nodes.length > 0
      ? new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })), clusterOptions(target, role, extra))
      : new Redis(target.redisUrl, { ...ROLE_OPTIONS[role], ...extra });
  client.on('error', () => undefined);
  return client;
}

/** Closes a connection: QUIT when it can, else drops it. */
export async function closeRedis(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** BullMQ's `connection` option with what closes it. */
export interface BullConnection {
  connection: { url: string; maxRetriesPerRequest: number | null; connectTimeout: number } | RedisClient;
  /** Closes what BullMQ does not own; call after the queue or worker closed. */
  close(): Promise<void>;
}

/**
 * The connection for a BullMQ Queue (producer) or Worker (blocking). A single Redis is given as
 * options, so BullMQ makes and closes its connections as before. A cluster must be given as an
 * ioredis Cluster: a Queue uses it as it is (closed by close()), a Worker duplicates it for its
 * own connections, so the one made here stays unconnected (lazyConnect) and close() just drops it.
 */
export function bullConnection(target: RedisTarget, role: 'producer' | 'blocking'): BullConnection {
  if (!isCluster(target)) {
    const { maxRetriesPerRequest = null, connectTimeout = 5_000 } = ROLE_OPTIONS[role];
    return { connection: { url: target.redisUrl, maxRetriesPerRequest, connectTimeout }, close: () => Promise.resolve() };
  }
  const client = createRedis(target, role, role === 'blocking' ? { lazyConnect: true } : {});
  return {
    connection: client,
    async close() {
      if (client.status === 'wait' || client.status === 'end') client.disconnect();
      else await closeRedis(client);
    },
  };
}

/** A cluster connection given to a Queue is the caller's: it closes right after the queue does. */
export function closeWithQueue(queue: { close(): Promise<void> }, closeConnection: () => Promise<void>): void {
  const close = queue.close.bind(queue);
  queue.close = async () => {
    try {
      await close();
    } finally {
      await closeConnection();
    }
  };
}

/**
 * Parses REDIS_CLUSTER_NODES: "host:port,host:port", IPv6 as "[::1]:7000". Returns the nodes or
 * the first entry that is not one (by position: the value itself is not echoed).
 */
export function parseClusterNodes(text: string): { ok: true; nodes: RedisNode[] } | { ok: false; error: string } {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const nodes: RedisNode[] = [];
  for (const [i, entry] of entries.entries()) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(m?.[3]);
    const host = m?.[1] ?? m?.[2];
    if (!host || !(port >= 1 && port <= 65535)) return { ok: false, error: `entry ${i + 1} is not host:port` };
    nodes.push({ host, port });
  }
  return { ok: true, nodes };
}

/** The hash tag Redis Cluster hashes a key by: the text between the first '{' and the next '}', if not empty. */
export function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return null;
  return key.slice(open + 1, close);
}
