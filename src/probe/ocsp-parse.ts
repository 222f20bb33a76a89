// Reads the parts of a stapled OCSP response (RFC 6960) a report needs: the status of the
// served certificate, why and when it was revoked, when the response goes stale, the SCTs it
// carries, and (assessOcsp) whether the issuer or a responder it delegated to signed it.
import { X509Certificate, createHash, verify } from 'node:crypto';
import type { OcspResult } from '../types.js';
import { countScts } from './codec/sct-list.js';
import { DerError, TAG, children, decodeOid, decodeTime, expectChildren, readDer, type DerNode } from './der.js';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export interface OcspSummary {
  /** OCSPResponseStatus, e.g. "successful", "tryLater". */
  responseStatus: string;
  status: OcspCertStatus | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
  revocationTime: string | null;
  /** CRLReason name (RFC 5280 §5.3.1); null when the responder gave none. */
  revocationReason: string | null;
  /** Whether a SingleResponse matched the given serial. A staple about another certificate gives a null status. */
  matchedSerial: boolean;
  /** SCTs in the matched SingleResponse's extension (RFC 6962 §3.3); 0 without it. */
  scts: number | null;
}

const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified', 1: 'keyCompromise', 2: 'cACompromise', 3: 'affiliationChanged', 4: 'superseded',
  5: 'cessationOfOperation', 6: 'certificateHold', 8: 'removeFromCRL', 9: 'privilegeWithdrawn', 10: 'aACompromise',
};

const OCSP_SCT_OID = '1.3.6.1.4.1.11129.2.4.5';

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
  revocationReason: string | null;
  scts: number | null;
}

/** singleExtensions [1]: the SCT list, if any. */
function singleScts(ext: DerNode | undefined): number | null {
  if (!ext) return 0;
  for (const e of expectChildren(children(ext)[0], TAG.sequence)) {
    const parts = children(e);
    const value = parts.find((p) => p.tag === TAG.octetString);
    if (parts[0]?.tag === TAG.oid && decodeOid(parts[0].value) === OCSP_SCT_OID && value) {
      const inner = readDer(value.value);
      return inner.tag === TAG.octetString ? countScts(inner.value) : null;
    }
  }
  return 0;
}

function parseSingle(node: DerNode): Single {
  const [certId, certStatus, thisUpdate, ...rest] = expectChildren(node, TAG.sequence);
  const serial = expectChildren(certId, TAG.sequence)[3];
  if (!serial || serial.tag !== TAG.integer || !certStatus || !thisUpdate) throw new DerError('bad SingleResponse');
  const status = CERT_STATUS[certStatus.tag] ?? null;
  // RevokedInfo: revocationTime, then [0] EXPLICIT CRLReason (ENUMERATED) when given.
  const revoked = status === 'revoked' ? children(certStatus) : [];
  const reasonNode = revoked.find((n) => n.tag === 0xa0);
  const reasonCode = reasonNode ? children(reasonNode)[0]?.value[0] : undefined;
  const next = rest.find((n) => n.tag === 0xa0);
  const nextTime = next ? children(next)[0] : undefined;
  let scts: number | null;
  try {
    scts = singleScts(rest.find((n) => n.tag === 0xa1));
  } catch {
    scts = null;
  }
  return {
    serial: normaliseSerial(serial.value.toString('hex')),
    status,
    thisUpdate: decodeTime(thisUpdate),
    nextUpdate: nextTime ? decodeTime(nextTime) : null,
    revocationTime: revoked[0] ? decodeTime(revoked[0]) : null,
    revocationReason: reasonCode === undefined ? null : CRL_REASONS[reasonCode] ?? `reason ${reasonCode}`,
    scts,
  };
}

/**
 * Parses a DER OCSPResponse. With `serialHex` only the matching SingleResponse counts, else the first.
 * Never throws: anything unreadable gives a null status.
 */
export function parseOcspResponse(der: Buffer, serialHex?: string): OcspSummary {
  const empty: OcspSummary = {
    responseStatus: 'unreadable', status: null, thisUpdate: null, nextUpdate: null, revocationTime: null, revocationReason: null, matchedSerial: false, scts: null,
  };
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
      revocationReason: chosen.revocationReason,
      matchedSerial: Boolean(match),
      scts: chosen.scts,
    };
  } catch {
    return empty;
  }
}

/** Signature algorithm OID → node's digest name for crypto.verify (null: the key type decides, Ed25519/Ed448). */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, '1.3.101.113': null,
};
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

export interface SignatureCheck {
  /** true: signed by the issuer or a responder it delegated to; false: not; null: not checkable here. */
  valid: boolean | null;
  problem: string | null;
}

