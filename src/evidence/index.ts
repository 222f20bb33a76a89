// OpenSSL's own words beside the diagnoses that matter: after the probes, within what is left of
// the check's deadline, s_client runs once per picked diagnosis (concurrently) against the address
// the check resolved, and its output is judged against the diagnosed symptom.
import type { CheckResult, Diagnosis, Severity } from '../types.js';
import { explain } from '../diagnose/index.js';
import { invocation } from './command.js';
import { judge } from './judge.js';
import { observe } from './observe.js';
import { opensslVersion, runOpenssl } from './openssl.js';
import { RECIPES } from './recipes.js';

export interface EvidenceOptions {
  /** The CLI's --ca FILE (absolute path): s_client then trusts what the check trusted. */
  caFile?: string;
  /** Diagnoses that get evidence, most important first (default 3). */
  max?: number;
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
  const picked = pickForEvidence(result, run.max ?? MAX_EVIDENCE, confirmedCauses(run.symptom, result));
  if (picked.length === 0) return;
  if (!result.target.ip) {
    for (const d of picked) unavailable(d, 'the target has no address to run OpenSSL against');
    return;
  }
  const left = run.deadline - Date.now();
  if (left < MIN_EVIDENCE_MS) {
    for (const d of picked) unavailable(d, `the check's deadline left ${Math.max(0, left)} ms, too little to run OpenSSL`);
    return;
  }
  const version = opensslVersion();
  await Promise.all(
    picked.map(async (d) => {
      const recipe = RECIPES[d.id];
      if (!recipe) return unavailable(d, 'no OpenSSL command shows this cause on its own');
      const inv = invocation(recipe, result.target, result, { caFile: run.caFile });
      const timeoutMs = Math.min(MAX_RUN_MS, run.deadline - Date.now());
      const outcome = await runOpenssl(inv.action, inv.args, { stdin: inv.stdin, timeoutMs, signal: run.signal });
      if (!outcome.ok) return unavailable(d, outcome.reason);
      d.evidence = judge(observe(outcome.run, timeoutMs), recipe, result, {
        command: inv.command,
        openssl: await version,
        durationMs: outcome.run.durationMs,
      });
    }),
  );
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
