// Types of delay-relay.mjs for the TypeScript tests that share it with the bench.
export interface DelayRelay {
  port: number;
  rttMs: number;
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

export interface RelayedConnection {
  /** Date.now() when the relay accepted it. */
  accepted: number;
  /** The client's first chunk (its ClientHello, usually). */
  first: Buffer | null;
  /** Date.now() when the client closed its side. */
  closed: number;
}

export function startDelayRelay(targetPort: number, opts: { rttMs: number; onConnection?: (c: RelayedConnection) => void }): Promise<DelayRelay>;
