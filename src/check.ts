// The orchestrator: resolves the target once, runs every probe concurrently under one deadline,
// then derives findings and diagnoses. Knows nothing of Slack or Redis.
import { setMaxListeners } from 'node:events';
import type { CheckError, CheckResult, ProtocolMap, TargetInfo } from './types.js';
import { createLimiter, type ProbeContext, type ResolvedTarget } from './probe/context.js';
import { parseTarget, resolveTarget, createAddressPolicy, TargetError, type LookupFn } from './target/index.js';
import * as protocolsProbe from './probe/protocols.js';
import * as ciphersProbe from './probe/ciphers.js';
import * as secureRenegProbe from './probe/secure-renegotiation.js';
import * as fallbackProbe from './probe/fallback-scsv.js';
import * as certificateProbe from './probe/certificate.js';
import * as clientRenegProbe from './probe/client-renegotiation.js';
import * as resumptionProbe from './probe/resumption.js';
import * as sniProbe from './probe/sni.js';
import * as alpnOcspProbe from './probe/alpn-ocsp.js';
import * as httpServerProbe from './probe/http-server.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** One connection never gets more than this, so a tarpit cannot eat the whole check. */
const MAX_CONNECTION_MS = 4_000;
/** Sockets open to one target at once: enough for speed, few enough to be polite. */
const SOCKETS_PER_TARGET = 6;
/** Probes run by runProbes, for progress reporting. */
const PROBE_COUNT = 10;

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
  const progress = progressReporter(opts.onProgress, PROBE_COUNT);
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
 * speaks (ciphers, RFC 5746, fallback, client renegotiation) start when the version probe is done.
 * Each probe settles on its own; one that fails unexpectedly leaves its fields unknown instead of
 * sinking the check. When no version got any TLS answer, the rest is cut short.
 */
async function runProbes(ctx: ProbeContext, result: CheckResult, track: ReturnType<typeof progressReporter>, abort: () => void): Promise<void> {
  const step = <T>(name: string, p: Promise<T>): Promise<T | undefined> =>
    settle(result, name, track(name, Promise.race([p, overDeadline<T>(ctx.signal, name)])));
  const independent = Promise.all([
    step('certificate', certificateProbe.run(ctx)),
    step('resumption', resumptionProbe.run(ctx)),
    step('sni', sniProbe.run(ctx)),
    step('alpn-ocsp', alpnOcspProbe.run(ctx)),
    step('http-server', httpServerProbe.run(ctx)),
  ]);
  const versions = await step('protocols', protocolsProbe.run(ctx));
  if (versions) {
    result.protocols = versions.protocols;
    result.error = versions.error;
  }
  if (result.error) {
    abort();
    await independent;
    return;
  }
  ctx.protocols = result.protocols;
  const [[cert, resumption, sni, alpnOcsp, http], [ciphers, secure, fallback, reneg]] = await Promise.all([
    independent,
    Promise.all([
      step('ciphers', ciphersProbe.run(ctx)),
      step('secure-renegotiation', secureRenegProbe.run(ctx)),
      step('fallback-scsv', fallbackProbe.run(ctx)),
      step('client-renegotiation', clientRenegProbe.run(ctx)),
    ]),
  ]);
  if (cert?.certificate) result.certificate = cert.certificate;
  else if (cert) result.error = brokenHandshake(ctx, result, cert);
  if (ciphers) {
    result.ciphers = ciphers.ciphers;
    result.serverCipherOrder = ciphers.serverOrder;
  }
  if (reneg) result.renegotiation = { ...result.renegotiation, ...reneg };
  // The raw-hello probe asks for RFC 5746 explicitly; the full handshake's view is the fallback.
  result.renegotiation.secure = secure?.secure ?? reneg?.secure ?? null;
  if (fallback) result.fallbackScsv = fallback.supported;
  if (resumption) result.resumption = resumption;
  if (sni) result.sni = sni;
  if (alpnOcsp) {
    result.alpn = alpnOcsp.alpn;
    result.ocspStapled = alpnOcsp.ocspStapled;
    result.ocsp = alpnOcsp.ocsp;
  }
  if (http) result.server = http.server;
}

/**
 * ClientHellos are answered (some version is supported) but no handshake completes for reasons
 * that are not a refusal: a certificate chain larger than any client accepts, a server that hangs
 * up mid-handshake. Without this the result had no certificate and no finding, and read as ✅.
 * Alerts (old-protocol-only servers, mutual TLS) and timeouts are left to the findings.
 */
const BROKEN_HANDSHAKE: ReadonlySet<string> = new Set(['closed', 'reset', 'tls-error']);
function brokenHandshake(ctx: ProbeContext, result: CheckResult, cert: certificateProbe.CertificateProbeResult): CheckError | null {
  if (result.error || !cert.error || !cert.handshakeFailure || !BROKEN_HANDSHAKE.has(cert.handshakeFailure)) return result.error;
  if (!Object.values(result.protocols).some((v) => v === true)) return result.error;
  // OpenSSL's "…:SSL routines:read_state_machine:excessive message size:…/statem.c:609:" → its reason.
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(cert.error.message)?.[1] ?? cert.error.message;
  const where = `${ctx.target.ip.includes(':') ? `[${ctx.target.ip}]` : ctx.target.ip}:${ctx.target.port}`;
  const hint = /excessive message size/i.test(reason) ? ' — its certificate chain is larger than TLS clients accept' : '';
  return { code: 'reset', message: `${where}: the server answers ClientHellos, but no TLS handshake completes (${reason.trim()}${hint})` };
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

