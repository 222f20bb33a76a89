// Turns what a user typed (CLI argument or Slack message) into one host and port. Pure: no DNS.
//
// Host names go through the WHATWG URL host parser, the same one browsers use, because it does
// two jobs at once: IDNA (bücher.example → xn--bcher-kva.example, like domainToASCII) and the
// legacy IPv4 spellings (127.1, 0x7f000001, 2130706433, 0177.0.0.1 → 127.0.0.1). The second
// matters for safety: getaddrinfo accepts those spellings too, so a name that is secretly an
// address must become that address here, where the policy can see it.

import { parseIPv4 } from './ip.js';

export interface ParsedTarget {
  /** Lowercase; punycode for IDN; IP literals without brackets (IPv4 always as a dotted quad). */
  host: string;
  port: number;
  isIp: boolean;
  family?: 4 | 6;
  /** --sni, else the host when it is a name, else null (SNI cannot carry an IP address). */
  sni: string | null;
}

export type ParseResult = { ok: true; target: ParsedTarget } | { ok: false; error: string };

export const DEFAULT_PORT = 443;
const MAX_INPUT = 2048;
const MAX_NAME = 253;
const MAX_LABEL = 63;

/**
 * Default ports of URL schemes whose servers speak TLS from the first byte. `http://` maps to 443
 * too: tlscheck checks TLS and port 80 never speaks it, a pasted http:// link most likely means
 * "this site", and Slack turns a bare `example.com` into `<http://example.com|example.com>`.
 * An explicit port in the URL always wins (http://example.com:8080 checks 8080).
 */
const SCHEME_PORTS: Record<string, number> = {
  https: 443,
  http: 443,
  wss: 443,
  ws: 443,
  smtps: 465,
  ldaps: 636,
  ftps: 990,
  imaps: 993,
  pop3s: 995,
};

/** Characters that would make the target unsafe to paste into a shell or never form a host. */
const SHELL_CHARS = /[;|&$`<>(){}'"\\*?!]/;

const EXAMPLE = 'e.g. example.com, example.com:8443 or [2001:db8::1]:443';

export function parseTarget(input: string, opts: { sni?: string } = {}): ParseResult {
  const text = unwrapSlackLink(input.trim());
  const early = checkCharacters(text);
  if (early) return fail(early);

  const split = splitSchemeAndAuthority(text);
  if ('error' in split) return fail(split.error);
  const { authority, defaultPort } = split;
  const bad = SHELL_CHARS.exec(authority);
  if (bad) return fail(`The target contains '${bad[0]}', which cannot be part of a host name: give just the host and port, ${EXAMPLE}.`);
  if (authority.includes('@')) return fail(`The target contains '@' (a user name): give just the host and port, ${EXAMPLE}.`);

  const hostPort = splitHostPort(authority);
  if ('error' in hostPort) return fail(hostPort.error);
  const port = hostPort.port === undefined ? defaultPort : parsePort(hostPort.port);
  if (typeof port === 'string') return fail(port);

  const host = hostPort.bracketed || hostPort.host.includes(':') ? normalizeIPv6(hostPort.host) : normalizeHost(hostPort.host);
  if ('error' in host) return fail(host.error);

  let sni: string | null = host.family ? null : host.host;
  if (opts.sni !== undefined) {
    const given = normalizeSni(opts.sni);
    if ('error' in given) return fail(given.error);
    sni = given.name;
  }
  const target: ParsedTarget = { host: host.host, port, isIp: host.family !== undefined, sni };
  if (host.family) target.family = host.family;
  return { ok: true, target };
}

/** Echoes user text in a message, cut short so one bad paste cannot flood a Slack reply. */
function q(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}…` : text}'`;
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

/** Slack sends links as `<url>` or `<url|label>`; the URL is what the user meant. */
function unwrapSlackLink(text: string): string {
  const m = /^<([^<>|]*)(?:\|[^<>]*)?>$/.exec(text);
  return m ? (m[1] ?? '').trim() : text;
}

function checkCharacters(text: string): string | null {
  if (text === '') return `No target given: name a server, ${EXAMPLE}.`;
  if (text.length > MAX_INPUT) return `The target is ${text.length} characters long: give one host name (at most ${MAX_NAME} characters) and an optional port.`;
  if (/\s/.test(text)) return `The target contains a space: give one server at a time, ${EXAMPLE}.`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) return `The target contains a control character: type the host name again, ${EXAMPLE}.`;
  return null;
}

