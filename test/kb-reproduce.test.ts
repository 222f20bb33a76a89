// Issue 13: every reproduce command in the knowledge base is run, as rendered for a target,
// against a local server that has the problem (it must show the symptom) and one that does not
// (it must not). Commands that cannot run here say why below. Only 127.0.0.1 is contacted.
//
// Speed and robustness: every case is queued at once on a bounded pool (longest commands first),
// servers with the same configuration are shared while cases use them and stopped as soon as the
// last one is done, each command line runs in its own process group (killed whole), and a line
// is stopped on an event (a relay swallowed its hello, its output said what is needed) or after a
// budget that grows with the machine's load and with the waits the command itself contains.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { renderReproduce } from '../src/diagnose/reproduce.js';
import { decodeClientHello } from './fixtures/codec/tls-bytes.js';
import { startHelloFilter, type HelloFilterOptions } from './helpers/hello-filter.js';
import { ocspStaleResponse, ocspUnknownResponse } from './helpers/ocsp.js';
import { createPki, type Issued } from './helpers/pki.js';
import { freePort, startGnutlsServ, startRawPeer, startSServer, tempDir, waitForListen, type Running } from './helpers/servers.js';
import { startLighttpd } from './helpers/stacks.js';
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

/** 1 on an idle machine, up to 4 when the run queue is longer than the cores (6 developers share 2 here). */
const LOAD = Math.min(4, Math.max(1, (os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length)));
/** A command line that should finish at once gets this long before it is killed as hung. */
const LINE_BUDGET_MS = Math.round(15_000 * LOAD);
/** Cases in flight at once: mostly processes waiting on sockets, so a few per core. */
const POOL = Math.max(4, Math.min(8, os.cpus().length * 3));

// ---------------------------------------------------------------------------------------------
// Servers: shared by configuration while in use, stopped when the last case using them is done.

interface Target {
  port: number;
  sni?: string;
  /** Trust store for this run: the test root unless the case is about trust. */
  caFile?: string;
  /** For a relay that swallows hellos: how many it swallowed, and a wait for the n-th. */
  swallowed?: () => number;
  whenSwallowed?: (n: number) => Promise<void>;
  /** Gives the server back: stopped now unless another running case still uses it. */
  release: () => Promise<void>;
}

const live = new Map<string, { refs: number; server: Promise<Running> }>();
let nextOwn = 0;
afterAll(async () => {
  // Only servers of a failed case can still be here.
  await Promise.all([...live.values()].map(async (e) => (await e.server.catch(() => null))?.stop()));
  live.clear();
});

/** The running server for `key`, started if no case holds one. `key` null: this case's own. */
async function acquire<T extends Running>(key: string | null, start: () => Promise<T>): Promise<T & Target> {
  const k = key ?? `own:${nextOwn++}`;
  let e = live.get(k);
  if (!e) {
    e = { refs: 0, server: start() };
    live.set(k, e);
  }
  e.refs++;
  const entry = e;
  let server: T;
  try {
    server = (await entry.server) as T;
  } catch (err) {
    if (live.get(k) === entry) live.delete(k);
    throw err;
  }
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    if (--entry.refs > 0) return;
    if (live.get(k) === entry) live.delete(k);
    await server.stop();
  };
  return { ...server, release };
}

/** `openssl s_server` with a leaf from the test PKI and its intermediate, plus extra options. */
function sserver(args: string[] = [], cert: Issued = pki.leaf, withChain = true, share = true): Promise<Target> {
  const full = [...(withChain ? ['-cert_chain', chain] : []), ...args];
  return acquire(share ? `s_server ${cert.name} ${full.join(' ')}` : null, () => startSServer(full, cert));
}

/**
 * The same, for one case alone: s_server serves one connection at a time, and these commands keep
 * theirs open for seconds (renegotiation with sleeps), which would stall every case sharing it.
 */
const ownSserver = (args: string[] = [], cert: Issued = pki.leaf): Promise<Target> => sserver(args, cert, true, false);

/** gnutls-serv sends only its certificate file: give it the leaf followed by the intermediate. */
function withChain(cert: Issued): Issued {
  return { ...cert, certFile: pki.bundle(`${cert.name}-with-chain`, [cert, pki.intermediate]) };
}

function gnutls(args: string[], cert: Issued = withChain(pki.leaf)): Promise<Target> {
  return acquire(`gnutls ${cert.name} ${args.join(' ')}`, () => startGnutlsServ(args, cert));
}

function weakKeyCert(): Issued {
  if (!pki.rsa1024) throw new Error('this OpenSSL refuses to make a 1024-bit RSA certificate');
  return pki.rsa1024;
}

