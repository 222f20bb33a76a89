// A minimal DER reader: enough ASN.1 to pull signature algorithms, validity, SANs and OCSP
// statuses out of certificates and responses without an X.509 library.

export interface DerNode {
  /** The full identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  /** Value bytes. */
  value: Buffer;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

export class DerError extends Error {}

/** Reads one element at `offset`. Throws DerError on truncated or unsupported encodings. */
export function readDer(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new DerError('truncated header');
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let lenByte = buf[offset + 1] ?? 0;
  let pos = offset + 2;
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else {
    lenByte &= 0x7f;
    if (lenByte === 0 || lenByte > 4) throw new DerError('unsupported length');
    if (pos + lenByte > buf.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < lenByte; i++) length = length * 256 + (buf[pos + i] ?? 0);
    pos += lenByte;
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError('truncated value');
  return { tag, value: buf.subarray(pos, end), end };
}

/** The elements directly inside a constructed value. */
export function children(node: DerNode | Buffer): DerNode[] {
  const value = Buffer.isBuffer(node) ? node : node.value;
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < value.length) {
    const child = readDer(value, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Like children(), but insists on the tag of the container. */
export function expectChildren(node: DerNode | undefined, tag: number): DerNode[] {
  if (!node || node.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return children(node);
}

export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  for (const b of value) {
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    }
  }
  // The first subidentifier packs the first two arcs as 40 * a + b (a ≤ 2).
  const head = arcs.shift() ?? 0;
  const a = Math.min(2, Math.floor(head / 40));
  return [a, head - 40 * a, ...arcs].join('.');
}

/** UTCTime or GeneralizedTime (the forms X.509 and OCSP use: with seconds, in Zulu) to ISO 8601. */
export function decodeTime(node: DerNode): string {
  const text = node.value.toString('latin1');
  let m: RegExpExecArray | null;
  if (node.tag === TAG.utcTime) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw new DerError(`bad UTCTime ${text}`);
    // RFC 5280: two-digit years 50-99 are 19xx, 00-49 are 20xx.
    const yy = Number(m[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))).toISOString();
  }
  if (node.tag === TAG.generalizedTime) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
    if (!m) throw new DerError(`bad GeneralizedTime ${text}`);
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))).toISOString();
  }
  throw new DerError('not a time');
}
