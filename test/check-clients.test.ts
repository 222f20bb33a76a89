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
import { readFileSync, writeFileSync } from 'node:fs';
import { keepServers, startSServer, tempDir } from './helpers/servers.js';

async function sClient(port: number, extra = ''): Promise<string> {
  try {
    return (await promisify(execFile)('bash', ['-c', `openssl s_client -connect 127.0.0.1:${port} -servername localhost ${extra} </dev/null 2>&1`], { timeout: 15_000, encoding: 'utf8' })).stdout;
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

/** Node.js 20's tls.connect: without `ca`, certificate verification is off (handshake limits only). */
function nodeConnects(port: number, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...(ca ? { ca } : { rejectUnauthorized: false }) }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

/** gnutls-cli 3.7 verifying against `caFile`; its output. */
async function gnutlsCli(port: number, caFile: string): Promise<string> {
  const cmd = `gnutls-cli --x509cafile ${caFile} --port ${port} --sni-hostname localhost --verify-hostname localhost 127.0.0.1 </dev/null 2>&1`;
  try {
    return (await promisify(execFile)('bash', ['-c', cmd], { timeout: 15_000, encoding: 'utf8' })).stdout;
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

const keep = keepServers();

describe('client simulation in the check', () => {
  it('TLS 1.3 only: Java 8, Android 7, OpenSSL 1.0.2, Envoy\'s TLS 1.2 upstream default and Windows 10 and 7 Schannel cannot connect, said once in the summary and with reasons in the finding', async () => {
    const s = await keep(startSServer(['-tls1_3']));
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000 });
    const failing = r.clients?.filter((c) => c.connects === false).map((c) => c.id);
    expect(failing).toEqual(['java-8', 'android-7', 'openssl-1.0.2', 'envoy', 'windows-10', 'windows-7']);
    const f = r.findings.find((x) => x.id === 'clients-cannot-connect');
    // Envoy's default upstream side is current (a service mesh in front of this server breaks): an error.
    expect(f).toMatchObject({ severity: 'error' });
    // The version probe's hellos already found TLS 1.2 and below refused: those clients' verdicts rest on them.
    expect(f?.detail).toMatch(/^6 of 17 common clients cannot connect: Java 8 \(pre-8u261\) \(no common protocol version: the server refuses TLS 1\.2, TLS 1\.1, TLS 1\.0, all this client offers \(it speaks TLS 1\.3\)\); Android 7 \(/);
    expect(r.diagnoses?.find((d) => d.id === 'clients-cannot-connect')?.fixes.nginx?.[0]).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(summaryFields(r).join('\n')).toContain('*Clients*\n⚠️ 11 of 17 common clients connect; ❌ Java 8 (pre-8u261), Android 7, OpenSSL 1.0.2 (RHEL 7), Envoy (service mesh), Windows 10 (Schannel), Windows 7 (Schannel)');
    const cli = renderCheck(r);
    expect(cli).toMatch(/Client simulation\n(.*\n)*.*✖ Java 8 \(pre-8u261\) +no common protocol version/);
    expect(cli).toMatch(/✖ Android 7 +no common protocol version/);
    expect(cli).toMatch(/✖ Windows 7 \(Schannel\) +no common protocol version/);
    expect(cli).toMatch(/✔ Safari 17 +TLSv1\.3 TLS_AES_\w+ x25519/);
    expect(cli).toMatch(/✔ Android 11 +TLSv1\.3 /);
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
    // Apple requires 2048 bits of every TLS server certificate; Java, Go and Windows stop at 1024.
    expect(byId.get('safari')).toMatchObject({ connects: false, reason: expect.stringMatching(/1024-bit RSA key is below the 2048 bits/) });
    for (const id of ['java-17', 'go', 'windows-10']) expect(byId.get(id)?.connects, id).toBe(true);
    expect(await sClient(s.port)).toMatch(/EE certificate key too weak/);
    expect(await nodeConnects(s.port)).toBe(true);
  });

  it('DHE-1024: the measured DH size decides: OpenSSL 3 (Debian) fails as real s_client does, Node.js 20 connects as it really does', async () => {
    // Made once with `openssl dhparam -out dh1024.pem 1024` (safe-prime parameters; OpenSSL 3 ignores
    // -dsaparam ones for DHE and falls back to 2048 bits). Generating them per run takes seconds.
    const dh = join(import.meta.dirname, 'fixtures', 'dh1024.pem');
    const s = await keep(startSServer(['-tls1_2', '-dhparam', dh, '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0']));
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000 });
    const byId = new Map(r.clients?.map((c) => [c.id, c]));
    // The key-exchange probe measured the group (applied before the client simulation): a verdict, not "unknown".
    expect(r.keyExchange?.dh).toMatchObject({ bits: 1024 });
    expect(byId.get('openssl-3')).toMatchObject({ connects: false, reason: 'DH 1024 bits is below the 2048 bits this client accepts ("dh key too small")' });
    // Java's limit is 1024 bits: it connects, as Node.js 20 (security level 1) does.
    expect(byId.get('java-17')).toMatchObject({ connects: true, cipher: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256' });
    expect(byId.get('node-20')?.connects).toBe(true);
    expect(await nodeConnects(s.port)).toBe(true);
    // Clients without DHE suites fail on the cipher, whatever the DH size.
    expect(byId.get('chrome')).toMatchObject({ connects: false, reason: expect.stringMatching(/no common cipher suite/) });
    expect(await sClient(s.port)).toMatch(/dh key too small/);
  });

  it('a SHA-1 signed leaf under a private CA: the clients that refuse SHA-1 fail as real s_client, Node.js and gnutls-cli do; Java and Firefox (public roots only) and OpenSSL 1.x connect', async () => {
    const dir = tempDir();
    const f = (name: string): string => join(dir, name);
    const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore', timeout: 20_000 }); };
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=tlscheck test CA', '-sha256']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=localhost']);
    writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-days', '2', '-sha1', '-extfile', f('ext.cnf')]);
    // OpenSSL 3 will not even load a SHA-1 signed certificate above security level 0.
    const s = await keep(startSServer(['-cert_chain', f('ca.pem'), '-cipher', 'DEFAULT@SECLEVEL=0'], { cert: '', key: '', certFile: f('leaf.pem'), keyFile: f('leaf.key') }));
    const ca = readFileSync(f('ca.pem'), 'utf8');
    const r = await runCheck(`127.0.0.1:${s.port}`, { sni: 'localhost', timeoutMs: 15_000, ca: [ca] });
    expect(r.certificate).toMatchObject({ signatureAlgorithm: 'sha1WithRSAEncryption', publicRoot: false });
    const byId = new Map(r.clients?.map((c) => [c.id, c]));
    for (const id of ['chrome', 'safari', 'openssl-3', 'node-20', 'gnutls-3.7', 'go']) {
      expect(byId.get(id), id).toMatchObject({ connects: false, reason: 'certificate signature it rejects: CN=localhost is signed with SHA-1 (sha1WithRSAEncryption)' });
    }
    for (const id of ['firefox', 'java-11', 'java-17', 'openssl-1.1.1', 'openssl-1.0.2', 'android-11']) expect(byId.get(id)?.connects, id).toBe(true);
    expect(r.findings.find((x) => x.id === 'clients-cannot-connect')?.detail).toMatch(/certificate signature it rejects: CN=localhost is signed with SHA-1/);
    // The real clients, trusting the same CA: OpenSSL 3 at Debian's level 2 and at level 1 (Node's), and GnuTLS refuse;
    // OpenSSL without a SHA-1 limit (level 0, as 1.0.2 has no levels) accepts.
    const verify = (extra: string): Promise<string> => sClient(s.port, `-CAfile ${f('ca.pem')} -verify_return_error ${extra}`);
    expect(await verify('')).toMatch(/CA signature digest algorithm too weak/);
    expect(await verify('-cipher DEFAULT@SECLEVEL=0')).toMatch(/Verify return code: 0 \(ok\)/);
    expect(await nodeConnects(s.port, ca)).toBe(false);
    const gnutls = await gnutlsCli(s.port, f('ca.pem'));
    expect(gnutls).toMatch(/insecure algorithm/);
    expect(gnutls).not.toMatch(/Handshake was completed/);
  });

  it('the Slack line when every client connects, or some are unknown', () => {
    const base = { id: 'x', name: 'X', protocol: null, cipher: null, group: null, reason: null };
    expect(clientsText([{ ...base, connects: true }, { ...base, connects: true }])).toBe('✅ 2 of 2 common clients connect');
    expect(clientsText([{ ...base, connects: true }, { ...base, connects: null }])).toBe('✅ 1 of 2 common clients connect; 1 unknown');
  });
});
