// The one place that runs the `openssl` binary, through openssl-wrapper (the design card's choice).
// The package builds an argument array and spawns without a shell, writes stdin and closes it.
// It has no timeout, ignores the child's 'error' event (a missing binary would crash the process)
// and drops stderr on success, so this module adds a hard timeout that kills the child, handles
// spawn errors as "not installed", and reads both streams itself.
import { exec, type OpensslOptionValue } from 'openssl-wrapper';

/** Options after the action, in order: [flag without '-', value] or [flag] for a bare switch. */
export type OpensslArgs = ReadonlyArray<readonly [flag: string, value?: string]>;

export interface OpensslRun {
  /** Exit status; null when killed (timeout, abort, output cap). */
  exitCode: number | null;
  timedOut: boolean;
  /** stdout and stderr interleaved in arrival order, as a terminal would show them. */
  output: string;
  durationMs: number;
}

export type OpensslOutcome = { ok: true; run: OpensslRun } | { ok: false; reason: string };

export interface RunOptions {
  /** Written to stdin, which is then closed; without it stdin is closed at once. */
  stdin?: string;
  /** Hard limit: the child is killed (SIGKILL) when it passes. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A hostile server could make s_client print without end; what matters is in the first lines. */
const MAX_OUTPUT = 256 * 1024;
const FLAG = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Values come from the target parser and the resolver (addresses, names, ports) and from our own
 * tables; none may look like an option. Checked here too, so no caller can get it wrong.
 */
export function unsafeArgument(action: string, args: OpensslArgs): string | null {
  if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$/.test(action)) return action;
  for (const [flag, value] of args) {
    if (!FLAG.test(flag)) return flag;
    if (value !== undefined && (value === '' || value.startsWith('-') || /[\0\r\n]/.test(value))) return value;
  }
  return null;
}

/** The wrapper's option object. Keys keep insertion order (no flag is numeric), repeats become arrays. */
export function toWrapperOptions(args: OpensslArgs): Record<string, OpensslOptionValue> {
  const options: Record<string, OpensslOptionValue> = {};
  for (const [flag, value] of args) {
    const prev = options[flag];
    if (value === undefined) options[flag] = true;
    else if (typeof prev === 'string') options[flag] = [prev, value];
    else if (Array.isArray(prev)) prev.push(value);
    else options[flag] = value;
  }
  return options;
}

/** The argv openssl-wrapper spawns for these options (its mapping, restated for the paste-able command). */
export function argvOf(action: string, args: OpensslArgs): string[] {
  const argv = action.split('.').map((part, i) => (i === 0 ? part : `-${part}`));
  for (const [flag, value] of Object.entries(toWrapperOptions(args))) {
    if (value === true) argv.push(`-${flag}`);
    else if (Array.isArray(value)) for (const v of value) argv.push(`-${flag}`, v);
    else if (typeof value === 'string') argv.push(`-${flag}`, value);
  }
  return argv;
}

export function runOpenssl(action: string, args: OpensslArgs, opts: RunOptions): Promise<OpensslOutcome> {
  const bad = unsafeArgument(action, args);
  if (bad !== null) return Promise.resolve({ ok: false, reason: `refused to pass ${JSON.stringify(bad)} to openssl` });
  if (opts.signal?.aborted) return Promise.resolve({ ok: false, reason: 'the check was cancelled' });
  const started = performance.now();
  return new Promise((resolve) => {
    const options = toWrapperOptions(args);
    const child = opts.stdin === undefined ? exec(action, options) : exec(action, Buffer.from(opts.stdin), options);
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let settled = false;
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const onData = (chunk: Buffer): void => {
      if (size >= MAX_OUTPUT) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_OUTPUT) kill();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, Math.max(1, opts.timeoutMs));
    const onAbort = (): void => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (outcome: OpensslOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // The server may close first; a late stdin write must not become an uncaught EPIPE.
    child.stdin?.on('error', () => undefined);
    child.on('error', (err: NodeJS.ErrnoException) => {
      kill();
      done({ ok: false, reason: err.code === 'ENOENT' ? 'openssl is not installed (not found on PATH)' : `could not run openssl: ${err.message}` });
    });
    child.on('close', (code: number | null) => {
      if (opts.signal?.aborted && !timedOut) {
        done({ ok: false, reason: 'the check was cancelled' });
        return;
      }
      const output = Buffer.concat(chunks).toString('utf8');
      done({ ok: true, run: { exitCode: code, timedOut, output, durationMs: Math.round(performance.now() - started) } });
    });
  });
}

let version: Promise<string | null> | undefined;

/** "OpenSSL 3.0.19" from `openssl version`, once per process; null when it cannot be read. */
export function opensslVersion(timeoutMs = 2_000): Promise<string | null> {
  version ??= runOpenssl('version', [], { timeoutMs }).then((o) => {
    const m = o.ok && o.run.exitCode === 0 ? /^(\S+ \d+\.\d+\.\d+\S*)/.exec(o.run.output.trim()) : null;
    if (!m) version = undefined; // not cached: openssl may be installed later, or was only slow
    return m?.[1] ?? null;
  });
  return version;
}