function signedBy(tbs: Buffer, digest: string | null, signature: Buffer, cert: X509Certificate): boolean {
  try {
    return verify(digest, tbs, cert.publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * RFC 6960 §4.2.2.2: the response must be signed by the issuer itself, or by a certificate the
 * issuer issued for OCSP signing (id-kp-OCSPSigning) and included in the response.
 */
export function checkOcspSignature(der: Buffer, issuer: X509Certificate | null): SignatureCheck {
  if (!issuer) return { valid: null, problem: 'the issuer certificate was not available to check the signature' };
  try {
    const [, bytesNode] = expectChildren(readDer(der), TAG.sequence);
    const [, response] = expectChildren(children(bytesNode as DerNode)[0], TAG.sequence);
    if (!response) return { valid: null, problem: 'no response bytes' };
    const basicNode = readDer(response.value);
    const [tbs, alg, sig, certsNode] = expectChildren(basicNode, TAG.sequence);
    if (!tbs || !alg || !sig || sig.tag !== TAG.bitString) return { valid: null, problem: 'unreadable BasicOCSPResponse' };
    const tbsBytes = basicNode.value.subarray(0, tbs.end);
    const algOid = expectChildren(alg, TAG.sequence)[0];
    const oid = algOid?.tag === TAG.oid ? decodeOid(algOid.value) : '';
    if (!(oid in SIGNATURE_DIGESTS)) return { valid: null, problem: `signature algorithm ${oid} is not checked` };
    const digest = SIGNATURE_DIGESTS[oid] ?? null;
    const signature = sig.value.subarray(1);
    if (signedBy(tbsBytes, digest, signature, issuer)) return { valid: true, problem: null };
    const included = certsNode?.tag === 0xa0 ? expectChildren(children(certsNode)[0], TAG.sequence) : [];
    for (const node of included) {
      const responder = new X509Certificate(Buffer.concat([Buffer.from([node.tag]), encodeLength(node.value.length), node.value]));
      if (!signedBy(tbsBytes, digest, signature, responder)) continue;
      if (!responder.checkIssued(issuer) || !responder.verify(issuer.publicKey)) {
        return { valid: false, problem: `signed by ${responder.subject.replace(/\n/g, ', ')}, a certificate the issuer did not issue` };
      }
      const eku = responder.keyUsage ?? [];
      if (!eku.includes(OCSP_SIGNING)) return { valid: false, problem: 'signed by a responder certificate without the OCSP signing purpose (id-kp-OCSPSigning)' };
      return { valid: true, problem: null };
    }
    return { valid: false, problem: "the signature verifies neither with the issuer's key nor with a responder certificate in the response" };
  } catch (err) {
    return { valid: null, problem: `unreadable response: ${(err as Error).message}` };
  }
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Clients allow a little clock skew; OpenSSL's `ocsp -validity_period` default is 5 minutes. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The report of an OCSP response about `leaf`: status, validity window and signature. */
export function assessOcsp(der: Buffer, leaf: X509Certificate | null, issuer: X509Certificate | null, now: Date, source: OcspResult['source'] = 'stapled'): OcspResult {
  const s = parseOcspResponse(der, leaf?.serialNumber);
  const t = now.getTime();
  const validity = s.status === null ? null
    : s.thisUpdate && Date.parse(s.thisUpdate) > t + CLOCK_SKEW_MS ? 'not-yet-valid'
      : s.nextUpdate && Date.parse(s.nextUpdate) < t - CLOCK_SKEW_MS ? 'expired' : 'current';
  const sig = s.status === null ? { valid: null, problem: null } : checkOcspSignature(der, issuer);
  return {
    status: s.status,
    nextUpdate: s.nextUpdate,
    thisUpdate: s.thisUpdate,
    revocationTime: s.revocationTime,
    revocationReason: s.revocationReason,
    responseStatus: s.responseStatus,
    validity,
    signatureValid: sig.valid,
    signatureProblem: sig.problem,
    source,
    scts: s.scts,
  };
}

/** SHA-1 of a certificate's subjectPublicKey bits (the OCSP responderID byKey and CertID issuerKeyHash). */
export function keyHash(cert: X509Certificate): Buffer {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const [, bits] = expectChildren(readDer(spki), TAG.sequence);
  return createHash('sha1').update((bits as DerNode).value.subarray(1)).digest();
}

/**
 * The leaf's issuer as node linked it (from the served chain or the trust store); null when
 * unknown. Takes the leaf, not the socket: read the peer certificate from a socket once.
 */
export function issuerOf(leaf: X509Certificate | null | undefined): X509Certificate | null {
  try {
    return leaf?.issuerCertificate ?? null;
  } catch {
    return null;
  }
}
