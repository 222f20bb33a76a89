// Reads the parts of a stapled OCSP response (RFC 6960) a report needs: the status of the
// served certificate and when the response goes stale. The signature is not checked here.
import { DerError, TAG, children, decodeTime, expectChildren, readDer, type DerNode } from './der.js';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export interface OcspSummary {
  /** OCSPResponseStatus, e.g. "successful", "tryLater". */
  responseStatus: string;
  status: OcspCertStatus | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  revocationTime: string | null;
  /** Whether a SingleResponse matched the given serial. A staple about another certificate gives a null status. */
  matchedSerial: boolean;
}

const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

const CERT_STATUS: Readonly<Record<number, OcspCertStatus>> = { 0x80: 'good', 0xa1: 'revoked', 0x82: 'unknown' };

/** Upper-case hex without leading zeros, so DER INTEGERs and node's serialNumber compare equal. */
export function normaliseSerial(hex: string): string {
  return hex.replace(/[^0-9a-f]/gi, '').replace(/^0+(?=.)/, '').toUpperCase();
}

interface Single {
  serial: string;
  status: OcspCertStatus | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  revocationTime: string | null;
}

function parseSingle(node: DerNode): Single {
  const [certId, certStatus, thisUpdate, ...rest] = expectChildren(node, TAG.sequence);
  const serial = expectChildren(certId, TAG.sequence)[3];
  if (!serial || serial.tag !== TAG.integer || !certStatus || !thisUpdate) throw new DerError('bad SingleResponse');
  const status = CERT_STATUS[certStatus.tag] ?? null;
  const revokedAt = status === 'revoked' ? children(certStatus)[0] : undefined;
  const next = rest.find((n) => n.tag === 0xa0);
  const nextTime = next ? children(next)[0] : undefined;
  return {
    serial: normaliseSerial(serial.value.toString('hex')),
    status,
    thisUpdate: decodeTime(thisUpdate),
    nextUpdate: nextTime ? decodeTime(nextTime) : null,
    revocationTime: revokedAt ? decodeTime(revokedAt) : null,
  };
}

/**
 * Parses a DER OCSPResponse. With `serialHex` only the matching SingleResponse counts, else the first.
 * Never throws: anything unreadable gives a null status.
 */
export function parseOcspResponse(der: Buffer, serialHex?: string): OcspSummary {
  const empty: OcspSummary = { responseStatus: 'unreadable', status: null, thisUpdate: null, nextUpdate: null, revocationTime: null, matchedSerial: false };
  try {
    const [statusNode, bytesNode] = expectChildren(readDer(der), TAG.sequence);
    if (!statusNode || statusNode.tag !== TAG.enumerated) return empty;
    const code = statusNode.value[0] ?? -1;
    const responseStatus = RESPONSE_STATUS[code] ?? `status ${code}`;
    if (code !== 0 || !bytesNode || bytesNode.tag !== 0xa0) return { ...empty, responseStatus };
    // responseBytes: [0] EXPLICIT SEQUENCE { responseType OID, response OCTET STRING (BasicOCSPResponse) }
    const [, response] = expectChildren(children(bytesNode)[0], TAG.sequence);
    if (!response || response.tag !== TAG.octetString) return { ...empty, responseStatus };
    const basic = expectChildren(readDer(response.value), TAG.sequence);
    const tbs = expectChildren(basic[0], TAG.sequence);
    // ResponseData: [0] version?, responderID ([1] or [2]), producedAt, responses, [1] extensions?
    const offset = tbs[0]?.tag === 0xa0 ? 1 : 0;
    const singles = expectChildren(tbs[offset + 2], TAG.sequence).map(parseSingle);
    const wanted = serialHex ? normaliseSerial(serialHex) : null;
    const match = wanted ? singles.find((s) => s.serial === wanted) : undefined;
    const chosen = wanted ? match : singles[0];
    if (!chosen) return { ...empty, responseStatus };
    return {
      responseStatus,
      status: chosen.status,
      thisUpdate: chosen.thisUpdate,
      nextUpdate: chosen.nextUpdate,
      revocationTime: chosen.revocationTime,
      matchedSerial: Boolean(match),
    };
  } catch {
    return empty;
  }
}
