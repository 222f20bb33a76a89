// Types of delay-relay.mjs for the TypeScript tests that share it with the bench.
export interface DelayRelay {
  port: number;
  rttMs: number;
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

export function startDelayRelay(targetPort: number, opts: { rttMs: number }): Promise<DelayRelay>;
