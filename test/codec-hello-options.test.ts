// The ClientHello builder's options for middlebox and group probes (and client profiles), read
// back with the independent test decoder.
import { describe, expect, it } from 'vitest';
import { buildClientHello, EXT } from '../src/probe/codec/client-hello.js';
import { GREASE_VALUES, GROUP, groupName, keyShareFor, mlKemEncapsulationKey } from '../src/probe/codec/groups.js';
import { decodeClientHello } from './fixtures/codec/tls-bytes.js';

const TLS13 = [0x1301, 0x1302, 0x1303];

function u16s(buf: Buffer | undefined, from: number): number[] {
  const out: number[] = [];
  for (let i = from; buf && i + 1 < buf.length; i += 2) out.push(buf.readUInt16BE(i));
  return out;
}

function keyShares(buf: Buffer | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let off = 2; buf && off + 4 <= buf.length; off += 4 + buf.readUInt16BE(off + 2)) out.push([buf.readUInt16BE(off), buf.readUInt16BE(off + 2)]);
  return out;
}

describe('ClientHello builder: groups and key shares', () => {
  it('sends the groups and key shares asked for, X25519MLKEM768 as 1,216 bytes', () => {
    const h = decodeClientHello(buildClientHello({
      version: 'TLSv1.3', ciphers: TLS13, sni: 'example.com',
      groups: [GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1], keyShares: [GROUP.X25519MLKEM768, GROUP.x25519],
    }));
    expect(u16s(h.extensions.get(EXT.supportedGroups), 2)).toEqual([0x11ec, 0x001d, 0x0017]);
    expect(keyShares(h.extensions.get(EXT.keyShare))).toEqual([[0x11ec, 1216], [0x001d, 32]]);
    // ML-KEM key first, X25519 last (draft-ietf-tls-ecdhe-mlkem): the tail is the shared x25519 key.
    const ks = h.extensions.get(EXT.keyShare) as Buffer;
    expect(ks.subarray(2 + 4 + 1184, 2 + 4 + 1216)).toEqual(keyShareFor(GROUP.x25519));
  });

  it('an empty key share list sends an empty key_share (the server must ask by HelloRetryRequest)', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1.3', ciphers: TLS13, groups: [GROUP.ffdhe2048], keyShares: [] }));
    expect(h.extensions.get(EXT.keyShare)).toEqual(Buffer.from([0, 0]));
  });

  it('NIST-curve and hybrid shares have their RFC sizes', () => {
    expect(keyShareFor(GROUP.secp256r1).length).toBe(65);
    expect(keyShareFor(GROUP.secp384r1).length).toBe(97);
    expect(keyShareFor(GROUP.SecP256r1MLKEM768).length).toBe(65 + 1184);
    expect(keyShareFor(GROUP.SecP384r1MLKEM1024).length).toBe(97 + 1568);
    expect(keyShareFor(GROUP.x448).length).toBe(56);
  });

  it('ML-KEM encapsulation keys pass FIPS 203\'s modulus check (every coefficient below 3329)', () => {
    for (const rank of [2, 3, 4] as const) {
      const ek = mlKemEncapsulationKey(rank);
      expect(ek.length).toBe(384 * rank + 32);
      for (let o = 0; o < 384 * rank; o += 3) {
        const a = (ek[o] as number) | (((ek[o + 1] as number) & 0x0f) << 8);
        const b = ((ek[o + 1] as number) >> 4) | ((ek[o + 2] as number) << 4);
        expect(a < 3329 && b < 3329).toBe(true);
      }
    }
  });

  it('names groups by the IANA registry, unknown ones in hex', () => {
    expect(groupName(0x11ec)).toBe('X25519MLKEM768');
    expect(groupName(0x001d)).toBe('x25519');
    expect(groupName(0x1234)).toBe('0x1234');
  });
});

describe('ClientHello builder: padding (RFC 7685)', () => {
  it('pads the handshake message to exactly the size asked for', () => {
    for (const size of [512, 1000, 1733]) {
      const h = decodeClientHello(buildClientHello({ version: 'TLSv1.3', ciphers: TLS13, sni: 'example.com', padding: size }));
      expect(h.handshakeLength).toBe(size);
      expect(h.extensionOrder.at(-1)).toBe(EXT.padding);
      expect(h.extensions.get(EXT.padding)?.every((b) => b === 0)).toBe(true);
    }
  });

  // 40 suites put the hello in the 256..511 range the padding is about.
  const MANY = Array.from({ length: 40 }, (_, i) => 0xc000 + i);

  it('never pads with padding: false, even in the 256..511 range', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1.3', ciphers: MANY, sni: 'example.com', padding: false }));
    expect(h.handshakeLength).toBeGreaterThanOrEqual(256);
    expect(h.extensions.has(EXT.padding)).toBe(false);
  });

  it('by default lifts 256..511-byte hellos past 512, as before', () => {
    const h = decodeClientHello(buildClientHello({ version: 'TLSv1.3', ciphers: MANY, sni: 'example.com' }));
    expect(h.handshakeLength).toBe(512);
  });
});

describe('ClientHello builder: browser extensions and GREASE (RFC 8701)', () => {
  it('adds GREASE to ciphers, groups, key shares, versions and two extensions', () => {
    const h = decodeClientHello(buildClientHello({
      version: 'TLSv1.3', ciphers: TLS13, sni: 'example.com', grease: true,
      supportedVersions: ['TLSv1.3', 'TLSv1.2'], groups: [GROUP.x25519], keyShares: [GROUP.x25519],
    }));
    const isGrease = (v: number | undefined): boolean => v !== undefined && GREASE_VALUES.includes(v);
    expect(isGrease(h.ciphers[0])).toBe(true);
    expect(isGrease(u16s(h.extensions.get(EXT.supportedGroups), 2)[0])).toBe(true);
    expect(isGrease(keyShares(h.extensions.get(EXT.keyShare))[0]?.[0])).toBe(true);
    const versions = h.extensions.get(EXT.supportedVersions) as Buffer;
    expect(isGrease(versions.readUInt16BE(1))).toBe(true);
    expect(u16s(versions, 3)).toEqual([0x0304, 0x0303]);
    expect(h.extensionOrder.filter(isGrease)).toHaveLength(2);
    expect(isGrease(h.extensionOrder[0])).toBe(true);
  });

  it('sends status_request, EMS, session_ticket, SCT and compress_certificate when asked', () => {
    const h = decodeClientHello(buildClientHello({
      version: 'TLSv1.3', ciphers: TLS13, statusRequest: true, extendedMasterSecret: true, sessionTicket: true,
      signedCertificateTimestamp: true, compressCertificate: [2], signatureAlgorithms: [0x0403, 0x0804],
    }));
    expect(h.extensions.get(EXT.statusRequest)).toEqual(Buffer.from([1, 0, 0, 0, 0]));
    expect(h.extensions.get(EXT.extendedMasterSecret)).toEqual(Buffer.alloc(0));
    expect(h.extensions.get(EXT.sessionTicket)).toEqual(Buffer.alloc(0));
    expect(h.extensions.get(EXT.signedCertificateTimestamp)).toEqual(Buffer.alloc(0));
    expect(h.extensions.get(EXT.compressCertificate)).toEqual(Buffer.from([2, 0, 2]));
    expect(u16s(h.extensions.get(EXT.signatureAlgorithms), 2)).toEqual([0x0403, 0x0804]);
  });
});
