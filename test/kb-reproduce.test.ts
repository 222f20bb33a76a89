// Issue 13: every reproduce command in the knowledge base is run, as rendered for a target,
// against a local server that has the problem (it must show the symptom) and one that does not
// (it must not). Commands that cannot run here say why below. Only 127.0.0.1 is contacted.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { renderReproduce } from '../src/diagnose/reproduce.js';
import { createPki, type Issued } from './helpers/pki.js';
import { freePort, startGnutlsServ, startRawPeer, startSServer, tempDir, waitForListen, type Running } from './helpers/servers.js';
import { startProxy } from './helpers/tcp-proxy.js';

const pki = createPki();
const work = tempDir();
// The user's system store trusts their CA; here the test root plays that part.
const trust = pki.bundle('trust', [pki.root]);
const noTrust = join(work, 'empty.pem');
writeFileSync(noTrust, '');
// Files the commands name relative to the working directory (client certificate tests).
writeFileSync(join(work, 'client.pem'), pki.selfSigned.cert);
writeFileSync(join(work, 'client.key'), pki.selfSigned.key);
const chain = pki.bundle('chain', [pki.intermediate]);

const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
});
async function keep<T extends Running>(p: Promise<T>): Promise<T> {
  const r = await p;
  running.push(r);
  return r;
}

interface Target extends Running {
  sni?: string;
  /** Trust store for this run: the test root unless the case is about trust. */
  caFile?: string;
}

/** `openssl s_server` with a leaf from the test PKI and its intermediate, plus extra options. */
function sserver(args: string[] = [], cert: Issued = pki.leaf, withChain = true): Promise<Target> {
  return keep(startSServer([...(withChain ? ['-cert_chain', chain] : []), ...args], cert));
}

/** gnutls-serv sends only its certificate file: give it the leaf followed by the intermediate. */
function withChain(cert: Issued): Issued {
  return { ...cert, certFile: pki.bundle(`${cert.name}-with-chain`, [cert, pki.intermediate]) };
}

function gnutls(args: string[], cert: Issued = withChain(pki.leaf)): Promise<Target> {
  return keep(startGnutlsServ(args, cert));
}

function weakKeyCert(): Issued {
  if (!pki.rsa1024) throw new Error('this OpenSSL refuses to make a 1024-bit RSA certificate');
  return pki.rsa1024;
}

/** A Node.js https server: 3 client renegotiations per 10 minutes, then the connection is closed. */
async function nodeHttps(): Promise<Target> {
  const sockets = new Set<{ destroy: () => void; on: (e: 'close', f: () => void) => unknown }>();
  const server = https.createServer({ key: pki.rsa2048.key, cert: pki.rsa2048.cert + pki.intermediate.cert }, (_q, res) => res.end('ok'));
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return keep(Promise.resolve({
    port,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  }));
}

/** A long-running server process started on a free port, stopped with SIGTERM at the end. */
async function daemon(cmd: string, args: (port: number, dir: string) => string[], env: NodeJS.ProcessEnv = {}): Promise<Target> {
  const port = await freePort();
  const dir = tempDir();
  const child = spawn(cmd, args(port, dir), { cwd: dir, env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, ...env }, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  running.push({ port, stop });
  await waitForListen(port);
  return { port, stop };
}

/** nginx refusing handshakes without a known name (ssl_reject_handshake, nginx 1.19.4+). */
function nginxStrictSni(): Promise<Target> {
  return daemon('nginx', (port, dir) => {
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, [
      `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'events {}', 'http {', `  access_log off;`,
      `  server { listen 127.0.0.1:${port} ssl default_server; ssl_reject_handshake on; }`,
      `  server { listen 127.0.0.1:${port} ssl; server_name localhost; ssl_certificate ${withChain(pki.leaf).certFile}; ssl_certificate_key ${pki.leaf.keyFile}; }`,
      '}',
    ].join('\n'));
    return ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'];
  });
}

/** Caddy 2 (Go crypto/tls) serving one name: any other name gets alert 80 internal_error. */
function caddyOneName(sni: string): Promise<Target> {
  return daemon('caddy', (port, dir) => {
    const conf = join(dir, 'Caddyfile');
    writeFileSync(conf, [
      '{', '  admin off', '  auto_https off', `  storage file_system ${dir}/data`, '}',
      `https://localhost:${port} {`, '  bind 127.0.0.1', `  tls ${withChain(pki.leaf).certFile} ${pki.leaf.keyFile}`, '  respond "ok"', '}',
    ].join('\n'));
    return ['run', '--config', conf, '--adapter', 'caddyfile'];
  }).then((t) => ({ ...t, sni }));
}

