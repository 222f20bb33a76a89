import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plural } from '../src/text/plural.js';

/** A counted noun written as "noun(s)" (a call such as `parse(s)` does not match). */
const NOUN_S = /\b(certificate|renegotiation|suite|cipher|error|warning|finding|message|part|day|schedule|alert|attempt|connection|version|host|name|entry|client|probe)\(s\)/i;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('plural', () => {
  it('says "1 certificate", "2 certificates", "0 suites"', () => {
    expect(plural(1, 'certificate')).toBe('1 certificate');
    expect(plural(2, 'certificate')).toBe('2 certificates');
    expect(plural(0, 'suite')).toBe('0 suites');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });

  it('no user-facing text in src, handlers or jobs says "word(s)"', () => {
    const offenders = ['src', 'handlers', 'jobs'].flatMap(sources)
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, i, line })))
      .filter(({ line }) => NOUN_S.test(line) && !/^\s*(\/\/|\*)/.test(line))
      .map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`);
    expect(offenders).toEqual([]);
  });
});
