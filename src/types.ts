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
  /**
   * Distinct ticket keys that sealed the tickets of the full handshakes (from the RFC 5077 key
   * names); more than one means backends that do not share ticket keys. Absent when unknowable.
   */
  ticketKeys?: number;
}

export interface ChainCert {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  selfIssued: boolean;
}

/** What the server's CertificateRequest said, and whether it refuses clients without a certificate. */
export interface ClientAuthResult {
  /** The server sent a CertificateRequest (true), did not (false), or no handshake showed (null). */
  requested: boolean | null;
  /** It refuses to serve a client without one (true), serves it anyway (false), or unknown (null). */
  required: boolean | null;
  /** The CAs it names as acceptable issuers, "C=…, O=…, CN=…"; empty: none named (any CA). */
  caNames: string[];
  /** How `required` was decided, e.g. "fatal alert 116 certificate_required after the handshake". */
  reason?: string | null;
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
  /** Mutual TLS: does the server ask for (or insist on) a client certificate, from which CAs. */
  clientAuth?: ClientAuthResult;
  alpn: string | null;
  ocspStapled: boolean | null;
  ocsp?: { status: string | null; nextUpdate: string | null } | null;
  /**
   * The server aborts every handshake whose ClientHello asks for OCSP stapling (status_request,
   * sent by all browsers), while the same hello without it succeeds; null: not established.
   */
  statusRequestAborts?: boolean | null;
  /** How it aborted (e.g. "connection closed without an alert"), when statusRequestAborts is true. */
  statusRequestFailure?: string | null;
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
