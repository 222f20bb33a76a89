// OpenSSL's own words beside the diagnoses that matter: within the check's deadline, s_client runs
// once per distinct command of the picked diagnoses (concurrently) against the address the check
// resolved, and its output is judged against each diagnosed symptom. A caller that sees the
// probes' results as they settle may start the runs early (startEarlyEvidence); the diagnoses of
// the final result still decide which runs count, so an early run only ever saves waiting.
import type { CheckResult, Diagnosis, Severity } from '../types.js';
import { diagnose, explain } from '../diagnose/index.js';
import { invocation } from './command.js';
import { judge } from './judge.js';
import { observe } from './observe.js';
import { opensslVersion } from './openssl.js';
import { RECIPES } from './recipes.js';
import { createEvidenceRuns, type EvidenceRuns, type SocketSlot } from './runs.js';

export { createEvidenceRuns, type EvidenceRuns, type SocketSlot } from './runs.js';

export interface EvidenceOptions {
  /** The CLI's --ca FILE (absolute path): s_client then trusts what the check trusted. */
  caFile?: string;
  /** Diagnoses that get evidence, most important first (default 3). */
  max?: number;
  /** Runs already started for this check (startEarlyEvidence): the same command is not run twice. */
  runs?: EvidenceRuns;
}

export interface EvidenceRun extends EvidenceOptions {
  /** Epoch ms: the check's deadline. */
  deadline: number;
  signal?: AbortSignal;
  /** The pasted error text: its confirmed causes get evidence first, whatever their severity. */
  symptom?: string;
}

export const MAX_EVIDENCE = 3;
const SERIOUS: ReadonlySet<Severity> = new Set(['warning', 'error', 'critical']);
/** s_client takes ~45 ms on an idle machine and several times that on a busy one: less is pointless. */
export const MIN_EVIDENCE_MS = 250;
/** One s_client run never gets more, whatever is left of the deadline. */
const MAX_RUN_MS = 5_000;

/** The diagnoses that get evidence: the causes a pasted error confirmed, then warning and above. */
export function pickForEvidence(result: CheckResult, max = MAX_EVIDENCE, confirmedIds: readonly string[] = []): Diagnosis[] {
  const diagnoses = result.diagnoses ?? [];
  const picked: Diagnosis[] = [];
  for (const id of confirmedIds) {
    const d = diagnoses.find((x) => x.id === id);
    if (d && !picked.includes(d)) picked.push(d);
  }
  for (const d of diagnoses) if (SERIOUS.has(d.severity) && !picked.includes(d)) picked.push(d);
  return picked.slice(0, max);
}

function confirmedCauses(symptom: string | undefined, result: CheckResult): string[] {
  if (!symptom?.trim()) return [];
  return explain(symptom, result).candidates.filter((c) => c.verdict === 'confirmed').map((c) => c.id);
}

function unavailable(d: Diagnosis, reason: string): void {
  d.evidence = null;
  d.evidenceReason = reason;
}

/** Fills `evidence` (or `evidence: null` and `evidenceReason`) on the picked diagnoses of `result`. */
export async function attachEvidence(result: CheckResult, run: EvidenceRun): Promise<void> {
  const runs = run.runs ?? createEvidenceRuns();
  const picked = pickForEvidence(result, run.max ?? MAX_EVIDENCE, confirmedCauses(run.symptom, result));
  const used = new Set<string>();
  try {
    if (picked.length === 0) return;
    if (!result.target.ip) {
      for (const d of picked) unavailable(d, 'the target has no address to run OpenSSL against');
      return;
    }
    const left = run.deadline - Date.now();
    // Asked only when some diagnosis runs s_client: with no time left, openssl is not started at all.
    let version: Promise<string | null> | undefined;
    await Promise.all(
      picked.map(async (d) => {
        const recipe = RECIPES[d.id];
        if (!recipe) return unavailable(d, 'no OpenSSL command shows this cause on its own');
        const inv = invocation(recipe, result.target, result, { caFile: run.caFile });
        // A run started early is used whatever is left now: it had its share of the deadline.
        if (!runs.has(inv.command) && left < MIN_EVIDENCE_MS) {
          return unavailable(d, `the check's deadline left ${Math.max(0, left)} ms, too little to run OpenSSL`);
        }
        used.add(inv.command);
        const shared = runs.run(inv, Math.min(MAX_RUN_MS, run.deadline - Date.now()), run.signal);
        const outcome = await shared.outcome;
        if (!outcome.ok) return unavailable(d, outcome.reason);
        d.evidence = judge(observe(outcome.run, shared.timeoutMs), recipe, result, {
          command: inv.command,
          openssl: await (version ??= opensslVersion()),
          durationMs: outcome.run.durationMs,
        });
      }),
    );
  } finally {
    runs.discardExcept(used);
  }
}

