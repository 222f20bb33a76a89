// Pure analysis of a served certificate chain: what each certificate says, whether the chain as
// sent leads to a trust anchor, and what is wrong with how it was sent.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { CertificateResult, ChainCert } from '../types.js';
import { DerError, TAG, children, decodeOid, decodeTime, expectChildren, readDer, type DerNode } from './der.js';
import { countScts } from './codec/sct-list.js';
import { createAnchorSet, type AnchorSet } from './anchor-set.js';

/** Signature algorithm OIDs under OpenSSL's names, as `openssl x509 -text` prints them. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.840.10040.4.3': 'dsa_with_SHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
  '1.2.156.10197.1.501': 'SM2-with-SM3',
};

const KEY_TYPES: Readonly<Record<string, string>> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  dsa: 'DSA',
  dh: 'DH',
};

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  prime192v1: 192,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

const FIXED_KEY_BITS: Readonly<Record<string, number>> = { ed25519: 256, ed448: 456 };

const SAN_OID = '2.5.29.17';
/** RFC 7633 TLS Feature; holding status_request (5) it is "OCSP Must-Staple". */
const TLS_FEATURE_OID = '1.3.6.1.5.5.7.1.24';
const STATUS_REQUEST_FEATURE = 5;
const AIA_OID = '1.3.6.1.5.5.7.1.1';
const AIA_OCSP = '1.3.6.1.5.5.7.48.1';
/** RFC 6962 §3.3: SCTs embedded in the certificate. */
const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

/** What the leaf's extensions say about revocation and Certificate Transparency. */
export interface LeafExtensions {
  mustStaple: boolean;
  ocspUrls: string[];
  /** SCTs embedded in the certificate (0 without the extension; null if it is unreadable). */
  embeddedScts: number | null;
}

function extensionsOf(der: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const tbs = expectChildren(expectChildren(readDer(der), TAG.sequence)[0], TAG.sequence);
  const extensions = tbs.find((n) => n.tag === 0xa3);
  if (!extensions) return out;
  for (const ext of expectChildren(children(extensions)[0], TAG.sequence)) {
    const parts = children(ext);
    const value = parts.find((p: DerNode) => p.tag === TAG.octetString);
    if (parts[0]?.tag === TAG.oid && value) out.set(decodeOid(parts[0].value), value.value);
  }
  return out;
}

/** Must-Staple, OCSP responders and embedded SCTs of a certificate; unreadable parts count as absent. */
export function leafExtensions(der: Buffer): LeafExtensions {
  const result: LeafExtensions = { mustStaple: false, ocspUrls: [], embeddedScts: 0 };
  let exts: Map<string, Buffer>;
  try {
    exts = extensionsOf(der);
  } catch {
    return { ...result, embeddedScts: null };
  }
  try {
    const feature = exts.get(TLS_FEATURE_OID);
    result.mustStaple = feature !== undefined
      && expectChildren(readDer(feature), TAG.sequence).some((n) => n.tag === TAG.integer && n.value.length === 1 && n.value[0] === STATUS_REQUEST_FEATURE);
  } catch { /* malformed: not Must-Staple */ }
  try {
    const aia = exts.get(AIA_OID);
    for (const desc of aia ? expectChildren(readDer(aia), TAG.sequence) : []) {
      const [method, location] = children(desc);
      if (method?.tag === TAG.oid && decodeOid(method.value) === AIA_OCSP && location?.tag === 0x86) result.ocspUrls.push(location.value.toString('latin1'));
    }
  } catch { /* malformed AIA: no responder known */ }
  try {
    const sct = exts.get(SCT_LIST_OID);
    if (sct) {
      const inner = readDer(sct);
      result.embeddedScts = inner.tag === TAG.octetString ? countScts(inner.value) : null;
    }
  } catch {
    result.embeddedScts = null;
  }
  return result;
}

export interface CertFields {
  signatureAlgorithm: string;
  notBefore: string;
  notAfter: string;
  san: string[];
}

function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    // The URL parser produces the canonical compressed IPv6 form.
    return new URL(`http://[${groups.join(':')}]/`).hostname.replace(/^\[|\]$/g, '');
  }
  return `<ip ${bytes.toString('hex')}>`;
}

