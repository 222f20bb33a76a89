// Resolves a parsed target exactly once. Every probe then connects to the one address chosen
// here and sends the name as SNI, so all probes talk to the same server, and a DNS answer that
// changes between probes (round robin, or DNS rebinding aimed at the policy) changes nothing.

import { promises as dns } from 'node:dns';
import type { ResolvedTarget } from '../probe/context.js';
import { parseIp, type IpFamily } from './ip.js';
import { isValidDnsName, parseTarget, type ParsedTarget } from './parse.js';
import { ADMIN_HINT, type AddressPolicy } from './policy.js';

export type TargetErrorCode = 'invalid' | 'dns' | 'blocked';

/** A target tlscheck will not check; the message is one line that says what to do. */
export class TargetError extends Error {
  readonly code: TargetErrorCode;
  constructor(code: TargetErrorCode, message: string) {
    super(message);
    this.name = 'TargetError';
    this.code = code;
  }
}

export interface LookupAddress {
  address: string;
  family: number;
}

export type LookupFn = (host: string) => Promise<LookupAddress[]>;

export interface ResolveOptions {
  /** Injected in tests; defaults to the system resolver (getaddrinfo, answers in its order). */
  lookup?: LookupFn;
  /** When given, every address the name resolves to must pass it. */
  policy?: AddressPolicy;
  /** Use only addresses of this family (like curl -4 / -6). */
  family?: IpFamily;
}

/** The system's resolver, as every check looks a name up unless given another. */
export const systemLookup: LookupFn = (host) => dns.lookup(host, { all: true, verbatim: true });

/** What a failed lookup means, by error code; the rest of the sentence says what to do. */
const DNS_ERRORS: Record<string, string> = {
  ENOTFOUND: 'no such host. Check the spelling, or give an IP address.',
  ENODATA: 'the name has no addresses. Check the spelling, or give an IP address.',
  EAI_NODATA: 'the name has no addresses. Check the spelling, or give an IP address.',
  EAI_AGAIN: 'the DNS lookup failed for now. Try again in a moment, or give an IP address.',
  EAI_FAIL: 'the DNS server failed. Try again later, or give an IP address.',
  ETIMEOUT: 'the DNS lookup timed out. Try again in a moment, or give an IP address.',
  ESERVFAIL: 'the DNS server failed. Try again later, or give an IP address.',
  ECONNREFUSED: 'the DNS server refused the query. Check the DNS settings, or give an IP address.',
};

/**
 * The address used is the first IPv4 one the resolver returned, else the first IPv6 one: a
 * probe host without IPv6 routes (common in containers and CI) would otherwise report an
 * unreachable server that is fine, and IPv4 is what most clients end up using. Pass
 * `family: 6` to check the IPv6 side.
 */
export async function resolveTarget(parsed: ParsedTarget, opts: ResolveOptions = {}): Promise<ResolvedTarget> {
  const ipFamily = assertWellFormed(parsed);
  const { policy, family } = opts;

  if (ipFamily !== undefined) {
    if (family !== undefined && family !== ipFamily) {
      throw new TargetError('invalid', `${parsed.host} is an IPv${ipFamily} address but IPv${family} was asked for: drop the -${family} option or give an IPv${family} address.`);
    }
    if (policy) {
      const verdict = policy.check(parsed.host);
      if (!verdict.allowed) throw new TargetError('blocked', `Refusing ${parsed.host}: ${verdict.reason}.`);
    }
    return { host: parsed.host, port: parsed.port, ip: parsed.host, family: ipFamily, sni: parsed.sni };
  }

  const addresses = await lookupAll(parsed.host, opts.lookup ?? systemLookup);

  // Every address, not only the one used: the resolver's order is not stable (round robin,
  // RFC 6724 sorting, another resolver next time), so checking one would make the verdict
  // depend on luck. A name with any internal address points into a private network, and
  // mixing a public record with a private one is a known trick to slip past SSRF filters.
  if (policy) {
    for (const { address } of addresses) {
      const verdict = policy.check(address);
      // Not which address, nor what kind: the answer goes to a Slack channel, and an internal
      // name's address is a map of the private network (issue 15).
      if (!verdict.allowed) {
        throw new TargetError('blocked', `Refusing '${parsed.host}', which resolves to a private address: tlscheck only checks public servers (${ADMIN_HINT}).`);
      }
    }
  }

  const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
  const chosen = usable.find((a) => a.family === 4) ?? usable[0];
  if (!chosen) {
    throw new TargetError('dns', `'${parsed.host}' has no IPv${family} address: drop the -${family} option, or check the DNS records.`);
  }
  return { host: parsed.host, port: parsed.port, ip: chosen.address, family: chosen.family, sni: parsed.sni };
}

/** Parses and resolves in one step, for callers that only want a TargetError on failure. */
export async function resolveInput(
  input: string,
  opts: ResolveOptions & { sni?: string } = {},
): Promise<ResolvedTarget> {
  const parsed = parseTarget(input, opts.sni === undefined ? {} : { sni: opts.sni });
  if (!parsed.ok) throw new TargetError('invalid', parsed.error);
  return resolveTarget(parsed.target, opts);
}

/** Addresses with their family taken from the text, not from what the resolver claims. */
async function lookupAll(host: string, lookup: LookupFn): Promise<Array<{ address: string; family: IpFamily }>> {
  let answers: LookupAddress[];
  try {
    answers = await lookup(host);
  } catch (err) {
    throw new TargetError('dns', `Could not resolve '${host}': ${describeDnsError(err)}`);
  }
  if (answers.length === 0) throw new TargetError('dns', `Could not resolve '${host}': ${DNS_ERRORS.ENODATA}`);
  return answers.map(({ address }) => {
    const ip = parseIp(address);
    if (!ip) throw new TargetError('dns', `Could not resolve '${host}': the resolver returned '${oneLine(address)}', which is not an IP address. Check the DNS settings, or give an IP address.`);
    return { address, family: ip.family };
  });
}

function describeDnsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const known = typeof code === 'string' ? DNS_ERRORS[code] : undefined;
  if (known) return known;
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return `the lookup failed (${oneLine(detail)}). Check the name and the DNS settings, or give an IP address.`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** A ParsedTarget can be built by hand; refuse one that parseTarget would never have produced. */
function assertWellFormed(parsed: ParsedTarget): IpFamily | undefined {
  if (!Number.isInteger(parsed.port) || parsed.port < 1 || parsed.port > 65535) {
    throw new TargetError('invalid', `The port ${parsed.port} is out of range: give a port from 1 to 65535.`);
  }
  if (parsed.sni !== null && !isValidDnsName(parsed.sni)) {
    throw new TargetError('invalid', `The SNI '${oneLine(parsed.sni)}' is not a valid DNS name: give a host name such as example.com.`);
  }
  if (parsed.isIp) {
    const ip = parseIp(parsed.host);
    if (!ip || (parsed.family !== undefined && parsed.family !== ip.family)) {
      throw new TargetError('invalid', `'${oneLine(parsed.host)}' is not an IP address: parse the target with parseTarget first.`);
    }
    return ip.family;
  }
  if (!isValidDnsName(parsed.host)) {
    throw new TargetError('invalid', `'${oneLine(parsed.host)}' is not a valid host name: parse the target with parseTarget first.`);
  }
  return undefined;
}
