// Trust anchors indexed by subject name: only the roots a chain names are parsed, and the index
// finds every root a full scan would.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { certificateNames, createAnchorSet, nameKey } from '../src/probe/anchor-set.js';
import { readDer } from '../src/probe/der.js';
import { createPki, type Issued } from './helpers/pki.js';

const pki = createPki();
const x = (i: Issued): X509Certificate => new X509Certificate(i.der);

/** A DER Name with one CN attribute of the given string type. */
function cnName(tag: number, value: Buffer): Buffer {
  const tlv = (t: number, v: Buffer): Buffer => Buffer.concat([Buffer.from([t, v.length]), v]);
  const cnOid = Buffer.from([0x55, 0x04, 0x03]);
  return tlv(0x30, tlv(0x31, tlv(0x30, Buffer.concat([tlv(0x06, cnOid), tlv(tag, value)]))));
}

describe('nameKey', () => {
  it('reads a name alike whatever its string type, case and inner spacing, as OpenSSL compares names', () => {
    const printable = nameKey(readDer(cnName(0x13, Buffer.from('Example  Root CA', 'latin1'))));
    const utf8 = nameKey(readDer(cnName(0x0c, Buffer.from('example root ca', 'utf8'))));
    const bmp = nameKey(readDer(cnName(0x1e, Buffer.from('EXAMPLE ROOT CA', 'utf16le').swap16())));
    expect(printable).not.toBeNull();
    expect(utf8).toBe(printable);
    expect(bmp).toBe(printable);
    expect(nameKey(readDer(cnName(0x0c, Buffer.from('Other CA'))))).not.toBe(printable);
  });

  it('gives null for a name it cannot read (the set then asks every anchor)', () => {
    expect(nameKey(readDer(Buffer.from([0x30, 0x03, 0x31, 0x01, 0x30])))).toBeNull();
  });
});

describe('createAnchorSet', () => {
  it('finds each of node\'s bundled roots as the issuer of itself and holds its DER: the index misses none', () => {
    const set = createAnchorSet(tls.rootCertificates);
    expect(set.size).toBe(tls.rootCertificates.length);
    for (const pem of tls.rootCertificates) {
      const root = new X509Certificate(pem);
      expect(certificateNames(root.raw), root.subject).not.toBeNull();
      expect(set.issuersOf(root).map((c) => c.fingerprint256), root.subject).toContain(root.fingerprint256);
      expect(set.includes(root.raw)).toBe(true);
    }
  });

  it('offers only the roots named as the issuer, parsed from PEM or given parsed', () => {
    const fromPem = createAnchorSet([pki.root.cert, ...tls.rootCertificates]);
    expect(fromPem.issuersOf(x(pki.intermediate)).map((c) => c.fingerprint256)).toEqual([x(pki.root).fingerprint256]);
    expect(fromPem.issuersOf(x(pki.leaf))).toEqual([]);
    expect(fromPem.includes(pki.intermediate.der)).toBe(false);
    const given = createAnchorSet(tls.rootCertificates, [x(pki.intermediate)]);
    expect(given.issuersOf(x(pki.leaf)).map((c) => c.fingerprint256)).toEqual([x(pki.intermediate).fingerprint256]);
    expect(given.includes(pki.intermediate.der)).toBe(true);
  });
});
