// The built CLI as a user runs it, against servers this file starts on 127.0.0.1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localhostCert, startNodeTls, startRawPeer, type Running } from './helpers/servers.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'tlscheck.mjs');

interface Run { code: number | null; stdout: string; stderr: string }
function cli(args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('tlscheck CLI', () => {
  const servers: Running[] = [];
  let good: Running;
  let tarpit: Running;
  let http: Running;
  let closedPort: number;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    good = await startNodeTls({ minVersion: 'TLSv1.2' }, (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nServer: test\r\nContent-Length: 0\r\n\r\n')));
    tarpit = await startRawPeer(() => undefined);
    http = await startRawPeer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    const gone = await startRawPeer(() => undefined);
    closedPort = gone.port;
    await gone.stop();
    servers.push(good, tarpit, http);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('checks a healthy TLS 1.2+1.3 server: one JSON document, exit 0 with its CA trusted', async () => {
    const r = await cli(['check', `127.0.0.1:${good.port}`, '--json', '--ca', localhostCert().certFile]);
    const json = JSON.parse(r.stdout);
    expect(json.target).toEqual({ host: '127.0.0.1', port: good.port, ip: '127.0.0.1', sni: null });
    expect(json.error).toBeNull();
    expect(json.protocols).toMatchObject({ SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
    expect(json.ciphers['TLSv1.3']).toContain('TLS_AES_128_GCM_SHA256');
    expect(json.renegotiation.secure).toBe(true);
    expect(json.certificate.trusted).toBe(true);
    expect(Array.isArray(json.findings)).toBe(true);
    expect(typeof json.durationMs).toBe('number');
    expect(r.code).toBe(0);
  });

  it('prints a verdict first for a person and exits 1 on an untrusted certificate', async () => {
    const r = await cli(['check', `127.0.0.1:${good.port}`]);
    expect(r.stdout.split('\n')[0]).toMatch(/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/Protocols/);
    expect(r.stdout).toMatch(/TLS 1\.3\s+yes/);
    expect(r.code).toBe(1);
  });

  it('gives a timeout error and exit 3 for a peer that never answers', async () => {
    const r = await cli(['check', `127.0.0.1:${tarpit.port}`, '--json', '--timeout-ms', '1500']);
    const json = JSON.parse(r.stdout);
    expect(json.error.code).toBe('timeout');
    expect(json.durationMs).toBeLessThan(5_000);
    expect(r.code).toBe(3);
  });

  it('recognises plain HTTP on the port', async () => {
    const r = await cli(['check', `127.0.0.1:${http.port}`, '--json']);
    const json = JSON.parse(r.stdout);
    expect(json.error.code).toBe('not-tls');
    expect(json.error.message).toMatch(/HTTP/);
    expect(r.code).toBe(3);
  });

  it('reports a closed port as refused', async () => {
    const r = await cli(['check', `127.0.0.1:${closedPort}`, '--json']);
    expect(JSON.parse(r.stdout).error.code).toBe('refused');
    expect(r.code).toBe(3);
  });

  it.each([
    ['empty', ''],
    ['port out of range', 'example.com:70000'],
    ['shell metacharacters', 'example.com;rm -rf /'],
  ])('refuses %s input with exit 2 and one line', async (_label, target) => {
    const r = await cli(['check', target]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^tlscheck: /);
  });

  it('explains an error text without a target', async () => {
    const r = await cli(['explain', '140000:error:0A000153:SSL routines::unsafe legacy renegotiation disabled']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/renegotiation/i);
  });

  it('exits 2 on empty explain input', async () => {
    const r = await cli(['explain', '']);
    expect(r.code).toBe(2);
  });
});