/** A Node.js https server: 3 client renegotiations per 10 minutes, then the connection is closed. */
function nodeHttps(): Promise<Target> {
  return acquire(null, async () => {
    const sockets = new Set<{ destroy: () => void }>();
    const server = https.createServer({ key: pki.rsa2048.key, cert: pki.rsa2048.cert + pki.intermediate.cert }, (_q, res) => res.end('ok'));
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return {
      port: (server.address() as net.AddressInfo).port,
      stop: () => {
        for (const s of sockets) s.destroy();
        return new Promise<void>((r) => server.close(() => r()));
      },
    };
  });
}

/**
 * A long-running server process started on a free port, killed (its process group) when released.
 * A process that exits before it listens most often lost its port to another process between
 * freePort and its bind (cases run concurrently): it is started again on another port, twice at most.
 */
async function daemonProcess(cmd: string, args: (port: number, dir: string) => string[], attempts = 3): Promise<Running> {
  const port = await freePort();
  const dir = tempDir();
  const child = spawn(cmd, args(port, dir), {
    cwd: dir, env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: 'ignore', detached: true,
  });
  let gone = false;
  const exited = new Promise<void>((r) => child.once('exit', () => { gone = true; r(); }));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await exited;
  };
  const listening = waitForListen(port, LINE_BUDGET_MS).then(() => true, (err: unknown) => err);
  const outcome = await Promise.race([listening, exited.then(() => 'exited' as const)]);
  if (outcome === true && !gone) return { port, stop };
  await stop();
  if (outcome === 'exited' || gone) {
    if (attempts > 1) return daemonProcess(cmd, args, attempts - 1);
    throw new Error(`${cmd} exited before listening on 127.0.0.1:${port} (${attempts} attempts)`);
  }
  throw outcome instanceof Error ? outcome : new Error(String(outcome));
}

/** nginx refusing handshakes without a known name (ssl_reject_handshake, nginx 1.19.4+). */
function nginxStrictSni(): Promise<Target> {
  return acquire('nginx strict-sni', () => daemonProcess('nginx', (port, dir) => {
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, [
      `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'master_process off;', 'events {}', 'http {', `  access_log off;`,
      `  server { listen 127.0.0.1:${port} ssl default_server; ssl_reject_handshake on; }`,
      `  server { listen 127.0.0.1:${port} ssl; server_name localhost; ssl_certificate ${withChain(pki.leaf).certFile}; ssl_certificate_key ${pki.leaf.keyFile}; }`,
      '}',
    ].join('\n'));
    return ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'];
  }));
}

/** Caddy 2 (Go crypto/tls) serving one name, localhost: any other name gets alert 80 internal_error. */
async function caddyOneName(sni: string): Promise<Target> {
  const t = await acquire('caddy localhost', () => daemonProcess('caddy', (port, dir) => {
    const conf = join(dir, 'Caddyfile');
    writeFileSync(conf, [
      '{', '  admin off', '  auto_https off', `  storage file_system ${dir}/data`, '}',
      `https://localhost:${port} {`, '  bind 127.0.0.1', `  tls ${withChain(pki.leaf).certFile} ${pki.leaf.keyFile}`, '  respond "ok"', '}',
    ].join('\n'));
    return ['run', '--config', conf, '--adapter', 'caddyfile'];
  }));
  return { ...t, sni };
}

/** lighttpd + wolfSSL 5.5 (Debian 12) with the test leaf and its intermediate; `withCa`: its issuer chain as ssl.ca-file (the fix). */
function lighttpdWolfssl(withCa: boolean): Promise<Target> {
  const pair = { ...pki.leaf, cert: pki.leaf.cert + pki.intermediate.cert };
  const extra = withCa ? [`ssl.ca-file = "${pki.bundle('wolf-ca', [pki.root, pki.intermediate])}"`] : [];
  return acquire(`lighttpd wolfssl ca=${withCa}`, () => startLighttpd('wolfssl', { pair, extra }));
}

/** A relay in front of a server that swallows (or resets) some ClientHellos, as a middlebox does. */
async function middlebox(backend: () => Promise<Target>, opts: Omit<HelloFilterOptions, 'backendPort'>): Promise<Target> {
  const b = await backend();
  try {
    const relay = await acquire(null, () => startHelloFilter({ ...opts, backendPort: b.port }));
    // A reset ends the client's line by itself; only a swallowed hello leaves it waiting.
    const swallow = opts.action === 'swallow' ? { swallowed: () => relay.blocked(), whenSwallowed: (n: number) => relay.whenBlocked(n) } : {};
    return {
      ...relay,
      ...swallow,
      release: async () => {
        await relay.release();
        await b.release();
      },
    };
  } catch (err) {
    await b.release();
    throw err;
  }
}

/** ClientHellos carrying the padding extension (RFC 7685, type 21). */
const padded = (record: Buffer): boolean => {
  try {
    return decodeClientHello(record).extensions.has(0x0015);
  } catch {
    return false;
  }
};

