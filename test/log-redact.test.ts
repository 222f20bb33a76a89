// The logger's redaction (src/log-redact.ts) against the one it replaced: pino's `redact` with the
// secret keys at the top level and one and two levels down. Every line the old one wrote, the new
// one writes the same; deeper secrets, which the old one let through, are redacted too.
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { captureLines } from './helpers/log-lines.js';
import { CENSOR, SECRET_KEYS, createLogger } from '../src/log.js';
import { redactJson, redactLine } from '../src/log-redact.js';

/** The logger as it was configured before: pino's path redaction. */
function referenceLogger(stream: Writable): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino({ level: 'info', base: undefined, redact: { paths, censor: CENSOR }, formatters: { level: (label) => ({ level: label }) } }, stream);
}

const withoutTime = (line: string): string => line.replace(/"time":\d+,/, '');

/** Deterministic pseudo-random objects: secrets (unique markers) and ordinary values at depths 0-2. */
function* objects(count: number, depthsSeen: number[]): Generator<{ obj: Record<string, unknown>; markers: string[] }> {
  // mulberry32: small, seeded, and its low bits vary (a plain LCG's alternate).
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  const plainKeys = ['jobId', 'target', 'user', 'data', 'job', 'tokens', 'myToken', 'list', 'msgText'];
  for (let c = 0; c < count; c++) {
    const markers: string[] = [];
    const value = (depth: number): unknown => {
      switch (rand(depth < 2 ? 9 : 6)) {
        case 0: return `v"al\\ue ${rand(1000)} "token":"x" }]`;
        case 1: return rand(1e6);
        case 2: return rand(2) === 0;
        case 3: return null;
        case 4: return 'xoxb-looks-like-a-token-but-is-under-a-plain-key';
        case 5: return '{"password":"inside a string, not a key"}';
        case 6: return [value(depth + 1), value(depth + 1)];
        default: return node(depth + 1);
      }
    };
    const node = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let k = rand(4) + 1; k > 0; k--) {
        if (rand(2) === 0) {
          const secret = SECRET_KEYS[rand(SECRET_KEYS.length)]!;
          const m = `SECRET${c}x${markers.length}`;
          markers.push(m);
          depthsSeen[depth] = (depthsSeen[depth] ?? 0) + 1;
          out[secret] = rand(3) === 0 ? { nested: m, n: 1 } : rand(2) === 0 ? [m, m] : m;
        } else {
          out[plainKeys[rand(plainKeys.length)]!] = value(depth);
        }
      }
      return out;
    };
    yield { obj: node(0), markers };
  }
}

describe('log redaction', () => {
  it('writes what pino\'s path redaction wrote, for secrets at the top level and one and two levels down', () => {
    const ref = captureLines();
    const cur = captureLines();
    const reference = referenceLogger(ref.stream);
    const logger = createLogger('info', cur.stream);
    const depths: number[] = [];
    for (const { obj, markers } of objects(400, depths)) {
      reference.info(obj, 'line');
      logger.info(obj, 'line');
      const line = cur.lines.at(-1)!;
      expect(withoutTime(line)).toBe(withoutTime(ref.lines.at(-1)!));
      for (const m of markers) expect(line).not.toContain(m);
    }
    // The generator does put secrets at every depth the old paths covered (not a vacuous comparison).
    expect(Math.min(...depths.slice(0, 3)), `secrets by depth: ${depths.join(", ")}`).toBeGreaterThan(30);
    expect(cur.lines.join('')).toContain(`"${CENSOR}"`);
  });

  it('redacts child bindings and serialized errors as before', () => {
    const ref = captureLines();
    const cur = captureLines();
    const err = Object.assign(new Error('boom'), { config: { password: 'p4ss' } });
    const calls = (log: Logger): void => {
      log.child({ user: 'U1', token: 'xoxb-child' }).info({ jobId: 'c1' }, 'child');
      log.child({ component: 'x', job: { data: { responseUrl: 'https://hooks.slack.com/child' } } }).warn('nested binding');
      log.error({ err }, 'failed');
      log.info({ token: undefined, password: null, authorization: 0, responseUrl: false, botToken: { a: [1, { b: 2 }] } }, 'odd values');
    };
    calls(referenceLogger(ref.stream));
    calls(createLogger('info', cur.stream));
    expect(cur.lines.map(withoutTime)).toEqual(ref.lines.map(withoutTime));
    expect(cur.lines.join('')).not.toMatch(/xoxb-child|hooks\.slack\.com\/child|p4ss/);
  });

  it('redacts secrets deeper than the old paths reached', () => {
    const { lines, stream } = captureLines();
    createLogger('info', stream).info({ a: { b: { c: { token: 'xoxb-deep', d: [{ e: { password: 'deep-pass' } }] } } } }, 'deep');
    const out = lines.join('');
    expect(out).not.toMatch(/xoxb-deep|deep-pass/);
    expect(JSON.parse(out)).toMatchObject({ a: { b: { c: { token: CENSOR, d: [{ e: { password: CENSOR } }] } } }, msg: 'deep' });
  });

  it('scans JSON by its tokens: key-like text inside strings stays, whole objects and arrays are replaced', () => {
    const text = JSON.stringify({ s: 'a \\" "token":"no" \\', token: { x: '}]"', y: [1, { z: '{' }] }, after: 'kept', list: [{ password: 12.5e3 }, { responseUrl: true }] });
    const out = redactJson(text);
    expect(JSON.parse(out)).toEqual({ s: 'a \\" "token":"no" \\', token: CENSOR, after: 'kept', list: [{ password: CENSOR }, { responseUrl: CENSOR }] });
    // A line without a secret key is handed back as it is, not rebuilt.
    const plain = '{"level":"info","target":"example.com:443","msg":"check queued"}\n';
    expect(redactLine(plain)).toBe(plain);
    // Keys that merely contain a secret's name are not secrets.
    expect(redactLine('{"tokens":1,"myToken":2}\n')).toBe('{"tokens":1,"myToken":2}\n');
    expect(redactLine('{"token":"xoxb-1","redisUrl":"redis://:pw@h"}\n')).toBe(`{"token":"${CENSOR}","redisUrl":"${CENSOR}"}\n`);
  });
});