/** GeneralNames: DNS names and IP addresses plainly, other kinds prefixed with their type. */
function parseSan(extnValue: Buffer): string[] {
  const names: string[] = [];
  for (const gn of children(readDer(extnValue))) {
    switch (gn.tag) {
      case 0x82: names.push(gn.value.toString('latin1')); break;
      case 0x87: names.push(formatIp(gn.value)); break;
      case 0x81: names.push(`email:${gn.value.toString('latin1')}`); break;
      case 0x86: names.push(`URI:${gn.value.toString('latin1')}`); break;
      default: break; // otherName, directoryName...: not names a TLS client matches
    }
  }
  return names;
}

/** Reads the fields node:crypto does not expose (signature algorithm) or formats loosely. */
export function certFields(der: Buffer): CertFields {
  const cert = expectChildren(readDer(der), TAG.sequence);
  const tbs = expectChildren(cert[0], TAG.sequence);
  const sigAlg = expectChildren(cert[1], TAG.sequence);
  if (!sigAlg[0] || sigAlg[0].tag !== TAG.oid) throw new DerError('no signature algorithm');
  const oid = decodeOid(sigAlg[0].value);
  // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, ..., [3] extensions
  const i = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const validity = expectChildren(tbs[i + 3], TAG.sequence);
  if (!validity[0] || !validity[1]) throw new DerError('no validity');
  let san: string[] = [];
  const extensions = tbs.find((n) => n.tag === 0xa3);
  if (extensions) {
    for (const ext of expectChildren(children(extensions)[0], TAG.sequence)) {
      const parts = children(ext);
      if (parts[0]?.tag === TAG.oid && decodeOid(parts[0].value) === SAN_OID) {
        const value = parts.find((p: DerNode) => p.tag === TAG.octetString);
        if (value) san = parseSan(value.value);
      }
    }
  }
  return {
    signatureAlgorithm: SIGNATURE_ALGORITHMS[oid] ?? oid,
    notBefore: decodeTime(validity[0]),
    notAfter: decodeTime(validity[1]),
    san,
  };
}

export function keyInfo(cert: X509Certificate): { keyType: string; keyBits: number } {
  try {
    const key = cert.publicKey;
    const type = key.asymmetricKeyType ?? 'unknown';
    const details = key.asymmetricKeyDetails ?? {};
    const curve = details.namedCurve;
    const bits = details.modulusLength
      ?? (curve ? CURVE_BITS[curve] ?? Number(/(\d{3})/.exec(curve)?.[1] ?? 0) : FIXED_KEY_BITS[type] ?? 0);
    return { keyType: KEY_TYPES[type] ?? type, keyBits: bits };
  } catch {
    return { keyType: 'unknown', keyBits: 0 };
  }
}

/** Whole days until expiry, rounded down; negative once expired. */
export function daysLeft(notAfter: string, now: Date): number {
  return Math.floor((Date.parse(notAfter) - now.getTime()) / 86_400_000);
}

/** "CN=x, O=y" from node's one-attribute-per-line form. */
export function formatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/**
 * Verdicts per certificate object pair: a check asks about the leaf's own signature twice (chain
 * walk, selfSigned) and about each served certificate more than once, each time a signature check.
 */
const issuedVerdicts = new WeakMap<X509Certificate, WeakMap<X509Certificate, boolean>>();

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  let byIssuer = issuedVerdicts.get(cert);
  const known = byIssuer?.get(issuer);
  if (known !== undefined) return known;
  let verdict: boolean;
  try {
    verdict = cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    verdict = false;
  }
  if (!byIssuer) issuedVerdicts.set(cert, (byIssuer = new WeakMap<X509Certificate, boolean>()));
  byIssuer.set(issuer, verdict);
  return verdict;
}

/**
 * Whether `cert` was issued by one of `anchors`, remembered per anchor list (the bundled roots are
 * one list for the life of the process) and certificate fingerprint: each question walks over
 * about 150 roots, and the same intermediates (and the same leaves, for repeated checks) come back
 * check after check. Lists built anew for one check only find nothing here and are not kept long.
 */
const ANCHOR_VERDICTS_MAX = 2048;
const anchorVerdicts = new WeakMap<AnchorSet, Map<string, boolean>>();

function issuedByAnchor(cert: X509Certificate, anchors: AnchorSet): boolean {
  let verdicts = anchorVerdicts.get(anchors);
  if (!verdicts) anchorVerdicts.set(anchors, (verdicts = new Map<string, boolean>()));
  const print = cert.fingerprint256;
  let verdict = verdicts.get(print);
  if (verdict === undefined) {
    verdict = anchors.issuersOf(cert).some((a) => issuedBy(cert, a));
    if (verdicts.size >= ANCHOR_VERDICTS_MAX) verdicts.clear();
    verdicts.set(print, verdict);
  }
  return verdict;
}

