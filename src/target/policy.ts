// Which addresses tlscheck may connect to when it runs for other people (the Slack bot): only
// public servers, so the bot cannot be used to reach the network it runs in (SSRF). An admin
// can open ranges with TLSCHECK_ALLOW_CIDRS.

import { cidrContains, formatCidr, formatIPv4, parseCidr, parseIp, type Cidr, type IpAddress } from './ip.js';

export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string };

export interface AddressPolicy {
  /** `ip` must be a canonical literal (as a resolver returns it); anything else is refused. */
  check(ip: string): PolicyVerdict;
  /** The allowed ranges, normalised, for logs and help text. */
  readonly allowed: readonly string[];
}

export const ALLOW_ENV = 'TLSCHECK_ALLOW_CIDRS';

/** The kind of address a blocked range holds, phrased to follow "X is …". */
type Kind =
  | 'unspecified' | 'loopback' | 'private' | 'shared' | 'link-local' | 'metadata' | 'multicast'
  | 'broadcast' | 'reserved' | 'documentation' | 'benchmarking' | 'protocol' | 'discard'
  | 'tunnel' | 'site-local' | 'nat64-local';

const KIND_TEXT: Record<Kind, string> = {
  unspecified: 'an unspecified ("this network") address',
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT (shared) address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata endpoint',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  documentation: 'a documentation address',
  benchmarking: 'a benchmarking address',
  protocol: 'an IETF protocol assignment address',
  discard: 'a discard-only address',
  tunnel: 'a Teredo tunnel address',
  'site-local': 'a site-local address',
  'nat64-local': 'a local-use NAT64 address',
};

/** IPv6 prefixes that carry an IPv4 address, and where it sits (bit offset from the right). */
type Embedding = { name: string; shift: bigint };

/**
 * First match wins, so specific entries (metadata endpoints) come before the ranges holding
 * them. Embedding entries hand the decision to the IPv4 address inside, because that is what
 * the connection ends up reaching (mapped sockets, NAT64 gateways, 6to4 relays).
 */
const RULES: ReadonlyArray<{ cidr: string; kind?: Kind; embeds?: Embedding }> = [
  // IPv4 (RFC 6890 special-purpose registry, plus cloud metadata endpoints)
  { cidr: '0.0.0.0/8', kind: 'unspecified' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '100.100.100.200/32', kind: 'metadata' }, // Alibaba Cloud
  { cidr: '100.64.0.0/10', kind: 'shared' },
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '169.254.169.254/32', kind: 'metadata' }, // AWS, GCP, Azure, OCI, DigitalOcean…
  { cidr: '168.63.129.16/32', kind: 'metadata' }, // Azure WireServer (platform agent, DNS, health probes)
  { cidr: '169.254.0.0/16', kind: 'link-local' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.0.0.192/32', kind: 'metadata' }, // Oracle Cloud (classic)
  { cidr: '192.0.0.0/24', kind: 'protocol' },
  { cidr: '192.0.2.0/24', kind: 'documentation' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '198.18.0.0/15', kind: 'benchmarking' },
  { cidr: '198.51.100.0/24', kind: 'documentation' },
  { cidr: '203.0.113.0/24', kind: 'documentation' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  { cidr: '255.255.255.255/32', kind: 'broadcast' },
  { cidr: '240.0.0.0/4', kind: 'reserved' },
  // IPv6
  { cidr: '::/128', kind: 'unspecified' },
  { cidr: '::1/128', kind: 'loopback' },
  { cidr: '::ffff:0:0/96', embeds: { name: 'an IPv4-mapped', shift: 0n } },
  { cidr: '::ffff:0:0:0/96', embeds: { name: 'an IPv4-translated', shift: 0n } },
  { cidr: '::/96', embeds: { name: 'an IPv4-compatible', shift: 0n } },
  { cidr: '64:ff9b::/96', embeds: { name: 'a NAT64', shift: 0n } },
  { cidr: '64:ff9b:1::/48', kind: 'nat64-local' },
  { cidr: '100::/64', kind: 'discard' },
  { cidr: '2001::/32', kind: 'tunnel' },
  { cidr: '2001:2::/48', kind: 'benchmarking' },
  { cidr: '2001:db8::/32', kind: 'documentation' },
  { cidr: '2002::/16', embeds: { name: 'a 6to4', shift: 80n } },
  { cidr: '3fff::/20', kind: 'documentation' },
  { cidr: 'fd00:ec2::254/128', kind: 'metadata' }, // AWS IMDS over IPv6
  { cidr: 'fc00::/7', kind: 'private' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'site-local' },
  { cidr: 'ff00::/8', kind: 'multicast' },
  // Everything outside global unicast (2000::/3) is unassigned; refuse rather than guess.
  { cidr: '::/3', kind: 'reserved' },
  { cidr: '4000::/2', kind: 'reserved' },
  { cidr: '8000::/1', kind: 'reserved' },
];

const COMPILED = RULES.map((rule) => ({ ...rule, range: mustParse(rule.cidr) }));

function mustParse(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`policy table: ${text}: ${parsed.error}`);
  return parsed.cidr;
}

