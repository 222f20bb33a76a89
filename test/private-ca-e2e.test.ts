// The built CLI against a server under a private CA (leaf + intermediate served, root private):
// trusting the root with --ca and with NODE_EXTRA_CA_CERTS must give the same certificate verdict,
// never "does not send its intermediate" for a chain node trusts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeTls, type Running } from './helpers/servers.js';
import { createPki } from './helpers/pki.js';
import type { CheckResult } from '../src/types.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'tlscheck.mjs');

function cliJson(args: string[], env: Record<string, string> = {}): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout) as CheckResult);
      } catch {
        reject(err ?? new Error(`no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

describe('a private CA, trusted two ways', () => {
  const pki = createPki();
  let server: Running;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    server = await startNodeTls({ cert: pki.leaf.cert + pki.intermediate.cert, key: pki.leaf.key, minVersion: 'TLSv1.2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives the same certificate verdict with --ca and under NODE_EXTRA_CA_CERTS', async () => {
    const target = `127.0.0.1:${server.port}`;
    const args = ['check', target, '--json', '--no-evidence', '--timeout-ms', '20000'];
    const [withCa, nodeExtra] = await Promise.all([
      cliJson([...args, '--ca', pki.root.certFile]),
      cliJson(args, { NODE_EXTRA_CA_CERTS: pki.root.certFile }),
    ]);
    const certView = (r: CheckResult): unknown => ({
      trusted: r.certificate?.trusted,
      chainComplete: r.certificate?.chainComplete,
      chainIssues: r.certificate?.chainIssues,
      certFindings: r.findings.map((f) => f.id).filter((id) => id.startsWith('cert')).sort(),
    });
    expect(withCa.certificate).toMatchObject({ trusted: true, chainComplete: true });
    expect(certView(nodeExtra)).toEqual(certView(withCa));
    expect(JSON.stringify(nodeExtra.diagnoses ?? [])).not.toContain('does not send its intermediate');
  });
});
