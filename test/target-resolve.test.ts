import { describe, expect, it } from 'vitest';
import {
  createAddressPolicy,
  parseTarget,
  resolveInput,
  resolveTarget,
  TargetError,
  type LookupFn,
  type ParsedTarget,
} from '../src/target/index.js';

// No test here reaches a DNS server: names go to an injected lookup, except `localhost`,
// which the system resolves from /etc/hosts. Nothing connects anywhere.

function parsed(input: string, sni?: string): ParsedTarget {
  const r = parseTarget(input, sni === undefined ? {} : { sni });
  if (!r.ok) throw new Error(r.error);
  return r.target;
}

/** A lookup that answers from a table and counts its calls. */
function fakeDns(table: Record<string, string[]>): LookupFn & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

function failingDns(code: string | undefined, message = 'boom'): LookupFn {
  return async () => {
    throw Object.assign(new Error(message), code === undefined ? {} : { code });
  };
}

async function targetError(promise: Promise<unknown>): Promise<TargetError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TargetError) return err;
    throw err;
  }
  throw new Error('expected a TargetError');
}

const noLookup: LookupFn = async (host) => {
  throw new Error(`lookup must not be called for an IP literal, got ${host}`);
};

describe('resolveTarget: names', () => {
  it('resolves once and keeps the name as SNI', async () => {
    const dns = fakeDns({ 'example.com': ['93.184.216.34'] });
    const target = await resolveTarget(parsed('example.com:8443'), { lookup: dns });
    expect(target).toEqual({ host: 'example.com', port: 8443, ip: '93.184.216.34', family: 4, sni: 'example.com' });
    expect(dns.calls).toEqual(['example.com']);
  });

  it('looks up the punycode form of an IDN', async () => {
    const dns = fakeDns({ 'xn--bcher-kva.example': ['192.0.2.10'] });
    const target = await resolveTarget(parsed('bücher.example'), { lookup: dns });
    expect(target.sni).toBe('xn--bcher-kva.example');
    expect(dns.calls).toEqual(['xn--bcher-kva.example']);
  });

  it('sends --sni, not the host name', async () => {
    const dns = fakeDns({ 'origin.example': ['198.51.100.1'] });
    const target = await resolveTarget(parsed('origin.example', 'www.example.com'), { lookup: dns });
    expect(target).toMatchObject({ host: 'origin.example', ip: '198.51.100.1', sni: 'www.example.com' });
  });

  it('prefers the first IPv4 address when both families come back', async () => {
    const dns = fakeDns({ 'dual.example': ['2001:db8::1', '2001:db8::2', '192.0.2.1', '192.0.2.2'] });
    const target = await resolveTarget(parsed('dual.example'), { lookup: dns });
    expect(target).toMatchObject({ ip: '192.0.2.1', family: 4 });
  });

  it('uses IPv6 when that is all there is', async () => {
    const dns = fakeDns({ 'v6.example': ['2001:db8::1', '2001:db8::2'] });
    expect(await resolveTarget(parsed('v6.example'), { lookup: dns })).toMatchObject({ ip: '2001:db8::1', family: 6 });
  });

  it('can be told to use one family', async () => {
    const dns = fakeDns({ 'dual.example': ['192.0.2.1', '2001:db8::1'] });
    expect(await resolveTarget(parsed('dual.example'), { lookup: dns, family: 6 })).toMatchObject({ ip: '2001:db8::1', family: 6 });
    expect(await resolveTarget(parsed('dual.example'), { lookup: dns, family: 4 })).toMatchObject({ ip: '192.0.2.1', family: 4 });
    const v4only = fakeDns({ 'v4.example': ['192.0.2.1'] });
    const err = await targetError(resolveTarget(parsed('v4.example'), { lookup: v4only, family: 6 }));
    expect(err.code).toBe('dns');
    expect(err.message).toBe("'v4.example' has no IPv6 address: drop the -6 option, or check the DNS records.");
  });

  it('takes the family from the address text, not from what the resolver claims', async () => {
    const lying: LookupFn = async () => [{ address: '192.0.2.1', family: 6 }];
    expect(await resolveTarget(parsed('liar.example'), { lookup: lying })).toMatchObject({ ip: '192.0.2.1', family: 4 });
  });

  it('resolves localhost with the system resolver', async () => {
    const target = await resolveTarget(parsed('localhost:8443'));
    expect(target.host).toBe('localhost');
    expect(target.sni).toBe('localhost');
    expect(['127.0.0.1', '::1']).toContain(target.ip);
    expect(target.family).toBe(target.ip === '::1' ? 6 : 4);
  });
});

