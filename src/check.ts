// The orchestrator: resolves the target once, runs every probe concurrently under one deadline,
// then derives findings and diagnoses. Knows nothing of Slack or Redis.
import { setMaxListeners } from 'node:events';
import type { CheckError, CheckResult, ProtocolMap, TargetInfo } from './types.js';
import { createLimiter, type Probe, type ProbeContext, type ResolvedTarget } from './probe/context.js';
import { parseTarget, resolveTarget, createAddressPolicy, TargetError, type LookupFn } from './target/index.js';
import { PROBES, VERSIONS_PROBE } from './probe/registry.js';
import type { ProtocolsResult } from './probe/protocols.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** One connection never gets more than this, so a tarpit cannot eat the whole check. */
const MAX_CONNECTION_MS = 4_000;
/** Sockets open to one target at once: enough for speed, few enough to be polite. */
const SOCKETS_PER_TARGET = 6;

export interface ProgressEvent {
  probe: string;
  done: number;
  total: number;
}

export interface CheckOptions {
  sni?: string;
  timeoutMs?: number;
  /** Extra trust anchors, PEM. */
  ca?: string[];
  /** With enforcePolicy: addresses allowed despite the policy (CIDRs). */
  allowCidrs?: string[];
  /** Refuse loopback, private and metadata addresses (the Slack bot sets this; the CLI does not). */
  enforcePolicy?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** The pasted error text, when known: ranks the diagnoses by it. */
  symptom?: string;
  /** The resolver (default: the system's, through dns.lookup); tests resolve without DNS. */
  lookup?: LookupFn;
  /**
   * Runs the probes once the target is resolved, e.g. while holding a slot for that address
   * (the bot's per-host limit). It must call `probe` at most once and return its result.
   */
  aroundProbes?: (target: ResolvedTarget, probe: () => Promise<CheckResult>) => Promise<CheckResult>;
}

/** Input that is not a target at all; the message is one line a user can act on. */
export class InvalidTargetError extends Error {
  override name = 'InvalidTargetError';
}

const ALL_UNKNOWN: ProtocolMap = { SSLv3: null, TLSv1: null, 'TLSv1.1': null, 'TLSv1.2': null, 'TLSv1.3': null };

function emptyResult(target: TargetInfo, error: CheckError | null): CheckResult {
  return {
    target,
    error,
    protocols: { ...ALL_UNKNOWN },
    ciphers: {},
    renegotiation: { secure: null, clientInitiated: 'unknown', acceptedCount: 0, reason: null, protocol: null },
    resumption: { sessionId: null, tickets: null, consistent: null },
    certificate: null,
    sni: { required: null },
    alpn: null,
    ocspStapled: null,
    findings: [],
    durationMs: 0,
  };
}

/** Parses, resolves (once) and checks `input`. Throws InvalidTargetError for input that is not a target. */
export async function runCheck(input: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const parsed = parseTarget(input, { sni: opts.sni });
  if (!parsed.ok) throw new InvalidTargetError(parsed.error);
  const policy = opts.enforcePolicy ? createAddressPolicy(opts.allowCidrs ?? []) : undefined;
  let target: ResolvedTarget;
  try {
    target = await withTimeout(resolveTarget(parsed.target, { policy, lookup: opts.lookup }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      () => new TargetError('dns', `Resolving '${parsed.target.host}' took longer than the check's deadline: check the resolver, or give an IP address with --sni.`));
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    if (err.code === 'invalid') throw new InvalidTargetError(err.message);
    const info = { host: parsed.target.host, port: parsed.target.port, ip: '', sni: parsed.target.sni };
    return finish(emptyResult(info, { code: err.code, message: err.message }), started, opts);
  }
  const resolvedIn = performance.now() - started;
  // One deadline for the whole check: the probes get what DNS left of it. Time spent waiting
  // inside aroundProbes (for a slot) is not the check's: DNS plus probes is.
  const left = Math.max(1, Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) - resolvedIn));
  const probe = (): Promise<CheckResult> => probeTarget(target, { ...opts, timeoutMs: left }, performance.now() - resolvedIn);
  return opts.aroundProbes ? opts.aroundProbes(target, probe) : probe();
}

/** getaddrinfo has no timeout of its own; the check's deadline covers it. */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

