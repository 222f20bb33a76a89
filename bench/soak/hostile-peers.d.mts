// Types of hostile-peers.mjs for the TypeScript tests that share it with the soak.
export type HostileKind = 'tarpit' | 'reset' | 'garbage' | 'drip' | 'huge-chain' | 'alert-flood' | 'mid-handshake-close' | 'bogus-length';
export const HOSTILE_KINDS: readonly HostileKind[];

export interface HugeChainCerts {
  leafCert: string;
  leafKey: string;
  caCert: string;
}

export interface HostilePeer {
  kind: HostileKind;
  port: number;
  connections(): number;
  /** huge-chain only: bytes of PEM in the served chain. */
  chainBytes?: number;
  stop(): Promise<void>;
}

export interface HostileOptions {
  certs?: HugeChainCerts;
  copies?: number;
  backendPort?: number;
  cutAfter?: number;
}

export function serverHello(): Buffer;
export function startHostilePeer(kind: HostileKind, opts?: HostileOptions): Promise<HostilePeer>;
export function makeHugeChainCerts(dir: string, padBytes?: number): HugeChainCerts;