const closedPort = (): Promise<Target> => acquire(null, async () => ({ port: await freePort(), stop: async () => undefined }));
const plainHttp = (): Promise<Target> => acquire(null, () => startRawPeer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))));
const tarpit = (): Promise<Target> => acquire(null, () => startRawPeer(() => undefined));
const resetter = (): Promise<Target> => acquire(null, () => startRawPeer((s) => s.once('data', () => s.resetAndDestroy())));
/**
 * Two servers with their own session caches and ticket keys behind one address, weighted 2:1:
 * a session resumes on its own backend and not on the other, so New and Reused alternate.
 */
async function unevenBackends(): Promise<Target> {
  const a = await ownSserver();
  const b = await ownSserver();
  const proxy = await acquire(null, () => startProxy([a.port, a.port, b.port]));
  return { ...proxy, release: async () => { await Promise.all([proxy.release(), a.release(), b.release()]); } };
}

// ---------------------------------------------------------------------------------------------
// Running a command: one process group per line, stopped on an event or after its budget.

interface LineRun {
  line: string;
  out: string;
  code: number | null;
  /** Stopped because the relay in front of the server swallowed this line's hello: it would wait forever. */
  noAnswer: boolean;
  /** Stopped once its output held what `until` looks for. */
  stoppedEarly: boolean;
  /** Killed at the end of its budget: it hung where nothing should. */
  timedOut: boolean;
}

interface Run {
  /** Every line's output, in order. */
  out: string;
  lines: LineRun[];
}

/** Seconds a line waits on purpose: `sleep N` (times the items of a `for` loop), curl's own timeouts. */
function waitsMs(line: string): number {
  const loop = /for \w+ in ([^;]+);/.exec(line)?.[1]?.trim().split(/\s+/).length ?? 1;
  let s = 0;
  for (const m of line.matchAll(/sleep (\d+)/g)) s += Number(m[1]) * loop;
  for (const m of line.matchAll(/--(?:connect-timeout|max-time) (\d+)/g)) s += Number(m[1]);
  return s * 1000;
}

function runLine(line: string, t: Target, caFile: string, until?: RegExp): Promise<LineRun> {
  return new Promise((resolve) => {
    // Its own process group, so a kill reaches openssl and curl behind bash's pipes too.
    const child = spawn('bash', ['-c', line], {
      cwd: work,
      env: { ...process.env, SSL_CERT_FILE: caFile, CURL_CA_BUNDLE: caFile, SSL_CERT_DIR: work },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let stopped: 'noAnswer' | 'stoppedEarly' | 'timedOut' | null = null;
    const stop = (why: NonNullable<typeof stopped>): void => {
      if (stopped || child.exitCode !== null || child.signalCode !== null) return;
      stopped = why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (until?.test(out)) stop('stoppedEarly');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (t.swallowed && t.whenSwallowed) void t.whenSwallowed(t.swallowed() + 1).then(() => stop('noAnswer'));
    const timer = setTimeout(() => stop('timedOut'), LINE_BUDGET_MS + waitsMs(line) * LOAD);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ line, out, code, noAnswer: stopped === 'noAnswer', stoppedEarly: stopped === 'stoppedEarly', timedOut: stopped === 'timedOut' });
    });
  });
}

/** Runs the rendered command line by line, as a user pasting it would, in the working folder. */
async function run(cmd: string, t: Target, until?: RegExp): Promise<Run> {
  const lines: LineRun[] = [];
  for (const line of cmd.split('\n').filter((l) => l.trim())) lines.push(await runLine(line, t, t.caFile ?? trust, until));
  return { out: lines.map((l) => l.out).join('\n'), lines };
}

function commandFor(id: string, t: Target): string {
  const entry = KNOWLEDGE_BASE.find((e) => e.id === id);
  if (!entry) throw new Error(`no entry ${id}`);
  let cmd = renderReproduce(entry.reproduce, { host: '127.0.0.1', port: t.port, sni: t.sni ?? 'localhost' });
  // gnutls-cli reads only the system store; hand it the same trust the other clients get from SSL_CERT_FILE.
  cmd = cmd.replace(/^gnutls-cli /gm, `gnutls-cli --x509cafile=${t.caFile ?? trust} `);
  return cmd;
}

type Symptom = RegExp | ((out: string, lines: LineRun[]) => boolean);
const shows = (s: Symptom, r: Run): boolean => (typeof s === 'function' ? s(r.out, r.lines) : s.test(r.out));

