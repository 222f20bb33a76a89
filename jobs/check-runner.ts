// The one way the bot runs a check, for every path: a one-off `/tlscheck`, an explain with a
// target, a Re-run, a scheduled run and a Run now. It applies, once: the address policy (the bot
// must not become a way into the network it runs in), the deadline (TLSCHECK_CHECK_TIMEOUT_MS),
// the trust anchors, and the per-host slot, keyed by the ADDRESS the target resolved to: keyed
// by name, fifty names pointing at one server would get fifty times the slots; keyed by a second
// lookup, the slot could be for another address than the one probed. runCheck resolves once and
// hands the resolved target to aroundProbes before connecting.
import { DelayedError, type Job } from 'bullmq';
import { runCheck, type CheckOptions, type ProgressEvent } from '../src/check.js';
import type { Config } from '../src/config.js';
import { errorSummary } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import type { ResolvedTarget } from '../src/probe/context.js';
import { DEFAULT_LIMITS } from '../src/limits/defaults.js';
import { WORKER_LOOKUP } from '../src/limits/dns.js';
import { createHostSemaphore, HostBusyError, hostOf, type HostSemaphore } from '../src/limits/host-semaphore.js';
import type { RedisClient } from '../src/redis.js';
import type { LookupFn } from '../src/target/index.js';
import type { CheckResult } from '../src/types.js';

/** The slot a check holds while it probes: `key` counts in the semaphore, `label` is what a user is told. */
export interface SlotRef {
  key: string;
  label: string;
}

/** Runs `run` holding a slot; throws (HostBusyError) when none came free. */
export type HoldSlot = <T>(slot: SlotRef, run: () => Promise<T>) => Promise<T>;

/** A check that calls `hold` with the address it is about to probe, after resolving and before connecting. */
export type AddressedCheckFn = (input: string, opts: CheckOptions, hold: HoldSlot) => Promise<CheckResult>;

/** The engine as the runner sees it: runCheck, or a test's fake. */
export type CheckFn = ((input: string, opts: CheckOptions) => Promise<CheckResult>) & {
  /**
   * The same check in two steps, so the per-host slot is the resolved address's. The real check
   * has it; a check without it (test fakes) holds a slot per host name.
   */
  atAddress?: AddressedCheckFn;
};

export interface AddressedCheckDeps {
  /** Tests resolve names without DNS; default: the system resolver, as runCheck uses. */
  lookup?: LookupFn;
  /** Tests probe without sockets; default: the probes. */
  probe?: (target: ResolvedTarget, opts: CheckOptions, started: number) => Promise<CheckResult>;
}

/** The slot of a resolved target: its address; the label says both when the user typed a name. */
export function slotOf(target: Pick<ResolvedTarget, 'host' | 'ip'>): SlotRef {
  const key = target.ip.toLowerCase();
  return { key, label: target.host.toLowerCase() === key ? target.host : `${target.host} (${target.ip})` };
}

export function createAddressedCheck(deps: AddressedCheckDeps = {}): AddressedCheckFn {
  return (input, opts, hold) =>
    runCheck(input, {
      ...opts,
      lookup: deps.lookup ?? opts.lookup,
      aroundProbes: (target, probe) => {
        const { probe: fake } = deps;
        return hold(slotOf(target), fake ? () => fake(target, opts, performance.now()) : probe);
      },
    });
}

export interface HostWaitOptions {
  /** Polling for a slot inside one run. */
  inPlaceMs: number;
  /** Then the job is put back for this long, freeing the worker slot. */
  delayMs: number;
  /** From the job's creation: past this the check is given up (a user is told the host is busy). */
  maxQueuedMs: number;
}

export const HOST_WAIT: HostWaitOptions = { inPlaceMs: 5_000, delayMs: 5_000, maxQueuedMs: 3 * 60_000 };

export interface CheckRunnerOptions {
  check: CheckFn;
  /** TLSCHECK_ALLOW_CIDRS: private ranges the bot may check all the same. */
  allowCidrs: readonly string[];
  /** TLSCHECK_CHECK_TIMEOUT_MS; default the engine's. */
  timeoutMs?: number;
  /** Trust anchors (PEM) besides the system store (TLSCHECK_CA_FILE); none by default. */
  ca?: string[];
  /** The file they came from: OpenSSL's evidence gets it as -CAfile, so both trust the same CAs. */
  caFile?: string;
  /** Per-host slots; without them (unit tests) checks run unthrottled. */
  slots?: HostSemaphore;
  hostWait?: Partial<HostWaitOptions>;
  /** TLSCHECK_OCSP_FETCH: ask OCSP responders (third parties) when nothing is stapled; off by default. */
  ocspFetch?: boolean;
  /** The resolver every check of this runner uses (bounded per worker: src/limits/dns.ts). */
  lookup?: LookupFn;
}

