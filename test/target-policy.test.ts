import { describe, expect, it } from 'vitest';
import {
  ALLOW_ENV,
  addressPolicyFromEnv,
  cidrContains,
  createAddressPolicy,
  formatIp,
  parseCidr,
  parseIp,
  parseTarget,
  type AddressPolicy,
  type Cidr,
} from '../src/target/index.js';
import { formatIPv6, parseIPv4, parseIPv6 } from '../src/target/ip.js';

function cidr(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(r.error);
  return r.cidr;
}

function reason(policy: AddressPolicy, ip: string): string {
  const v = policy.check(ip);
  if (v.allowed) throw new Error(`expected ${ip} to be refused`);
  return v.reason;
}

describe('ip: strict parsing', () => {
  it.each<[string, bigint]>([
    ['0.0.0.0', 0n],
    ['127.0.0.1', 0x7f000001n],
    ['255.255.255.255', 0xffffffffn],
    ['8.8.4.4', 0x08080404n],
  ])('parseIPv4(%s)', (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1', '01.2.3.4', '256.0.0.1', '1.2.3', '1.2.3.4.5', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '', '::1', '1.2.3.04'])(
    'parseIPv4 refuses %j',
    (text) => {
      expect(parseIPv4(text)).toBeNull();
    },
  );

  it.each<[string, bigint]>([
    ['::', 0n],
    ['::1', 1n],
    ['1::', 1n << 112n],
    ['2001:db8::1', 0x20010db8000000000000000000000001n],
    ['2001:DB8:0:0:0:0:0:1', 0x20010db8000000000000000000000001n],
    ['::ffff:127.0.0.1', 0xffff7f000001n],
    ['::ffff:7f00:1', 0xffff7f000001n],
    ['::127.0.0.1', 0x7f000001n],
    ['1:2:3:4:5:6:7::', 0x00010002000300040005000600070000n],
    ['::2:3:4:5:6:7:8', 0x00000002000300040005000600070008n],
    ['1:2:3:4:5:6:1.2.3.4', 0x00010002000300040005000601020304n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', (1n << 128n) - 1n],
  ])('parseIPv6(%s)', (text, value) => {
    expect(parseIPv6(text)).toBe(value);
  });

  it.each([
    '', ':', ':::', '1:::2', '1::2::3', ':1::', '1::2:', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::',
    '12345::', 'g::1', '[::1]', 'fe80::1%eth0', '::ffff:127.1', '::ffff:1.2.3.256', '1.2.3.4::', '::1.2.3.4:5',
    '127.0.0.1', '1:2:3:4:5:6:7:1.2.3.4',
  ])('parseIPv6 refuses %j', (text) => {
    expect(parseIPv6(text)).toBeNull();
  });

  it('formats IPv6 the way the URL parser and RFC 5952 do', () => {
    for (const text of ['::', '::1', '1::', '2001:db8::1', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', '1:0:0:2:0:0:0:3', 'fe80::1:0:0:1', '::ffff:7f00:1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']) {
      const value = parseIPv6(text);
      expect(value).not.toBeNull();
      const formatted = formatIPv6(value ?? 0n);
      expect(formatted).toBe(new URL(`https://[${text}]/`).hostname.slice(1, -1));
    }
  });

  it('round-trips addresses through formatIp', () => {
    for (const text of ['1.2.3.4', '0.0.0.0', '2001:db8::1', '::', '::ffff:a00:1']) {
      const addr = parseIp(text);
      expect(addr).not.toBeNull();
      if (addr) expect(formatIp(addr)).toBe(text);
    }
  });
});

describe('ip: CIDRs', () => {
  it('parses networks and single addresses', () => {
    expect(cidr('10.0.0.0/8')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
    expect(cidr(' 127.0.0.1 ')).toEqual({ family: 4, network: 0x7f000001n, prefix: 32 });
    expect(cidr('::1')).toEqual({ family: 6, network: 1n, prefix: 128 });
    expect(cidr('0.0.0.0/0')).toEqual({ family: 4, network: 0n, prefix: 0 });
    expect(cidr('fc00::/7').prefix).toBe(7);
  });

  it.each<[string, RegExp]>([
    ['10.0.0.1/8', /host bits are set; did you mean 10\.0\.0\.0\/8\?/],
    ['fd00::1/8', /did you mean fd00::\/8\?/],
    ['10.0.0.0/33', /prefix length must be a number from 0 to 32 for IPv4/],
    ['::/129', /from 0 to 128 for IPv6/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/a', /prefix length/],
    ['10.0.0.0/-1', /prefix length/],
    ['10.0.0.0/8/8', /prefix length/],
    ['10.0.0/8', /'10\.0\.0' is not an IPv4 or IPv6 address/],
    ['localhost/8', /not an IPv4 or IPv6 address/],
    ['', /not an IPv4 or IPv6 address/],
  ])('refuses %j', (text, message) => {
    const r = parseCidr(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('matches by prefix and family', () => {
    const ip = (t: string) => parseIp(t) ?? { family: 4 as const, value: -1n };
    expect(cidrContains(cidr('10.0.0.0/8'), ip('10.255.255.255'))).toBe(true);
    expect(cidrContains(cidr('10.0.0.0/8'), ip('11.0.0.0'))).toBe(false);
    expect(cidrContains(cidr('172.16.0.0/12'), ip('172.31.255.255'))).toBe(true);
    expect(cidrContains(cidr('172.16.0.0/12'), ip('172.32.0.0'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), ip('8.8.8.8'))).toBe(true);
    expect(cidrContains(cidr('0.0.0.0/0'), ip('::1'))).toBe(false);
    expect(cidrContains(cidr('::/0'), ip('2001:db8::1'))).toBe(true);
    expect(cidrContains(cidr('fe80::/10'), ip('febf::1'))).toBe(true);
    expect(cidrContains(cidr('fe80::/10'), ip('fec0::1'))).toBe(false);
    expect(cidrContains(cidr('::/96'), ip('0.0.0.1'))).toBe(false);
  });
});

describe('createAddressPolicy: refused without an allow list', () => {
  const policy = createAddressPolicy([]);

  it.each<[string, string]>([
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['0.255.255.255', 'an unspecified ("this network") address'],
    ['10.0.0.1', 'a private address'],
    ['10.0.0.5', 'a private address'],
    ['10.255.255.255', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT (shared) address'],
    ['100.127.255.255', 'a carrier-grade NAT (shared) address'],
    ['100.100.100.200', 'a cloud metadata endpoint'],
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['169.254.0.1', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata endpoint'],
    ['168.63.129.16', 'a cloud metadata endpoint'],
    ['192.0.0.192', 'a cloud metadata endpoint'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.0.0.1', 'an IETF protocol assignment address'],
    ['192.0.2.1', 'a documentation address'],
    ['192.168.1.1', 'a private address'],
    ['198.18.0.1', 'a benchmarking address'],
    ['198.19.255.255', 'a benchmarking address'],
    ['198.51.100.7', 'a documentation address'],
    ['203.0.113.9', 'a documentation address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['240.0.0.1', 'a reserved address'],
    ['254.255.255.255', 'a reserved address'],
    ['255.255.255.255', 'the broadcast address'],
    ['::', 'an unspecified ("this network") address'],
    ['::1', 'a loopback address'],
    ['fc00::1', 'a private address'],
    ['fd12:3456::1', 'a private address'],
    ['fd00:ec2::254', 'a cloud metadata endpoint'],
    ['fe80::1', 'a link-local address'],
    ['febf::1', 'a link-local address'],
    ['fec0::1', 'a site-local address'],
    ['ff02::1', 'a multicast address'],
    ['ff0e::1', 'a multicast address'],
    ['100::1', 'a discard-only address'],
    ['2001::1', 'a Teredo tunnel address'],
    ['2001:2::1', 'a benchmarking address'],
    ['2001:db8::1', 'a documentation address'],
    ['3fff::1', 'a documentation address'],
    ['64:ff9b:1::1', 'a local-use NAT64 address'],
    ['4000::1', 'a reserved address'],
    ['1::1', 'a reserved address'],
    ['8000::1', 'a reserved address'],
    ['e000::1', 'a reserved address'],
  ])('%s is %s', (ip, what) => {
    expect(reason(policy, ip)).toBe(
      what === 'a cloud metadata endpoint'
        ? `${ip} is ${what}; tlscheck only checks public servers (an admin can allow it by listing ${ip}/${ip.includes(':') ? 128 : 32} in TLSCHECK_ALLOW_CIDRS)`
        : `${ip} is ${what}; tlscheck only checks public servers (an admin can allow it with TLSCHECK_ALLOW_CIDRS)`,
    );
  });

  it('says what to do, in the words of the issue', () => {
    expect(reason(policy, '127.0.0.1')).toBe(
      '127.0.0.1 is a loopback address; tlscheck only checks public servers (an admin can allow it with TLSCHECK_ALLOW_CIDRS)',
    );
  });

  it.each<[string, string]>([
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6 address for 127.0.0.1, which is a loopback address'],
    ['::ffff:7f00:1', 'an IPv4-mapped IPv6 address for 127.0.0.1, which is a loopback address'],
    ['::ffff:10.0.0.5', 'an IPv4-mapped IPv6 address for 10.0.0.5, which is a private address'],
    ['::ffff:a9fe:a9fe', 'an IPv4-mapped IPv6 address for 169.254.169.254, which is a cloud metadata endpoint'],
    ['::ffff:0:0', 'an IPv4-mapped IPv6 address for 0.0.0.0, which is an unspecified ("this network") address'],
    ['::ffff:0:7f00:1', 'an IPv4-translated IPv6 address for 127.0.0.1, which is a loopback address'],
    ['::127.0.0.1', 'an IPv4-compatible IPv6 address for 127.0.0.1, which is a loopback address'],
    ['::a00:1', 'an IPv4-compatible IPv6 address for 10.0.0.1, which is a private address'],
    ['64:ff9b::7f00:1', 'a NAT64 IPv6 address for 127.0.0.1, which is a loopback address'],
    ['64:ff9b::169.254.169.254', 'a NAT64 IPv6 address for 169.254.169.254, which is a cloud metadata endpoint'],
    ['2002:7f00:1::', 'a 6to4 IPv6 address for 127.0.0.1, which is a loopback address'],
    ['2002:c0a8:101::1', 'a 6to4 IPv6 address for 192.168.1.1, which is a private address'],
    ['2002:a9fe:a9fe:1:2:3:4:5', 'a 6to4 IPv6 address for 169.254.169.254, which is a cloud metadata endpoint'],
  ])('judges %s by its embedded IPv4', (ip, what) => {
    expect(reason(policy, ip)).toContain(`${ip} is ${what}; tlscheck only checks public servers`);
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1', '[::1]', 'localhost', 'example.com', '', 'fe80::1%eth0', ' 8.8.8.8'])(
    'refuses the non-canonical or non-address %j instead of guessing',
    (ip) => {
      expect(reason(policy, ip)).toMatch(/is not an IP address/);
    },
  );
});

describe('createAddressPolicy: public addresses pass', () => {
  const policy = createAddressPolicy('');
  it.each([
    '1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.0', '93.184.216.34', '100.63.255.255', '100.128.0.0',
    '126.255.255.255', '128.0.0.1', '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0',
    '192.0.1.1', '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255',
    '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1', '2001:db9::1', '2003::1',
    '3ffe::1', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '64:ff9b::1.1.1.1', '2002:808:808::1', '::8.8.8.8',
  ])('%s', (ip) => {
    expect(policy.check(ip)).toEqual({ allowed: true });
  });
});

describe('createAddressPolicy: allow list', () => {
  it('127.0.0.0/8 allows 127.0.0.1 but not 10.0.0.1', () => {
    const policy = createAddressPolicy(['127.0.0.0/8']);
    expect(policy.check('127.0.0.1')).toEqual({ allowed: true });
    expect(policy.check('127.1.2.3')).toEqual({ allowed: true });
    expect(reason(policy, '10.0.0.1')).toMatch(/^10\.0\.0\.1 is a private address/);
    expect(reason(policy, '::1')).toMatch(/loopback/);
    expect(policy.allowed).toEqual(['127.0.0.0/8']);
  });

  it('an allowed IPv4 range also allows the IPv6 spellings that embed it', () => {
    const policy = createAddressPolicy('127.0.0.0/8');
    expect(policy.check('::ffff:127.0.0.1')).toEqual({ allowed: true });
    expect(policy.check('::ffff:7f00:1')).toEqual({ allowed: true });
    expect(policy.check('64:ff9b::7f00:1')).toEqual({ allowed: true });
    expect(reason(policy, '::ffff:10.0.0.1')).toMatch(/for 10\.0\.0\.1, which is a private address/);
  });

  it('accepts a comma-separated string with spaces and empty entries', () => {
    const policy = createAddressPolicy(' 10.0.0.0/8 , ::1,, 192.168.1.10 ,');
    expect(policy.allowed).toEqual(['10.0.0.0/8', '::1/128', '192.168.1.10/32']);
    expect(policy.check('10.1.2.3')).toEqual({ allowed: true });
    expect(policy.check('::1')).toEqual({ allowed: true });
    expect(policy.check('192.168.1.10')).toEqual({ allowed: true });
    expect(reason(policy, '192.168.1.11')).toMatch(/private/);
    expect(reason(policy, '127.0.0.1')).toMatch(/loopback/);
  });

  it('allows IPv6 ranges', () => {
    const policy = createAddressPolicy(['fd00::/8']);
    expect(policy.check('fd12::1')).toEqual({ allowed: true });
    expect(reason(policy, 'fc00::1')).toMatch(/private/);
  });

  it('opens a metadata endpoint only when it is listed exactly', () => {
    const broad = createAddressPolicy(['169.254.0.0/16', 'fd00::/8', '100.64.0.0/10']);
    expect(broad.check('169.254.1.1')).toEqual({ allowed: true });
    expect(reason(broad, '169.254.169.254')).toMatch(/metadata endpoint.*listing 169\.254\.169\.254\/32/);
    expect(reason(broad, 'fd00:ec2::254')).toMatch(/metadata endpoint.*listing fd00:ec2::254\/128/);
    expect(reason(broad, '100.100.100.200')).toMatch(/metadata endpoint/);
    expect(reason(broad, '::ffff:169.254.169.254')).toMatch(/for 169\.254\.169\.254, which is a cloud metadata endpoint/);
    const exact = createAddressPolicy('169.254.169.254/32');
    expect(exact.check('169.254.169.254')).toEqual({ allowed: true });
    expect(reason(exact, '169.254.169.253')).toMatch(/link-local/);
  });

  it('an allowed IPv6 range covers a whole embedding prefix', () => {
    const policy = createAddressPolicy('2002::/16');
    expect(policy.check('2002:7f00:1::')).toEqual({ allowed: true });
    expect(reason(policy, '::ffff:127.0.0.1')).toMatch(/loopback/);
  });

  it('with no allow list or undefined, nothing private passes', () => {
    for (const policy of [createAddressPolicy(), createAddressPolicy(undefined), createAddressPolicy(''), createAddressPolicy([])]) {
      expect(policy.allowed).toEqual([]);
      expect(policy.check('127.0.0.1').allowed).toBe(false);
      expect(policy.check('8.8.8.8').allowed).toBe(true);
    }
  });

  it.each<[string | string[], RegExp]>([
    ['10.0.0.0/33', /Invalid allowed range '10\.0\.0\.0\/33' in TLSCHECK_ALLOW_CIDRS: the prefix length must be a number from 0 to 32/],
    ['10.0.0.1/8', /did you mean 10\.0\.0\.0\/8\?/],
    ['127.0.0.0/8,localhost', /'localhost' is not an IPv4 or IPv6 address/],
    [['fd00::/8', 'fd00::/200'], /fd00::\/200/],
    ['127.1/32', /'127\.1' is not an IPv4 or IPv6 address/],
    ['10.0.0.0/8;id', /Invalid allowed range/],
  ])('refuses the allow list %j at creation', (list, message) => {
    expect(() => createAddressPolicy(list)).toThrow(message);
  });

  it('reads TLSCHECK_ALLOW_CIDRS', () => {
    expect(ALLOW_ENV).toBe('TLSCHECK_ALLOW_CIDRS');
    const policy = addressPolicyFromEnv({ TLSCHECK_ALLOW_CIDRS: '10.0.0.0/8' });
    expect(policy.check('10.0.0.5')).toEqual({ allowed: true });
    expect(addressPolicyFromEnv({}).check('10.0.0.5').allowed).toBe(false);
    expect(() => addressPolicyFromEnv({ TLSCHECK_ALLOW_CIDRS: 'nope' })).toThrow(/TLSCHECK_ALLOW_CIDRS/);
  });
});

describe('parse + policy: every spelling from the issue is refused', () => {
  const policy = createAddressPolicy([]);
  it.each([
    ['127.1', /loopback/],
    ['0x7f000001', /loopback/],
    ['2130706433', /loopback/],
    ['0177.0.0.1', /loopback/],
    ['127.0.0.1.', /loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped IPv6 address for 127\.0\.0\.1, which is a loopback address/],
    ['[::1]', /^::1 is a loopback address/],
    ['[::ffff:7f00:1]', /IPv4-mapped IPv6 address for 127\.0\.0\.1/],
    ['[::ffff:7f00:1]:8443', /IPv4-mapped IPv6 address for 127\.0\.0\.1/],
    ['https://0xa9fea9fe/latest/meta-data/', /cloud metadata endpoint/],
    ['<http://169.254.169.254|169.254.169.254>', /cloud metadata endpoint/],
    ['0', /unspecified/],
    ['[::]', /unspecified/],
    ['[fe80::1]', /link-local/],
    ['10.1', /private/],
    ['[64:ff9b::a00:1]', /NAT64 IPv6 address for 10\.0\.0\.1/],
    ['[2002:a9fe:a9fe::]', /6to4 IPv6 address for 169\.254\.169\.254/],
  ])('%s', (input, message) => {
    const parsed = parseTarget(input);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.target.isIp).toBe(true);
    expect(reason(policy, parsed.target.host)).toMatch(message);
  });
});
