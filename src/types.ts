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
}

/** What a middlebox did to one kind of ClientHello: answered, swallowed (no answer) or reset. */
export type HelloOutcome = 'ok' | 'dropped' | 'reset' | 'unknown';

export interface MiddleboxResult {
  /** A ClientHello larger than one TCP segment (as post-quantum key shares make them). */
  largeHello: HelloOutcome;
  /** A ClientHello with a padding extension. */
  paddedHello: HelloOutcome;
  detail: string | null;
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
  ocsp?: { status: string | null; nextUpdate: string | null } | null;
  fallbackScsv?: boolean | null;
  /** Large and padded ClientHellos compared with a small one (the middlebox probe); absent in older results. */
  middlebox?: MiddleboxResult | null;
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
