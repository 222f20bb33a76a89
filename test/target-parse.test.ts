import { describe, expect, it } from 'vitest';
import { isValidDnsName, parseTarget, type ParsedTarget } from '../src/target/index.js';

function ok(input: string, sni?: string): ParsedTarget {
  const r = parseTarget(input, sni === undefined ? {} : { sni });
  if (!r.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${r.error}`);
  return r.target;
}

function err(input: string, sni?: string): string {
  const r = parseTarget(input, sni === undefined ? {} : { sni });
  if (r.ok) throw new Error(`expected ${JSON.stringify(input)} to fail, got ${JSON.stringify(r.target)}`);
  return r.error;
}

const name = (host: string, port = 443): ParsedTarget => ({ host, port, isIp: false, sni: host });
const v4 = (host: string, port = 443): ParsedTarget => ({ host, port, isIp: true, family: 4, sni: null });
const v6 = (host: string, port = 443): ParsedTarget => ({ host, port, isIp: true, family: 6, sni: null });

describe('parseTarget: accepted forms', () => {
  it.each<[string, ParsedTarget]>([
    ['example.com', name('example.com')],
    ['example.com:8443', name('example.com', 8443)],
    ['EXAMPLE.Com', name('example.com')],
    ['example.com.', name('example.com')],
    ['example.com.:8443', name('example.com', 8443)],
    ['localhost', name('localhost')],
    ['a-b.example', name('a-b.example')],
    ['a_b.example', name('a_b.example')],
    ['xn--bcher-kva.example', name('xn--bcher-kva.example')],
    ['bücher.example', name('xn--bcher-kva.example')],
    ['BÜCHER.example', name('xn--bcher-kva.example')],
    ['bücher.example.:993', name('xn--bcher-kva.example', 993)],
    ['例え.テスト', name('xn--r8jz45g.xn--zckzah')],
    ['example.com:1', name('example.com', 1)],
    ['example.com:65535', name('example.com', 65535)],
    ['example.com:08443', name('example.com', 8443)],
    ['  example.com  ', name('example.com')],
    [`${'a'.repeat(63)}.example`, name(`${'a'.repeat(63)}.example`)],
  ])('%s', (input, expected) => {
    expect(ok(input)).toEqual(expected);
  });
});

describe('parseTarget: IPv4 in every spelling becomes a dotted quad', () => {
  it.each<[string, string]>([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['127.0.0.%31', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['10.0.0.5', '10.0.0.5'],
    ['169.254.169.254', '169.254.169.254'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['8.8.8.8', '8.8.8.8'],
  ])('%s → %s', (input, host) => {
    expect(ok(input)).toEqual(v4(host));
  });

  it('keeps the port', () => {
    expect(ok('127.1:8443')).toEqual(v4('127.0.0.1', 8443));
    expect(ok('https://2130706433:444/')).toEqual(v4('127.0.0.1', 444));
  });
});

describe('parseTarget: IPv6', () => {
  it.each<[string, ParsedTarget]>([
    ['::1', v6('::1')],
    ['[::1]', v6('::1')],
    ['[::1]:8443', v6('::1', 8443)],
    ['2001:db8::1', v6('2001:db8::1')],
    ['2001:DB8::0:1', v6('2001:db8::1')],
    ['[2001:db8::1]:443', v6('2001:db8::1')],
    ['2001:db8:0:0:0:0:0:1', v6('2001:db8::1')],
    // Two or more colons without brackets: an address, not address:port.
    ['2001:db8::1:443', v6('2001:db8::1:443')],
    // IPv4-mapped stays IPv6 (the policy judges the embedded IPv4).
    ['::ffff:127.0.0.1', v6('::ffff:7f00:1')],
    ['[::ffff:127.0.0.1]', v6('::ffff:7f00:1')],
    ['[::ffff:7f00:1]', v6('::ffff:7f00:1')],
    ['[::ffff:7f00:1]:8443', v6('::ffff:7f00:1', 8443)],
    ['https://[::1]:8443/path', v6('::1', 8443)],
    ['https://[fd00:ec2::254]/', v6('fd00:ec2::254')],
  ])('%s', (input, expected) => {
    expect(ok(input)).toEqual(expected);
  });
});

describe('parseTarget: URLs', () => {
  it.each<[string, ParsedTarget]>([
    ['https://example.com', name('example.com')],
    ['https://example.com/', name('example.com')],
    ['https://example.com:8443/path?q=1&r=2#frag', name('example.com', 8443)],
    ['HTTPS://Example.COM/', name('example.com')],
    ['https://example.com/$(reboot)', name('example.com')],
    ['https://example.com?x', name('example.com')],
    ['https://example.com#x', name('example.com')],
    ['https://exa?mple.com', name('exa')],
    ['https://bücher.example/', name('xn--bcher-kva.example')],
    ['https://example.com:443', name('example.com')],
    // Documented choice: http:// means "this site", checked on 443 unless a port is given.
    ['http://example.com', name('example.com')],
    ['http://example.com/', name('example.com')],
    ['http://example.com:80/', name('example.com', 80)],
    ['http://example.com:8080/', name('example.com', 8080)],
    ['wss://example.com/socket', name('example.com')],
    ['imaps://mail.example.com', name('mail.example.com', 993)],
    ['smtps://mail.example.com', name('mail.example.com', 465)],
    ['pop3s://mail.example.com', name('mail.example.com', 995)],
    ['ldaps://dir.example.com', name('dir.example.com', 636)],
    ['ftps://files.example.com', name('files.example.com', 990)],
    ['imaps://mail.example.com:1993', name('mail.example.com', 1993)],
    ['example.com/login', name('example.com')],
    ['example.com:8443/login', name('example.com', 8443)],
  ])('%s', (input, expected) => {
    expect(ok(input)).toEqual(expected);
  });
});

describe("parseTarget: Slack's link formatting", () => {
  it.each<[string, ParsedTarget]>([
    ['<https://example.com|example.com>', name('example.com')],
    ['<https://example.com>', name('example.com')],
    ['<http://example.com>', name('example.com')],
    // What Slack sends when a user types a bare name: still port 443.
    ['<http://example.com|example.com>', name('example.com')],
    ['<http://example.com:8443|example.com:8443>', name('example.com', 8443)],
    ['<https://example.com:8443/path?a=1&amp;b=2|https://example.com:8443/path>', name('example.com', 8443)],
    ['<http://xn--bcher-kva.example|bücher.example>', name('xn--bcher-kva.example')],
    ['<http://127.1|127.1>', v4('127.0.0.1')],
    [' <https://example.com> ', name('example.com')],
  ])('%s', (input, expected) => {
    expect(ok(input)).toEqual(expected);
  });

  it('takes the URL, not the label', () => {
    expect(ok('<https://real.example|fake.example>')).toEqual(name('real.example'));
  });
});

describe('parseTarget: --sni', () => {
  it('uses --sni over the host name', () => {
    expect(ok('example.com', 'other.example')).toEqual({ ...name('example.com'), sni: 'other.example' });
  });
  it('gives an IP target an SNI', () => {
    expect(ok('192.0.2.1:8443', 'example.com')).toEqual({ ...v4('192.0.2.1', 8443), sni: 'example.com' });
    expect(ok('[::1]', 'example.com')).toEqual({ ...v6('::1'), sni: 'example.com' });
  });
  it('normalises --sni like a host name', () => {
    expect(ok('192.0.2.1', 'Bücher.Example.').sni).toBe('xn--bcher-kva.example');
  });
  it.each<[string, RegExp]>([
    ['', /--sni is empty/],
    ['127.0.0.1', /--sni '127\.0\.0\.1' is an IP address/],
    ['127.1', /is an IP address/],
    ['2130706433', /is an IP address/],
    ['::1', /--sni '::1' is not a valid DNS name/],
    ['[::1]', /is not a valid DNS name/],
    ['example.com:443', /is not a valid DNS name/],
    ['https://example.com', /is not a valid DNS name/],
    ['a b', /is not a valid DNS name/],
    ['a;b', /is not a valid DNS name/],
    ['$(id)', /is not a valid DNS name/],
    ['user@example.com', /is not a valid DNS name/],
    ['a..b', /--sni 'a\.\.b' is not a valid host name: it has an empty label/],
    ['-a.example', /starts or ends with a hyphen/],
    ['a,b.example', /',' is not allowed/],
    [`${'a'.repeat(64)}.example`, /64 characters long, the limit is 63/],
    [`${'a.'.repeat(127)}aa`, /is 256 characters long, the limit is 253/],
    ['1.2.3.4.5', /is not a valid DNS name/],
  ])('refuses --sni %j', (sni, message) => {
    expect(err('example.com', sni)).toMatch(message);
  });
});

describe('parseTarget: errors', () => {
  it.each<[string, RegExp]>([
    ['', /^No target given/],
    ['   ', /^No target given/],
    ['<>', /^No target given/],
    ['example.com:0', /port 0 is out of range/],
    ['example.com:00', /port 0 is out of range/],
    ['example.com:65536', /port 65536 is out of range/],
    ['example.com:99999999999', /port 99999999999 is out of range/],
    ['example.com:abc', /port 'abc' is not a number/],
    ['example.com:-1', /port '-1' is not a number/],
    ['example.com:44 3', /contains a space/],
    ['example.com:', /port after ':' is missing/],
    ['[::1]:', /port after ':' is missing/],
    ['[::1]:0', /port 0 is out of range/],
    ['[::1]:x', /port 'x' is not a number/],
    ['https://example.com:0/', /port 0 is out of range/],
    ['https://example.com:70000/', /port 70000 is out of range/],
    [':443', /no host name before ':'/],
    ['https://', /has no host name/],
    ['https:///path', /has no host name/],
    ['/path', /has no host name/],
    ['example.com extra', /contains a space/],
    ['example.com\tx', /contains a space/],
    ['example.com\nrm -rf /', /contains a space/],
    ['exam\u0000ple.com', /control character/],
    ['exam\u0007ple.com', /control character/],
    ['ftp://example.com', /cannot check 'ftp:\/\/' URLs/],
    ['file:///etc/passwd', /cannot check 'file:\/\/' URLs/],
    ['gopher://example.com', /cannot check 'gopher:\/\/' URLs/],
    ['user@example.com', /contains '@'/],
    ['https://user:pw@example.com/', /contains '@'/],
    ['https://public.example@127.0.0.1/', /contains '@'/],
    ['[::1', /not of the form \[IPv6 address\]:port/],
    ['[::1]x', /not of the form \[IPv6 address\]:port/],
    ['::1]', /stray bracket/],
    ['example.com]', /stray bracket/],
    ['[example.com]', /is not a valid IPv6 address/],
    ['[127.0.0.1]', /is not a valid IPv6 address/],
    ['[1:2:3:4:5:6:7:8:9]', /is not a valid IPv6 address/],
    ['1:2:3:4:5:6:7:8:9', /is not a valid IPv6 address/],
    ['2001:db8:::1', /is not a valid IPv6 address/],
    ['[::ffff:127.0.0.256]', /is not a valid IPv6 address/],
    ['fe80::1%eth0', /zone ID/],
    ['[fe80::1%25eth0]:443', /zone ID/],
    ['1.2.3.4.5', /is not a valid IPv4 address/],
    ['256.1.1.1', /is not a valid IPv4 address/],
    ['1.2.3.256', /is not a valid IPv4 address/],
    ['4294967296', /is not a valid IPv4 address/],
    ['09.1.1.1', /is not a valid IPv4 address/],
    ['example.123', /is not a valid IPv4 address/],
    ['foo.0x10', /is not a valid IPv4 address/],
    ['xn--a.example', /is not a valid host name/],
    ['exa^mple.com', /is not a valid host name/],
    ['a..b', /empty label/],
    ['.example.com', /empty label/],
    ['example.com..', /empty label/],
    ['.', /empty label/],
    ['\u00ad.example', /empty label/],
    ['-example.com', /label '-example' starts or ends with a hyphen/],
    ['example-.com', /label 'example-' starts or ends with a hyphen/],
    ['a,b.com', /',' is not allowed/],
    ['a=b.com', /'=' is not allowed/],
    ['example.com#frag', /is not a valid host name/],
    ['example.com#@127.0.0.1', /contains '@'/],
    ['exa%23mple.com', /is not a valid host name/],
    ['exa%2fmple.com', /is not a valid host name/],
    [`${'a'.repeat(64)}.example`, /label 'a{20}…' is 64 characters long, the limit is 63/],
    [`${'a.'.repeat(127)}aa`, /is 256 characters long, the limit is 253/],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, /254 characters long, the limit is 253/],
    ['x'.repeat(5000), /5000 characters long/],
  ])('%j', (input, message) => {
    expect(err(input)).toMatch(message);
  });

  it.each([';', '|', '&', '$', '`', '<', '>', '(', ')', '{', '}', "'", '"', '\\', '*', '?', '!'])(
    'refuses the shell metacharacter %s',
    (ch) => {
      expect(err(`exa${ch}mple.com`)).toContain(`contains '${ch}'`);
      expect(err(`example.com:44${ch}3`)).toContain(`contains '${ch}'`);
    },
  );

  it.each([
    'example.com;reboot',
    'example.com:443;id',
    'example.com|nc',
    'example.com&&id',
    '$(id).example.com',
    '`id`.example.com',
    'example.com>/tmp/x',
    "example.com'",
    'https://$(id):443/',
    '${IFS}example.com',
    '*.example.com',
    '!example.com',
    '<example.com',
    'example.com\\foo',
  ])('refuses the injection attempt %j', (input) => {
    expect(err(input)).toMatch(/^The target contains '.', which cannot be part of a host name/);
  });

  it('every error is one line that says what to do', () => {
    const inputs = ['', 'a b', 'x:0', 'x:y', 'x:', 'a;b', 'ftp://x', 'u@x', '[::1', 'a..b', '1.2.3.4.5', '-a.b', 'x'.repeat(300)];
    for (const input of inputs) {
      const message = err(input);
      expect(message).not.toMatch(/[\r\n]/);
      expect(message).toMatch(/: |, e\.g\./);
      expect(message).not.toContain('undefined');
      expect(message.length).toBeLessThan(300);
    }
  });
});

describe('isValidDnsName', () => {
  it.each(['example.com', 'xn--bcher-kva.example', 'localhost', 'a_b.example', 'a'.repeat(63)])('accepts %s', (n) => {
    expect(isValidDnsName(n)).toBe(true);
  });
  it.each(['', 'Example.com', 'example.com.', '127.0.0.1', '127.1', '2130706433', '::1', 'bücher.example', 'a..b', '-a', 'a b', 'a'.repeat(64)])(
    'refuses %j',
    (n) => {
      expect(isValidDnsName(n)).toBe(false);
    },
  );
});