interface Case {
  /** A server with the problem; several when the entry covers several (one per failing client profile). */
  problem: (() => Promise<Target>) | Array<() => Promise<Target>>;
  healthy: () => Promise<Target>;
  symptom: Symptom;
  /** What the command prints on the server without the problem: its symptom is absent because it looked, not because it failed. */
  healthyShows?: Symptom;
  /** Stop a line once its output holds this (curl --http2 keeps waiting on a server that speaks no HTTP/2). */
  until?: RegExp;
}

const DAY = 86_400_000;
/**
 * A completed TLS 1.0 or 1.1 handshake. s_client's "New, ..." line names the version a cipher first
 * appeared in (TLSv1.0 even on TLS 1.1); the session's Protocol line is the negotiated one.
 */
const LEGACY_HANDSHAKE = /Protocol\s+: TLSv1(\.1)?\s*\n\s*Cipher\s+: (?!0000)/;
/** s_client completed a handshake (its summary names a cipher). */
const handshook = (l: LineRun | undefined): boolean => l !== undefined && /New, (TLSv1(\.[0-3])?|SSLv3), Cipher is (?!\(NONE\))/.test(l.out);
/** The first line got no handshake (cut, swallowed or refused) while the comparison line did. */
const firstFailsSecondConnects = (_o: string, [a, b]: LineRun[]): boolean => a !== undefined && !handshook(a) && /CONNECTED/.test(a.out) && handshook(b);
function dateAfter(out: string, field: 'notAfter' | 'notBefore'): number {
  const m = new RegExp(`${field}=(.+)`).exec(out);
  return m?.[1] ? Date.parse(m[1]) : NaN;
}
function dateAfterLine(out: string, label: string): number {
  const m = new RegExp(`${label}: (.+)`).exec(out);
  return m?.[1] ? Date.parse(m[1]) : NaN;
}
const renegotiatedFine = (out: string): boolean => /RENEGOTIATING/.test(out) && !/no renegotiation|alert|errno|error:/i.test(out.split('RENEGOTIATING').slice(1).join(''));
/** The prime in a DHE ServerKeyExchange (-msg dump: type, 3-byte length, 2-byte length of p) does not open like RFC 7919's. */
const customDhPrime = (out: string): boolean => {
  const m = /ServerKeyExchange\s*\n\s*0c(?: [0-9a-f]{2}){5}((?: [0-9a-f]{2}){10})/.exec(out);
  return m?.[1] !== undefined && m[1].trim() !== 'ff ff ff ff ff ff ff ff ad f8';
};