/** Runs every probe against an already resolved target. */
export async function probeTarget(target: ResolvedTarget, opts: CheckOptions = {}, started = performance.now()): Promise<CheckResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  // Every open connection listens for the deadline; dozens at once are expected, not a leak.
  setMaxListeners(200, controller.signal);
  const onAbort = (): void => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(onAbort, timeoutMs);
  const ctx: ProbeContext = {
    target,
    deadline: Date.now() + timeoutMs,
    signal: controller.signal,
    connectTimeoutMs: Math.min(MAX_CONNECTION_MS, timeoutMs),
    limit: createLimiter(SOCKETS_PER_TARGET),
    ca: opts.ca,
  };
  const info: TargetInfo = { host: target.host, port: target.port, ip: target.ip, sni: target.sni };
  const result = emptyResult(info, null);
  const progress = progressReporter(opts.onProgress, PROBES.length);
  try {
    const probing = runProbes(ctx, result, progress, onAbort);
    void loadDiagnosis();
    await probing;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    // Releases anything a probe left waiting on the signal.
    controller.abort();
  }
  return finish(result, started, opts);
}

function progressReporter(onProgress: CheckOptions['onProgress'], total: number) {
  let done = 0;
  return <T>(probe: string, p: Promise<T>): Promise<T> =>
    p.finally(() => {
      done++;
      onProgress?.({ probe, done, total });
    });
}

/**
 * Probes that need only an address start at once; those that must know which versions the server
 * speaks start when the version probe is done. Each probe settles on its own; one that fails
 * unexpectedly leaves its fields unknown instead of sinking the check. When no version got any TLS
 * answer, the rest is cut short and only the version probe's verdict is kept.
 */
async function runProbes(ctx: ProbeContext, result: CheckResult, track: ReturnType<typeof progressReporter>, abort: () => void): Promise<void> {
  const settled = new Map<Probe<unknown>, Promise<unknown>>();
  const start = (probe: Probe<unknown>): void => {
    const p = Promise.race([probe.run(ctx), overDeadline<unknown>(ctx.signal, probe.name)]);
    settled.set(probe, settle(result, probe.name, track(probe.name, p)));
  };
  for (const probe of PROBES) if (probe.phase === 'address') start(probe);
  const versions = await settled.get(VERSIONS_PROBE);
  if (versions !== undefined) VERSIONS_PROBE.apply(result, versions as ProtocolsResult, ctx);
  if (result.error) {
    abort();
    await Promise.all(settled.values());
    return;
  }
  ctx.protocols = result.protocols;
  for (const probe of PROBES) if (probe.phase === 'versions') start(probe);
  // 'last' probes run alone once every other has settled: their connections (hellos a middlebox
  // may react to) can then not be mistaken for failures by the others.
  if (PROBES.some((probe) => probe.phase === 'last')) {
    await Promise.all(settled.values());
    for (const probe of PROBES) if (probe.phase === 'last') start(probe);
  }
  const values = await Promise.all(PROBES.map((probe) => settled.get(probe)));
  PROBES.forEach((probe, i) => {
    const value = values[i];
    if (probe !== VERSIONS_PROBE && value !== undefined) probe.apply(result, value, ctx);
  });
}

/** Probes honour the deadline themselves; this only guarantees the check returns if one does not. */
const DEADLINE_GRACE_MS = 250;
function overDeadline<T>(signal: AbortSignal, name: string): Promise<T> {
  return new Promise((_, reject) => {
    const fail = (): void => {
      setTimeout(() => reject(new Error(`${name} did not finish within the check's deadline`)), DEADLINE_GRACE_MS).unref();
    };
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * A probe that throws is a bug in the probe, not a verdict about the server: its fields stay
 * unknown and the failure is recorded in `probeErrors`, so it is seen rather than hidden.
 */
async function settle<T>(result: CheckResult, name: string, p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    (result.probeErrors ??= {})[name] = err instanceof Error ? err.message : String(err);
    return undefined;
  }
}

/**
 * The knowledge base is the largest module graph; loading it while the probes wait on sockets,
 * instead of before they start, takes its load time off a CLI run's wall time.
 */
let diagnosis: Promise<typeof import('./diagnose/index.js')> | undefined;
const loadDiagnosis = (): Promise<typeof import('./diagnose/index.js')> => (diagnosis ??= import('./diagnose/index.js'));

async function finish(result: CheckResult, started: number, opts: CheckOptions): Promise<CheckResult> {
  const { deriveFindings, diagnose } = await loadDiagnosis();
  result.findings = deriveFindings(result);
  result.diagnoses = diagnose(result, { symptom: opts.symptom });
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

