// "1 certificate", "2 certificates": counts in user-facing text, never "certificate(s)".

/** `n` and the word, with an s unless n is 1 (or the given plural form). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