export interface CheckRun {
  /** The target as the handler normalised it ("example.com:443"). */
  input: string;
  sni: string | null | undefined;
  symptom?: string | null;
  /** Run OpenSSL beside the most severe diagnoses (src/evidence). */
  evidence?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** When the request was made: a host that stays busy past hostWait.maxQueuedMs gives up. */
  queuedAt: number;
}

export interface CheckRunner {
  run(req: CheckRun): Promise<CheckResult>;
  readonly hostWait: HostWaitOptions;
  /** Unset: each check's deadline follows the measured round trip (src/check.ts, up to MAX_ADAPTIVE_TIMEOUT_MS). */
  readonly timeoutMs: number | undefined;
}

export function createCheckRunner(opts: CheckRunnerOptions): CheckRunner {
  const hostWait = { ...HOST_WAIT, ...opts.hostWait };
  const timeoutMs = opts.timeoutMs;
  return {
    hostWait,
    timeoutMs,
    async run(req) {
      const checkOpts: CheckOptions = {
        sni: req.sni ?? undefined,
        enforcePolicy: true,
        allowCidrs: [...opts.allowCidrs],
        timeoutMs,
        symptom: req.symptom ?? undefined,
        evidence: req.evidence ? (opts.caFile ? { caFile: opts.caFile } : {}) : undefined,
        onProgress: req.onProgress,
        signal: req.signal,
      };
      if (opts.ca) checkOpts.ca = opts.ca;
      if (opts.ocspFetch) checkOpts.ocspFetch = true;
      if (opts.lookup) checkOpts.lookup = opts.lookup;
      const hold: HoldSlot = opts.slots ? holdSlot(opts.slots, req.queuedAt, hostWait, req.signal) : (_slot, run) => run();
      if (opts.check.atAddress) return opts.check.atAddress(req.input, checkOpts, hold);
      const host = hostOf(req.input);
      return hold({ key: host, label: host }, () => opts.check(req.input, checkOpts));
    },
  };
}

export type RunnerConfig = Pick<Config, 'allowCidrs' | 'limits' | 'queuePrefix' | 'ocspFetch' | 'ca' | 'caFile'>;

export interface RunnerDeps {
  check: CheckFn;
  /** Default: TLSCHECK_CHECK_TIMEOUT_MS. */
  checkTimeoutMs?: number;
  /** How long a check waits for a slot of its host, in place and in all. */
  hostWait?: Partial<HostWaitOptions>;
  /** Default: the worker resolver (c-ares with a timeout, /etc/hosts first: src/limits/dns.ts). */
  lookup?: LookupFn;
}

/** The runner a worker process uses, from the configuration: both workers build it here. */
export function createConfiguredRunner(config: RunnerConfig, deps: RunnerDeps, redis: RedisClient, log: Logger): CheckRunner {
  const slots = createHostSemaphore(redis, {
    prefix: config.queuePrefix,
    maxPerHost: config.limits?.hostConcurrency ?? DEFAULT_LIMITS.hostConcurrency,
    onRenewFailed: (host, err) => log.warn({ host, err: errorSummary(err) }, 'could not renew a host slot lease'),
  });
  return createCheckRunner({
    check: deps.check,
    allowCidrs: config.allowCidrs,
    timeoutMs: deps.checkTimeoutMs ?? config.limits?.checkTimeoutMs,
    slots,
    hostWait: deps.hostWait,
    ocspFetch: config.ocspFetch === true,
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.caFile ? { caFile: config.caFile } : {}),
    lookup: deps.lookup ?? WORKER_LOOKUP,
  });
}

/** Waits a little in place for a slot; then HostBusyError, final once the request is too old. */
function holdSlot(slots: HostSemaphore, queuedAt: number, wait: HostWaitOptions, signal?: AbortSignal): HoldSlot {
  return async <T>(slot: SlotRef, run: () => Promise<T>): Promise<T> => {
    const lease = await slots.acquire(slot.key, wait.inPlaceMs, signal);
    if (!lease) throw new HostBusyError(slot.label, Date.now() - queuedAt >= wait.maxQueuedMs, wait.delayMs);
    try {
      return await run();
    } finally {
      await lease.release().catch(() => undefined);
    }
  };
}

/**
 * For a BullMQ worker: a job whose host has its share of checks running comes back later
 * without holding a worker slot. Throws DelayedError (BullMQ's signal) after moving the job;
 * rethrows anything else, including a final HostBusyError, for the caller to report.
 */
export async function deferIfHostBusy(err: unknown, job: Pick<Job, 'id' | 'moveToDelayed'>, token: string | undefined, wait: HostWaitOptions, log: Logger): Promise<never> {
  if (!(err instanceof HostBusyError) || err.final) throw err;
  log.info({ jobId: job.id, host: err.host }, 'host busy; job delayed');
  await job.moveToDelayed(Date.now() + Math.max(wait.delayMs, err.retryInMs), token);
  throw new DelayedError();
}