export function isSelfSigned(cert: X509Certificate): boolean {
  return issuedBy(cert, cert);
}

export interface ChainCheck {
  complete: boolean;
  issues: string[];
  /** Indexes into the served list, leaf first, of the certificates the path uses. */
  path: number[];
}

/**
 * Builds the path from the leaf through the served certificates to a trust anchor or a served
 * self-signed root. `orderKnown` is false when the served order could not be observed, in which
 * case no order problem is claimed.
 */
export type Anchors = AnchorSet | readonly X509Certificate[] | (() => AnchorSet | readonly X509Certificate[]);

const setsOfLists = new WeakMap<readonly X509Certificate[], AnchorSet>();

/** Anchors given as a list (tests, a chain's own roots) get an index of their own, kept with the list. */
function anchorSet(anchors: Anchors): AnchorSet {
  const value = typeof anchors === 'function' ? anchors() : anchors;
  if (!Array.isArray(value)) return value as AnchorSet;
  const list = value as readonly X509Certificate[];
  let set = setsOfLists.get(list);
  if (!set) setsOfLists.set(list, (set = createAnchorSet([], list)));
  return set;
}

export function checkChain(served: readonly X509Certificate[], anchors: Anchors, orderKnown = true): ChainCheck {
  const issues: string[] = [];
  const path: number[] = [];
  let complete = false;
  let current = 0;
  const used = new Set<number>();
  // A chain longer than the served list means a loop; the bound keeps a hostile chain finite.
  for (let depth = 0; depth <= served.length; depth++) {
    const cert = served[current];
    if (!cert) break;
    path.push(current);
    used.add(current);
    if (isSelfSigned(cert)) {
      complete = true;
      break;
    }
    const next = served.findIndex((c, idx) => !used.has(idx) && issuedBy(cert, c));
    if (next >= 0) {
      current = next;
      continue;
    }
    // Parsing the whole system store costs tens of milliseconds: only when the chain needs it.
    complete = issuedByAnchor(cert, anchorSet(anchors));
    break;
  }
  if (!complete) issues.push('missing-intermediate');
  if (orderKnown && path.some((idx, pos) => idx !== pos)) issues.push('wrong-order');
  if (served.some((c, idx) => idx > 0 && isSelfSigned(c))) issues.push('root-sent');
  if (served.some((_c, idx) => !used.has(idx))) issues.push('extra-cert');
  return { complete, issues, path };
}

export interface AnalysisInput {
  /** DER certificates as the server sent them, leaf first. */
  served: readonly Buffer[];
  /** The leaf already parsed (by the handshake), used when its DER is served[0]. */
  leaf?: X509Certificate;
  /** False when the served order was not observed (chain rebuilt from node's issuer links). */
  orderKnown: boolean;
  /** node:tls's chain verdict against the trust store (hostname checked separately). */
  authorized: boolean;
  authorizationError: string | null;
  /** Name the client asked for: SNI name, or the IP literal. */
  hostname: string;
  anchors: Anchors;
  now: Date;
  /** The public roots (default: node's bundled store), to tell a public CA from a private one. */
  publicAnchors?: Anchors;
}

function chainCert(cert: X509Certificate, fields: CertFields): ChainCert {
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    fingerprint256: cert.fingerprint256,
    selfIssued: cert.subject === cert.issuer,
    signatureAlgorithm: fields.signatureAlgorithm,
  };
}

function fieldsOf(cert: X509Certificate): CertFields {
  try {
    return certFields(cert.raw);
  } catch {
    // Unusual encodings: fall back to what node formats for us.
    return {
      signatureAlgorithm: 'unknown',
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      san: cert.subjectAltName ? cert.subjectAltName.split(', ').map((s) => s.replace(/^(DNS|IP Address):/, '')) : [],
    };
  }
}