/** The probes each early-capable recipe rests on. */
const EARLY_RECIPES: ReadonlyArray<readonly string[]> = Object.values(RECIPES).flatMap((r) => (r.restsOn ? [r.restsOn] : []));

/**
 * Whether `probe` settling made some recipe's probes all settled: only then can a run start early,
 * so only then are the partial result's diagnoses worth evaluating (~0.4 ms each time, on every
 * check of a worker with evidence on).
 */
const madeReady = (probe: string, settled: ReadonlySet<string>): boolean =>
  EARLY_RECIPES.some((probes) => probes.includes(probe) && probes.every((p) => settled.has(p)));

/**
 * Starts, while the probes still run, the runs the final result would pick for diagnoses already
 * decided: those of `partial` (what the probes settled so far found) whose recipe rests only on
 * settled probes, at most `max` runs per check. An expired certificate is known long before the
 * cipher scan ends; its s_client run then overlaps the rest of the check instead of following it.
 * attachEvidence on the final result decides which runs are evidence and stops the others.
 */
export function startEarlyEvidence(
  partial: CheckResult,
  progress: { probe: string; settled: ReadonlySet<string>; deadline: number; slot?: SocketSlot },
  run: Omit<EvidenceRun, 'deadline'> & { runs: EvidenceRuns },
): void {
  const max = run.max ?? MAX_EVIDENCE;
  const { runs } = run;
  if (!madeReady(progress.probe, progress.settled) || runs.closed || runs.size >= max || !partial.target.ip || partial.error) return;
  if (progress.deadline - Date.now() < MIN_EVIDENCE_MS) return;
  partial.diagnoses = diagnose(partial, { symptom: run.symptom });
  for (const d of pickForEvidence(partial, max, confirmedCauses(run.symptom, partial))) {
    const recipe = RECIPES[d.id];
    if (!recipe?.restsOn?.every((p) => progress.settled.has(p)) || runs.size >= max) continue;
    const inv = invocation(recipe, partial.target, partial, { caFile: run.caFile });
    runs.run(inv, Math.min(MAX_RUN_MS, progress.deadline - Date.now()), run.signal, progress.slot);
    // The "OpenSSL 3.0.x says:" line needs it too; cached for the process.
    void opensslVersion();
  }
}

/**
 * explain() builds its own Diagnosis objects from the knowledge base; the evidence gathered during
 * the check belongs to the same causes, so it is carried over by id.
 */
export function carryEvidence<T extends { diagnoses: readonly Diagnosis[] }>(answer: T, result: CheckResult | null | undefined): T {
  const byId = new Map((result?.diagnoses ?? []).filter((d) => d.evidence !== undefined).map((d) => [d.id, d]));
  if (byId.size === 0) return answer;
  const diagnoses = answer.diagnoses.map((d) => {
    const from = byId.get(d.id);
    return from ? { ...d, evidence: from.evidence, evidenceReason: from.evidenceReason } : d;
  });
  return { ...answer, diagnoses };
}
