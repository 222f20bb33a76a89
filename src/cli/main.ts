#!/usr/bin/env node
// The `tlscheck` command: the engine, the knowledge base and the terminal renderers, bundled into
// one file (dist/tlscheck.mjs) so it starts fast. Nothing of Slack, Redis or BullMQ is imported.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCli, USAGE, type CliCommand } from './args.js';
import { EXIT, exitCodeFor } from '../verdict.js';
import { InvalidTargetError, runCheck, type CheckOptions, type ProgressEvent } from '../check.js';
import { explain } from '../diagnose/index.js';
import { carryEvidence } from '../evidence/index.js';
import { ansiPaint, plainPaint, renderCheck } from '../format/cli-text.js';
import { renderExplain } from '../format/cli-explain.js';
import pkg from '../../package.json' with { type: 'json' };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function fail(message: string, code: number): number {
  process.stderr.write(`tlscheck: ${message}\n`);
  return code;
}

async function readCa(file: string): Promise<string[] | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
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

async function checkOptions(cmd: Extract<CliCommand, { kind: 'check' | 'explain' }>): Promise<CheckOptions | string> {
  const opts: CheckOptions = { sni: cmd.sni, timeoutMs: cmd.timeoutMs, ocspFetch: cmd.ocsp === true };
  if (cmd.caFile) {
    const ca = await readCa(cmd.caFile);
    if (typeof ca === 'string') return ca;
    opts.ca = ca;
  }
  // An absolute path: s_client gets it as -CAfile, and a path starting with '-' never reaches it.
  if (cmd.evidence) opts.evidence = { caFile: cmd.caFile ? resolve(cmd.caFile) : undefined };
  return opts;
}

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
  const paint = process.stdout.isTTY && !process.env.NO_COLOR ? ansiPaint : plainPaint;
  const opts = await checkOptions(cmd);
  if (typeof opts === 'string') return fail(opts, EXIT.invalid);

  if (cmd.kind === 'explain' && !cmd.target) {
    const answer = explain(cmd.text);
    process.stdout.write(cmd.json ? `${JSON.stringify(answer, null, 2)}\n` : renderExplain(answer, null, paint));
    return EXIT.ok;
  }

  const target = cmd.kind === 'check' ? cmd.target : (cmd.target ?? '');
  const progress = progressLine();
  let result;
  try {
    result = await runCheck(target, { ...opts, onProgress: progress.update, symptom: cmd.kind === 'explain' ? cmd.text : undefined });
  } catch (err) {
    progress.clear();
    if (err instanceof InvalidTargetError) return fail(err.message, EXIT.invalid);
    throw err;
  }
  progress.clear();
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
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  exit(fail(`internal error, please report: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, EXIT.internal));
});
