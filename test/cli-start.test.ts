// The command's start (src/cli/start.ts, built as dist/tlscheck.cjs, the bin, and dist/tlscheck.mjs):
// the bundle runs with the build's V8 code cache, and a cache that is missing, damaged or made for
// another bundle changes nothing but speed.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCache, unpackCache, wrapCommonJs } from '../src/cli/code-cache.js';

const DIST = join(import.meta.dirname, '..', 'dist');

const STARTS = ['tlscheck.cjs', 'tlscheck.mjs'];

function run(start: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [start, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('code cache file', () => {
  const bundle = Buffer.from('#!/usr/bin/env node\nmodule.exports = 1;\n');
  const data = Buffer.from([1, 2, 3, 4, 5]);

  it('gives back the data for the bundle it was made for', () => {
    expect(unpackCache(packCache(bundle, data), bundle)).toEqual(data);
  });

  it('gives nothing for another bundle of the same length, a damaged or cut file, or no file', () => {
    const other = Buffer.from(bundle.toString().replace('= 1', '= 2'));
    expect(other.length).toBe(bundle.length);
    const file = packCache(bundle, data);
    expect(unpackCache(file, other)).toBeUndefined();
    const damaged = Buffer.from(file);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 2) ^ 1, damaged.length - 2);
    expect(unpackCache(damaged, bundle)).toBeUndefined();
    expect(unpackCache(file.subarray(0, file.length - 1), bundle)).toBeUndefined();
    expect(unpackCache(file.subarray(0, 32), bundle)).toBeUndefined();
    expect(unpackCache(undefined, bundle)).toBeUndefined();
  });

  it('wraps the bundle without moving its lines: the shebang becomes a comment', () => {
    const code = wrapCommonJs(bundle.toString());
    expect(code.split('\n')[1]).toBe('module.exports = 1;');
    expect(code.split('\n')[0]).toMatch(/^\(function \(exports, require, module, __filename, __dirname\) \{\/\/\/usr\/bin\/env node$/);
    const exported = { exports: 0 };
    (new Script(code).runInThisContext() as (e: object, r: unknown, m: { exports: unknown }) => void)({}, undefined, exported);
    expect(exported.exports).toBe(1);
  });
});

describe('the built command', () => {
  let tmp: string;
  const bundle = (): Buffer => readFileSync(join(DIST, 'tlscheck-bundle.cjs'));
  const builtCache = (): Buffer => readFileSync(join(DIST, 'tlscheck-bundle.cache'));
  /** A copy of the command with `bundle` and `cache` (none when undefined) beside it: its two starts. */
  const copy = (name: string, bundleBytes: Buffer, cache: Buffer | undefined): string[] => {
    const target = mkdtempSync(join(tmp, `${name}-`));
    for (const start of STARTS) copyFileSync(join(DIST, start), join(target, start));
    writeFileSync(join(target, 'tlscheck-bundle.cjs'), bundleBytes);
    if (cache) writeFileSync(join(target, 'tlscheck-bundle.cache'), cache);
    return STARTS.map((start) => join(target, start));
  };

  beforeAll(() => {
    for (const f of [...STARTS, 'tlscheck-bundle.cjs', 'tlscheck-bundle.cache']) {
      if (!existsSync(join(DIST, f))) throw new Error(`dist/${f} is missing: run npm run build first`);
    }
    tmp = mkdtempSync(join(tmpdir(), 'tlscheck-start-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("is the package's bin, and ships a cache this node's V8 accepts for the bundle", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ tlscheck: 'dist/tlscheck.cjs' });
    expect(readFileSync(join(DIST, 'tlscheck.cjs'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const data = unpackCache(builtCache(), bundle());
    expect(data).toBeDefined();
    expect(new Script(wrapCommonJs(bundle().toString('utf8')), { cachedData: data }).cachedDataRejected).toBe(false);
  });

  it('answers the same with the cache, without it, and with a damaged one', async () => {
    const cache = builtCache();
    const damaged = Buffer.from(cache);
    damaged.fill(0x41, damaged.length - 1000);
    const starts = [copy('with', bundle(), cache), copy('without', bundle(), undefined), copy('damaged', bundle(), damaged), copy('short', bundle(), cache.subarray(0, 10))].flat();
    expect(starts).toHaveLength(8);
    const runs = await Promise.all(starts.map((s) => Promise.all([run(s, ['--version']), run(s, ['--help']), run(s, ['check'])])));
    const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version as string;
    for (const [v, help, bad] of runs) {
      expect(v).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage:\n {2}tlscheck check <target>/);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/check needs a target/);
    }
  });

  it("runs a changed bundle's own code, never the cache made for the old one", async () => {
    const old = bundle();
    const text = old.toString('utf8');
    expect(text).toMatch(/version: "\d+\.\d+\.\d+"/);
    // Same length on purpose: V8 itself would take the old cache for it and run the old code.
    const changed = Buffer.from(text.replace(/version: "\d+\.\d+\.\d+"/, 'version: "9.8.7"'));
    expect(changed.length).toBe(old.length);
    for (const start of copy('changed', changed, builtCache())) expect((await run(start, ['--version'])).stdout).toBe('9.8.7\n');
  });
});
