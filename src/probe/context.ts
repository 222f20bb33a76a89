import type { CheckError, CheckResult, ErrorCode, ProtocolMap, ProtocolName } from '../types.js';
import type { AddressPolicy } from '../target/policy.js';

/** A target whose name has been resolved exactly once; probes connect to `ip` and send `sni`. */
export interface ResolvedTarget {
  host: string;
  port: number;
  ip: string;
  family: 4 | 6;
  /** Server name to send (null for a bare IP literal without --sni). */
  sni: string | null;
}

export interface ProbeContext {
  target: ResolvedTarget;
  /** Epoch ms by which every probe must have finished. */
  deadline: number;
  /** Aborted at the deadline (or when the caller gives up). */
  signal: AbortSignal;
  /** Upper bound for one connection, further capped by the deadline. */
  connectTimeoutMs: number;
  /** Runs fn when a socket slot is free: bounds the sockets open to one target at once. */
  limit: Limit;
  /** Extra trust anchors (PEM) from --ca. */
  ca?: string[];
  /** The roots counted as public for Certificate Transparency (PEM); unset: node's bundled roots. */
  publicRoots?: readonly string[];
  /** Protocol support, filled by the orchestrator before the probes that need it run. */
  protocols?: ProtocolMap;
  /**
   * The cipher probe's answer, filled by the orchestrator before the 'ciphers' probes start:
   * accepted suites (IANA names) per version, and the versions whose list was cut short. Unset
   * when the cipher probe gave no answer (cut by the deadline, or failed).
   */
  ciphers?: {
    suites: Partial<Record<ProtocolName, string[]>>;
    partial: readonly ProtocolName[];
    /** Per version, ECDHE suite → the curve read in the answer that found it (see CiphersResult.curves). */
    curves?: Partial<Record<ProtocolName, Readonly<Record<string, string>>>>;
  };
  /** The round trip to the target as measured so far (null until a first answer). */
  rttMs?: number | null;
  /** Probes report each round-trip sample here (raw hellos: connect start to first answer byte, halved). */
  onRoundTrip?: (ms: number) => void;
  /** --ocsp: ask the certificate's OCSP responder when nothing is stapled (a third party; off by default). */
  ocspFetch?: boolean;
  /** The policy the target passed, applied to any other host a probe contacts (the OCSP responder). */
  addressPolicy?: AddressPolicy;
}

/**
 * 'address': needs only the resolved address, starts at once. 'versions': needs to know which
 * versions the server speaks (ctx.protocols), starts when the version probe is done. 'ciphers':
 * needs the accepted suites (ctx.ciphers), starts when the cipher probe is done. 'last': starts
 * when every other probe has settled, so nothing it provokes can disturb them.
 */
export type ProbePhase = 'address' | 'versions' | 'ciphers' | 'last';

/**
 * What a probe module exports for the orchestrator's registry (src/probe/registry.ts): its name
 * (progress events, probeErrors), its phase, run(ctx), and apply, which writes its value into the
 * check's result. Method syntax keeps apply bivariant, so one list can hold every probe.
 */
export interface Probe<T> {
  readonly name: string;
  readonly phase: ProbePhase;
  run(ctx: ProbeContext): Promise<T>;
  apply(result: CheckResult, value: T, ctx: ProbeContext): void;
  /**
   * What the value lacks when the probe could not establish all of it (network trouble, the
   * deadline), e.g. "TLSv1.2: 19 suites found so far"; null when it is whole. The orchestrator
   * lists it in the result's `incomplete`.
   */
  incomplete?(value: T): string | null;
}

/**
 * A wait that should cover `roundTrips` round trips to the target: the measured round trip when
 * known, never less than `floorMs` (loopback answers in microseconds but servers still need time).
 */
export function roundTrips(ctx: Pick<ProbeContext, 'rttMs'>, roundTrips: number, floorMs: number): number {
  return Math.max(floorMs, Math.ceil(roundTrips * (ctx.rttMs ?? 0)));
}

/** Time one connection may take now: its own cap, but never past the check's deadline. */
export function connectionBudget(ctx: Pick<ProbeContext, 'deadline' | 'connectTimeoutMs'>): number {
  return Math.max(0, Math.min(ctx.connectTimeoutMs, ctx.deadline - Date.now()));
}