/** Drops a known scheme and what follows the authority (path; for URLs also query and fragment). */
function splitSchemeAndAuthority(text: string): { authority: string; defaultPort: number } | { error: string } {
  let rest = text;
  let defaultPort = DEFAULT_PORT;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    const port = SCHEME_PORTS[name];
    if (port === undefined) {
      return { error: `tlscheck cannot check '${name}://' URLs: give a host name or an https:// URL, ${EXAMPLE}.` };
    }
    defaultPort = port;
    rest = text.slice(scheme[0].length);
  }
  // Without a scheme only a path is dropped (pasted `example.com/login`); `?` there is an error.
  const end = rest.search(scheme ? /[/?#]/ : /\//);
  const authority = end < 0 ? rest : rest.slice(0, end);
  if (authority === '') return { error: `The target has no host name: ${EXAMPLE}.` };
  return { authority, defaultPort };
}

/**
 * `[v6]:port`, `host:port`, or a bare IPv6 address. Unbracketed text with two or more colons is
 * read as an IPv6 address without a port, since `2001:db8::1:443` is itself a valid address.
 */
function splitHostPort(authority: string): { host: string; port?: string; bracketed: boolean } | { error: string } {
  if (authority.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(authority);
    if (!m) return { error: `${q(authority)} is not of the form [IPv6 address]:port, e.g. [2001:db8::1]:443.` };
    return m[2] === undefined ? { host: m[1] ?? '', bracketed: true } : { host: m[1] ?? '', port: m[2], bracketed: true };
  }
  if (authority.includes('[') || authority.includes(']')) {
    return { error: `${q(authority)} has a stray bracket: brackets go around an IPv6 address only, e.g. [2001:db8::1]:443.` };
  }
  const colons = authority.split(':').length - 1;
  if (colons === 1) {
    const at = authority.indexOf(':');
    const host = authority.slice(0, at);
    if (host === '') return { error: `The target has no host name before ':': ${EXAMPLE}.` };
    return { host, port: authority.slice(at + 1), bracketed: false };
  }
  return { host: authority, bracketed: false };
}

function parsePort(text: string): number | string {
  const hint = 'give a port from 1 to 65535, e.g. example.com:8443';
  if (text === '') return `The port after ':' is missing: ${hint}, or leave out the colon for ${DEFAULT_PORT}.`;
  if (!/^\d+$/.test(text)) return `The port ${q(text)} is not a number: ${hint}.`;
  const port = Number(text);
  if (port < 1 || port > 65535) return `The port ${text.replace(/^0+(?=\d)/, '')} is out of range: ${hint}.`;
  return port;
}

type HostResult = { host: string; family?: 4 | 6 } | { error: string };

function normalizeIPv6(text: string): HostResult {
  if (text.includes('%')) {
    return { error: `${q(text)} has an IPv6 zone ID, which tlscheck does not support: give a global address without '%…'.` };
  }
  const parsed = urlHostname(`[${text}]`);
  if (parsed === null || !parsed.startsWith('[')) {
    return { error: `${q(text)} is not a valid IPv6 address: check it, and put brackets around it when you add a port, e.g. [2001:db8::1]:443.` };
  }
  return { host: parsed.slice(1, -1), family: 6 };
}

/** A host name or an IPv4 address in any spelling the URL parser accepts. */
function normalizeHost(text: string): HostResult {
  const parsed = urlHostname(text);
  if (parsed === null) {
    // The URL parser reads a name whose last label is a number as IPv4 and refuses it when that fails.
    const last = text.replace(/\.$/, '').split('.').pop() ?? '';
    if (/^(\d+|0x[0-9a-f]*)$/i.test(last)) {
      return { error: `${q(text)} is not a valid IPv4 address: give four numbers from 0 to 255, e.g. 192.0.2.1.` };
    }
    return { error: `${q(text)} is not a valid host name: use letters, digits, hyphens and dots, e.g. example.com.` };
  }
  if (parseIPv4(parsed) !== null) return { host: parsed, family: 4 };
  const name = checkDnsName(parsed, text);
  return 'error' in name ? name : { host: name.name };
}

function normalizeSni(text: string): { name: string } | { error: string } {
  const hint = 'give the DNS name to send, e.g. --sni example.com';
  if (text === '') return { error: `--sni is empty: ${hint}.` };
  if (/[\s:/@[\]%]/.test(text) || SHELL_CHARS.test(text) || text.length > MAX_INPUT) {
    return { error: `--sni ${q(text)} is not a valid DNS name: ${hint}.` };
  }
  const parsed = urlHostname(text);
  if (parsed === null) return { error: `--sni ${q(text)} is not a valid DNS name: ${hint}.` };
  if (parseIPv4(parsed) !== null) return { error: `--sni ${q(text)} is an IP address, which SNI cannot carry: ${hint}.` };
  const name = checkDnsName(parsed, text);
  return 'error' in name ? { error: `--sni ${name.error.charAt(0).toLowerCase()}${name.error.slice(1)}` } : name;
}

/** The URL parser lets through empty labels, long labels and odd characters; DNS does not. */
function checkDnsName(ascii: string, original: string): { name: string } | { error: string } {
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  const what = `${q(original)} is not a valid host name`;
  if (name.length > MAX_NAME) return { error: `${what}: it is ${name.length} characters long, the limit is ${MAX_NAME}.` };
  for (const label of name.split('.')) {
    if (label === '') return { error: `${what}: it has an empty label (two dots in a row, or a leading dot).` };
    if (label.length > MAX_LABEL) return { error: `${what}: the label '${label.slice(0, 20)}…' is ${label.length} characters long, the limit is ${MAX_LABEL}.` };
    const badChar = /[^a-z0-9_-]/.exec(label);
    if (badChar) return { error: `${what}: '${badChar[0]}' is not allowed; use letters, digits and hyphens.` };
    if (label.startsWith('-') || label.endsWith('-')) return { error: `${what}: the label ${q(label)} starts or ends with a hyphen.` };
  }
  return { name };
}

/** Lowercased, IDNA-encoded hostname as a browser would see it, or null when it is no host. */
function urlHostname(host: string): string | null {
  let url: URL;
  try {
    url = new URL(`https://${host}/`);
  } catch {
    return null;
  }
  // The URL parser ends a host at `#`, `?`, `\`, `:` or `@`; anything left over means the text
  // was more than a host, and a host cut short is not the host the user meant.
  const whole = url.pathname === '/' && url.search === '' && url.hash === '' && url.port === '' && url.username === '' && url.password === '';
  return whole ? url.hostname : null;
}

/** A name valid as SNI and as a DNS query (exported so resolve.ts can re-check hand-made targets). */
export function isValidDnsName(name: string): boolean {
  // Round-tripping through the URL parser also rejects names it would read as IPv4 (`127.1`).
  return urlHostname(name) === name && !name.endsWith('.') && parseIPv4(name) === null && !('error' in checkDnsName(name, name));
}
