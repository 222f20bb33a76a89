// Pasted error text → the knowledge-base entries that explain it; with a live check, each one
// confirmed, ruled out or left untested by what the server actually does.
import type { Diagnosis, Severity } from '../types.js';
import { KNOWLEDGE_BASE } from './kb/index.js';
import type { KbEntry, ResultFacts } from './kb/types.js';
import { entrySeverity, evidenceOf, safeApplies, toDiagnosis, verdictOf, type Verdict } from './evaluate.js';
import { matchText, nearestEntries, relatedCauses, type TextMatch } from './match.js';
import { byVerdictThenLikelihood } from './rank.js';

export interface ExplainCandidate {
  id: string;
  title: string;
  severity: Severity;
  /** 0..1: how well the text matches this cause (nearest guesses stay below 0.3). */
  score: number;
  matched: string;
  verdict: Verdict;
  /** With a live check: the one line of what it saw behind the verdict. null without one. */
  evidence: string | null;
}

export interface ExplainResult {
  /** True when at least one known error pattern matched; false: candidates are guesses by shared words. */
  recognised: boolean;
  candidates: ExplainCandidate[];
  /** Full diagnoses for recognised candidates the live check did not rule out, best first. */
  diagnoses: Diagnosis[];
}

/** Thrown for empty or whitespace-only text. The CLI maps it to exit code 2 (invalid input). */
export class EmptySymptomError extends Error {
  readonly code = 'EMPTY_SYMPTOM';
  readonly exitCode = 2;
  constructor() {
    super('explain needs the error text: it is empty');
    this.name = 'EmptySymptomError';
  }
}

const MAX_CANDIDATES = 8;
/** Causes the live check measured although the text named a sibling: shown, below every text match. */
const MEASURED_SCORE = 0.05;

export function explain(text: string, result?: ResultFacts | null, kb: readonly KbEntry[] = KNOWLEDGE_BASE): ExplainResult {
  if (typeof text !== 'string' || text.trim() === '') throw new EmptySymptomError();
  const live = result ?? undefined;
  const matches = matchText(text, kb);
  const recognised = matches.length > 0;
  const pool: TextMatch[] = recognised ? [...matches] : nearestEntries(text, kb);
  if (recognised && live) {
    for (const entry of relatedCauses(matches, kb)) {
      if (verdictOf(entry, live) === 'confirmed') pool.push({ entry, score: MEASURED_SCORE, matched: 'measured by the live check' });
    }
  }

  // An entry may narrow the live result to the client that wrote the text.
  const liveFor = (entry: KbEntry): ResultFacts | undefined => (live && entry.forSymptom ? entry.forSymptom(live, text) : live);
  const ranked = pool
    .map((m) => ({
      m,
      live: liveFor(m.entry),
      order: kb.indexOf(m.entry),
      score: m.score,
      severity: entrySeverity(m.entry, liveFor(m.entry)),
      verdict: verdictOf(m.entry, liveFor(m.entry)),
    }))
    .sort(byVerdictThenLikelihood)
    .slice(0, MAX_CANDIDATES);

  const candidates = ranked.map(({ m, score, severity, verdict }) => ({
    id: m.entry.id,
    title: m.entry.title,
    severity,
    score: Math.round(score * 100) / 100,
    matched: m.matched,
    verdict,
    evidence: evidenceOf(m.entry, live, verdict),
  }));

  const diagnoses = recognised
    ? ranked
        .filter((c) => c.verdict !== 'ruled-out')
        .map((c) => toDiagnosis(c.m.entry, c.live, c.live && c.verdict === 'confirmed' ? safeApplies(c.m.entry, c.live) : false))
    : [];

  return { recognised, candidates, diagnoses };
}
