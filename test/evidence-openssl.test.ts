// src/evidence/openssl.ts, the one module that runs the openssl binary (through openssl-wrapper):
// a stand-in `openssl` on PATH shows exactly what is spawned, that stdin is closed, that a child
// past its time is killed, and that a missing binary is a reason, not a crash.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argvOf, opensslVersion, runOpenssl, unsafeArgument } from '../src/evidence/openssl.js';
import { tempDir } from './helpers/servers.js';

const FAKE = `#!/bin/sh
if [ "$1" = version ]; then echo "OpenSSL 9.9.9 1 Jan 2030 (fake)"; exit 0; fi
if [ "$3" = hang ]; then exec sleep 30; fi
for a in "$@"; do echo "arg:$a"; done
# Reads stdin to its end: returns only because the caller closed it.
echo "stdin:$(cat | tr '\\n' '|')"
echo "to stderr" >&2
exit 3
`;

let savedPath: string | undefined;
let fakeDir: string;

beforeEach(() => {
  savedPath = process.env.PATH;
  fakeDir = tempDir();
  const file = join(fakeDir, 'openssl');
  writeFileSync(file, FAKE);
  chmodSync(file, 0o755);
  process.env.PATH = `${fakeDir}:${savedPath ?? ''}`;
});

afterEach(() => {
  process.env.PATH = savedPath;
});

describe('runOpenssl', () => {
  const args = [['connect', '127.0.0.1:4433'], ['servername', 'example.com'], ['tls1_2'], ['cipher', 'DEFAULT@SECLEVEL=0']] as const;

  it('spawns exactly the argument array argvOf renders, with no shell in between', async () => {
    const out = await runOpenssl('s_client', [...args, ['verify_hostname', 'a b;$(touch x)']], { timeoutMs: 5_000 });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const spawned = out.run.output.split('\n').filter((l) => l.startsWith('arg:')).map((l) => l.slice(4));
    expect(spawned).toEqual(argvOf('s_client', [...args, ['verify_hostname', 'a b;$(touch x)']]));
    expect(spawned).toEqual(['s_client', '-connect', '127.0.0.1:4433', '-servername', 'example.com', '-tls1_2', '-cipher', 'DEFAULT@SECLEVEL=0', '-verify_hostname', 'a b;$(touch x)']);
  });

  it('closes stdin at once, or after writing what it was given', async () => {
    const none = await runOpenssl('s_client', args, { timeoutMs: 5_000 });
    const typed = await runOpenssl('s_client', args, { stdin: 'R\n', timeoutMs: 5_000 });
    expect(none.ok && none.run.output).toContain('stdin:\n');
    expect(typed.ok && typed.run.output).toContain('stdin:R|');
  });

  it('keeps stderr and the exit status even when openssl fails', async () => {
    const out = await runOpenssl('s_client', args, { timeoutMs: 5_000 });
    expect(out.ok && out.run.exitCode).toBe(3);
    expect(out.ok && out.run.output).toContain('to stderr');
  });

  it('kills a child that outlives its timeout', async () => {
    const out = await runOpenssl('s_client', [['connect', 'hang']], { timeoutMs: 300 });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.run.timedOut).toBe(true);
    expect(out.run.exitCode).toBeNull();
  });

  it('kills the child when the caller aborts', async () => {
    const ac = new AbortController();
    const running = runOpenssl('s_client', [['connect', 'hang']], { timeoutMs: 20_000, signal: ac.signal });
    ac.abort();
    expect(await running).toEqual({ ok: false, reason: 'the check was cancelled' });
  });

  it('answers "not installed" when there is no openssl on PATH', async () => {
    process.env.PATH = join(fakeDir, 'nowhere');
    expect(await runOpenssl('s_client', args, { timeoutMs: 5_000 })).toEqual({ ok: false, reason: 'openssl is not installed (not found on PATH)' });
    expect(await opensslVersion()).toBeNull();
  });

  it('reads the version', async () => {
    expect(await opensslVersion()).toBe('OpenSSL 9.9.9');
  });

  it('refuses any value that could be read as an option, before spawning', async () => {
    expect(unsafeArgument('s_client', [['connect', '-proxy']])).toBe('-proxy');
    expect(unsafeArgument('s_client', [['servername', 'a\nb']])).toBe('a\nb');
    expect(unsafeArgument('s_client', [['connect;rm', 'x']])).toBe('connect;rm');
    expect(unsafeArgument('s_client', args)).toBeNull();
    expect(await runOpenssl('s_client', [['servername', '-evil']], { timeoutMs: 5_000 })).toEqual({ ok: false, reason: 'refused to pass "-evil" to openssl' });
  });
});
