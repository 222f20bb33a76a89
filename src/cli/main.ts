#!/usr/bin/env node
// The `tlscheck` command: the engine, the knowledge base and the terminal renderers, bundled into
// one file (dist/tlscheck-bundle.cjs, run with its V8 code cache by start.ts: dist/tlscheck.cjs
// and .mjs) so it starts fast. Nothing of Slack, Redis or BullMQ is imported.
// The engine, the knowledge base, the evidence and the renderers are imported when a command
// needs them: --version does not evaluate them, and a check sends its first hellos before the
// knowledge base and renderers are evaluated (they load while it waits on the network).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCli, USAGE, type CliCommand } from './args.js';
import { EXIT, exitCodeFor } from '../verdict.js';
import type { CheckOptions, ProgressEvent } from '../check.js';
import { createEvidenceRuns } from '../evidence/runs.js';
import pkg from '../../package.json' with { type: 'json' };

/**
 * The s_client runs of this process's check. Those started early outlive their kill timer if the
 * process exits first (an internal error before the evidence step): exit() stops them.
 */
const evidenceRuns = createEvidenceRuns();

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function fail(message: string, code: number): number {
  process.stderr.write(`tlscheck: ${message}\n`);
  return code;
}

/** Read synchronously: nothing else runs yet, and node:fs/promises would cost every run its load. */
function readCa(file: string): string[] | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read --ca ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  const certs = text.match(PEM_CERT);
  return certs?.length ? certs : `--ca ${file} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`;
}

/** A one-line progress indicator, only when a person watches stderr. */
function progressLine(): { update: (e: ProgressEvent) => void; clear: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, clear: () => undefined };
  let shown = false;
  return {
    update: (e) => {
      shown = true;
      process.stderr.write(`\r\x1b[2Kchecking… ${e.done}/${e.total} probes (${e.probe} done)`);
    },
    clear: () => {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}

function checkOptions(cmd: Extract<CliCommand, { kind: 'check' | 'explain' }>): CheckOptions | string {
  const opts: CheckOptions = { sni: cmd.sni, timeoutMs: cmd.timeoutMs, ocspFetch: cmd.ocsp === true };
  if (cmd.caFile) {
    const ca = readCa(cmd.caFile);
    if (typeof ca === 'string') return ca;
    opts.ca = ca;
  }
  // An absolute path: s_client gets it as -CAfile, and a path starting with '-' never reaches it.
  if (cmd.evidence) opts.evidence = { caFile: cmd.caFile ? resolve(cmd.caFile) : undefined, runs: evidenceRuns };
  return opts;
}

const importOutput = () =>
  Promise.all([import('../diagnose/index.js'), import('../evidence/index.js'), import('../format/cli-text.js'), import('../format/cli-explain.js')]);
let output: ReturnType<typeof importOutput> | undefined;
/**
 * What a check's output needs, evaluated once a probe has settled (the check then waits on the
 * network): evaluated before the check, it would delay the first hellos.
 */
const loadOutput = (): ReturnType<typeof importOutput> => (output ??= importOutput());

async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (!parsed.ok) return fail(`${parsed.error}\n\n${USAGE}`, EXIT.invalid);
  const cmd = parsed.command;
  if (cmd.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  const opts = checkOptions(cmd);
  if (typeof opts === 'string') return fail(opts, EXIT.invalid);
  const colour = process.stdout.isTTY && !process.env.NO_COLOR;

  if (cmd.kind === 'explain' && !cmd.target) {
    const [{ explain }, { renderExplain }, { ansiPaint, plainPaint }] = await Promise.all([
      import('../diagnose/index.js'), import('../format/cli-explain.js'), import('../format/cli-text.js'),
    ]);
    const answer = explain(cmd.text);
    process.stdout.write(cmd.json ? `${JSON.stringify(answer, null, 2)}\n` : renderExplain(answer, null, colour ? ansiPaint : plainPaint));
    return EXIT.ok;
  }

  const target = cmd.kind === 'check' ? cmd.target : (cmd.target ?? '');
  const symptom = cmd.kind === 'explain' ? cmd.text : undefined;
  // Before the engine is evaluated, so the name resolves while it loads.
  const lookup = (await import('./early-lookup.js')).startLookup(target, opts.sni);
  const { InvalidTargetError, runCheck } = await import('../check.js');
  const progress = progressLine();
  const onProgress = (e: ProgressEvent): void => {
    void loadOutput();
    progress.update(e);
  };
  const checking = runCheck(target, { ...opts, onProgress, symptom, ...(lookup ? { lookup } : {}) });
  let result;
  try {
    result = await checking;
  } catch (err) {
    progress.clear();
    if (err instanceof InvalidTargetError) return fail(err.message, EXIT.invalid);
    throw err;
  }
  progress.clear();
  const [{ explain }, { carryEvidence }, { ansiPaint, plainPaint, renderCheck }, { renderExplain }] = await loadOutput();
  const paint = colour ? ansiPaint : plainPaint;
  if (cmd.kind === 'explain') {
    const answer = carryEvidence(explain(cmd.text, result), result);
    process.stdout.write(cmd.json ? `${JSON.stringify({ ...answer, check: result }, null, 2)}\n` : renderExplain(answer, result, paint));
    return EXIT.ok;
  }
  process.stdout.write(cmd.json ? `${JSON.stringify(result, null, 2)}\n` : renderCheck(result, paint));
  return exitCodeFor(result);
}

// Exit explicitly once output is flushed: the verdict is final, and a socket a hostile peer keeps
// half-open must not keep the process alive past the deadline.
function exit(code: number): void {
  evidenceRuns.discardExcept(new Set());
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  exit(fail(`internal error, please report: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, EXIT.internal));
});
