// The JSON contract of a check. The Slack layer, the scheduler and users' scripts read these
// names and value domains, so fields may be added but never renamed or re-typed.

export type Severity = 'ok' | 'info' | 'warning' | 'error' | 'critical';
export const SEVERITY_ORDER: readonly Severity[] = ['ok', 'info', 'warning', 'error', 'critical'];

export type ProtocolName = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
/** The versions every check probes; SSLv2 is probed too but optional in the contract. */
export const PROTOCOLS: readonly ProtocolName[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export type ErrorCode = 'timeout' | 'refused' | 'reset' | 'not-tls' | 'dns' | 'blocked';
export interface CheckError {
  code: ErrorCode;
  message: string;
}

export interface TargetInfo {
  host: string;
  port: number;
  ip: string;
  sni: string | null;
}

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
}

/** true = supported, false = refused, null = could not be determined (network trouble). */
export type ProtocolMap = Partial<Record<ProtocolName, boolean | null>> &
  Record<'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3', boolean | null>;

export type ClientRenegotiation = 'accepted' | 'limited' | 'rejected' | 'not-applicable' | 'unknown';

export interface RenegotiationResult {
  /** RFC 5746 support (renegotiation_info in the ServerHello); null when unknown or TLS 1.3 only. */
  secure: boolean | null;
  clientInitiated: ClientRenegotiation;
  acceptedCount: number;
  /** How the server refused or cut off, e.g. "warning alert 100 no_renegotiation". */
  reason?: string | null;
  /** Protocol the client-initiated test ran on. */
  protocol?: ProtocolName | null;
}

export interface ResumptionResult {
  sessionId: boolean | null;
  tickets: boolean | null;
  consistent: boolean | null;
  tls13Tickets?: boolean | null;
  /** Per-attempt outcome, e.g. ["new","reused","new","reused"], per mechanism. */
  attempts?: Record<string, boolean[]>;
}

export interface ChainCert {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  selfIssued: boolean;
}

export interface CertificateResult {
  trusted: boolean;
  /** OpenSSL/Node verify error code when not trusted, e.g. UNABLE_TO_GET_ISSUER_CERT_LOCALLY. */
  verifyError?: string | null;
  hostnameMatch: boolean;
  selfSigned: boolean;
  chainComplete: boolean;
  /** Problems with the chain as served: "missing-intermediate", "wrong-order", "root-sent". */
  chainIssues?: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  subject: string;
  issuer: string;
  san: string[];
  keyType: string;
  keyBits: number;
  signatureAlgorithm: string;
  chain: ChainCert[];
  /** TLS Feature extension (RFC 7633) asks for status_request: OCSP Must-Staple. */
  mustStaple?: boolean;
  /** The chain ends at a root of the public store (node's bundled roots), not one from --ca. */
  publicRoot?: boolean;
  /** OCSP responder URLs from the Authority Information Access extension. */
  ocspUrls?: string[];
  /** Certificate Transparency: the SCTs found for this certificate, per delivery channel. */
  ct?: CtResult;
}

/** A stapled (or, with --ocsp, fetched) OCSP response about the leaf. */
export interface OcspResult {
  /** good / revoked / unknown; null when the response is unreadable or about another certificate. */
  status: string | null;
  nextUpdate: string | null;
  thisUpdate?: string | null;
  revocationTime?: string | null;
  /** CRLReason name, e.g. "keyCompromise"; null when the responder gave none. */
  revocationReason?: string | null;
  /** OCSPResponseStatus, e.g. "successful", "tryLater". */
  responseStatus?: string;
  /** current, expired (past nextUpdate) or not-yet-valid (thisUpdate ahead), at check time; null without a status. */
  validity?: 'current' | 'expired' | 'not-yet-valid' | null;
  /** Signature by the issuer or a responder it delegated to (id-kp-OCSPSigning); null when not checkable. */
  signatureValid?: boolean | null;
  /** Why signatureValid is false or null, e.g. "signed by a certificate the issuer did not issue". */
  signatureProblem?: string | null;
  /** Where it came from: stapled in the handshake, or asked of the responder (--ocsp). */
  source?: 'stapled' | 'responder';
  /** The responder URL asked, when source is "responder". */
  responder?: string | null;
  /** SCTs carried in the response (RFC 6962 §3.3); null when unreadable. */
  scts?: number | null;
}

export interface DhParams {
  /** Size of the DH prime. */
  bits: number;
  /** RFC 7919 group name (ffdhe2048 …) or "custom". */
  group: string;
  /** The suite and protocol the server sent them for. */
  suite: string;
  protocol: ProtocolName;
}

/**
 * Every field optional: each probe writes its own (`result.keyExchange ??= {}`), so results from
 * probes that did not run, or older results, simply lack them.
 */
export interface KeyExchangeResult {
  /** TLS ≤ 1.2 DHE: the server's DH group; null when it accepts no DHE suite. */
  dh?: DhParams | null;
  /** TLS ≤ 1.2 ECDHE: the named curve the server used, per ECDHE suite it negotiated (IANA suite name → curve). */
  curves?: Record<string, string>;
}

export interface CtResult {
  /** SCTs embedded in the leaf certificate (X.509 extension). */
  embedded: number | null;
  /** SCTs in the signed_certificate_timestamp TLS extension (null: not asked, e.g. TLS 1.3 only). */
  tlsExtension: number | null;
  /** SCTs in the stapled OCSP response (null: nothing stapled). */
  ocsp: number | null;
}

export interface CheckResult {
  target: TargetInfo;
  error: CheckError | null;
  protocols: ProtocolMap;
  ciphers: Partial<Record<ProtocolName, string[]>>;
  /** Whether the server picks by its own preference order, per protocol (null: unknown or one cipher). */
  serverCipherOrder?: Partial<Record<ProtocolName, boolean | null>>;
  renegotiation: RenegotiationResult;
  resumption: ResumptionResult;
  certificate: CertificateResult | null;
  sni: { required: boolean | null; differentCertWithoutSni?: boolean | null };
  alpn: string | null;
  ocspStapled: boolean | null;
  ocsp?: OcspResult | null;
  /** With --ocsp: why the responder could not be asked or did not answer. */
  ocspFetchError?: string;
  /** Key exchange: TLS ≤ 1.2 DHE/ECDHE parameters (key-exchange probe), TLS 1.3 groups (groups probe). */
  keyExchange?: KeyExchangeResult;
  fallbackScsv?: boolean | null;
  /** Server software hints (HTTP Server header), when seen. */
  server?: string | null;
  findings: Finding[];
  durationMs: number;
  /** Probes that failed unexpectedly (a bug on our side, not a verdict): name → message. */
  probeErrors?: Record<string, string>;
  /** Filled by the diagnosis layer; most likely first. */
  diagnoses?: Diagnosis[];
}

export type Platform = 'nginx' | 'apache' | 'haproxy' | 'node' | 'java' | 'openssl' | 'curl' | 'node-client' | 'java-client';

export interface Diagnosis {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  fixes: Partial<Record<string, string[]>>;
  reproduce: string;
  references: string[];
}
