// Command-line parsing, pure: argv in, a command or a usage error out.
import { parseArgs } from 'node:util';

export type CliCommand =
  | { kind: 'check'; target: string; sni?: string; caFile?: string; json: boolean; timeoutMs?: number; evidence: boolean; ocsp?: boolean }
  | { kind: 'explain'; text: string; target?: string; sni?: string; caFile?: string; json: boolean; timeoutMs?: number; evidence: boolean; ocsp?: boolean }
  | { kind: 'help' }
  | { kind: 'version' };

export type ParsedArgs = { ok: true; command: CliCommand } | { ok: false; error: string };

export const USAGE = `Usage:
  tlscheck check <target> [--sni NAME] [--ca FILE] [--json] [--timeout-ms N] [--no-evidence] [--ocsp]
  tlscheck explain "<error text>" [target] [--sni NAME] [--ca FILE] [--json] [--timeout-ms N] [--no-evidence] [--ocsp]
  tlscheck help

--no-evidence skips running \`openssl s_client\` to show OpenSSL's own output under each diagnosis.
--ocsp: when the server staples no OCSP response, ask the certificate's OCSP responder (a third party).

Targets: host, host:port (default 443), [v6addr]:port, an IPv4/IPv6 address, https://host[:port]/path.

Exit codes: 0 no finding above warning; 1 a finding of severity error or critical;
            2 invalid input or a refused target; 3 no TLS handshake was possible at all.`;

const MAX_TIMEOUT_MS = 300_000;

const OPTIONS = {
  sni: { type: 'string' },
  ca: { type: 'string' },
  json: { type: 'boolean', default: false },
  ocsp: { type: 'boolean', default: false },
  'timeout-ms': { type: 'string' },
  'no-evidence': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** undefined when not given: the check then plans its deadline from the measured round trip. */
function parseTimeout(raw: string | undefined): number | string | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) return `--timeout-ms takes a whole number of milliseconds, not '${raw}'`;
  const n = Number(raw);
  if (n < 100 || n > MAX_TIMEOUT_MS) return `--timeout-ms must be between 100 and ${MAX_TIMEOUT_MS}, not ${n}`;
  return n;
}

export function parseCli(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n')[0] ?? 'invalid arguments' };
  }
  const { values, positionals } = parsed;
  if (values.version) return { ok: true, command: { kind: 'version' } };
  const [verb, ...rest] = positionals;
  if (values.help || verb === undefined || verb === 'help') return { ok: true, command: { kind: 'help' } };
  const timeoutMs = parseTimeout(values['timeout-ms']);
  if (typeof timeoutMs === 'string') return { ok: false, error: timeoutMs };
  const common = { sni: values.sni, caFile: values.ca, json: values.json, timeoutMs, evidence: !values['no-evidence'], ...(values.ocsp ? { ocsp: true } : {}) };
  if (verb === 'check') {
    if (rest.length === 0) return { ok: false, error: 'check needs a target, e.g. tlscheck check example.com' };
    if (rest.length > 1) return { ok: false, error: `check takes one target, got ${rest.length}: ${rest.join(' ')} (quote nothing, one host per run)` };
    return { ok: true, command: { kind: 'check', target: rest[0] ?? '', ...common } };
  }
  if (verb === 'explain') {
    const [text, target, ...extra] = rest;
    if (text === undefined || text.trim() === '') return { ok: false, error: 'explain needs the error text, quoted: tlscheck explain "tlsv1 alert protocol version" [target]' };
    if (extra.length > 0) return { ok: false, error: 'explain takes the error text (quoted) and at most one target' };
    return { ok: true, command: { kind: 'explain', text, target, ...common } };
  }
  return { ok: false, error: `unknown command '${verb}': use 'check', 'explain' or 'help'` };
}
