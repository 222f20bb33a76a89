// The server's CertificateRequest: it asks the client for a certificate (mutual TLS) and names the
// CAs whose certificates it accepts. RFC 5246 §7.4.4 (TLS 1.0-1.2, in the clear) and RFC 8446
// §4.3.2 (TLS 1.3, encrypted; the names are in the certificate_authorities extension, §4.2.4).
import { children, decodeOid, readDer, TAG } from '../der.js';

export const MSG_CERTIFICATE_REQUEST = 13;

export interface CertificateRequestInfo {
  /** Distinguished names of the acceptable CAs, "CN=…, O=…"; empty: any CA (the server named none). */
  caNames: string[];
  /** SignatureScheme code points the client certificate may be signed with (TLS 1.2 and 1.3). */
  signatureAlgorithms: number[];
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const STRING_TAGS: ReadonlySet<number> = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a]); // UTF8, Printable, T61, IA5, Visible
const BMP_STRING = 0x1e;

/**
 * A DER X.501 Name as "C=…, O=…, CN=…", attributes in their encoded order (as node and OpenSSL
 * print subjects, so the names read like the certificate fields shown elsewhere).
 */
export function formatDistinguishedName(der: Buffer): string {
  const parts: string[] = [];
  for (const rdn of children(readDer(der))) {
    for (const atv of children(rdn)) {
      const [oid, value] = children(atv);
      if (!oid || oid.tag !== TAG.oid || !value) continue;
      const id = decodeOid(oid.value);
      const name = ATTRIBUTE_NAMES[id] ?? id;
      let text: string;
      if (STRING_TAGS.has(value.tag)) text = value.value.toString(value.tag === 0x0c ? 'utf8' : 'latin1');
      else if (value.tag === BMP_STRING) text = Buffer.from(value.value).swap16().toString('utf16le');
      else text = `#${value.value.toString('hex')}`;
      // Control characters from a hostile server must not reach a terminal or Slack.
      parts.push(`${name}=${[...text].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? '?' : c)).join('')}`);
    }
  }
  return parts.join(', ');
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    if (this.offset + 1 > this.buf.length) throw new RangeError('truncated');
    return this.buf[this.offset++] ?? 0;
  }
  u16(): number {
    if (this.offset + 2 > this.buf.length) throw new RangeError('truncated');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  get done(): boolean {
    return this.offset >= this.buf.length;
  }
  bytes(n: number): Buffer {
    if (this.offset + n > this.buf.length) throw new RangeError('truncated');
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}

function u16List(data: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) out.push(data.readUInt16BE(i));
  return out;
}

/** DistinguishedName certificate_authorities<0..2^16-1>, each name with a 2-byte length. */
function caList(data: Buffer): string[] {
  const r = new Reader(data);
  const names: string[] = [];
  while (!r.done) {
    const der = r.bytes(r.u16());
    try {
      names.push(formatDistinguishedName(der));
    } catch {
      names.push(`(unreadable name, ${der.length} bytes)`);
    }
  }
  return names;
}

const EXT_SIGNATURE_ALGORITHMS = 13;
const EXT_CERTIFICATE_AUTHORITIES = 47;

/**
 * Parses a CertificateRequest body. `version` decides the layout: TLS 1.3 carries extensions,
 * TLS 1.2 adds signature algorithms to the TLS 1.0/1.1 form. null when the body is malformed.
 */
export function parseCertificateRequest(body: Buffer, version: 'TLSv1.3' | 'TLSv1.2' | 'legacy'): CertificateRequestInfo | null {
  try {
    const r = new Reader(body);
    if (version === 'TLSv1.3') {
      r.bytes(r.u8()); // certificate_request_context
      const extensions = new Reader(r.bytes(r.u16()));
      const info: CertificateRequestInfo = { caNames: [], signatureAlgorithms: [] };
      while (!extensions.done) {
        const type = extensions.u16();
        const data = extensions.bytes(extensions.u16());
        if (type === EXT_SIGNATURE_ALGORITHMS) info.signatureAlgorithms = u16List(data.subarray(2));
        if (type === EXT_CERTIFICATE_AUTHORITIES) info.caNames = caList(data.subarray(2, 2 + data.readUInt16BE(0)));
      }
      return info;
    }
    r.bytes(r.u8()); // certificate_types
    const signatureAlgorithms = version === 'TLSv1.2' ? u16List(r.bytes(r.u16())) : [];
    const caNames = caList(r.bytes(r.u16()));
    return { caNames, signatureAlgorithms };
  } catch {
    return null;
  }
}