/** Allowed CIDRs as an array or one comma-separated string (the environment variable's form). */
export function createAddressPolicy(allowCidrs: readonly string[] | string | undefined = []): AddressPolicy {
  const entries = (typeof allowCidrs === 'string' ? allowCidrs.split(',') : allowCidrs)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const allowed = entries.map((entry) => {
    const parsed = parseCidr(entry);
    if (!parsed.ok) {
      throw new Error(`Invalid allowed range '${entry}' in ${ALLOW_ENV}: ${parsed.error}. Use CIDRs such as 10.0.0.0/8 or fd00::/8, separated by commas.`);
    }
    return parsed.cidr;
  });
  return {
    allowed: allowed.map(formatCidr),
    check: (ip) => {
      const addr = parseIp(ip);
      if (!addr) return { allowed: false, reason: `'${ip}' is not an IP address; tlscheck only connects to addresses it can check` };
      const verdict = judge(addr, allowed);
      if (verdict.allowed) return verdict;
      return { allowed: false, reason: `${ip} is ${verdict.what}; tlscheck only checks public servers (${verdict.hint})` };
    },
  };
}

export function addressPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): AddressPolicy {
  return createAddressPolicy(env[ALLOW_ENV] ?? '');
}

type Judgement = { allowed: true } | { allowed: false; what: string; hint: string };

/** How an admin opens a refused range; also said when the refused address itself is not named. */
export const ADMIN_HINT = `an admin can allow it with ${ALLOW_ENV}`;

function judge(addr: IpAddress, allowed: readonly Cidr[]): Judgement {
  const rule = COMPILED.find((r) => cidrContains(r.range, addr));
  if (isAllowed(addr, allowed, rule?.kind === 'metadata')) return { allowed: true };
  if (!rule) return { allowed: true };
  if (rule.embeds) {
    const inner: IpAddress = { family: 4, value: (addr.value >> rule.embeds.shift) & 0xffffffffn };
    const verdict = judge(inner, allowed);
    if (verdict.allowed) return verdict;
    return {
      allowed: false,
      what: `${rule.embeds.name} IPv6 address for ${formatIPv4(inner.value)}, which is ${verdict.what}`,
      hint: verdict.hint,
    };
  }
  const kind = rule.kind ?? 'reserved';
  const hint = kind === 'metadata'
    ? `an admin can allow it by listing ${formatCidr({ family: addr.family, network: addr.value, prefix: addr.family === 4 ? 32 : 128 })} in ${ALLOW_ENV}`
    : ADMIN_HINT;
  return { allowed: false, what: KIND_TEXT[kind], hint };
}

/**
 * Metadata endpoints hand out cloud credentials, so only an entry naming the exact address opens
 * them: allowing a lab network like 169.254.0.0/16 must not open 169.254.169.254 on the way.
 */
function isAllowed(addr: IpAddress, allowed: readonly Cidr[], exactOnly: boolean): boolean {
  const full = addr.family === 4 ? 32 : 128;
  return allowed.some((c) => cidrContains(c, addr) && (!exactOnly || c.prefix === full));
}