describe('resolveTarget: IP literals', () => {
  it('does not look up an IP address', async () => {
    expect(await resolveTarget(parsed('192.0.2.1:8443'), { lookup: noLookup })).toEqual({
      host: '192.0.2.1', port: 8443, ip: '192.0.2.1', family: 4, sni: null,
    });
    expect(await resolveTarget(parsed('[2001:db8::1]'), { lookup: noLookup })).toEqual({
      host: '2001:db8::1', port: 443, ip: '2001:db8::1', family: 6, sni: null,
    });
  });

  it('keeps --sni for an IP address', async () => {
    expect(await resolveTarget(parsed('192.0.2.1', 'example.com'), { lookup: noLookup })).toMatchObject({ ip: '192.0.2.1', sni: 'example.com' });
  });

  it('refuses a family that does not fit the literal', async () => {
    const err = await targetError(resolveTarget(parsed('192.0.2.1'), { family: 6 }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/192\.0\.2\.1 is an IPv4 address but IPv6 was asked for/);
  });
});

describe('resolveTarget: DNS failures', () => {
  it('explains a name that does not exist', async () => {
    const err = await targetError(resolveTarget(parsed('foo.invalid'), { lookup: fakeDns({}) }));
    expect(err).toBeInstanceOf(TargetError);
    expect(err.name).toBe('TargetError');
    expect(err.code).toBe('dns');
    expect(err.message).toBe("Could not resolve 'foo.invalid': no such host. Check the spelling, or give an IP address.");
  });

  it.each<[string | undefined, RegExp]>([
    ['EAI_AGAIN', /^Could not resolve 'x\.example': the DNS lookup failed for now\. Try again in a moment, or give an IP address\.$/],
    ['ENODATA', /the name has no addresses/],
    ['EAI_FAIL', /the DNS server failed/],
    ['ESERVFAIL', /the DNS server failed/],
    ['ETIMEOUT', /timed out/],
    ['ECONNREFUSED', /refused the query/],
    ['EWEIRD', /the lookup failed \(EWEIRD\)\. Check the name and the DNS settings, or give an IP address\./],
    [undefined, /the lookup failed \(boom\)/],
  ])('explains %s', async (code, message) => {
    const err = await targetError(resolveTarget(parsed('x.example'), { lookup: failingDns(code) }));
    expect(err.code).toBe('dns');
    expect(err.message).toMatch(message);
  });

  it('keeps a multi-line resolver message on one line', async () => {
    const err = await targetError(resolveTarget(parsed('x.example'), { lookup: failingDns(undefined, 'line one\nline two') }));
    expect(err.message).toContain('(line one line two)');
    expect(err.message).not.toMatch(/\n/);
  });

  it('treats an empty answer as no addresses', async () => {
    const err = await targetError(resolveTarget(parsed('empty.example'), { lookup: async () => [] }));
    expect(err.code).toBe('dns');
    expect(err.message).toMatch(/^Could not resolve 'empty\.example': the name has no addresses/);
  });

  it('refuses an answer that is not an IP address', async () => {
    const err = await targetError(resolveTarget(parsed('odd.example'), { lookup: async () => [{ address: '127.1', family: 4 }] }));
    expect(err.code).toBe('dns');
    expect(err.message).toMatch(/returned '127\.1', which is not an IP address/);
  });
});

describe('resolveTarget: policy', () => {
  const policy = createAddressPolicy([]);

  it.each<[string, string]>([
    ['10.0.0.5', 'internal.example'],
    ['169.254.169.254', 'metadata.example'],
    ['127.0.0.1', 'loop.example'],
    ['::1', 'loop6.example'],
    ['::ffff:127.0.0.1', 'mapped.example'],
    ['fd00:ec2::254', 'imds6.example'],
    ['100.100.100.200', 'alibaba.example'],
  ])('refuses a name that resolves to %s without naming the address', async (address, host) => {
    const dns = fakeDns({ [host]: [address] });
    const err = await targetError(resolveTarget(parsed(host), { lookup: dns, policy }));
    expect(err.code).toBe('blocked');
    expect(err.message).toMatch(new RegExp(`^Refusing '${host.replace(/\./g, '\\.')}', which resolves to a private address: tlscheck only checks public servers`));
    expect(err.message).not.toContain(address);
    expect(err.message).toMatch(/TLSCHECK_ALLOW_CIDRS\)\.$/);
    expect(err.message).not.toMatch(/\n/);
  });

  it('refuses when ANY address is blocked, even if the first one is public', async () => {
    const dns = fakeDns({ 'mixed.example': ['93.184.216.34', '10.0.0.5'] });
    const err = await targetError(resolveTarget(parsed('mixed.example'), { lookup: dns, policy }));
    expect(err.code).toBe('blocked');
    expect(err.message).toMatch(/which resolves to a private address/);
    expect(err.message).not.toContain('10.0.0.5');
  });

  it('refuses when a blocked IPv6 address hides behind a public IPv4 one it would not use', async () => {
    const dns = fakeDns({ 'mixed6.example': ['2001:db8:1::1', '93.184.216.34', 'fe80::1'] });
    const err = await targetError(resolveTarget(parsed('mixed6.example'), { lookup: dns, policy }));
    expect(err.code).toBe('blocked');
    expect(err.message).toMatch(/which resolves to a private address/);
    expect(err.message).not.toContain('fe80');
  });

  it('passes a name whose addresses are all public', async () => {
    const dns = fakeDns({ 'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    expect(await resolveTarget(parsed('public.example'), { lookup: dns, policy })).toMatchObject({ ip: '93.184.216.34' });
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1', '::ffff:127.0.0.1', '[::1]', '[::ffff:7f00:1]', '[::]', '0'])(
    'refuses the IP literal %s without looking it up',
    async (input) => {
      const err = await targetError(resolveTarget(parsed(input), { lookup: noLookup, policy }));
      expect(err.code).toBe('blocked');
      expect(err.message).toMatch(/^Refusing [0-9a-f:.]+: .* tlscheck only checks public servers/);
    },
  );

  it('refuses the metadata endpoint in any spelling', async () => {
    for (const input of ['169.254.169.254', '0xa9fea9fe', '2852039166', '169.254.43518', 'https://[::ffff:a9fe:a9fe]/latest']) {
      const err = await targetError(resolveTarget(parsed(input), { policy }));
      expect(err.code).toBe('blocked');
      expect(err.message).toMatch(/169\.254\.169\.254.*cloud metadata endpoint/);
    }
  });

  it('refuses localhost resolved for real', async () => {
    const err = await targetError(resolveTarget(parsed('localhost'), { policy }));
    expect(err.code).toBe('blocked');
    expect(err.message).toMatch(/^Refusing 'localhost', which resolves to a private address/);
  });

  it('lets an allow list through', async () => {
    const allowLoopback = createAddressPolicy('127.0.0.0/8, ::1');
    expect(await resolveTarget(parsed('127.1:8443'), { policy: allowLoopback })).toMatchObject({ ip: '127.0.0.1', port: 8443 });
    const dns = fakeDns({ 'lab.example': ['127.0.0.2'], 'internal.example': ['10.0.0.1'] });
    expect(await resolveTarget(parsed('lab.example'), { lookup: dns, policy: allowLoopback })).toMatchObject({ ip: '127.0.0.2' });
    const err = await targetError(resolveTarget(parsed('internal.example'), { lookup: dns, policy: allowLoopback }));
    expect(err.code).toBe('blocked');
  });

  it('resolves only once even with a policy', async () => {
    const dns = fakeDns({ 'public.example': ['93.184.216.34'] });
    await resolveTarget(parsed('public.example'), { lookup: dns, policy });
    expect(dns.calls).toHaveLength(1);
  });
});

describe('resolveTarget: hand-made targets are re-checked', () => {
  it.each<[ParsedTarget, RegExp]>([
    [{ host: '127.1', port: 443, isIp: true, sni: null }, /'127\.1' is not an IP address/],
    [{ host: '127.1', port: 443, isIp: false, sni: null }, /'127\.1' is not a valid host name/],
    [{ host: '10.0.0.1', port: 443, isIp: false, sni: null }, /is not a valid host name/],
    [{ host: '::1', port: 443, isIp: true, family: 4, sni: null }, /'::1' is not an IP address/],
    [{ host: 'Example.com', port: 443, isIp: false, sni: null }, /is not a valid host name/],
    [{ host: 'a;b', port: 443, isIp: false, sni: null }, /is not a valid host name/],
    [{ host: 'example.com', port: 0, isIp: false, sni: 'example.com' }, /port 0 is out of range/],
    [{ host: 'example.com', port: 1.5, isIp: false, sni: 'example.com' }, /port 1\.5 is out of range/],
    [{ host: 'example.com', port: 443, isIp: false, sni: '127.0.0.1' }, /SNI '127\.0\.0\.1' is not a valid DNS name/],
  ])('%j', async (target, message) => {
    const err = await targetError(resolveTarget(target, { lookup: noLookup }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(message);
  });

  it('accepts a hand-made IP target without a family', async () => {
    expect(await resolveTarget({ host: '2001:db8::1', port: 443, isIp: true, sni: null })).toMatchObject({ family: 6 });
  });
});

describe('resolveInput', () => {
  it('parses and resolves', async () => {
    const dns = fakeDns({ 'example.com': ['93.184.216.34'] });
    expect(await resolveInput('<https://example.com:8443/x|example.com>', { lookup: dns, sni: 'www.example.com' })).toEqual({
      host: 'example.com', port: 8443, ip: '93.184.216.34', family: 4, sni: 'www.example.com',
    });
  });

  it('turns a parse error into TargetError("invalid")', async () => {
    const err = await targetError(resolveInput('example.com;reboot', { lookup: noLookup }));
    expect(err.code).toBe('invalid');
    expect(err.message).toMatch(/contains ';'/);
  });

  it('blocks through the policy', async () => {
    const err = await targetError(resolveInput('0x7f000001', { policy: createAddressPolicy([]) }));
    expect(err.code).toBe('blocked');
  });
});
