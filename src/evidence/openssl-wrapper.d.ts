// openssl-wrapper 0.3.4 ships no types. Its exec(action, [stdin], options, callback) spawns
// `openssl` with an argument array: "a.b" → ["a", "-b"]; { key: value } → ["-key", value];
// { key: true } → ["-key"]; { key: false } → a bare "key" at the end. It writes stdin, ends it,
// and returns the ChildProcess.
declare module 'openssl-wrapper' {
  import type { ChildProcess } from 'node:child_process';

  export type OpensslOptionValue = string | boolean | string[];
  export type OpensslCallback = (err: (Error & { code?: number | null }) | null, stdout: Buffer) => void;

  export function exec(action: string, options: Record<string, OpensslOptionValue>, callback?: OpensslCallback): ChildProcess;
  export function exec(action: string, stdin: Buffer, options: Record<string, OpensslOptionValue>, callback?: OpensslCallback): ChildProcess;
}
