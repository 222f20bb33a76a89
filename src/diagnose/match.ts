// Matches pasted error text against the knowledge base's error patterns. Pasted text comes with
// log noise (timestamps, stack frames, colour codes); patterns search anywhere in it.
import { SYMPTOM_FAMILIES, type SymptomFamily } from './kb/symptoms.js';
import type { ErrorPattern, KbEntry } from './kb/types.js';

export interface TextMatch {
  entry: KbEntry;
  /** 0..1: 1 = a pattern that names this cause alone, lower for causes shared by several entries. */
  score: number;
  /** The text that matched (or, for nearest candidates, the shared words). */
  matched: string;
  /** Set when the entry is a candidate because the text is a phrase several causes share. */
  family?: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function normaliseSymptom(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n');
}

function hit(p: ErrorPattern, text: string): RegExpExecArray | null {
  if (p.unless?.test(text)) return null;
  return p.re.exec(text);
}

/** Score of a shared phrase's cause: below the phrase's own weight, in the family's order of commonness. */
const FAMILY_STEP = 0.01;

/** Entries with at least one pattern in the text, best first (stable on ties). */
export function matchText(text: string, kb: readonly KbEntry[], families: readonly SymptomFamily[] = SYMPTOM_FAMILIES): TextMatch[] {
  const clean = normaliseSymptom(text);
  const byEntry = new Map<KbEntry, TextMatch>();
  for (const entry of kb) {
    let best = 0;
    let hits = 0;
    let matched = '';
    for (const p of entry.errorPatterns) {
      const m = hit(p, clean);
      if (!m) continue;
      hits++;
      if (p.weight > best) [best, matched] = [p.weight, m[0].trim()];
    }
    // Several independent hits on one cause (e.g. the reason string and the alert number) add a little.
    if (hits > 0) byEntry.set(entry, { entry, score: Math.min(1, best / 3 + 0.05 * (hits - 1)), matched });
  }
  for (const family of families) {
    let best = 0;
    let matched = '';
    for (const p of family.patterns) {
      const m = hit(p, clean);
      if (m && p.weight > best) [best, matched] = [p.weight, m[0].trim()];
    }
    if (best === 0) continue;
    family.causes.forEach((id, i) => {
      const entry = kb.find((e) => e.id === id);
      if (!entry) return;
      const score = best / 3 - FAMILY_STEP * i;
      const own = byEntry.get(entry);
      if (!own || own.score < score) byEntry.set(entry, { entry, score, matched, family: family.id });
      else own.family ??= family.id;
    });
  }
  return [...byEntry.values()].sort((a, b) => b.score - a.score);
}

/**
 * Causes sharing a phrase family with an entry the text matched: the live check may have measured
 * one of them (an insecure renegotiation, inconsistent resumption) although the text named another.
 */
export function relatedCauses(matches: readonly TextMatch[], kb: readonly KbEntry[], families: readonly SymptomFamily[] = SYMPTOM_FAMILIES): KbEntry[] {
  const matchedIds = new Set(matches.map((m) => m.entry.id));
  const related = new Set<string>();
  for (const f of families) {
    if (f.causes.some((id) => matchedIds.has(id))) for (const id of f.causes) if (!matchedIds.has(id)) related.add(id);
  }
  return kb.filter((e) => related.has(e.id));
}

// Words too common in TLS errors and logs to say anything about the cause.
const STOP = new Set(
  ('the and for with not are was from this that error errors exception failed failure code ssl tls routines javax java net ' +
    'https http org com sun security lib line could cannot unable while when after into has have been does see more ' +
    'details here inner connection client server').split(' '),
);

function tokens(text: string): Set<string> {
  const words = normaliseSymptom(text).toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? [];
  return new Set(words.filter((w) => !STOP.has(w)));
}

const vocabulary = new WeakMap<KbEntry, Set<string>>();
function vocabularyOf(entry: KbEntry): Set<string> {
  let v = vocabulary.get(entry);
  if (!v) {
    v = tokens([entry.id.replace(/-/g, ' '), entry.title, ...entry.errorPatterns.map((p) => p.example)].join(' '));
    vocabulary.set(entry, v);
  }
  return v;
}

/**
 * For text no pattern recognises: the entries sharing the most words with it. Scores stay below
 * 0.3 so a guess never looks as sure as a pattern match.
 */
export function nearestEntries(text: string, kb: readonly KbEntry[], limit = 3): TextMatch[] {
  const words = tokens(text);
  if (words.size === 0) return [];
  const scored = kb
    .map((entry) => {
      const shared = [...words].filter((w) => vocabularyOf(entry).has(w));
      return { entry, score: Math.min(0.3, (0.3 * shared.length) / Math.max(3, words.size)), matched: shared.join(', ') };
    })
    .filter((m) => m.matched !== '');
  return scored.sort((a, b) => b.score - a.score).slice(0, limit);
}
