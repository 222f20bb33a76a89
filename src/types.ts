// The JSON contract of a check. The Slack layer, the scheduler and users' scripts read these
// names and value domains, so fields may be added but never renamed or re-typed.

export type Severity = 'ok' | 'info' | 'warning' | 'error' | 'critical';
export const SEVERITY_ORDER: readonly Severity[] = ['ok', 'info', 'warning', 'error', 'critical'];

export type ProtocolName = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

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
  /** e.g. sha256WithRSAEncryption; the client simulation judges SHA-1 signed intermediates by it. */
  signatureAlgorithm?: string;
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
  /**
   * TLS ≤ 1.2 ECDHE: IANA suite name → the named curve the server used with it, for every ECDHE
   * suite the cipher probe found accepted (each offered alone, with every named curve, modern ones
   * first); {} when none is accepted. Check curvesComplete before reading it as the whole list.
   */
  curves?: Record<string, string>;
  /** false: some accepted ECDHE suites have no curve here (the deadline, no answer, or a cut cipher list). */
  curvesComplete?: boolean;
  /** How the curves were established, and what is missing when curvesComplete is false. */
  curvesDetail?: string;
}

export interface CtResult {
  /** SCTs embedded in the leaf certificate (X.509 extension). */
  embedded: number | null;
  /** SCTs in the signed_certificate_timestamp TLS extension (null: not asked, e.g. TLS 1.3 only). */
  tlsExtension: number | null;
  /** SCTs in the stapled OCSP response (null: nothing stapled). */
  ocsp: number | null;
  /**
   * Always false: SCTs are counted, their signatures are not checked against the logs' keys (nor
   * the browsers' log policies), so a forged or unqualified SCT counts as present.
   */
  signaturesVerified?: false;
}

/**
 * Key exchange, filled by several probes, each writing only its own fields: the TLS 1.3 groups
 * probe (groups, groupsServerOrder, groupsComplete, postQuantum, groupsDetail); the TLS ≤ 1.2
 * key-exchange and ecdhe-curves probes add their own (dh, curves, curvesComplete, curvesDetail).
 */
export interface KeyExchangeResult {
  /** IANA names of the groups the server accepts in TLS 1.3, in its preference when groupsServerOrder. */
  groups?: string[] | null;
  groupsServerOrder?: boolean | null;
  /** false when some groups got no answer, so the list may miss some. */
  groupsComplete?: boolean;
  /** The server negotiates an ML-KEM group such as X25519MLKEM768; null when undetermined. */
  postQuantum?: boolean | null;
  groupsDetail?: string | null;
}

/** ok, refused (TLS alert where a small hello got a ServerHello), dropped, reset, unknown. */
export type HelloTolerance = 'ok' | 'refused' | 'dropped' | 'reset' | 'unknown';

/** How the path to the server treats small, padded and large (browser-like, post-quantum) ClientHellos. */
export interface MiddleboxResult {
  largeHello: HelloTolerance;
  paddedHello: HelloTolerance;
  /** A hello padded to the large one's size: tells a size limit from a content filter. */
  paddedLargeHello?: HelloTolerance;
  detail: string;
  /** Handshake message sizes of the hellos, in bytes. */
  sizes?: { small: number; padded: number; large: number };
}

/** One simulated client: whether its default ClientHello gets a handshake it accepts, and why not. */
export interface ClientResult {
  id: string;
  name: string;
  /** null: no verdict (network trouble, or a limit the check could not measure). */
  connects: boolean | null;
  protocol: ProtocolName | null;
  cipher: string | null;
  group: string | null;
  reason: string | null;
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
  ocsp?: OcspResult | null;
  /** With --ocsp: why the responder could not be asked or did not answer. */
  ocspFetchError?: string;
  /** Key exchange: TLS ≤ 1.2 DHE/ECDHE parameters (key-exchange probe), TLS 1.3 groups (groups probe). */
  keyExchange?: KeyExchangeResult;
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
  middlebox?: MiddleboxResult;
  /** Client simulation: common clients' default hellos and what the server makes of them. */
  clients?: ClientResult[];
  findings: Finding[];
  durationMs: number;
  /**
   * Every probe ran to its end and established what it set out to. Always set by a check (absent
   * only in results stored before it existed); false when `error` is set or `incomplete` is not empty.
   */
  complete?: boolean;
  /**
   * Probes cut short (by the deadline, the caller, or network trouble) and what they lack, e.g.
   * { probe: "ciphers", reason: "deadline reached after 10.0 s; TLSv1.2: 19 suites found so far (the list may be longer)" }.
   * Their fields hold only what was established: unknowns are null/"unknown"; a list is what was found so far.
   */
  incomplete?: IncompleteProbe[];
  /** Probes that failed unexpectedly (a bug on our side, not a verdict): name → message. */
  probeErrors?: Record<string, string>;
  /** Filled by the diagnosis layer; most likely first. */
  diagnoses?: Diagnosis[];
}

export interface IncompleteProbe {
  /** The probe's name, as in progress events: "ciphers", "resumption", "protocols"... */
  probe: string;
  reason: string;
}

export interface Diagnosis {
  id: string;
  severity: Severity;
  title: string;
  why: string;
  fixes: Partial<Record<string, string[]>>;
  reproduce: string;
  references: string[];
  /**
   * What OpenSSL itself prints against the same server (src/evidence), for the most severe
   * diagnoses when evidence was asked for. Absent: not asked for, or not among those picked.
   * null: could not be gathered; `evidenceReason` says why.
   */
  evidence?: Evidence | null;
  evidenceReason?: string | null;
}

/** `openssl s_client` run against the checked address, and the lines of its output that matter. */
export interface Evidence {
  /** The exact command, paste-able into a POSIX shell (the resolved address, -servername, the diagnosis' flags). */
  command: string;
  /** OpenSSL's exit status; null when it was killed at its deadline. */
  exitCode: number | null;
  /** The few lines of its output that show the symptom, or what it showed instead, in order. */
  excerpt: string;
  /** The one line of the excerpt that says it best (what Slack shows). */
  keyLine: string;
  /**
   * Whether OpenSSL shows the symptom the diagnosis names. false: it disagrees with the engine
   * (a finding about the diagnosis, stated in `note`); null: this OpenSSL cannot tell (e.g. it
   * lacks the protocol or cipher suite).
   */
  confirms: boolean | null;
  /** Why `confirms` is false or null, in one sentence; null when it confirms. */
  note: string | null;
  /** `openssl version`, e.g. "OpenSSL 3.0.19"; null if it could not be read. */
  openssl: string | null;
  durationMs: number;
}
