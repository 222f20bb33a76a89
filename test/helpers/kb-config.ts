// Pulls the server configuration out of the knowledge base's fix lines and builds one minimal
// config per server around all of it, so `nginx -t`, `apache2 -t` and `haproxy -c` check every
// line in one run each. A fix line holds configuration either from its first character (after
// "Risky workaround:") up to a "  #" or "  (" comment, or in `backticks` anywhere in the line.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KNOWLEDGE_BASE, RISKY } from '../../src/diagnose/index.js';
import { localhostCert, tempDir } from './servers.js';

export type ServerKind = 'nginx' | 'apache' | 'haproxy';

export interface Snippet {
  server: ServerKind;
  /** Every fix line (entry id + line) this configuration came from: one failure names them all. */
  sources: string[];
  /** The configuration one fix line holds, validated together (ssl_verify_client needs its ssl_client_certificate). */
  parts: string[];
  /** The parts joined: the identity used to validate identical configuration once. */
  config: string;
}

const HAPROXY_KEYWORDS = /^(bind|balance|ssl-default-bind-[a-z]+|ssl-dh-param-file|tune\.ssl\.[a-z.-]+)\s/;
const NGINX_STATEMENT = /^[a-z_0-9]+(\s+[^;\s`]+)*;/;

function stripComment(line: string): string {
  const cut = line.search(/ {2}(#|\()/);
  return cut >= 0 ? line.slice(0, cut) : line;
}

function backticked(line: string): string[] {
  return [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

/** Whether a fragment is configuration for this server (commands such as `nginx -V` are not). */
export function isConfig(server: ServerKind, fragment: string, apacheDirectives: ReadonlySet<string>): boolean {
  const f = fragment.trim();
  if (server === 'nginx') return NGINX_STATEMENT.test(f) && /;$/.test(f);
  if (server === 'apache') return apacheDirectives.has(f.split(/\s+/)[0] ?? '') && /\s/.test(f);
  return HAPROXY_KEYWORDS.test(`${f} `) && /\s/.test(f);
}

/** The configuration in one fix line: its leading statement(s) and every backticked fragment. */
export function configIn(server: ServerKind, rawLine: string, apacheDirectives: ReadonlySet<string>): string[] {
  const line = rawLine.startsWith(RISKY) ? rawLine.slice(RISKY.length).trim() : rawLine;
  const out: string[] = [];
  const head = stripComment(line);
  if (!head.startsWith('`')) {
    if (server === 'nginx') {
      // One or more statements from the start: "ssl_session_cache shared:SSL:10m; is per host: ..." keeps the statement.
      const m = /^([a-z_0-9]+(\s+[^;\s`]+)*;\s*)+/.exec(head);
      if (m) out.push(m[0].trim());
    } else if (isConfig(server, head, apacheDirectives)) {
      out.push(head.trim());
    }
  }
  for (const f of backticked(line)) if (isConfig(server, f, apacheDirectives)) out.push(f.trim());
  return out;
}

/** A directive with a value left outside backticks in prose: configuration that would escape validation. */
export function unquotedConfig(server: ServerKind, rawLine: string, apacheDirectives: ReadonlySet<string>): string | null {
  const line = rawLine.startsWith(RISKY) ? rawLine.slice(RISKY.length).trim() : rawLine;
  let rest = line.replace(/`[^`]*`/g, ' ');
  for (const c of configIn(server, rawLine, apacheDirectives)) rest = rest.replace(c, ' ');
  if (server === 'nginx') return /\b(ssl_[a-z_]+|listen|server_name|resolver|error_log|http2)\s+[^\s;]+;/.exec(rest)?.[0] ?? null;
  if (server === 'haproxy') return /\bbind\s+:\d|\bssl-default-bind-\S+\s+\S|\btune\.ssl\.\S+\s+\d/.exec(rest)?.[0] ?? null;
  for (const m of rest.matchAll(/\b([A-Z][A-Za-z]+)\s+(on|off|On|Off|require|optional|"[^"]*"|\/\S+|[-+]\w+)/g)) {
    if (apacheDirectives.has(m[1] ?? '')) return m[0];
  }
  return null;
}

export function collectSnippets(server: ServerKind, apacheDirectives: ReadonlySet<string>): { snippets: Snippet[]; unquoted: string[] } {
  const byConfig = new Map<string, Snippet>();
  const unquoted: string[] = [];
  for (const entry of KNOWLEDGE_BASE) {
    for (const line of entry.fixes[server] ?? []) {
      const parts = configIn(server, line, apacheDirectives);
      if (parts.length > 0) {
        const config = parts.join(' | ');
        const s = byConfig.get(config) ?? { server, sources: [], parts, config };
        s.sources.push(`${entry.id}: ${line}`);
        byConfig.set(config, s);
      }
      const loose = unquotedConfig(server, line, apacheDirectives);
      if (loose) unquoted.push(`${entry.id}: "${loose}" in: ${line}`);
    }
  }
  return { snippets: [...byConfig.values()], unquoted };
}

// ---- files the configuration names ---------------------------------------------------------

/** Rewrites /etc/... and /var/... paths into `root`, creating what each name stands for. */
export function materialisePaths(server: ServerKind, config: string, root: string): string {
  return config.replace(/\/(etc|var|run)\/[^\s;"'`()[\]]*/g, (path) => {
    const local = join(root, path);
    createFor(server, path, local);
    return local;
  });
}

let dhParams: string | undefined;
function dhParamsPem(): string {
  // RFC 7919 ffdhe2048: instant, unlike generating a fresh 2048-bit group.
  dhParams ??= execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048'], { encoding: 'utf8', timeout: 20_000 });
  return dhParams;
}

function createFor(server: ServerKind, path: string, local: string): void {
  const pair = localhostCert();
  const base = path.split('/').pop() ?? '';
  if (path.endsWith('/')) {
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, 'site.pem'), pair.key + pair.cert);
    return;
  }
  mkdirSync(dirname(local), { recursive: true });
  if (existsSync(local)) return;
  if (base === 'site.pem') writeFileSync(local, pair.key + pair.cert);
  else if (base === 'privkey.pem') writeFileSync(local, pair.key);
  // dhparam.pem, ffdhe2048.pem: Diffie-Hellman parameters.
  else if (/dh/i.test(base) && base.endsWith('.pem')) writeFileSync(local, dhParamsPem());
  else if (base === 'ticket.key') writeFileSync(local, randomBytes(server === 'nginx' ? 80 : 48));
  else if (base === 'ticket.keys') writeFileSync(local, [0, 1, 2].map(() => randomBytes(48).toString('base64')).join('\n') + '\n');
  else if (base.endsWith('.pem')) writeFileSync(local, pair.cert);
  // Anything else (log files, shared-memory cache names): the folder is enough.
}

// ---- one config per server, and the validators ----------------------------------------------

export interface Built {
  file: string;
  /** [first line, last line, snippet] for each snippet in the file (1-based, inclusive). */
  ranges: Array<[number, number, Snippet]>;
}

class Writer {
  lines: string[] = [];
  ranges: Array<[number, number, Snippet]> = [];
  add(...l: string[]): void {
    this.lines.push(...l);
  }
  snippet(s: Snippet, text: string[]): void {
    const first = this.lines.length + 1;
    this.lines.push(...text);
    this.ranges.push([first, this.lines.length, s]);
  }
}

const APACHE_MODULES = '/usr/lib/apache2/modules';
/** Directives that belong to the server config, outside any <VirtualHost>. */
const APACHE_SERVER_ONLY = new Set(['Listen', 'SSLSessionCache', 'SSLStaplingCache']);

export function buildConfig(server: ServerKind, snippets: readonly Snippet[], dir: string): Built {
  const pair = localhostCert();
  const w = new Writer();
  const files = join(dir, 'files');
  const local = (config: string): string => materialisePaths(server, config, files);
  let port = 20000;
  if (server === 'nginx') {
    w.add(`pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'events {}', 'http {');
    for (const s of snippets) {
      const parts = s.parts.map(local);
      w.add('server {', `  listen 127.0.0.1:${port++} ssl;`);
      if (!parts.some((p) => /^ssl_certificate\s/.test(p))) w.add(`  ssl_certificate ${pair.certFile};`);
      if (!parts.some((p) => /^ssl_certificate_key\s/.test(p))) w.add(`  ssl_certificate_key ${pair.keyFile};`);
      w.snippet(s, parts.map((p) => `  ${p}`));
      w.add('}');
    }
    w.add('}');
  } else if (server === 'apache') {
    w.add(
      `ServerRoot ${dir}`, 'ServerName localhost', `PidFile ${dir}/httpd.pid`, `ErrorLog ${dir}/error.log`, `DefaultRuntimeDir ${dir}`,
      ...['mpm_event', 'authz_core', 'socache_shmcb', 'ssl', 'http2'].map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
      'Listen 127.0.0.1:20000',
    );
    const nameOf = (p: string): string => p.split(/\s+/)[0] ?? '';
    for (const s of snippets) {
      const parts = s.parts.map(local);
      const top = parts.filter((p) => APACHE_SERVER_ONLY.has(nameOf(p)));
      const perPath = parts.filter((p) => nameOf(p) === 'Require');
      const vhost = parts.filter((p) => !top.includes(p) && !perPath.includes(p));
      if (top.length) w.snippet(s, top);
      if (vhost.length === 0 && perPath.length === 0) continue;
      w.add('<VirtualHost 127.0.0.1:20000>', 'SSLEngine on');
      if (!vhost.some((p) => /^SSLCertificateFile\s/.test(p))) w.add(`SSLCertificateFile ${pair.certFile}`);
      if (!vhost.some((p) => /^SSLCertificateKeyFile\s/.test(p))) w.add(`SSLCertificateKeyFile ${pair.keyFile}`);
      if (vhost.length) w.snippet(s, vhost);
      // Access rules live in a per-path block.
      if (perPath.length) {
        w.add('<Location "/">');
        w.snippet(s, perPath);
        w.add('</Location>');
      }
      w.add('</VirtualHost>');
    }
  } else {
    const all = snippets.flatMap((s) => s.parts.map((p) => [s, p] as const));
    w.add('global');
    for (const [s, p] of all.filter(([, p]) => !/^(bind|balance)\s/.test(p))) w.snippet(s, [`  ${local(p)}`]);
    w.add('defaults', '  mode http', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s');
    let n = 0;
    for (const [s, p] of all.filter(([, p]) => /^bind\s/.test(p))) {
      w.add(`frontend f${n++}`);
      w.snippet(s, [`  ${local(p)}`]);
      w.add('  default_backend b');
    }
    w.add('backend b');
    for (const [s, p] of all.filter(([, p]) => /^balance\s/.test(p))) w.snippet(s, [`  ${p}`]);
    w.add('  server s1 127.0.0.1:1');
  }
  const file = join(dir, `${server}.conf`);
  writeFileSync(file, w.lines.join('\n') + '\n');
  return { file, ranges: w.ranges };
}

export interface Validation {
  ok: boolean;
  output: string;
  /** Line numbers of the file the validator complained about. */
  lines: number[];
}

export function validate(server: ServerKind, file: string, dir: string): Validation {
  const run =
    server === 'nginx'
      ? spawnSync('nginx', ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', file], { encoding: 'utf8', timeout: 30_000 })
      : server === 'apache'
        ? spawnSync('apache2', ['-t', '-d', dir, '-f', file], { encoding: 'utf8', timeout: 30_000 })
        : spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8', timeout: 30_000 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
  const re = server === 'nginx' ? /\.conf:(\d+)/g : server === 'apache' ? /on line (\d+) of/g : /\.conf:(\d+)\]/g;
  const lines = [...output.matchAll(re)].map((m) => Number(m[1]));
  return { ok: run.status === 0, output, lines };
}

/** The directive names Apache knows with the modules the validation config loads (`apache2 -L`). */
export function apacheDirectiveNames(): Set<string> {
  const dir = tempDir();
  const { file } = buildConfig('apache', [], dir);
  const out = execFileSync('apache2', ['-d', dir, '-f', file, '-L'], { encoding: 'utf8', timeout: 30_000 });
  return new Set([...out.matchAll(/^<?([A-Za-z][A-Za-z0-9]*) \(/gm)].map((m) => m[1] ?? ''));
}

function validateOne(server: ServerKind, s: Snippet): Validation {
  const dir = tempDir();
  return validate(server, buildConfig(server, [s], dir).file, dir);
}

/**
 * Groups snippets so no two in one config conflict by design: nginx allows one default_server
 * per address, and two knowledge-base lines each show one.
 */
function batches(server: ServerKind, snippets: readonly Snippet[]): Snippet[][] {
  if (server !== 'nginx') return [[...snippets]];
  const defaults = snippets.filter((s) => /\bdefault_server\b/.test(s.config));
  const rest = snippets.filter((s) => !defaults.includes(s));
  return defaults.length === 0 ? [rest] : defaults.map((d, i) => (i === 0 ? [...rest, d] : [d]));
}

/**
 * Validates the snippets in as few configs as possible; on a failure, names the snippet at the
 * reported line, drops it and validates the rest again (bounded by the number of snippets).
 */
export function validateAll(server: ServerKind, snippets: readonly Snippet[]): { failures: string[]; runs: number } {
  const failures: string[] = [];
  let runs = 0;
  for (const batch of batches(server, snippets)) {
    let remaining = [...batch];
    for (let round = 0; round <= batch.length; round++) {
      runs++;
      const dir = tempDir();
      const built = buildConfig(server, remaining, dir);
      const v = validate(server, built.file, dir);
      if (v.ok) break;
      const culprit = built.ranges.find(([a, b]) => v.lines.some((l) => l >= a && l <= b))?.[2];
      // Some errors carry no line number (nginx: "no ssl_client_certificate for ssl_verify_client"): try each alone.
      const bad = culprit ? [culprit] : remaining.filter((s) => !validateOne(server, s).ok);
      if (bad.length === 0) {
        failures.push(`${server}: the validation config itself failed: ${v.output.trim()}`);
        break;
      }
      for (const s of bad) failures.push(`${server} rejects "${s.config}" (from ${s.sources.join(' | ')}): ${(culprit ? v : validateOne(server, s)).output.trim()}`);
      remaining = remaining.filter((x) => !bad.includes(x));
    }
  }
  return { failures, runs };
}
