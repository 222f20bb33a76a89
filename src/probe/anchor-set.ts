// Trust anchors looked up by name. Parsing node's ~150 bundled roots into X509Certificates cost
// ~85 ms of CPU in every CLI run (a cold process's first chain question, on its critical path),
// while a chain question needs only the one or two roots whose subject is the certificate's
// issuer. So the PEMs are indexed by subject from their DER (base64 decoding and a short DER walk),
// and only the candidates are parsed, once. The name key is a canonical form close to OpenSSL's
// (case and inner whitespace folded, attributes of one RDN sorted), so a root whose subject is
// encoded differently from the child's issuer still matches; a name the walk cannot read falls
// back to asking every anchor.
import { X509Certificate } from 'node:crypto';
import { DerError, children, readDer, type DerNode } from './der.js';

export interface AnchorSet {
  /** The anchors whose subject is `cert`'s issuer name: the only ones that can have issued it. */
  issuersOf(cert: X509Certificate): readonly X509Certificate[];
  /** Whether the DER certificate is itself one of the anchors. */
  includes(der: Buffer): boolean;
  /** How many anchors it holds. */
  readonly size: number;
}

interface Entry {
  pem?: string;
  cert?: X509Certificate;
}

const STRING_TAGS: Record<number, BufferEncoding | 'utf16be'> = {
  0x0c: 'utf8', // UTF8String
  0x13: 'latin1', // PrintableString
  0x14: 'latin1', // TeletexString
  0x16: 'latin1', // IA5String
  0x1e: 'utf16be', // BMPString
};

function decodeValue(tag: number, value: Buffer): string {
  const enc = STRING_TAGS[tag];
  if (!enc) return `#${value.toString('hex')}`;
  const text = enc === 'utf16be' ? Buffer.from(value).swap16().toString('utf16le') : value.toString(enc);
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** A canonical key for a Name (SEQUENCE OF SET OF AttributeTypeAndValue); null if unreadable. */
export function nameKey(name: DerNode): string | null {
  try {
    return children(name).map((rdn) =>
      children(rdn).map((atv) => {
        const [type, value] = children(atv);
        if (!type || !value) throw new DerError('attribute without a value');
        return `${type.value.toString('hex')}=${decodeValue(value.tag, value.value)}`;
      }).sort().join('+'),
    ).join('/');
  } catch {
    return null;
  }
}

/** The issuer and subject Names of a DER certificate (TBSCertificate's 3rd and 5th fields after the optional version). */
export function certificateNames(der: Buffer): { issuer: DerNode; subject: DerNode } | null {
  try {
    const [tbs] = children(readDer(der));
    if (!tbs) return null;
    const fields = children(tbs);
    const at = fields[0]?.tag === 0xa0 ? 1 : 0;
    const issuer = fields[at + 2];
    const subject = fields[at + 4];
    return issuer && subject ? { issuer, subject } : null;
  } catch {
    return null;
  }
}

function pemDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64');
}

function parse(entry: Entry): X509Certificate | null {
  if (entry.cert) return entry.cert;
  try {
    entry.cert = new X509Certificate(entry.pem ?? '');
    return entry.cert;
  } catch {
    entry.pem = undefined;
    return null;
  }
}

/** An anchor set over PEMs (parsed only when a chain asks for them) and certificates already parsed. */
export function createAnchorSet(pems: readonly string[], parsed: readonly X509Certificate[] = []): AnchorSet {
  const bySubject = new Map<string, Entry[]>();
  const unreadable: Entry[] = [];
  const ders = new Set<string>();
  const add = (entry: Entry, der: Buffer): void => {
    ders.add(der.toString('base64'));
    const names = certificateNames(der);
    const key = names && nameKey(names.subject);
    if (key === null || key === undefined) {
      unreadable.push(entry);
      return;
    }
    const list = bySubject.get(key);
    if (list) list.push(entry);
    else bySubject.set(key, [entry]);
  };
  for (const pem of pems) add({ pem }, pemDer(pem));
  for (const cert of parsed) add({ cert }, cert.raw);
  const everyEntry = (): Entry[] => [...[...bySubject.values()].flat(), ...unreadable];

  return {
    issuersOf(cert) {
      const names = certificateNames(cert.raw);
      const key = names && nameKey(names.issuer);
      const entries = key ? [...(bySubject.get(key) ?? []), ...unreadable] : everyEntry();
      return entries.map(parse).filter((c): c is X509Certificate => c !== null);
    },
    includes: (der) => ders.has(der.toString('base64')),
    size: pems.length + parsed.length,
  };
}
