// What an `openssl s_client` run showed, read from its output. Pure.
import type { OpensslRun } from './openssl.js';

export interface Observed {
  /** Output lines, trimmed, OpenSSL's per-thread hex prefix removed from error lines. */
  lines: string[];
  exitCode: number | null;
  timedOut: boolean;
  timeoutMs: number;
  /** The first completed handshake ("New, TLSv1.2, Cipher is X"), or null when none completed. */
  handshake: { line: string; protocol: string; cipher: string } | null;
}

// "40E7979C7C7F0000:error:0A000152:SSL routines:..." → "error:0A000152:SSL routines:...": the
// prefix is a thread id that differs on every run and says nothing.
const THREAD_PREFIX = /^[0-9A-F]{8,16}:(?=error:)/;
const HANDSHAKE = /^(?:New|Reused), (SSLv3|TLSv1(?:\.[0-3])?), Cipher is (\S+)/;
// s_client -showcerts prints each certificate as PEM; none of it is evidence.
const PEM_BODY = /^[A-Za-z0-9+/=]{40,}$/;

export function observe(run: Pick<OpensslRun, 'output' | 'exitCode' | 'timedOut'>, timeoutMs: number): Observed {
  const lines = run.output
    .split(/\r?\n/)
    .map((l) => l.trim().replace(THREAD_PREFIX, ''))
    .filter((l) => l !== '' && !PEM_BODY.test(l));
  let handshake: Observed['handshake'] = null;
  for (const line of lines) {
    const m = HANDSHAKE.exec(line);
    if (m?.[1] && m[2] && m[2] !== '(NONE)') {
      handshake = { line, protocol: m[1], cipher: m[2] };
      break;
    }
  }
  return { lines, exitCode: run.exitCode, timedOut: run.timedOut, timeoutMs, handshake };
}

export const isErrorLine = (l: string): boolean => /^error:|:error:|errno=\d+/.test(l);

/** What a failed handshake looks like when no error line says more. */
export function failureLine(o: Observed): string | null {
  return o.lines.find(isErrorLine) ?? (o.handshake ? null : (o.lines.find((l) => /^New, \(NONE\)/.test(l)) ?? null));
}
