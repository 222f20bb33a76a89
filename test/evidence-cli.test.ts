// The built CLI with OpenSSL evidence, against servers on 127.0.0.1: "OpenSSL 3.0.x says:" under
// the diagnosis, nothing of it with --no-evidence, and with `explain` the confirmed cause's output.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keepServers, startGnutlsServ, startSServer } from './helpers/servers.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'tlscheck.mjs');
const keep = keepServers();

function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout });
    });
  });
}

describe('tlscheck CLI with OpenSSL evidence', () => {
  let legacy: number;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    legacy = (await keep(startGnutlsServ(['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']))).port;
  });

  it('prints what OpenSSL says under the diagnosis', async () => {
    const r = await cli(['check', `127.0.0.1:${legacy}`, '--sni', 'localhost']);
    expect(r.stdout).toMatch(/OpenSSL 3\.\d+\.\d+ says: \(exit 1, \d+ ms\)\n +\$ openssl s_client -connect 127\.0\.0\.1:\d+ -servername localhost -tls1_2 <\/dev\/null\n +error:0A000152:SSL routines:[a-z_]*:unsafe legacy renegotiation disabled/);
  });

  it('--no-evidence: no OpenSSL run, in text or JSON', async () => {
    const text = await cli(['check', `127.0.0.1:${legacy}`, '--sni', 'localhost', '--no-evidence']);
    expect(text.stdout).toMatch(/Secure renegotiation \(RFC 5746\): no/);
    expect(text.stdout).not.toMatch(/says:/);
    const json = JSON.parse((await cli(['check', `127.0.0.1:${legacy}`, '--json', '--no-evidence'])).stdout);
    expect(json.diagnoses.some((d: object) => 'evidence' in d)).toBe(false);
  });

  it('--json: evidence { command, exitCode, excerpt } on the diagnosis', async () => {
    const json = JSON.parse((await cli(['check', `127.0.0.1:${legacy}`, '--sni', 'localhost', '--json'])).stdout);
    const d = json.diagnoses.find((x: { id: string }) => x.id === 'renegotiation-insecure');
    expect(d.evidence).toMatchObject({ command: `openssl s_client -connect 127.0.0.1:${legacy} -servername localhost -tls1_2 </dev/null`, exitCode: 1, confirms: true });
    expect(d.evidence.excerpt).toMatch(/unsafe legacy renegotiation disabled/);
  });

  it('explain with a target: the confirmed cause carries OpenSSL\'s refusal', async () => {
    const srv = await keep(startSServer());
    const r = await cli(['explain', 'error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation', `127.0.0.1:${srv.port}`, '--sni', 'localhost']);
    expect(r.stdout).toMatch(/\[confirmed by the live check\][\s\S]*OpenSSL 3\.\d+\.\d+ says:[\s\S]*RENEGOTIATING\n(?:.*\n)*? +error:0A000153:SSL routines:ssl3_read_bytes:no renegotiation/);
    expect(r.code).toBe(0);
  });
});
