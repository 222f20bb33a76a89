// Client simulation through the whole check: the finding, the Slack summary line and the CLI
// section, against a real TLS 1.3-only server.
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { renderCheck } from '../src/format/cli-text.js';
import { clientsText, summaryFields } from '../src/format/slack-result.js';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import tls from 'node:tls';
import { join } from 'node:path';
import { keepServers, startSServer, tempDir } from './helpers/servers.js';

async function sClient(port: number): Promise<string> {
  try {
    return (await promisify(execFile)('bash', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>&1`], { timeout: 15_000, encoding: 'utf8' })).stdout;
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

function nodeConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

const keep = keepServers();

describe('client simulation in the check', () => {
  it('TLS 1.3 only: Java 8, OpenSSL 1.0.2, Envoy\'s TLS 1.2 upstream default and Windows 10 Schannel cannot connect, said once in the summary and with reasons in the finding', async () => {
    const s = await keep(startSServer(['-tls1_3']));
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000 });
    const failing = r.clients?.filter((c) => c.connects === false).map((c) => c.id);
    expect(failing).toEqual(['java-8', 'openssl-1.0.2', 'envoy', 'windows-10']);
    const f = r.findings.find((x) => x.id === 'clients-cannot-connect');
    // Envoy's default upstream side is current (a service mesh in front of this server breaks): an error.
    expect(f).toMatchObject({ severity: 'error' });
    expect(f?.detail).toMatch(/^4 of \d+ common clients cannot connect: Java 8 .*\(no common protocol version \(alert 70 protocol_version\)\)/);
    expect(r.diagnoses?.find((d) => d.id === 'clients-cannot-connect')?.fixes.nginx?.[0]).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(summaryFields(r).join('\n')).toMatch(/\*Clients\*\n⚠️ \d+ of \d+ common clients connect; ❌ Java 8 \(before 8u261, no TLS 1\.3\), OpenSSL 1\.0\.2 .*, Envoy upstream default/);
    expect(renderCheck(r)).toMatch(/Client simulation\n(.*\n)*.*✖ Java 8.*no common protocol version/);
  });

  it('RSA-1024 certificate: OpenSSL 3 (Debian, level 2) fails, as real s_client\'s verification does; Node.js 20 connects, as it really does', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'k.pem');
    const certFile = join(dir, 'c.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const s = await keep(startSServer(['-cipher', 'DEFAULT@SECLEVEL=0'], { cert: '', key: '', certFile, keyFile }));
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000 });
    const byId = new Map(r.clients?.map((c) => [c.id, c]));
    expect(byId.get('openssl-3')).toMatchObject({ connects: false, reason: expect.stringMatching(/1024-bit RSA key is below the 2048 bits/) });
    expect(byId.get('node-20')?.connects).toBe(true);
    expect(await sClient(s.port)).toMatch(/EE certificate key too weak/);
    expect(await nodeConnects(s.port)).toBe(true);
  });

  it('DHE-1024 without a measured DH size: unknown for the clients whose limit decides, never "connects"; s_client really fails', async () => {
    // Made once with `openssl dhparam -out dh1024.pem 1024` (safe-prime parameters; OpenSSL 3 ignores
    // -dsaparam ones for DHE and falls back to 2048 bits). Generating them per run takes seconds.
    const dh = join(import.meta.dirname, 'fixtures', 'dh1024.pem');
    const s = await keep(startSServer(['-tls1_2', '-dhparam', dh, '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0']));
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000 });
    const byId = new Map(r.clients?.map((c) => [c.id, c]));
    const dhMeasured = typeof (r.keyExchange as { dh?: { bits?: number } } | undefined)?.dh?.bits === 'number';
    expect(byId.get('openssl-3')).toMatchObject(dhMeasured
      ? { connects: false, reason: expect.stringMatching(/dh key too small/) }
      : { connects: null, reason: expect.stringMatching(/DH group reaches the 2048 bits/) });
    // Clients without DHE suites fail on the cipher, whatever the DH size.
    expect(byId.get('chrome')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common cipher suite/) });
    expect(await sClient(s.port)).toMatch(/dh key too small/);
  });

  it('the Slack line when every client connects, or some are unknown', () => {
    const base = { id: 'x', name: 'X', protocol: null, cipher: null, group: null, reason: null };
    expect(clientsText([{ ...base, connects: true }, { ...base, connects: true }])).toBe('✅ 2 of 2 common clients connect');
    expect(clientsText([{ ...base, connects: true }, { ...base, connects: null }])).toBe('✅ 1 of 2 common clients connect; 1 unknown');
  });
});
