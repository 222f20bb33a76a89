// An ES-module script in a child node process, for tests whose subject must run where a hang or a
// kill cannot take the test runner with it.
import { spawn } from 'node:child_process';

export interface ScriptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs `script` with `node [nodeArgs] --input-type=module -e`; resolves at the child's close with
 * its exit and everything it wrote. `timeoutMs` only ends a child that would otherwise hang (it
 * then shows as killed by SIGTERM).
 */
export function runNodeScript(script: string, opts: { nodeArgs?: readonly string[]; timeoutMs: number }): Promise<ScriptExit> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, out, err })));
}
