// Counts the SCTs in a SignedCertificateTimestampList (RFC 6962 §3.3), the same encoding in the
// certificate extension, the signed_certificate_timestamp TLS extension and the OCSP extension.

/** Number of SCTs in a TLS-encoded list (2-byte length, then 2-byte-length entries); null if malformed. */
export function countScts(list: Buffer): number | null {
  if (list.length < 2) return null;
  const total = list.readUInt16BE(0);
  if (list.length !== 2 + total) return null;
  let off = 2;
  let n = 0;
  while (off < list.length) {
    if (list.length - off < 2) return null;
    const len = list.readUInt16BE(off);
    if (len === 0 || list.length - off - 2 < len) return null;
    off += 2 + len;
    n++;
  }
  return n;
}
