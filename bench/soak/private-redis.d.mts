// Types of private-redis.mjs for the TypeScript tests that share it with the soak.
export interface PrivateRedis {
  port: number;
  url: string;
  /** The running server's process id, undefined while it is down. */
  readonly pid: number | undefined;
  running(): boolean;
  /** SIGKILL, like a crash. */
  stop(): Promise<void>;
  /** Starts it again on the same port; the data survives (AOF, fsync always). */
  start(): Promise<void>;
  restart(downMs?: number): Promise<void>;
  /** Stops it for good and removes its data folder. */
  close(): Promise<void>;
}
export function startPrivateRedis(port?: number, opts?: { appendfsync?: 'always' | 'everysec' | 'no' }): Promise<PrivateRedis>;
