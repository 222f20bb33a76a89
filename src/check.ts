// The orchestrator: resolves the target once, runs every probe concurrently under one deadline,
// then derives findings and diagnoses. Knows nothing of Slack or Redis.
import { setMaxListeners } from 'node:events';
import type { CheckError, CheckResult, ProtocolMap, TargetInfo } from './types.js';
import { createLimiter, type Probe, type ProbeContext, type ResolvedTarget } from './probe/context.js';
import { parseTarget, resolveTarget, createAddressPolicy, TargetError, type LookupFn } from './target/index.js';
import { CIPHERS_PROBE, PROBES, VERSIONS_PROBE } from './probe/registry.js';
import type { ProtocolsResult } from './probe/protocols.js';
import type { CiphersResult } from './probe/ciphers.js';
import type { EvidenceOptions, SocketSlot } from './evidence/index.js';
import { createEvidenceRuns } from './evidence/runs.js';

/** The check's deadline until the round trip is measured, and its floor after. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** With no deadline given, the budget follows the round trip: this many of them... */
const ROUND_TRIPS_OF_BUDGET = 40;
/** ...up to this. A check at 300 ms round trip gets 12 s; one at 1.5 s or more, a minute. */
export const MAX_ADAPTIVE_TIMEOUT_MS = 60_000;
/** One connection never gets more than this (or 10 round trips), so a tarpit cannot eat the whole check. */
const MAX_CONNECTION_MS = 4_000;
const CONNECTION_ROUND_TRIPS = 10;
/**
 * Sockets open to one target at once. 10 rather than 6: the probes that need only an address
 * want 12 at the start (6 version hellos, the certificate, resumption, SNI's two, ALPN, HTTP),
 * and the cipher subsets then share what client renegotiation and resumption leave; on a long
 * path every queued hello costs two round trips. Still fewer than one browser page load opens.
 */
const SOCKETS_PER_TARGET = 10;

/** The default deadline for a measured round trip: 40 of them, at least 10 s, at most 60 s. */
export function adaptiveTimeoutMs(rttMs: number): number {
  return Math.min(MAX_ADAPTIVE_TIMEOUT_MS, Math.max(DEFAULT_TIMEOUT_MS, Math.ceil(ROUND_TRIPS_OF_BUDGET * rttMs)));
}

export interface ProgressEvent {
  probe: string;
  done: number;
  total: number;
}

export interface PartialProgress {
  /** The probe that just settled. */
  probe: string;
  /** Every probe settled with a value so far, this one included. */
  settled: ReadonlySet<string>;
  /** Epoch ms: the check's deadline as planned now. */
  deadline: number;
  /**
   * The check's per-target socket cap: a connection the caller opens to the target while the
   * probes still run (early OpenSSL evidence) takes one of its slots, so the target never sees
   * more connections from one check than the cap.
   */
  slot: SocketSlot;
}

