// The node flags `npm start` gives the web handler (package.json's start script), so that the bot
// benches measure the process as it runs: they re-run themselves with those flags when missing.
// The flags are V8 heap settings read only at start (neither NODE_OPTIONS nor
// v8.setFlagsFromString can set them later), see README "Processes".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * package.json's start script split as node runs it: the `--flag[=value]` words between `node` and
 * the script, and the script with its arguments. The bot benches and test/slack-start.test.ts read
 * it here, so both run exactly what `npm start` runs.
 */
export function startCommand() {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.start ?? '';
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json's start script does not run node: ${start}`);
  const rest = words.slice(1);
  const firstArg = rest.findIndex((w) => !w.startsWith('--'));
  const split = firstArg < 0 ? rest.length : firstArg;
  return { flags: rest.slice(0, split), script: rest.slice(split) };
}

/** The `--flag[=value]` words between `node` and the script in package.json's start script. */
export function startNodeFlags() {
  return startCommand().flags;
}

/**
 * Runs this script again under `npm start`'s node flags unless this process has them; returns
 * false when it did (the caller then stops: the exit code is the rerun's), true to go on here.
 */
export function runWithStartFlags() {
  const missing = startNodeFlags().filter((f) => !process.execArgv.includes(f));
  if (missing.length === 0) return true;
  const r = spawnSync(process.execPath, [...process.execArgv, ...missing, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
  return false;
}
