import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CIPHER_SUITES,
  cipherName,
  cipherSuiteById,
  cipherSuiteByName,
  suitesForVersion,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
} from '../src/probe/codec/cipher-suites.js';
import { buildClientHello, buildSSLv2ClientHello, EXT } from '../src/probe/codec/client-hello.js';
import { GROUP as GROUPS } from '../src/probe/codec/groups.js';
import { HRR_RANDOM, parseServerResponse, type ParseResult } from '../src/probe/codec/server-response.js';
import {
  alertRecord,
  decodeClientHello,
  ext,
  fixture,
  record,
  serverHelloMessage,
  serverHelloRecord,
} from './fixtures/codec/tls-bytes.js';

function expectKind<K extends ParseResult['kind']>(r: ParseResult, kind: K): Extract<ParseResult, { kind: K }> {
  expect(r.kind).toBe(kind);
  return r as Extract<ParseResult, { kind: K }>;
}

describe('cipher suite table', () => {
  it('has unique ids and names and all TLS 1.3 suites', () => {
    expect(new Set(CIPHER_SUITES.map((s) => s.id)).size).toBe(CIPHER_SUITES.length);
    expect(new Set(CIPHER_SUITES.map((s) => s.name)).size).toBe(CIPHER_SUITES.length);
    expect(CIPHER_SUITES.filter((s) => s.minVersion === 'TLSv1.3').map((s) => s.id).sort()).toEqual([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
  });

  it('derives properties from the IANA name', () => {
    expect(cipherSuiteById(0xc02f)).toMatchObject({
      name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
      kx: 'ECDHE', auth: 'RSA', cipher: 'AES_128_GCM', bits: 128, mac: 'AEAD', aead: true,
      forwardSecrecy: true, minVersion: 'TLSv1.2', weak: [],
    });
    expect(cipherSuiteById(0x000a)).toMatchObject({ kx: 'RSA', cipher: '3DES_EDE_CBC', bits: 112, mode: 'CBC', mac: 'SHA1', forwardSecrecy: false, minVersion: 'SSLv3', weak: ['sweet32'] });
    expect(cipherSuiteById(0x0003)).toMatchObject({ export: true, bits: 40 });
    expect(cipherSuiteById(0x0003)?.weak.sort()).toEqual(['export', 'md5', 'rc4']);
    expect(cipherSuiteById(0x0018)?.weak.sort()).toEqual(['anon', 'md5', 'rc4']);
    expect(cipherSuiteById(0x0002)?.weak).toEqual(['null']);
    expect(cipherSuiteById(0xcca8)).toMatchObject({ cipher: 'CHACHA20_POLY1305', aead: true, bits: 256 });
    expect(cipherSuiteById(0xc0a0)).toMatchObject({ cipher: 'AES_128_CCM_8', aead: true, minVersion: 'TLSv1.2' });
    expect(cipherSuiteById(0x1302)).toMatchObject({ kx: 'any', auth: 'any', aead: true, forwardSecrecy: true, minVersion: 'TLSv1.3' });
    expect(cipherSuiteById(0x00a8)).toMatchObject({ kx: 'PSK', rare: true });
    expect(cipherSuiteById(0xc004)).toMatchObject({ kx: 'ECDH', forwardSecrecy: false, rare: true });
  });

  it('derives a consistent row for every suite (no silent fallbacks in the name parser)', () => {
    for (const s of CIPHER_SUITES) {
      expect(s.bits === 0, s.name).toBe(s.weak.includes('null'));
      if (s.kx === 'RSA' && s.auth === 'RSA') expect(s.name, s.name).toMatch(/^TLS_RSA_(EXPORT_)?WITH_/);
      if (s.minVersion !== 'TLSv1.3') expect(s.name, s.name).toContain(`_WITH_${s.cipher}`);
      expect(s.aead, s.name).toBe(s.mode === 'AEAD');
    }
  });

  it('looks up by IANA and OpenSSL name, and names SCSVs and unknown ids', () => {
    expect(cipherSuiteByName('DES-CBC3-SHA')?.id).toBe(0x000a);
    expect(cipherSuiteByName('TLS_CHACHA20_POLY1305_SHA256')?.id).toBe(0x1303);
    expect(cipherName(TLS_FALLBACK_SCSV)).toBe('TLS_FALLBACK_SCSV');
    expect(cipherName(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)).toBe('TLS_EMPTY_RENEGOTIATION_INFO_SCSV');
    expect(cipherName(0xfafa)).toBe('0xfafa');
  });

  it('offers per version only suites that version can negotiate, at most 128 per hello, best first', () => {
    const v12 = suitesForVersion('TLSv1.2');
    const v10 = suitesForVersion('TLSv1');
    expect(v12.length).toBeLessThanOrEqual(128);
    expect(suitesForVersion('TLSv1.2', { rare: true }).length).toBeLessThanOrEqual(128);
    expect(v10).not.toContain(0xc02f); // GCM needs 1.2
    expect(v10).toContain(0xc013);
    expect(v12).toContain(0xc02f);
    expect(v12).not.toContain(0x1301);
    expect(suitesForVersion('TLSv1.3').sort()).toEqual([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
    expect(cipherSuiteById(v12[0] as number)?.forwardSecrecy).toBe(true);
    expect(cipherSuiteById(v12[v12.length - 1] as number)?.weak.length).toBeGreaterThan(0);
  });
});

describe('buildClientHello', () => {
  const random = Buffer.alloc(32, 0xab);

  it('sends no server_name for an IP literal (RFC 6066 §3), and the name of each hello as asked', () => {
    const sniOf = (sni: string) => decodeClientHello(buildClientHello({ version: 'TLSv1.2', ciphers: [0xc02f], sni })).extensions.get(EXT.serverName);
    for (const ip of ['192.0.2.1', '::1', '2001:db8::1', '::ffff:192.0.2.1']) expect(sniOf(ip), ip).toBeUndefined();
    expect(sniOf('a.example')?.subarray(5).toString()).toBe('a.example');
    expect(sniOf('1.example')?.subarray(5).toString()).toBe('1.example');
    expect(sniOf('b.example.')?.subarray(5).toString()).toBe('b.example');
  });

  it('builds a TLS 1.2 hello with the usual extensions', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1.2', ciphers: [0xc02f, 0x009c], sni: 'example.com', random, renegotiationInfo: true }));
    expect(h).toMatchObject({ recordType: 22, recordVersion: 0x0301, handshakeType: 1, legacyVersion: 0x0303, compression: [0] });
    expect(h.random).toEqual(random);
    expect(h.ciphers).toEqual([0xc02f, 0x009c]);
    const sni = h.extensions.get(EXT.serverName);
    expect(sni?.subarray(5).toString()).toBe('example.com');
    expect(h.extensions.get(EXT.renegotiationInfo)).toEqual(Buffer.from([0]));
    expect(h.extensions.has(EXT.signatureAlgorithms)).toBe(true);
    expect(h.extensions.has(EXT.ecPointFormats)).toBe(true);
    expect(h.extensions.has(EXT.supportedVersions)).toBe(false);
    expect(h.extensions.has(EXT.keyShare)).toBe(false);
    const groups = h.extensions.get(EXT.supportedGroups) as Buffer;
    expect(groups.readUInt16BE(2)).toBe(GROUPS.x25519);
  });

  it('builds a TLS 1.3 hello: legacy 0x0303, supported_versions 1.3 only, an x25519 key share', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1.3', ciphers: suitesForVersion('TLSv1.3'), sni: 'a.example' }));
    expect(h.legacyVersion).toBe(0x0303);
    expect(h.recordVersion).toBe(0x0301);
    expect(h.sessionId.length).toBe(32);
    expect(h.extensions.get(EXT.supportedVersions)).toEqual(Buffer.from([2, 3, 4]));
    const ks = h.extensions.get(EXT.keyShare) as Buffer;
    expect(ks.readUInt16BE(0)).toBe(ks.length - 2);
    expect(ks.readUInt16BE(2)).toBe(GROUPS.x25519);
    expect(ks.readUInt16BE(4)).toBe(32);
    expect(h.extensions.get(EXT.pskKeyExchangeModes)).toEqual(Buffer.from([1, 1]));
    const groups = h.extensions.get(EXT.supportedGroups) as Buffer;
    const list = Array.from({ length: (groups.length - 2) / 2 }, (_, i) => groups.readUInt16BE(2 + 2 * i));
    expect(list).toEqual(expect.arrayContaining([GROUPS.x25519, GROUPS.secp256r1, GROUPS.secp384r1, GROUPS.ffdhe2048]));
    const sigs = h.extensions.get(EXT.signatureAlgorithms) as Buffer;
    const sigList = Array.from({ length: (sigs.length - 2) / 2 }, (_, i) => sigs.readUInt16BE(2 + 2 * i));
    expect(sigList).toEqual(expect.arrayContaining([0x0804, 0x0403, 0x0401, 0x0201]));
  });

  it('builds SSLv3 hellos without extensions, turning renegotiation_info into the SCSV', () => {
    const h = decodeClientHello(buildClientHello({ version: 'SSLv3', ciphers: [0x000a], sni: 'example.com', renegotiationInfo: true }));
    expect(h.recordVersion).toBe(0x0300);
    expect(h.legacyVersion).toBe(0x0300);
    expect(h.extensions.size).toBe(0);
    expect(h.ciphers).toEqual([0x000a, TLS_EMPTY_RENEGOTIATION_INFO_SCSV]);
  });

  it('appends SCSVs, skips SNI for IP literals, leaves signature_algorithms out before 1.2', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1', ciphers: [0x002f], sni: '192.0.2.1', fallbackScsv: true, renegotiationScsv: true }));
    expect(h.legacyVersion).toBe(0x0301);
    expect(h.ciphers).toEqual([0x002f, TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV]);
    expect(h.extensions.has(EXT.serverName)).toBe(false);
    expect(h.extensions.has(EXT.signatureAlgorithms)).toBe(false);
    expect(decodeClientHello(buildClientHello({ version: 'TLSv1', ciphers: [0x002f], sni: null })).extensions.has(EXT.serverName)).toBe(false);
  });

  it('never produces a hello of 256..511 bytes (padding), with every cipher-list size', () => {
    for (let n = 1; n <= 128; n++) {
      for (const version of ['TLSv1', 'TLSv1.2', 'TLSv1.3'] as const) {
        const h = decodeClientHello(buildClientHello({ version, ciphers: Array.from({ length: n }, (_, i) => 0xc000 + i), sni: 'host.example' }));
        expect(h.handshakeLength < 256 || h.handshakeLength >= 512, `${version} with ${n} suites: ${h.handshakeLength}`).toBe(true);
      }
    }
  });

  it('builds an SSLv2 CLIENT-HELLO with all seven cipher kinds', () => {
    const challenge = Buffer.alloc(16, 1);
    const b = buildSSLv2ClientHello(challenge);
    expect(b[0]! & 0x80).toBe(0x80);
    expect(b.readUInt16BE(0) & 0x7fff).toBe(b.length - 2);
    expect(b[2]).toBe(1);
    expect(b.readUInt16BE(3)).toBe(0x0002);
    expect(b.readUInt16BE(5)).toBe(21);
    expect(b.subarray(b.length - 16)).toEqual(challenge);
  });
});

describe('parseServerResponse on captured OpenSSL answers', () => {
  it('reads a TLS 1.2 ServerHello and stops before the certificate', () => {
    const bytes = fixture('openssl-tls12-serverhello.hex');
    const sh = expectKind(parseServerResponse(bytes), 'server-hello');
    expect(sh).toMatchObject({ version: 0x0303, versionName: 'TLSv1.2', cipher: 0xc02f, cipherName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', helloRetryRequest: false, downgradeSentinel: 'tls12', compression: 0 });
    expect(sh.renegotiationInfo).toEqual({ present: true, content: '' });
    expect(sh.sessionId.length).toBe(32);
    // The ServerHello record alone is enough.
    expect(parseServerResponse(bytes.subarray(0, 5 + 0x59)).kind).toBe('server-hello');
    expect(parseServerResponse(bytes.subarray(0, 5 + 0x58)).kind).toBe('need-more');
  });

  it('reads a TLS 1.3 ServerHello: version from supported_versions', () => {
    const sh = expectKind(parseServerResponse(fixture('openssl-tls13-serverhello.hex')), 'server-hello');
    expect(sh).toMatchObject({ legacyVersion: 0x0303, version: 0x0304, versionName: 'TLSv1.3', cipherName: 'TLS_AES_128_GCM_SHA256', keyShareGroup: GROUPS.x25519, helloRetryRequest: false });
    expect(sh.renegotiationInfo.present).toBe(false);
  });

  it('recognises a HelloRetryRequest by its random', () => {
    const sh = expectKind(parseServerResponse(fixture('openssl-tls13-hrr.hex')), 'server-hello');
    expect(sh.helloRetryRequest).toBe(true);
    expect(sh.random).toEqual(HRR_RANDOM);
    expect(sh.versionName).toBe('TLSv1.3');
    expect(sh.keyShareGroup).toBe(GROUPS.secp256r1);
  });

  it('reads a fatal alert', () => {
    expect(parseServerResponse(fixture('openssl-alert-protocol-version.hex'))).toEqual({
      kind: 'alert', level: 'fatal', description: 70, descriptionName: 'protocol_version', recordVersion: 0x0303,
    });
  });

  it('gives the same answer for every split of the bytes into two TCP chunks', () => {
    for (const name of ['openssl-tls12-serverhello.hex', 'openssl-tls13-hrr.hex', 'openssl-alert-protocol-version.hex']) {
      const bytes = fixture(name);
      const whole = parseServerResponse(bytes);
      for (let cut = 0; cut < bytes.length; cut++) {
        const early = parseServerResponse(bytes.subarray(0, cut));
        // Each prefix either waits for more or already has the full answer.
        if (early.kind !== 'need-more') expect(early).toEqual(whole);
      }
    }
  });
});

describe('parseServerResponse on built answers', () => {
  it('joins a ServerHello split across three handshake records', () => {
    const msg = serverHelloMessage({ version: 0x0303, cipher: 0x009c, extensions: [ext(EXT.renegotiationInfo, Buffer.from([0]))] });
    const bytes = Buffer.concat([
      record(22, 0x0303, msg.subarray(0, 3)),
      record(22, 0x0303, msg.subarray(3, 20)),
      record(22, 0x0303, msg.subarray(20)),
    ]);
    expect(parseServerResponse(bytes.subarray(0, bytes.length - 1)).kind).toBe('need-more');
    const sh = expectKind(parseServerResponse(bytes), 'server-hello');
    expect(sh.cipherName).toBe('TLS_RSA_WITH_AES_128_GCM_SHA256');
    expect(sh.renegotiationInfo.present).toBe(true);
  });

  it('reads an SSLv3 ServerHello without extensions', () => {
    const sh = expectKind(parseServerResponse(serverHelloRecord({ version: 0x0300, cipher: 0x000a })), 'server-hello');
    expect(sh).toMatchObject({ versionName: 'SSLv3', cipherName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', extensions: [], recordVersion: 0x0300 });
    expect(sh.renegotiationInfo.present).toBe(false);
  });

  it('reads a non-empty renegotiation_info and the TLS 1.1 downgrade sentinel', () => {
    const random = Buffer.concat([Buffer.alloc(24, 1), Buffer.from('DOWNGRD\x00', 'latin1')]);
    const sh = expectKind(parseServerResponse(serverHelloRecord({ version: 0x0302, cipher: 0xc013, random, extensions: [ext(EXT.renegotiationInfo, Buffer.from([2, 0xaa, 0xbb]))] })), 'server-hello');
    expect(sh.renegotiationInfo).toEqual({ present: true, content: 'aabb' });
    expect(sh.downgradeSentinel).toBe('tls11');
  });

  it('skips a warning unrecognized_name alert before the ServerHello, but returns it alone at EOF', () => {
    const warn = alertRecord(1, 112);
    const sh = serverHelloRecord({ version: 0x0303, cipher: 0xc02f, extensions: [] });
    expect(parseServerResponse(Buffer.concat([warn, sh])).kind).toBe('server-hello');
    expect(parseServerResponse(warn).kind).toBe('need-more');
    expect(parseServerResponse(warn, { eof: true })).toMatchObject({ kind: 'alert', level: 'warning', description: 112, descriptionName: 'unrecognized_name' });
  });

  it('reads a fatal alert split over two records, and names unknown alerts', () => {
    const bytes = Buffer.concat([record(21, 0x0301, Buffer.from([2])), record(21, 0x0301, Buffer.from([86]))]);
    expect(parseServerResponse(bytes)).toMatchObject({ kind: 'alert', level: 'fatal', description: 86, descriptionName: 'inappropriate_fallback' });
    expect(parseServerResponse(alertRecord(2, 250))).toMatchObject({ descriptionName: 'unknown_alert_250' });
  });

  it('reads an SSLv2 SERVER-HELLO and an SSLv2 ERROR', () => {
    const cert = Buffer.from('not really a certificate');
    const specs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0]);
    const connId = Buffer.alloc(16, 3);
    const msg = Buffer.concat([
      Buffer.from([4, 0, 1, 0x00, 0x02, cert.length >> 8, cert.length & 0xff, 0, specs.length, 0, connId.length]),
      cert, specs, connId,
    ]);
    const bytes = Buffer.concat([Buffer.from([0x80 | (msg.length >> 8), msg.length & 0xff]), msg]);
    expect(parseServerResponse(bytes.subarray(0, 10)).kind).toBe('need-more');
    const v2 = expectKind(parseServerResponse(bytes), 'sslv2-server-hello');
    expect(v2.cipherNames).toEqual(['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5']);
    expect(v2.certificate).toEqual(cert);
    expect(parseServerResponse(Buffer.from([0x80, 0x03, 0x00, 0x00, 0x01]))).toEqual({ kind: 'sslv2-error', code: 1 });
  });
});

describe('parseServerResponse on things that are not TLS', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['HTTP response', 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', 'http'],
    ['HTML page', '<html><body>hi</body></html>', 'http'],
    ['SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n', 'ssh'],
    ['SMTP banner', '220 mail.example.com ESMTP Postfix\r\n', 'smtp'],
    ['FTP banner', '220 (vsFTPd 3.0.5)\r\n', 'ftp'],
    ['POP3 banner', '+OK Dovecot ready.\r\n', 'pop3'],
    ['IMAP banner', '* OK [CAPABILITY IMAP4rev1] ready\r\n', 'imap'],
    ['random text', 'hello there\n', 'unknown'],
    ['bogus record length', Buffer.from([22, 3, 3, 0xff, 0xff, 1, 2, 3]), 'unknown'],
    ['bogus record version', Buffer.from([22, 9, 9, 0, 2, 1, 2]), 'unknown'],
    ['application data first', record(23, 0x0303, Buffer.alloc(10)), 'unknown'],
    ['certificate before ServerHello', record(22, 0x0303, Buffer.from([11, 0, 0, 0])), 'unknown'],
    ['truncated ServerHello body', record(22, 0x0303, Buffer.from([2, 0, 0, 3, 3, 3, 0])), 'unknown'],
  ];
  for (const [name, input, label] of cases) {
    it(`labels ${name} as ${label}`, () => {
      const r = expectKind(parseServerResponse(Buffer.isBuffer(input) ? input : Buffer.from(input)), 'not-tls');
      expect(r.label).toBe(label);
      expect(r.detail.length).toBeGreaterThan(0);
    });
  }

  it('waits while bytes could still become a banner or record, decides at EOF', () => {
    expect(parseServerResponse(Buffer.from('HT')).kind).toBe('need-more');
    expect(parseServerResponse(Buffer.from('HT'), { eof: true })).toMatchObject({ kind: 'not-tls', label: 'unknown' });
    expect(parseServerResponse(Buffer.from('220 mail'))).toEqual({ kind: 'need-more' });
    expect(parseServerResponse(Buffer.from([22, 3, 3]))).toEqual({ kind: 'need-more' });
    expect(parseServerResponse(Buffer.from([22, 3, 3, 0, 50, 2]), { eof: true })).toMatchObject({ kind: 'not-tls', label: 'unknown' });
    expect(parseServerResponse(Buffer.alloc(0), { eof: true })).toEqual({ kind: 'need-more' });
  });

  it('never throws on random bytes, TLS-looking or not, whole or chunked', () => {
    const kinds = new Set(['need-more', 'server-hello', 'alert', 'sslv2-server-hello', 'sslv2-error', 'not-tls']);
    const valid = fixture('openssl-tls12-serverhello.hex');
    for (let i = 0; i < 3000; i++) {
      const len = i % 300;
      let input = randomBytes(len);
      if (i % 3 === 1 && len >= 5) input = Buffer.concat([Buffer.from([20 + (i % 4), 3, i % 5, len >> 8, len & 0xff]), input.subarray(5)]);
      if (i % 3 === 2 && len > 0) {
        // Corrupt one byte of a real answer: exercises the inner parsers rather than the header check.
        input = Buffer.from(valid);
        input[i % valid.length] = randomBytes(1)[0] as number;
      }
      for (const eof of [false, true]) {
        const r = parseServerResponse(input, { eof });
        expect(kinds.has(r.kind), `input ${input.toString('hex')}`).toBe(true);
      }
    }
  });
});
