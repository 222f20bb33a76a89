// Matches pasted error text against the knowledge base's error patterns. Pasted text comes with
// log noise (timestamps, stack frames, colour codes); patterns search anywhere in it.
import type { KbEntry } from './kb/types.js';

export interface TextMatch {
  entry: KbEntry;
  /** 0..1: 1 = a pattern that names this cause alone, lower for causes shared by several entries. */
  score: number;
  /** The text that matched (or, for nearest candidates, the shared words). */
  matched: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function normaliseSymptom(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n');
}

/** Entries with at least one pattern in the text, best first (stable on ties). */
export function matchText(text: string, kb: readonly KbEntry[]): TextMatch[] {
  const clean = normaliseSymptom(text);
  const out: TextMatch[] = [];
  for (const entry of kb) {
    let best = 0;
    let hits = 0;
    let matched = '';
    for (const p of entry.errorPatterns) {
      const m = p.re.exec(clean);
      if (!m) continue;
      hits++;
      if (p.weight > best) [best, matched] = [p.weight, m[0].trim()];
    }
    // Several independent hits on one cause (e.g. the reason string and the alert number) add a little.
    if (hits > 0) out.push({ entry, score: Math.min(1, best / 3 + 0.05 * (hits - 1)), matched });
  }
  return out.sort((a, b) => b.score - a.score);
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
