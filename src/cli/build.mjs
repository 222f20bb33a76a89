// Builds the CLI from tsc's output (dist/src): dist/tlscheck-bundle.cjs, the bundle of
// src/cli/main.ts; dist/tlscheck.cjs (the bin) and dist/tlscheck.mjs, the command (src/cli/start.ts)
// that runs it; dist/tlscheck-bundle.cache, V8's code cache for the bundle, made by the node that
// builds (another node's V8 rejects it, harmlessly).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
const bundle = join(dist, 'tlscheck-bundle.cjs');
const cacheFile = join(dist, 'tlscheck-bundle.cache');

// A cache left from an earlier build must never meet a new bundle (start.ts checks the digest too).
rmSync(cacheFile, { force: true });
// start.ts runs the bundle without a module loader: an import() of a builtin becomes a require().
await build({ ...common, entryPoints: [join(dist, 'src/cli/main.js')], format: 'cjs', outfile: bundle, supported: { 'dynamic-import': false } });
const start = join(dist, 'src/cli/start.js');
await build({ ...common, entryPoints: [start], format: 'esm', outfile: join(dist, 'tlscheck.mjs') });
await build({
  ...common, entryPoints: [start], format: 'cjs', outfile: join(dist, 'tlscheck.cjs'),
  define: { 'import.meta.url': 'startUrl' }, banner: { js: 'const startUrl = require("node:url").pathToFileURL(__filename).href;' },
});

const bytes = readFileSync(bundle);
const source = bytes.toString('utf8');
// start.ts runs the bundle as a vm.Script without a module loader: an import() left in it (of a
// module esbuild did not bundle) would fail at run time, so it fails the build instead.
if (/(^|[^\w$.])import\(/m.test(source)) throw new Error('dist/tlscheck-bundle.cjs holds an import() of an unbundled module: start.ts cannot run it');

const { packCache, wrapCommonJs } = await import(pathToFileURL(join(dist, 'src/cli/code-cache.js')).href);
const code = wrapCommonJs(source);
// Written whole, then renamed: a build cut short leaves no cache rather than part of one.
writeFileSync(`${cacheFile}.tmp`, packCache(bytes, new Script(code, { filename: bundle }).createCachedData()));
renameSync(`${cacheFile}.tmp`, cacheFile);