/** Cases by entry id: a server with the problem, one without, and what the command prints for it. */
const CASES: Record<string, Case> = {
  'connection-refused': { problem: closedPort, healthy: () => sserver(['-www']), symptom: /Connection refused|Couldn't connect/ },
  'connection-timeout': { problem: tarpit, healthy: () => sserver(['-www']), symptom: /Connection timed out|SSL connection timeout|Operation timed out|curl: \(28\)/ },
  'not-tls': { problem: plainHttp, healthy: () => sserver(), symptom: /wrong version number|packet length too long/ },
  'middlebox-interference': { problem: resetter, healthy: () => sserver(), symptom: /Connection reset|errno=104|unexpected eof/ },
  'middlebox-large-hello': {
    // A relay that takes no ClientHello over 1,000 bytes (the OpenSSL 3.0 line sends 1,490): it
    // swallows it (the line would wait forever; the relay's event stops it) or resets it. The first
    // line needs OpenSSL 3.5 and stops at once here; the last, small hello passes.
    problem: [
      () => middlebox(() => sserver(), { action: 'swallow', maxRecordBytes: 1000 }),
      () => middlebox(() => sserver(), { action: 'reset', maxRecordBytes: 1000 }),
    ],
    healthy: () => sserver(),
    healthyShows: (_o, l) => handshook(l[1]) && handshook(l[2]),
    symptom: (_o, l) => l.length === 3 && (l[1]?.noAnswer === true || /errno=104|Connection reset|unexpected eof/.test(l[1]?.out ?? '')) && !handshook(l[1]) && handshook(l[2]),
  },
  'middlebox-padded-hello': {
    // A relay that swallows ClientHellos carrying the padding extension: -bugs pads, the plain line does not.
    problem: () => middlebox(() => sserver(), { action: 'swallow', matches: padded }),
    healthy: () => sserver(),
    healthyShows: (_o, l) => l.every(handshook),
    symptom: (_o, [a, b]) => a?.noAnswer === true && !handshook(a) && handshook(b),
  },
  'browser-hello-refused': {
    // lighttpd + wolfSSL hangs up on the status_request every browser sends (without an alert: no
    // stack here answers a browser hello with one), and completes the same hello without it.
    problem: () => lighttpdWolfssl(false),
    healthy: () => lighttpdWolfssl(true),
    healthyShows: (_o, l) => l.every(handshook),
    symptom: firstFailsSecondConnects,
  },
  'status-request-abort': {
    problem: () => lighttpdWolfssl(false),
    healthy: () => lighttpdWolfssl(true),
    healthyShows: (_o, l) => l.every(handshook),
    symptom: (o, l) => firstFailsSecondConnects(o, l) && /unexpected eof while reading/.test(l[0]?.out ?? ''),
  },
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
  'clients-cannot-connect': {
    // One server per failing profile: TLS 1.3 only (Java 8 before 8u261 and OpenSSL 1.0.2, the
    // -tls1_2 line, fail) and TLS 1.0 only (OpenSSL 3's defaults, the second line, fail too).
    problem: [() => sserver(['-tls1_3']), () => sserver(['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'])],
    healthy: () => sserver(),
    healthyShows: (_o, l) => l.length === 2 && l.every(handshook),
    symptom: (_o, l) => l.length === 2 && l.some((x) => /CONNECTED/.test(x.out)) && l.some((x) => !handshook(x)),
  },
  'weak-dh': {
    problem: () => sserver(['-tls1_2', '-dhparam', dhParams(1024), '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0'], pki.rsa2048),
    healthy: () => sserver(['-tls1_2', '-dhparam', dhParams(2048), '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], pki.rsa2048),
    symptom: /dh key too small/,
  },
  'cert-revoked': {
    problem: () => sserver(['-www', '-status_file', ocsp(pki.revokedLeaf)], pki.revokedLeaf),
    healthy: () => sserver(['-www', '-status_file', ocsp(pki.leaf)]),
    healthyShows: /Cert Status: good/,
    // s_client prints the stapled status; curl --cert-status refuses the connection.
    symptom: (_o, [a, b]) => /Cert Status: revoked/.test(a?.out ?? '') && /revocation|revoked/i.test(b?.out ?? '') && b?.code !== 0,
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
  'must-staple-missing': {
    problem: () => sserver([], mustStaple()),
    // The same certificate with its OCSP response stapled.
    healthy: () => sserver(['-status_file', ocsp(mustStaple())], mustStaple()),
    healthyShows: /OCSP Response Data/,
    symptom: (o) => /OCSP response: no response sent/.test(o) && /TLS Feature:\s*\n\s*status_request/.test(o),
  },
  'ocsp-status-unknown': {
    problem: () => sserver(['-status_file', ocspUnknownResponse(pki, pki.leaf)]),
    healthy: () => sserver(['-status_file', ocsp(pki.leaf)]),
    healthyShows: /Cert Status: good/,
    symptom: /Cert Status: unknown/,
  },
  'ocsp-response-stale': {
    // A response the issuer signed 30 days ago, valid for 7: what a server staples once it stopped refreshing.
    problem: () => sserver(['-status_file', staleOcsp()]),
    healthy: () => sserver(['-status_file', ocsp(pki.leaf)]),
    healthyShows: (o) => dateAfterLine(o, 'Next Update') > Date.now(),
    symptom: (o) => dateAfterLine(o, 'Next Update') < Date.now(),
  },
  'ocsp-response-untrusted': {
    // The staple about the test leaf is signed by a key its issuer never authorised (RFC 6960 §4.2.2.2).
    problem: () => sserver(['-status_file', ocsp(pki.leaf, pki.selfSigned)]),
    healthy: () => sserver(['-status_file', ocsp(pki.leaf)]),
    healthyShows: /Responder Id: .+[\s\S]*issuer=/,
    // The Responder Id the first line prints is not the issuer the second line prints.
    symptom: (_o, [a, b]) => {
      const responder = /Responder Id: (.+)/.exec(a?.out ?? '')?.[1]?.trim();
      const issuer = /^issuer=(.+)$/m.exec(b?.out ?? '')?.[1]?.trim();
      return /OCSP Response Status: successful/.test(a?.out ?? '') && responder !== undefined && issuer !== undefined && responder !== issuer;
    },
  },
  'cert-chain-order': {
    // The root before the intermediate: depth 1 does not certify depth 0.
    problem: () => acquire(null, () => startSServer(['-cert_chain', pki.bundle('wrong-order', [pki.root, pki.intermediate])], pki.leaf)),
    healthy: () => sserver(),
    symptom: (o) => {
      const issuer0 = /^ 0 s:.*\n\s+i:(.*)$/m.exec(o)?.[1]?.trim();
      const subject1 = /^ 1 s:(.*)$/m.exec(o)?.[1]?.trim();
      return issuer0 !== undefined && subject1 !== undefined && issuer0 !== subject1;
    },
  },
  'renegotiation-refused': { problem: () => ownSserver(), healthy: () => ownSserver(['-client_renegotiation']), symptom: /no renegotiation/ },
  'renegotiation-client-accepted': { problem: () => ownSserver(['-client_renegotiation']), healthy: () => ownSserver(), symptom: renegotiatedFine },
  'renegotiation-limited': {
    problem: nodeHttps,
    healthy: () => ownSserver(['-client_renegotiation']),
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
  'resumption-inconsistent': { problem: unevenBackends, healthy: () => ownSserver(), symptom: /Reused,[\s\S]*\nNew,/ },
  'resumption-tickets-rejected': { problem: () => ownSserver(['-no_ticket', '-no_cache']), healthy: () => ownSserver(), symptom: /^New,[\s\S]*^New,/m },
  'resumption-none': { problem: () => ownSserver(['-no_ticket', '-no_cache']), healthy: () => ownSserver(), symptom: /^New,[\s\S]*^New,/m },
  'ocsp-not-stapled': {
    problem: () => sserver(),
    healthy: () => sserver(['-status_file', ocsp(pki.leaf)]),
    symptom: /OCSP response: no response sent/,
  },
  'alpn-no-h2': {
    problem: () => sserver(['-www']),
    healthy: () => sserver(['-www', '-alpn', 'h2']),
    symptom: /No ALPN negotiated/,
    // curl has said what it negotiated; s_server -www would then keep it waiting for --max-time.
    until: /ALPN: server (accepted|did not agree)/,
  },
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
  'weak-ecdhe-curve': {
    // The server ranks secp224r1 above X25519 and picks its own preference.
    problem: () => sserver(['-tls1_2', '-serverpref', '-curves', 'secp224r1:X25519', '-cipher', 'ECDHE:@SECLEVEL=0']),
    healthy: () => sserver(['-tls1_2']),
    symptom: /Server Temp Key: ECDH, (secp224r1|secp192r1|secp256k1|sect\w+)/,
    healthyShows: /Server Temp Key: X25519/,
  },
  'ct-missing': {
    // The command lists the SCTs embedded in the certificate. The healthy leaf carries a well-formed
    // SCT list from no real log (none can sign for a certificate made here): the command only lists
    // SCTs, it does not verify them; whether the root is public is the check's business, not its.
    problem: () => sserver(),
    healthy: () => sserver([], sctLeaf()),
    healthyShows: /CT Precertificate SCTs:\s*\n\s*Signed Certificate Timestamp/,
    symptom: (o) => /No extensions in certificate/.test(o) && !/Signed Certificate Timestamp/.test(o),
  },
  'dh-custom-group': {
    problem: () => sserver(['-tls1_2', '-dhparam', dhParams('custom2048'), '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], pki.rsa2048),
    healthy: () => sserver(['-tls1_2', '-dhparam', dhParams(2048), '-cipher', 'DHE-RSA-AES128-GCM-SHA256'], pki.rsa2048),
    healthyShows: /ServerKeyExchange\s*\n\s*0c( [0-9a-f]{2}){5} ff ff ff ff ff ff ff ff ad f8/,
    symptom: customDhPrime,
  },
};

/** Entries whose command cannot meet a server with the problem here, and why. */
const NOT_RUN: Record<string, string> = {
  'dns-failure': 'dig asks a DNS resolver off this host; tests contact 127.0.0.0/8 only',
  'target-blocked': "tlscheck's own address policy, not a server problem: the command is a plain handshake",
  'protocol-ssl-enabled': 'needs an OpenSSL built with SSLv3 (the command says so); OpenSSL 3 on Debian and GnuTLS 3.7 have none',
  'fallback-scsv-missing': 'every TLS library installed here honours TLS_FALLBACK_SCSV (RFC 7507); only the server without the problem is run',
  'renegotiation-server-initiated': 'needs httpd renegotiating for a per-directory SSLVerifyClient and a client certificate from its CA; the command is the fix, not a probe',
  'post-quantum-key-exchange': 'no server here offers X25519MLKEM768 and the command needs an OpenSSL 3.5+ client (OpenSSL 3.0 and GnuTLS 3.7 lack it); the probe is tested against a scripted server',
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
/** A custom 2048-bit safe-prime group made once with `openssl dhparam 2048` (35 s to generate). */
const DH_CUSTOM_2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEAxCa0Kv3NncRpGKB6pNLyrry1oBMmeHf5mConw9ZNdnDmI3fMDM9i
74zn7wzwQqzHQ2oCJy2qumhsAYhwc1VrQQZmVtEKlIAFvREFWbXtwgSspuzrf03m
YVzTzOfeIdQsXEm9F5tUzercXVxID5iHZXQzUpa92zNxZ5VS6LZM8l/fKlmeQ8od
1BmpVyT42UBXGklHOIkVNxkLX0oGw1ZWbCGYI4TBXbQ6fsiEBSuB4h3Ogkvwnnoz
WLnOe61UHVTIovOUTda3x4yQ6siDNrjM9GrhAtkCPW6eNeE1JU2f96antg2ydb3K
YQ4sbumRcUrfLuH3AMxYh/nyU65pFZw4jwIBAg==
-----END DH PARAMETERS-----
`;
const dhFiles = new Map<string, string>();
function dhParams(kind: 1024 | 2048 | 'custom2048'): string {
  let file = dhFiles.get(String(kind));
  if (!file) {
    file = join(work, `dh-${kind}.pem`);
    if (kind === 1024) writeFileSync(file, DH_1024);
    else if (kind === 'custom2048') writeFileSync(file, DH_CUSTOM_2048);
    else {
      // RFC 7919 ffdhe2048: a named group, no generation.
      const r = spawnSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', file], { stdio: 'ignore', timeout: 20_000 });
      if (r.status !== 0) throw new Error('openssl genpkey ffdhe2048 failed');
    }
    dhFiles.set(String(kind), file);
  }
  return file;
}

const ocspFiles = new Map<string, string>();
/** pki.ocspResponse once per leaf and signer: several cases staple the same response. */
function ocsp(leaf: Issued, signer?: Issued): string {
  const key = `${leaf.name}/${signer?.name ?? ''}`;
  let file = ocspFiles.get(key);
  if (!file) {
    file = pki.ocspResponse(leaf, signer);
    ocspFiles.set(key, file);
  }
  return file;
}

let staleFile: string | undefined;
/** The test leaf's good response with its times moved 30 days back (nextUpdate 23 days ago), signed again. */
function staleOcsp(): string {
  staleFile ??= ocspStaleResponse(pki, pki.leaf, 30 * DAY);
  return staleFile;
}

let sctLeafCert: Issued | undefined;
/**
 * A localhost leaf with an embedded SCT list extension (RFC 6962 §3.3): one v1 SCT, TLS-encoded,
 * with a made-up log id and signature. Well-formed, so openssl lists it.
 */
function sctLeaf(): Issued {
  if (!sctLeafCert) {
    const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(Date.now()));
    // An ECDSA signature's DER shape: SEQUENCE { INTEGER (32 bytes), INTEGER (32 bytes) }.
    const signature = Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), Buffer.alloc(32, 0x11), Buffer.from([0x02, 0x20]), Buffer.alloc(32, 0x22)]);
    const sct = Buffer.concat([Buffer.from([0]), Buffer.alloc(32, 0xaa), timestamp, u16(0), Buffer.from([4, 3]), u16(signature.length), signature]);
    const list = Buffer.concat([u16(sct.length + 2), u16(sct.length), sct]);
    const octets = Buffer.concat([Buffer.from([0x04, 0x81, list.length]), list]);
    sctLeafCert = pki.issueLeaf('with-scts', [`1.3.6.1.4.1.11129.2.4.2 = DER:${octets.toString('hex')}`]);
  }
  return sctLeafCert;
}

let mustStapleLeaf: Issued | undefined;
/** A localhost leaf with the TLS Feature extension asking for a stapled status (RFC 7633). */
function mustStaple(): Issued {
  mustStapleLeaf ??= pki.issueLeaf('must-staple', ['tlsfeature = status_request']);
  return mustStapleLeaf;
}

// ---------------------------------------------------------------------------------------------
// The pool: every case queued at once, longest commands first, at most POOL in flight.

interface Outcome {
  /** Per server with the problem: the command and what it printed. */
  problems: Array<{ cmd: string; run: Run }>;
  healthy: { cmd: string; run: Run };
}

/** Runs `cmd` against one server, released as soon as its run is over. */
async function against(id: string, start: () => Promise<Target>, until?: RegExp): Promise<{ cmd: string; run: Run }> {
  const t = await start();
  try {
    const cmd = commandFor(id, t);
    return { cmd, run: await run(cmd, t, until) };
  } finally {
    await t.release();
  }
}

async function runCase(id: string, c: Case): Promise<Outcome> {
  const problems = Array.isArray(c.problem) ? c.problem : [c.problem];
  const [healthy, ...bad] = await Promise.all([against(id, c.healthy, c.until), ...problems.map((p) => against(id, p, c.until))]);
  if (!healthy) throw new Error('no healthy run');
  return { problems: bad, healthy };
}

function pool(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (job) => {
    if (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const outcomes = new Map<string, Promise<Outcome>>();
beforeAll(() => {
  const limit = pool(POOL);
  const long = (id: string): number => waitsMs(KNOWLEDGE_BASE.find((e) => e.id === id)?.reproduce ?? '');
  const jobs: Array<[string, () => Promise<Outcome>]> = [
    ...Object.entries(CASES).map(([id, c]): [string, () => Promise<Outcome>] => [id, () => runCase(id, c)]),
    ...Object.entries(HEALTHY_ONLY).map(([id, c]): [string, () => Promise<Outcome>] => [`${id} (healthy only)`, async () => ({ problems: [], healthy: await against(id, c.healthy) })]),
  ];
  for (const [key, job] of jobs.sort(([a], [b]) => long(b.split(' ')[0] ?? b) - long(a.split(' ')[0] ?? a))) {
    const p = limit(job);
    // Awaited by its test; marked handled so a failure waiting in the queue is not "unhandled".
    p.catch(() => undefined);
    outcomes.set(key, p);
  }
});

/** Each test waits for its case; generous, since cases queue behind each other on the pool. */
const TEST_TIMEOUT_MS = Math.round(120_000 * LOAD);

function described(what: string, id: string, r: { cmd: string; run: Run }): string {
  const lines = r.run.lines.map((l) => `$ ${l.line}${l.timedOut ? '   [killed: no end within its budget]' : l.noAnswer ? '   [stopped: the relay swallowed its hello]' : ''}\n${l.out}`);
  return `${id} on the ${what}:\n${lines.join('\n')}`;
}

describe('every reproduce command has a case', () => {
  it('is run here, or says why not', () => {
    for (const e of KNOWLEDGE_BASE) expect(e.id in CASES || e.id in NOT_RUN, `${e.id} has no reproduce case`).toBe(true);
    for (const id of [...Object.keys(CASES), ...Object.keys(NOT_RUN)]) expect(KNOWLEDGE_BASE.some((e) => e.id === id), id).toBe(true);
    for (const id of Object.keys(CASES)) expect(id in NOT_RUN, `${id} is both run and not run`).toBe(false);
  });
});

describe('reproduce commands show the symptom on a server that has it, and not on one without', () => {
  it.each(Object.entries(CASES))('%s', async (id, c) => {
    const o = await outcomes.get(id);
    if (!o) throw new Error(`${id} was not queued`);
    for (const p of o.problems) {
      expect(p.run.lines.filter((l) => l.timedOut), described('server with the problem', id, p)).toEqual([]);
      expect(shows(c.symptom, p.run), described('server with the problem', id, p)).toBe(true);
    }
    expect(o.healthy.run.lines.filter((l) => l.timedOut), described('server without it', id, o.healthy)).toEqual([]);
    expect(shows(c.symptom, o.healthy.run), described('server without it', id, o.healthy)).toBe(false);
    if (c.healthyShows) expect(shows(c.healthyShows, o.healthy.run), described('server without it (what it should print)', id, o.healthy)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it.each(Object.entries(HEALTHY_ONLY))('%s (server without the problem only)', async (id, c) => {
    const o = await outcomes.get(`${id} (healthy only)`);
    if (!o) throw new Error(`${id} was not queued`);
    expect(shows(c.symptom, o.healthy.run), described('server without it', id, o.healthy)).toBe(false);
    expect(o.healthy.run.out).toMatch(/CONNECTED|Cipher is/);
  }, TEST_TIMEOUT_MS);
});

describe('the runner itself', () => {
  it('a relay that swallows hellos stops the waiting line on its event, not on a timer', async () => {
    const t = await middlebox(() => sserver(), { action: 'swallow', maxRecordBytes: 10 });
    try {
      const r = await run(`openssl s_client -connect 127.0.0.1:${t.port} -servername localhost </dev/null`, t);
      expect(r.lines[0]).toMatchObject({ noAnswer: true, timedOut: false });
      expect(r.lines[0]?.out).not.toMatch(/Cipher is/);
    } finally {
      await t.release();
    }
  }, TEST_TIMEOUT_MS);

  it('the stale OCSP response is a real one: signed by the issuer, its status times in the past', () => {
    const r = spawnSync('openssl', ['ocsp', '-respin', staleOcsp(), '-CAfile', pki.bundle('ocsp-trust', [pki.root, pki.intermediate]),
      '-issuer', pki.intermediate.certFile, '-cert', pki.leaf.certFile], { encoding: 'utf8', timeout: 20_000 });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toMatch(/Response verify OK/);
    expect(out).toMatch(/^good$/m);
    expect(out).toMatch(/Status times invalid/);
    expect(out).toMatch(/status expired/);
    expect(dateAfterLine(out, 'Next Update')).toBeLessThan(Date.now() - 20 * DAY);
  });

  it('counts the waits a command makes on purpose into its budget', () => {
    expect(waitsMs("(for i in 1 2 3 4 5; do printf 'R\\n'; sleep 1; done) | openssl s_client")).toBe(5000);
    expect(waitsMs("(printf 'R\\n'; sleep 2) | openssl s_client")).toBe(2000);
    expect(waitsMs('curl -v --connect-timeout 3 https://h/')).toBe(3000);
    expect(waitsMs('openssl s_client -connect h:443 </dev/null')).toBe(0);
  });
});