const closedPort = async (): Promise<Target> => {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return { port, stop: async () => undefined };
};
const plainHttp = (): Promise<Target> => keep(startRawPeer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))));
const tarpit = (): Promise<Target> => keep(startRawPeer(() => undefined));
const resetter = (): Promise<Target> => keep(startRawPeer((s) => s.once('data', () => s.resetAndDestroy())));
/**
 * Two servers with their own session caches and ticket keys behind one address, weighted 2:1:
 * a session resumes on its own backend and not on the other, so New and Reused alternate.
 */
async function unevenBackends(): Promise<Target> {
  const a = await sserver();
  const b = await sserver();
  return keep(startProxy([a.port, a.port, b.port]));
}

interface Run {
  out: string;
  code: number | null;
}

/** Runs the rendered command with bash in the working folder, bounded in time. */
function run(cmd: string, caFile: string, killAfterMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', cmd], {
      cwd: work,
      env: { ...process.env, SSL_CERT_FILE: caFile, CURL_CA_BUNDLE: caFile, SSL_CERT_DIR: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

function commandFor(id: string, t: Target): string {
  const entry = KNOWLEDGE_BASE.find((e) => e.id === id);
  if (!entry) throw new Error(`no entry ${id}`);
  let cmd = renderReproduce(entry.reproduce, { host: '127.0.0.1', port: t.port, sni: t.sni ?? 'localhost' });
  // gnutls-cli reads only the system store; hand it the same trust the other clients get from SSL_CERT_FILE.
  cmd = cmd.replace(/^gnutls-cli /gm, `gnutls-cli --x509cafile=${t.caFile ?? trust} `);
  return cmd;
}

type Symptom = RegExp | ((out: string) => boolean);
const shows = (s: Symptom, out: string): boolean => (typeof s === 'function' ? s(out) : s.test(out));

interface Case {
  problem: () => Promise<Target>;
  healthy: () => Promise<Target>;
  symptom: Symptom;
  /** Stop the command early: its symptom is printed by then (curl --http2 waits on a server that speaks no HTTP/2). */
  killAfterMs?: number;
}

const DAY = 86_400_000;
/**
 * A completed TLS 1.0 or 1.1 handshake. s_client's "New, ..." line names the version a cipher first
 * appeared in (TLSv1.0 even on TLS 1.1); the session's Protocol line is the negotiated one.
 */
const LEGACY_HANDSHAKE = /Protocol\s+: TLSv1(\.1)?\s*\n\s*Cipher\s+: (?!0000)/;
function dateAfter(out: string, field: 'notAfter' | 'notBefore'): number {
  const m = new RegExp(`${field}=(.+)`).exec(out);
  return m?.[1] ? Date.parse(m[1]) : NaN;
}
const renegotiatedFine = (out: string): boolean => /RENEGOTIATING/.test(out) && !/no renegotiation|alert|errno|error:/i.test(out.split('RENEGOTIATING').slice(1).join(''));

/** Cases by entry id: a server with the problem, one without, and what the command prints for it. */
const CASES: Record<string, Case> = {
  'connection-refused': { problem: closedPort, healthy: () => sserver(['-www']), symptom: /Connection refused|Couldn't connect/ },
  'connection-timeout': { problem: tarpit, healthy: () => sserver(['-www']), symptom: /Connection timed out|SSL connection timeout|Operation timed out|curl: \(28\)/ },
  'not-tls': { problem: plainHttp, healthy: () => sserver(), symptom: /wrong version number|packet length too long/ },
  'middlebox-interference': { problem: resetter, healthy: () => sserver(), symptom: /Connection reset|errno=104|unexpected eof/ },
  'protocol-server-too-old': {
    problem: () => sserver(['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']),
    healthy: () => sserver(['-www']),
    symptom: /protocol version|unsupported protocol|no protocols available/,
  },
  'no-common-cipher': {
    problem: () => sserver(['-www', '-tls1_2', '-cipher', 'AES256-SHA'], pki.rsa2048),
    healthy: () => sserver(['-www'], pki.rsa2048),
    symptom: /handshake failure|no shared cipher|Cipher is \(NONE\)/,
  },
  'renegotiation-insecure': {
    problem: () => gnutls(['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']),
    healthy: () => sserver(),
    symptom: /unsafe legacy renegotiation disabled/,
  },
  'weak-dh': {
    problem: () => sserver(['-tls1_2', '-dhparam', dhParams(1024), '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'], pki.rsa2048),
    healthy: () => sserver(['-tls1_2', '-dhparam', dhParams(2048), '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], pki.rsa2048),
    symptom: /dh key too small/,
  },
  'cert-expired': { problem: () => sserver([], pki.expired), healthy: () => sserver(), symptom: (o) => dateAfter(o, 'notAfter') < Date.now() },
  'cert-not-yet-valid': { problem: () => sserver([], pki.notYetValid), healthy: () => sserver(), symptom: (o) => dateAfter(o, 'notBefore') > Date.now() },
  'cert-expiring': {
    // The test PKI's leaf runs 90 days; the self-signed one 30.
    problem: () => sserver([], pki.selfSigned, false),
    healthy: () => sserver(),
    symptom: (o) => dateAfter(o, 'notAfter') - Date.now() <= 30 * DAY,
  },
  'cert-hostname-mismatch': { problem: () => sserver([], pki.wrongHost), healthy: () => sserver(), symptom: /hostname mismatch/ },
  'cert-chain-incomplete': { problem: () => sserver([], pki.leaf, false), healthy: () => sserver(), symptom: /Verify return code: (20|21) / },
  'cert-untrusted': { problem: async () => ({ ...(await sserver()), caFile: noTrust }), healthy: () => sserver(), symptom: /Verify return code: (19|20) / },
  'cert-self-signed': { problem: () => sserver([], pki.selfSigned, false), healthy: () => sserver(), symptom: /Verify return code: 18 / },
  // OpenSSL 3 at level 2 will not even load these certificates as a server; GnuTLS serves them.
  'cert-weak-signature': { problem: () => gnutls([], withChain(pki.sha1)), healthy: () => sserver(), symptom: /Signature Algorithm: \S*sha1/i },
  'cert-weak-key': {
    problem: () => gnutls([], withChain(weakKeyCert())),
    healthy: () => sserver([], pki.rsa2048),
    symptom: /Public-Key: \(1024 bit\)/,
  },
  'cert-chain-order': {
    // The root before the intermediate: depth 1 does not certify depth 0.
    problem: () => keep(startSServer(['-cert_chain', pki.bundle('wrong-order', [pki.root, pki.intermediate])], pki.leaf)),
    healthy: () => sserver(),
    symptom: (o) => {
      const issuer0 = /^ 0 s:.*\n\s+i:(.*)$/m.exec(o)?.[1]?.trim();
      const subject1 = /^ 1 s:(.*)$/m.exec(o)?.[1]?.trim();
      return issuer0 !== undefined && subject1 !== undefined && issuer0 !== subject1;
    },
  },
  'renegotiation-refused': { problem: () => sserver(), healthy: () => sserver(['-client_renegotiation']), symptom: /no renegotiation/ },
  'renegotiation-client-accepted': { problem: () => sserver(['-client_renegotiation']), healthy: () => sserver(), symptom: renegotiatedFine },
  'renegotiation-limited': {
    problem: nodeHttps,
    healthy: () => sserver(['-client_renegotiation']),
    // Five renegotiations asked for; the capped server cuts the connection before the last one.
    symptom: (o) => (o.match(/RENEGOTIATING/g) ?? []).length < 5 || /closed|errno|unexpected eof/.test(o.split('RENEGOTIATING').pop() ?? ''),
  },
  'cipher-insecure': {
    problem: () => sserver(['-tls1_2', '-cipher', 'NULL-SHA256:@SECLEVEL=0'], pki.rsa2048),
    healthy: () => sserver([], pki.rsa2048),
    symptom: /Cipher is \S*NULL/,
  },
  'cipher-weak': {
    problem: () => gnutls(['--priority', 'NORMAL:+3DES-CBC']),
    healthy: () => gnutls(['--priority', 'NORMAL']),
    symptom: /Description: .*\((3DES-CBC|ARCFOUR-128)\)/,
  },
  'cipher-no-forward-secrecy': {
    problem: () => sserver(['-tls1_2', '-cipher', 'AES128-GCM-SHA256'], pki.rsa2048),
    healthy: () => sserver(['-tls1_2', '-cipher', 'ECDHE+AESGCM'], pki.rsa2048),
    symptom: /Cipher is AES128-GCM-SHA256/,
  },
  'cipher-cbc-only': {
    problem: () => sserver(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA']),
    healthy: () => sserver(),
    symptom: /handshake failure|no shared cipher/,
  },
  'protocol-legacy-tls': {
    problem: () => sserver(['-cipher', 'DEFAULT@SECLEVEL=0', '-min_protocol', 'TLSv1'], pki.rsa2048),
    healthy: () => sserver([], pki.rsa2048),
    symptom: LEGACY_HANDSHAKE,
  },
  'mozilla-intermediate': {
    problem: () => sserver(['-cipher', 'DEFAULT@SECLEVEL=0', '-min_protocol', 'TLSv1.1'], pki.rsa2048),
    healthy: () => sserver([], pki.rsa2048),
    symptom: LEGACY_HANDSHAKE,
  },
  'protocol-client-too-old': {
    problem: () => sserver([], pki.rsa2048),
    healthy: () => sserver(['-cipher', 'DEFAULT@SECLEVEL=0', '-min_protocol', 'TLSv1.1'], pki.rsa2048),
    // OpenSSL 3 servers answer a TLS 1.1 ClientHello with alert 70 or 80.
    symptom: /protocol version|unsupported protocol|no protocols available|alert internal error/,
  },
  'java-protocol-disabled': {
    // The symptom is the server speaking TLS 1.2: the fault is in the client's JVM.
    problem: () => sserver(),
    healthy: () => sserver(['-tls1_3']),
    symptom: /New, TLSv1\.2, Cipher is (?!\(NONE\))/,
  },
  'resumption-inconsistent': { problem: unevenBackends, healthy: () => sserver(), symptom: /Reused,[\s\S]*\nNew,/ },
  'resumption-tickets-rejected': { problem: () => sserver(['-no_ticket', '-no_cache']), healthy: () => sserver(), symptom: /^New,[\s\S]*^New,/m },
  'resumption-none': { problem: () => sserver(['-no_ticket', '-no_cache']), healthy: () => sserver(), symptom: /^New,[\s\S]*^New,/m },
  'ocsp-not-stapled': {
    problem: () => sserver(),
    healthy: () => sserver(['-status_file', pki.ocspResponse(pki.leaf)]),
    symptom: /OCSP response: no response sent/,
  },
  'alpn-no-h2': { problem: () => sserver(['-www']), healthy: () => sserver(['-www', '-alpn', 'h2']), symptom: /No ALPN negotiated/, killAfterMs: 4000 },
  'sni-default-certificate': {
    // Without SNI the server answers with another site's certificate.
    problem: () => sserver(['-servername', 'localhost', '-cert2', pki.leaf.certFile, '-key2', pki.leaf.keyFile], pki.wrongHost),
    healthy: () => sserver(),
    symptom: (o) => !/CN ?= ?localhost/.test(o),
  },
  'sni-required': { problem: nginxStrictSni, healthy: () => sserver(), symptom: /unrecognized name|alert internal error|handshake failure/ },
  'alert-internal-error': { problem: () => caddyOneName('other.localhost'), healthy: () => caddyOneName('localhost'), symptom: /alert internal error/ },
  'client-certificate-rejected': {
    // The server wants a certificate from the test root; ./client.pem is self-signed. Over TLS 1.3 the
    // alert comes after the client's Finished, when s_client has already left: TLS 1.2 shows it.
    problem: () => sserver(['-tls1_2', '-Verify', '1', '-CAfile', trust, '-verify_return_error']),
    healthy: () => sserver(),
    // The command prints the CAs the server asks for (the request is the problem's mark).
    symptom: /Acceptable client certificate CA names\n\S/,
  },
};

/** Entries whose command cannot meet a server with the problem here, and why. */
const NOT_RUN: Record<string, string> = {
  'dns-failure': 'dig asks a DNS resolver off this host; tests contact 127.0.0.0/8 only',
  'target-blocked': "tlscheck's own address policy, not a server problem: the command is a plain handshake",
  'protocol-ssl-enabled': 'needs an OpenSSL built with SSLv3 (the command says so); OpenSSL 3 on Debian and GnuTLS 3.7 have none',
  'fallback-scsv-missing': 'every TLS library installed here honours TLS_FALLBACK_SCSV (RFC 7507); only the server without the problem is run',
  'renegotiation-server-initiated': 'needs httpd renegotiating for a per-directory SSLVerifyClient and a client certificate from its CA; the command is the fix, not a probe',
  'middlebox-large-hello': 'needs a path that drops large ClientHellos; test/check-middlebox.test.ts runs this command through a relay on 127.0.0.1 that swallows them',
  'middlebox-padded-hello': 'needs a path that drops padded ClientHellos; the middlebox probe itself is tested through relays in test/probe-middlebox.test.ts',
  'browser-hello-refused': 'needs a stack that refuses browser-like hellos (lighttpd + wolfSSL); covered by the probe tests in test/probe-middlebox.test.ts, the command is not run yet',
  'status-request-abort': 'needs lighttpd + wolfSSL without its issuer chain; the probe is tested against it in test/probe-alpn-ocsp.test.ts, the command is not run yet',
  'clients-cannot-connect': 'one command per failing client profile; the profiles are checked against openssl s_client, Node and gnutls-cli in test/probe-client-simulation*.test.ts',
  'cert-revoked': "needs an OCSP responder's revoked response stapled; test/revocation.test.ts builds one, this command is not run there yet",
  'must-staple-missing': 'needs a Must-Staple leaf; test/revocation.test.ts issues one, this command is not run there yet',
  'ct-missing': 'needs a certificate chaining to a public root; none can be issued here',
  'ocsp-status-unknown': 'needs an OCSP responder answering unknown; not built here yet',
  'ocsp-response-stale': 'openssl ocsp cannot back-date a response; test/revocation.test.ts shifts the clock instead',
  'ocsp-response-untrusted': 'needs a staple signed by another CA; test/revocation.test.ts builds one, this command is not run there yet',
  'dh-custom-group': 'test/probe-key-exchange.test.ts serves a custom 2048-bit group; this command is not run there yet',
  'post-quantum-key-exchange': 'no server here offers X25519MLKEM768 (OpenSSL 3.0 and GnuTLS 3.7 lack it); the probe is tested against a scripted server',
};
/** Of the NOT_RUN entries, those whose command still runs against a server without the problem. */
const HEALTHY_ONLY: Record<string, { healthy: () => Promise<Target>; symptom: Symptom }> = {
  'fallback-scsv-missing': { healthy: () => sserver(['-cipher', 'DEFAULT@SECLEVEL=0', '-min_protocol', 'TLSv1.1'], pki.rsa2048), symptom: LEGACY_HANDSHAKE },
};

/** A 1024-bit group made once with `openssl dhparam 1024`: generating one per run would block the suite. */
const DH_1024 = `-----BEGIN DH PARAMETERS-----
MIGHAoGBAPeZi18Dah2cmk0wL/15oD/hHxvHsy8t2QRrvslVlbqJPlT6tS/s4Bhx
cgm/cHAFkijx/gut1DWN28+BfOMX4U96EMJOxfA3kHEr1yS+INTdarD3HnLHV2I3
kGDfyd48isQC064ZuWbbf6VndR76tbjaqBObUzLeurjBEj/J4F9XAgEC
-----END DH PARAMETERS-----
`;
const dhFiles = new Map<number, string>();
function dhParams(bits: 1024 | 2048): string {
  let file = dhFiles.get(bits);
  if (!file) {
    file = join(work, `dh${bits}.pem`);
    if (bits === 1024) writeFileSync(file, DH_1024);
    else {
      // RFC 7919 ffdhe2048: a named group, no generation.
      const r = spawnSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', file], { stdio: 'ignore', timeout: 20_000 });
      if (r.status !== 0) throw new Error('openssl genpkey ffdhe2048 failed');
    }
    dhFiles.set(bits, file);
  }
  return file;
}

describe('every reproduce command has a case', () => {
  it('is run here, or says why not', () => {
    for (const e of KNOWLEDGE_BASE) expect(e.id in CASES || e.id in NOT_RUN, `${e.id} has no reproduce case`).toBe(true);
    for (const id of [...Object.keys(CASES), ...Object.keys(NOT_RUN)]) expect(KNOWLEDGE_BASE.some((e) => e.id === id), id).toBe(true);
  });
});

describe.concurrent('reproduce commands show the symptom on a server that has it, and not on one without', () => {
  it.each(Object.entries(CASES))('%s', async (id, c) => {
    const [bad, good] = await Promise.all([c.problem(), c.healthy()]);
    const [withIt, without] = await Promise.all([run(commandFor(id, bad), bad.caFile ?? trust, c.killAfterMs), run(commandFor(id, good), good.caFile ?? trust, c.killAfterMs)]);
    expect(shows(c.symptom, withIt.out), `${id} on the server with the problem:\n${commandFor(id, bad)}\n${withIt.out}`).toBe(true);
    expect(shows(c.symptom, without.out), `${id} on the server without it:\n${commandFor(id, good)}\n${without.out}`).toBe(false);
  }, 60_000);

  it.each(Object.entries(HEALTHY_ONLY))('%s (server without the problem only)', async (id, c) => {
    const good = await c.healthy();
    const without = await run(commandFor(id, good), good.caFile ?? trust);
    expect(shows(c.symptom, without.out), `${id}:\n${without.out}`).toBe(false);
    expect(without.out).toMatch(/CONNECTED|Cipher is/);
  }, 60_000);
});