export interface CheckOptions {
  sni?: string;
  /** The check's deadline. Unset: 10 s until the round trip is known, then adaptiveTimeoutMs(rtt). */
  timeoutMs?: number;
  /** Extra trust anchors, PEM. */
  ca?: string[];
  /**
   * The roots that count as public CAs, PEM (Certificate Transparency is required only below
   * them). Unset: node's bundled roots (tls.rootCertificates). The CLI and the bot never set it;
   * tests declare their own CA public with it, as no public root can issue a test certificate.
   */
  publicRoots?: readonly string[];
  /** With enforcePolicy: addresses allowed despite the policy (CIDRs). */
  allowCidrs?: string[];
  /** Refuse loopback, private and metadata addresses (the Slack bot sets this; the CLI does not). */
  enforcePolicy?: boolean;
  /** Ask the certificate's OCSP responder when nothing is stapled (a third party: the CLI's --ocsp). */
  ocspFetch?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  /**
   * After each probe that settled with a value: a fresh result holding what the probes settled so
   * far found (findings and diagnoses not derived), which probes those are, and the check's
   * deadline then. The final result may differ; it is for work worth starting early (the CLI's
   * OpenSSL evidence), never a verdict.
   */
  onPartialResult?: (partial: CheckResult, progress: PartialProgress) => void;
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
  /** Set: OpenSSL's own output beside the most severe diagnoses (src/evidence), within the deadline. */
  evidence?: EvidenceOptions;
  /**
   * Runs each probe's run() (unset: called as is). bench/trace.mjs enters an AsyncLocalStorage
   * scope here, so every connection can be attributed to the probe that opened it.
   */
  wrapProbe?: <T>(probe: string, run: () => Promise<T>) => Promise<T>;
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
    clientAuth: { requested: null, required: null, caNames: [] },
    alpn: null,
    ocspStapled: null,
    findings: [],
    durationMs: 0,
    complete: false,
    incomplete: [],
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
  const left = opts.timeoutMs === undefined ? undefined : Math.max(1, Math.round(opts.timeoutMs - resolvedIn));
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

/**
 * Runs every probe against an already resolved target. `started` is when the check began (before
 * DNS): without opts.timeoutMs, the adaptive deadline counts from there.
 */
export async function probeTarget(target: ResolvedTarget, given: CheckOptions = {}, started = performance.now()): Promise<CheckResult> {
  const opts = withEarlyEvidence(given);
  const adaptive = opts.timeoutMs === undefined;
  const checkStart = Date.now() - (performance.now() - started);
  const controller = new AbortController();
  // Every open connection listens for the deadline; dozens at once are expected, not a leak.
  setMaxListeners(200, controller.signal);
  const clock = { deadlineHit: false, budgetMs: 0, timer: undefined as NodeJS.Timeout | undefined };
  const onAbort = (): void => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx: ProbeContext = {
    target,
    deadline: 0,
    signal: controller.signal,
    connectTimeoutMs: MAX_CONNECTION_MS,
    limit: createLimiter(SOCKETS_PER_TARGET),
    ca: opts.ca,
    publicRoots: opts.publicRoots,
    ocspFetch: opts.ocspFetch,
    addressPolicy: opts.enforcePolicy ? createAddressPolicy(opts.allowCidrs ?? []) : undefined,
    rttMs: null,
  };
  const setDeadline = (deadline: number): void => {
    ctx.deadline = deadline;
    clock.budgetMs = deadline - checkStart;
    clearTimeout(clock.timer);
    clock.timer = setTimeout(() => {
      clock.deadlineHit = true;
      onAbort();
    }, Math.max(0, deadline - Date.now()));
  };
  if (adaptive) setDeadline(checkStart + DEFAULT_TIMEOUT_MS);
  else setDeadline(Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  ctx.connectTimeoutMs = Math.min(MAX_CONNECTION_MS, ctx.deadline - Date.now());
  ctx.onRoundTrip = (ms) => {
    const first = ctx.rttMs === null || ctx.rttMs === undefined;
    ctx.rttMs = first ? ms : Math.min(ctx.rttMs ?? ms, ms);
    ctx.connectTimeoutMs = Math.max(MAX_CONNECTION_MS, Math.ceil(CONNECTION_ROUND_TRIPS * ctx.rttMs));
    // The first answer is the fastest of the first hellos sent together: plan the budget from it.
    if (first && adaptive && !controller.signal.aborted) setDeadline(Math.max(ctx.deadline, checkStart + adaptiveTimeoutMs(ms)));
  };
  const info: TargetInfo = { host: target.host, port: target.port, ip: target.ip, sni: target.sni };
  const result = emptyResult(info, null);
  const progress = progressReporter(opts.onProgress, PROBES.length);
  try {
    const why = (atDeadline = false): string =>
      (atDeadline || clock.deadlineHit ? `deadline reached after ${(clock.budgetMs / 1000).toFixed(1)} s` : 'check cancelled');
    const probing = runProbes(ctx, result, progress, onAbort, why, partialReporter(opts.onPartialResult, info, ctx), opts.wrapProbe);
    void loadDiagnosis();
    await probing;
  } finally {
    clearTimeout(clock.timer);
    opts.signal?.removeEventListener('abort', onAbort);
    // Releases anything a probe left waiting on the signal.
    controller.abort();
  }
  return finish(result, started, opts, ctx.deadline);
}

/**
 * With evidence asked for, its s_client runs start as soon as the probes they rest on settle
 * (startEarlyEvidence), whoever asked (the CLI, a slash command, a schedule): they then overlap
 * the rest of the check instead of following it. The final result's diagnoses still decide which
 * runs count (attachEvidence), so an early run only ever saves waiting.
 */
function withEarlyEvidence(opts: CheckOptions): CheckOptions {
  const base = opts.evidence;
  if (!base) return opts;
  const runs = base.runs ?? createEvidenceRuns();
  const caller = opts.onPartialResult;
  let evidence: Promise<typeof import('./evidence/index.js')> | undefined;
  return {
    ...opts,
    evidence: { ...base, runs },
    onPartialResult: (partial, progress) => {
      caller?.(partial, progress);
      // Only a head start: whatever goes wrong here, the check's own evidence step still runs.
      (evidence ??= import('./evidence/index.js')).then((m) => m.startEarlyEvidence(partial, progress, { ...base, symptom: opts.symptom, signal: opts.signal, runs })).catch(() => undefined);
    },
  };
}

function progressReporter(onProgress: CheckOptions['onProgress'], total: number) {
  let done = 0;
  return <T>(probe: string, p: Promise<T>): Promise<T> =>
    p.finally(() => {
      done++;
      onProgress?.({ probe, done, total });
    });
}

type PartialReporter = <T>(probe: Probe<unknown>, value: T | undefined) => T | undefined;

/** For onPartialResult: each settled value applied in PROBES order (as at the end) on a fresh result. */
function partialReporter(report: CheckOptions['onPartialResult'], target: TargetInfo, ctx: ProbeContext): PartialReporter {
  const values = new Map<Probe<unknown>, unknown>();
  const settled = new Set<string>();
  return (probe, value) => {
    if (!report || value === undefined || ctx.signal.aborted) return value;
    values.set(probe, value);
    settled.add(probe.name);
    const partial = emptyResult(target, null);
    try {
      for (const p of PROBES) if (values.has(p)) p.apply(partial, values.get(p), ctx);
      report(partial, { probe: probe.name, settled: new Set(settled), deadline: ctx.deadline, slot: (fn) => ctx.limit(fn) });
    } catch {
      // Early work is an optimisation: the final result is applied, and reports failures, on its own.
    }
    return value;
  };
}

/** A probe that settles this close to the deadline counts as cut by it. */
const DEADLINE_SLACK_MS = 5;

/**
 * Probes that need only an address start at once; those that must know which versions the server
 * speaks start when the version probe is done. Each probe settles on its own; one that fails
 * unexpectedly leaves its fields unknown instead of sinking the check. When no version got any TLS
 * answer, the rest is cut short and only the version probe's verdict is kept.
 *
 * A probe still running when the deadline (or the caller) stops the check is listed in
 * `incomplete`, with what it lacks; so is one that finished but could not establish everything.
 */
async function runProbes(ctx: ProbeContext, result: CheckResult, track: ReturnType<typeof progressReporter>, abort: () => void, whyStopped: (atDeadline?: boolean) => string, onSettled: PartialReporter, wrap?: CheckOptions['wrapProbe']): Promise<void> {
  const settled = new Map<Probe<unknown>, Promise<unknown>>();
  const running = new Set<Probe<unknown>>();
  const cut = new Map<Probe<unknown>, string>();
  let errorAbort = false;
  ctx.signal.addEventListener('abort', () => {
    if (errorAbort) return;
    const why = whyStopped();
    for (const probe of running) cut.set(probe, why);
  }, { once: true });
  const start = (probe: Probe<unknown>): void => {
    if (ctx.signal.aborted) cut.set(probe, `${whyStopped()} before it started`);
    running.add(probe);
    const run = wrap ? wrap(probe.name, () => probe.run(ctx)) : probe.run(ctx);
    const p = Promise.race([run, overDeadline<unknown>(ctx.signal, probe.name)]).finally(() => {
      running.delete(probe);
      // Connections opened just before the deadline get only what is left of it and time out with
      // it, so a probe may wind down a moment before the deadline's timer fires: cut all the same.
      if (!cut.has(probe) && !errorAbort && Date.now() >= ctx.deadline - DEADLINE_SLACK_MS) cut.set(probe, whyStopped(true));
    });
    settled.set(probe, settle(result, probe.name, track(probe.name, p)).then((value) => onSettled(probe, value)));
  };
  for (const probe of PROBES) if (probe.phase === 'address') start(probe);
  const versions = await settled.get(VERSIONS_PROBE);
  if (versions !== undefined) VERSIONS_PROBE.apply(result, versions as ProtocolsResult, ctx);
  if (result.error) {
    errorAbort = !ctx.signal.aborted;
    abort();
    await Promise.all(settled.values());
    return;
  }
  ctx.protocols = result.protocols;
  for (const probe of PROBES) if (probe.phase === 'versions') start(probe);
  // 'ciphers' probes ask about each accepted suite: they start once the cipher probe has settled.
  if (PROBES.some((probe) => probe.phase === 'ciphers')) {
    const suites = (await settled.get(CIPHERS_PROBE)) as CiphersResult | undefined;
    if (suites) ctx.ciphers = { suites: suites.ciphers, partial: suites.partial ?? [], curves: suites.curves };
    for (const probe of PROBES) if (probe.phase === 'ciphers') start(probe);
  }
  // 'last' probes run alone once every other has settled: their connections (hellos a middlebox
  // may react to) can then not be mistaken for failures by the others.
  if (PROBES.some((probe) => probe.phase === 'last')) {
    await Promise.all(settled.values());
    for (const probe of PROBES) if (probe.phase === 'last') start(probe);
  }
  const values = await Promise.all(PROBES.map((probe) => settled.get(probe) ?? Promise.resolve(undefined)));
  const incomplete: NonNullable<CheckResult['incomplete']> = [];
  PROBES.forEach((probe, i) => {
    const value = values[i];
    if (probe !== VERSIONS_PROBE && value !== undefined) probe.apply(result, value, ctx);
    const lacks = value === undefined ? (cut.has(probe) ? 'no result' : null) : probe.incomplete?.(value) ?? null;
    const stopped = cut.get(probe);
    if (stopped) incomplete.push({ probe: probe.name, reason: lacks ? `${stopped}; ${lacks}` : stopped });
    else if (lacks) incomplete.push({ probe: probe.name, reason: lacks });
  });
  result.incomplete = incomplete;
  result.complete = incomplete.length === 0;
}

/** Probes honour the deadline themselves; this only guarantees the check returns if one does not. */
const DEADLINE_GRACE_MS = 250;
/** A probe that overran the deadline: listed in `incomplete`, not as a failed probe. */
class DeadlineOverrun extends Error {}
function overDeadline<T>(signal: AbortSignal, name: string): Promise<T> {
  return new Promise((_, reject) => {
    const fail = (): void => {
      setTimeout(() => reject(new DeadlineOverrun(`${name} did not finish within the check's deadline`)), DEADLINE_GRACE_MS).unref();
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
    if (!(err instanceof DeadlineOverrun)) (result.probeErrors ??= {})[name] = err instanceof Error ? err.message : String(err);
    return undefined;
  }
}

/**
 * The knowledge base is the largest module graph; loading it while the probes wait on sockets,
 * instead of before they start, takes its load time off a CLI run's wall time.
 */
let diagnosis: Promise<typeof import('./diagnose/index.js')> | undefined;
const loadDiagnosis = (): Promise<typeof import('./diagnose/index.js')> => (diagnosis ??= import('./diagnose/index.js'));

/** `deadline` is set only once the target was resolved and allowed: evidence never runs before that. */
async function finish(result: CheckResult, started: number, opts: CheckOptions, deadline?: number): Promise<CheckResult> {
  const { findingsAndDiagnoses } = await loadDiagnosis();
  // One pass over the knowledge base for both: each entry's applies() is most of what either costs.
  const { findings, diagnoses } = findingsAndDiagnoses(result, { symptom: opts.symptom });
  result.findings = findings;
  result.diagnoses = diagnoses;
  if (opts.evidence && deadline !== undefined) {
    const { attachEvidence } = await import('./evidence/index.js');
    await attachEvidence(result, { ...opts.evidence, deadline, signal: opts.signal, symptom: opts.symptom });
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