export function analyseCertificate(input: AnalysisInput): CertificateResult {
  const certs = input.served.map((der, i) => (i === 0 && input.leaf?.raw.equals(der) ? input.leaf : new X509Certificate(der)));
  const leaf = certs[0];
  if (!leaf) throw new Error('no certificate served');
  const fields = certs.map(fieldsOf);
  const leafFields = fields[0] as CertFields;
  const chain = checkChain(certs, input.anchors, input.orderKnown);
  const identityError = tls.checkServerIdentity(input.hostname, leaf.toLegacyObject());
  const leafExt = leafExtensions(leaf.raw);
  return {
    trusted: input.authorized,
    verifyError: input.authorized ? null : input.authorizationError,
    hostnameMatch: identityError === undefined,
    selfSigned: isSelfSigned(leaf),
    chainComplete: chain.complete,
    chainIssues: chain.issues,
    notBefore: leafFields.notBefore,
    notAfter: leafFields.notAfter,
    daysLeft: daysLeft(leafFields.notAfter, input.now),
    subject: formatName(leaf.subject),
    issuer: formatName(leaf.issuer),
    san: leafFields.san,
    ...keyInfo(leaf),
    signatureAlgorithm: leafFields.signatureAlgorithm,
    chain: certs.map((c, i) => chainCert(c, fields[i] as CertFields)),
    mustStaple: leafExt.mustStaple,
    publicRoot: chainsToPublicRoot(certs, chain.path, input.publicAnchors ?? publicTrustAnchors),
    ocspUrls: leafExt.ocspUrls,
    ct: { embedded: leafExt.embeddedScts, tlsExtension: null, ocsp: null, signaturesVerified: false },
  };
}

/** Whether the path's last certificate is, or was issued by, one of the public roots. */
export function chainsToPublicRoot(certs: readonly X509Certificate[], path: readonly number[], publicAnchors: Anchors): boolean {
  const last = certs[path[path.length - 1] ?? 0];
  if (!last) return false;
  const roots = anchorSet(publicAnchors);
  return roots.includes(last.raw) || issuedByAnchor(last, roots);
}

let systemAnchors: AnchorSet | undefined;
const nodeExtraAnchors = new Map<string, X509Certificate[]>();

/**
 * The public roots a check judges by: node's bundled store by default; `pem` when the engine was
 * given its own set (tests declaring their CA public; the CLI and the bot never do). Lazy, like
 * the default: parsed only when a chain needs it.
 */
export function publicAnchorsFor(pem: readonly string[] | undefined): Anchors {
  if (!pem) return publicTrustAnchors;
  let set: AnchorSet | undefined;
  return () => (set ??= createAnchorSet(pem.flatMap(splitPem)));
}

/** node's bundled roots: the public CAs (each parsed only when a chain names it as its issuer). */
export function publicTrustAnchors(): AnchorSet {
  systemAnchors ??= createAnchorSet(tls.rootCertificates);
  return systemAnchors;
}

/**
 * The certificates of NODE_EXTRA_CA_CERTS, which node's own verification trusts beside its roots:
 * the chain check must trust them too, or a private CA node accepts reads as a missing intermediate
 * (trusted and incomplete at once). Read once per file; an unreadable file adds nothing, as in node.
 */
function nodeExtraCaCerts(env: Record<string, string | undefined>): X509Certificate[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  let certs = nodeExtraAnchors.get(file);
  if (!certs) {
    try {
      certs = splitPem(readFileSync(file, 'utf8')).flatMap(parsePemSafe);
    } catch {
      certs = [];
    }
    nodeExtraAnchors.set(file, certs);
  }
  return certs;
}

/** Anchor lists by NODE_EXTRA_CA_CERTS file and --ca content: few in one process (one, for the bot). */
const anchorLists = new Map<string, AnchorSet>();
const ANCHOR_LISTS_MAX = 16;

/**
 * node's bundled roots, NODE_EXTRA_CA_CERTS and --ca / TLSCHECK_CA_FILE certificates; unparsable PEM
 * is skipped. The same list for the same inputs, check after check: the --ca PEM is parsed once,
 * and issuedByAnchor's verdicts carry over.
 */
export function trustAnchors(extra: readonly string[] = [], env: Record<string, string | undefined> = process.env): AnchorSet {
  const key = JSON.stringify([env.NODE_EXTRA_CA_CERTS ?? null, extra]);
  let anchors = anchorLists.get(key);
  if (!anchors) {
    const added = [...nodeExtraCaCerts(env), ...extra.flatMap(splitPem).flatMap(parsePemSafe)];
    anchors = added.length ? createAnchorSet(tls.rootCertificates, added) : publicTrustAnchors();
    if (anchorLists.size >= ANCHOR_LISTS_MAX) anchorLists.clear();
    anchorLists.set(key, anchors);
  }
  return anchors;
}

/** Splits a PEM bundle into its certificates. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function parsePemSafe(pem: string): X509Certificate[] {
  try {
    return [new X509Certificate(pem)];
  } catch {
    return [];
  }
}
