// IP address and CIDR handling with no dependencies. The parsers are strict on purpose: they
// accept only the canonical spellings a resolver returns (dotted quad, RFC 4291 text), so a
// policy decision is never made on a string that another parser would read differently.
// Lenient spellings such as `127.1` are normalised earlier, in parse.ts.

export type IpFamily = 4 | 6;

/** An address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  /** The network address, host bits zero. */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/** Dotted quad only; leading zeros are refused because inet_aton would read them as octal. */
export function parseIPv4(text: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let value = 0n;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** RFC 4291 text form, optionally with a dotted-quad tail; no brackets, no zone ID. */
export function parseIPv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null;
  let hex = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === null) return null;
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  let words: number[];
  if (halves.length === 2) {
    // `::` stands for at least one zero group.
    if (head.length + rest.length > 7) return null;
    words = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    if (head.length !== 8) return null;
    words = head;
  }
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function groups(text: string): number[] | null {
  if (text === '') return [];
  const out: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  if (v6 !== null) return { family: 6, value: v6 };
  return null;
}

export function ipFamily(text: string): IpFamily | null {
  return parseIp(text)?.family ?? null;
}

export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952 form (the longest run of two or more zero groups becomes `::`), all hex. */
export function formatIPv6(value: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(addr: IpAddress): string {
  return addr.family === 4 ? formatIPv4(addr.value) : formatIPv6(addr.value);
}

const MAPPED_PREFIX = 0xffffn << 32n;

/**
 * One spelling per address, so limits keyed by address count a server once: an IPv4-mapped IPv6
 * address (`::ffff:127.0.0.1`) is the IPv4 address it maps, and IPv6 takes its RFC 5952 form.
 * Text that is not an address (a name) is only lower-cased.
 */
export function canonicalAddress(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const addr = parseIp(bare);
  if (!addr) return text.toLowerCase();
  if (addr.family === 6 && addr.value >> 32n === MAPPED_PREFIX >> 32n) return formatIPv4(addr.value & 0xffffffffn);
  return formatIp(addr);
}

/**
 * `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). Host bits must be zero: a
 * typo like `10.0.0.1/8` is reported instead of silently widened or narrowed.
 */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addrText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const addr = parseIp(addrText);
  if (!addr) return { ok: false, error: `'${addrText}' is not an IPv4 or IPv6 address` };
  const bits = BITS[addr.family];
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, error: `the prefix length must be a number from 0 to ${bits} for IPv${addr.family}` };
    }
    prefix = Number(prefixText);
  }
  const network = maskTo(addr.value, bits, prefix);
  if (network !== addr.value) {
    const fixed = formatIp({ family: addr.family, value: network });
    return { ok: false, error: `host bits are set; did you mean ${fixed}/${prefix}?` };
  }
  return { ok: true, cidr: { family: addr.family, network, prefix } };
}

function maskTo(value: bigint, bits: number, prefix: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

export function cidrContains(cidr: Cidr, addr: IpAddress): boolean {
  return cidr.family === addr.family && maskTo(addr.value, BITS[addr.family], cidr.prefix) === cidr.network;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}