export interface LimitOptions {
  /**
   * Ahead of every task less urgent: for steps of long sequential chains (cipher enumeration,
   * renegotiation rounds), which set the check's critical path, while one-off hellos have slack
   * to wait. true is 1; a higher number goes first (the longest chains).
   */
  urgent?: boolean | number;
}

/**
 * The urgency of the check's longest chains (cipher enumeration, renegotiation rounds,
 * resumption's session-ID chain): ahead of the groups probe's steps (true, 1) and of one-off
 * hellos (0) in the queue for a socket.
 */
export const CHAIN_URGENCY = 2;

export type Limit = (<T>(fn: () => Promise<T>, opts?: LimitOptions) => Promise<T>) & {
  /** Tasks waiting for a slot now (0: a slot is free or about to be). */
  waiting?: () => number;
};

/**
 * A counting semaphore: at most `max` tasks run at once, the rest wait in FIFO order, the most
 * urgent first. A finishing task hands its slot straight to the next waiter, so a caller arriving
 * in between cannot take it too and exceed `max`.
 */
export function createLimiter(max: number): Limit {
  let active = 0;
  // Waiters by urgency level, most urgent first; FIFO within a level.
  const levels: Array<{ level: number; queue: Array<() => void> }> = [];
  let count = 0;
  const enqueue = (level: number, resolve: () => void): void => {
    let entry = levels.find((l) => l.level === level);
    if (!entry) {
      entry = { level, queue: [] };
      levels.push(entry);
      levels.sort((x, y) => y.level - x.level);
    }
    entry.queue.push(resolve);
    count++;
  };
  const release = (): void => {
    const next = levels.find((l) => l.queue.length > 0)?.queue.shift();
    if (next) {
      count--;
      next();
    } else active--;
  };
  const limit = async <T>(fn: () => Promise<T>, opts: LimitOptions = {}): Promise<T> => {
    const level = opts.urgent === true ? 1 : typeof opts.urgent === 'number' ? opts.urgent : 0;
    if (active >= max) await new Promise<void>((resolve) => enqueue(level, resolve));
    else active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
  return Object.assign(limit, { waiting: () => count });
}

const ERRNO_CODES: Record<string, ErrorCode> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
};

/** What an errno means, said to a person; the code stays in brackets for searching. */
const ERRNO_SENTENCES: Record<string, string> = {
  ECONNREFUSED: 'The connection was refused: nothing listens on that port, or a firewall rejects it',
  EHOSTUNREACH: 'The host cannot be reached: no route to it from here',
  ENETUNREACH: 'The network cannot be reached from here',
  EADDRNOTAVAIL: 'The address cannot be used from here',
  ECONNRESET: 'The connection was reset by the server or something in between (often a firewall or middlebox)',
  EPIPE: 'The connection was closed by the other side while sending',
  ECONNABORTED: 'The connection was aborted',
  ETIMEDOUT: 'The connection timed out: no answer from the server',
  ENOTFOUND: 'The name does not resolve: check its spelling and its DNS records',
  EAI_AGAIN: 'The name could not be resolved right now: the resolver did not answer',
  EAI_FAIL: 'The DNS server failed to answer for the name',
  ENODATA: 'The name has no addresses',
  EPROTO: 'The other side broke the protocol: it does not speak TLS as expected here',
  EHOSTDOWN: 'The host is down',
  ENETDOWN: 'The network is down from here',
  ENOTCONN: 'The connection was already closed',
  ESOCKETTIMEDOUT: 'The connection timed out: no answer from the server',
  ERR_SOCKET_CLOSED: 'The connection was already closed',
};

/** The sentence for an errno code ("ECONNRESET"), or undefined for a code the table lacks. */
export const errnoSentenceFor = (code: string): string | undefined => (Object.hasOwn(ERRNO_SENTENCES, code) ? ERRNO_SENTENCES[code] : undefined);

/** "read ECONNRESET" → "The connection was reset … (ECONNRESET)"; other messages pass as they are. */
export function errnoSentence(e: NodeJS.ErrnoException | undefined, fallback: string): string {
  const code = e && typeof e.code === 'string' ? e.code : undefined;
  const sentence = code ? ERRNO_SENTENCES[code] : undefined;
  return sentence ? `${sentence} (${code}).` : fallback;
}

/** Maps a socket error to the contract's error codes; unknown errors count as resets. */
export function classifyNetError(err: unknown): CheckError {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = (e && typeof e.code === 'string' && ERRNO_CODES[e.code]) || 'reset';
  return { code, message: errnoSentence(e, e?.message ?? String(err)) };
}
