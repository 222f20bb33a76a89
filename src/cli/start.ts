#!/usr/bin/env node
// The `tlscheck` command, built twice: dist/tlscheck.cjs (the package's bin: a CommonJS main
// script spares node its ES module loader) and dist/tlscheck.mjs (the same, for those who run that
// path). Runs the CLI bundle (dist/tlscheck-bundle.cjs, built from main.ts) with the V8 code cache
// the build made for it, so a run deserializes the bundle's compiled top level instead of parsing
// and compiling ~0.5 MB of JavaScript. A cache that is missing, made for other code, or rejected
// by this node's V8 (another version or flags) only means the bundle is compiled as without one.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { unpackCache, wrapCommonJs } from './code-cache.js';

type CommonJsBody = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

const dir = dirname(fileURLToPath(import.meta.url));
const bundle = join(dir, 'tlscheck-bundle.cjs');
const bytes = readFileSync(bundle);
const code = wrapCommonJs(bytes.toString('utf8'));

function readCache(): Buffer | undefined {
  try {
    return unpackCache(readFileSync(join(dir, 'tlscheck-bundle.cache')), bytes);
  } catch {
    return undefined;
  }
}

const body = new Script(code, { filename: bundle, cachedData: readCache() }).runInThisContext() as CommonJsBody;
const module = { exports: {} };
body.call(module.exports, module.exports, createRequire(bundle), module, bundle, dir);
