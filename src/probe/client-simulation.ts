// Client simulation: each profile's ClientHello (src/clients/profiles.ts) through the raw codec,
// concurrently within the socket cap, and what the server picks for it; a client whose hello gets an alert or an answer
// it cannot accept fails, with the reason. The certificate key, SHA-1 signatures and DH size a
// client refuses are judged in apply(), from the certificate and key-exchange probes' results.
import type { ProbeContext } from './context.js';
import { buildClientHello, type HelloVersion } from './codec/client-hello.js';
import { CIPHER_SUITES, cipherSuiteById } from './codec/cipher-suites.js';
import { groupName } from './codec/groups.js';
import { describeOutcome, sendHello, type HelloOutcome } from './raw-hello.js';
import { CLIENT_PROFILES, type ClientProfile } from '../clients/profiles.js';
import type { CertificateResult, CheckResult, ClientResult, ProtocolName } from '../types.js';

export const name = 'client-simulation';
// Starts with the version-dependent probes: the version probe's answer spares the hellos of clients
// whose every version the server refused.
export const phase = 'versions';

export interface SimulatedClient extends ClientResult {
  /** Cipher family facts apply() needs, not part of the contract. */
  dhe: boolean;
}

export interface ClientSimulationResult {
  clients: SimulatedClient[];
}

const ORDER: readonly ProtocolName[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Cipher suite name (IANA or OpenSSL) → code point; unknown names are a bug in the profile. */
export function cipherId(nameOrOpenssl: string): number {
  const suite = CIPHER_SUITES.find((s) => s.name === nameOrOpenssl || s.openssl === nameOrOpenssl);
  if (!suite) throw new Error(`client profile names an unknown cipher suite: ${nameOrOpenssl}`);
  return suite.id;
}

export function helloFor(profile: ClientProfile, sni: string | null): Buffer {
  const max = profile.protocols[0] as HelloVersion;
  const tls13 = max === 'TLSv1.3';
  const maxRank = ORDER.indexOf(max);
  const ciphers = profile.ciphers.map(cipherId).filter((id) => {
    const min = cipherSuiteById(id)?.minVersion ?? 'TLSv1';
    return ORDER.indexOf(min) <= maxRank;
  });
  return buildClientHello({
    version: max,
    ciphers,
    sni,
    groups: profile.groups,
    keyShares: tls13 ? profile.keyShares : undefined,
    supportedVersions: tls13 ? profile.protocols.filter((p): p is HelloVersion => p !== 'SSLv2') : undefined,
    signatureAlgorithms: profile.signatureAlgorithms,
    alpn: profile.alpn,
    statusRequest: profile.statusRequest,
    extendedMasterSecret: profile.extendedMasterSecret,
    renegotiationInfo: profile.renegotiationInfo,
    renegotiationScsv: profile.scsv,
    grease: profile.grease,
    padding: false,
  });
}

const ALERT_REASONS: Readonly<Record<number, string>> = {
  70: 'no common protocol version',
  40: 'no common cipher suite, group or signature algorithm',
  71: 'the server wants stronger parameters than the client offers',
  112: 'the server does not know the name the client sent (SNI)',
  47: 'the server rejected a parameter of its hello',
  109: 'the server requires an extension the client does not send',
};

/** What the hello alone says: connects, or why not. Certificate and DH limits are apply()'s job. */
export function judge(profile: ClientProfile, o: HelloOutcome): SimulatedClient {
  const base = { id: profile.id, name: profile.name, protocol: null, cipher: null, group: null, dhe: false };
  if (o.kind === 'alert') {
    const why = ALERT_REASONS[o.description] ?? 'the server refused its hello';
    return { ...base, connects: false, reason: `${why} (alert ${o.description} ${o.descriptionName})` };
  }
  if (o.kind !== 'server-hello') return { ...base, connects: null, reason: `no verdict: ${describeOutcome(o)}` };
  const protocol = o.versionName;
  if (!protocol || !profile.protocols.includes(protocol)) {
    return { ...base, protocol, connects: false, reason: `no common protocol version: the server answered ${protocol ?? o.version.toString(16)}, which this client does not accept` };
  }
  const offered = profile.ciphers.map(cipherId);
  if (!offered.includes(o.cipher)) {
    return { ...base, protocol, connects: false, reason: `the server chose ${o.cipherName}, which this client did not offer` };
  }
  const group = o.keyShareGroup;
  if (group !== null && !profile.groups.includes(group)) {
    return { ...base, protocol, cipher: o.cipherName, connects: false, reason: `the server asked for group ${groupName(group)}, which this client does not support` };
  }
  return {
    ...base, protocol, cipher: o.cipherName, group: group === null ? null : groupName(group),
    dhe: cipherSuiteById(o.cipher)?.kx === 'DHE', connects: true, reason: null,
  };
}

const VERSION_NAMES: Readonly<Record<ProtocolName, string>> = {
  SSLv2: 'SSL 2', SSLv3: 'SSL 3', TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3',
};

/**
 * The verdict the version probe already gave, when the server refused (with a real hello each)
 * every version this client offers: its hello could only get the same refusal, so it is not sent.
 * null when any of its versions is accepted or undetermined.
 */
export function refusedByVersions(profile: ClientProfile, protocols: ProbeContext['protocols']): SimulatedClient | null {
  if (!protocols || !profile.protocols.every((p) => protocols[p] === false)) return null;
  const spoken = (Object.keys(VERSION_NAMES) as ProtocolName[]).filter((p) => protocols[p] === true).map((p) => VERSION_NAMES[p]);
  const offered = profile.protocols.map((p) => VERSION_NAMES[p]);
  return {
    id: profile.id, name: profile.name, protocol: null, cipher: null, group: null, dhe: false, connects: false,
    reason: `no common protocol version: the server refuses ${offered.join(', ')}, all this client offers${spoken.length ? ` (it speaks ${spoken.join(', ')})` : ''}`,
  };
}

/**
 * The hellos queue for socket slots like any other one-off hello (ctx.limit), behind the cipher
 * and group chains, which take urgent slots. Through the delay relay (bench/results.md) this costs
 * the check about 3-4 round trips: the check keeps its 10 slots busy for most of its run, and a
 * lane that waits for idle slots did no better when tried, as slots only come free near the end. Each hello
 * fewer helps, so none is sent for a client the version probe already answered.
 */
export async function run(ctx: ProbeContext, profiles: readonly ClientProfile[] = CLIENT_PROFILES): Promise<ClientSimulationResult> {
  const clients = await Promise.all(profiles.map(async (p) => {
    const known = refusedByVersions(p, ctx.protocols);
    return known ?? judge(p, await sendHello(ctx, helloFor(p, ctx.target.sni)));
  }));
  return { clients };
}

/**
 * The server's DH group size as the key-exchange probe measured it (`keyExchange.dh.bits`, written
 * by its apply, which runs before this probe's: registry order). null: not measured, or that probe
 * saw no DHE suite while a client negotiated one; either way no verdict can rest on it.
 */
function dhBits(result: CheckResult): number | null {
  const bits = result.keyExchange?.dh?.bits;
  return typeof bits === 'number' ? bits : null;
}

const SHA1_SIGNATURE = /sha1|sha-1/i;

/**
 * The SHA-1 signed certificate a client would have to check: the leaf, then the intermediates.
 * Self-issued certificates (a root sent along, a self-signed leaf) are skipped: a trust anchor's
 * own signature is never verified.
 */
function sha1Signed(cert: CertificateResult): { subject: string; algorithm: string } | null {
  // Results stored before these fields existed, or built by hand, may lack them: nothing to judge then.
  const leafAlgorithm = cert.signatureAlgorithm as string | undefined;
  if (!cert.selfSigned && leafAlgorithm && SHA1_SIGNATURE.test(leafAlgorithm)) return { subject: cert.subject, algorithm: leafAlgorithm };
  for (const c of (cert.chain as CertificateResult['chain'] | undefined)?.slice(1) ?? []) {
    if (!c.selfIssued && c.signatureAlgorithm && SHA1_SIGNATURE.test(c.signatureAlgorithm)) return { subject: c.subject, algorithm: c.signatureAlgorithm };
  }
  return null;
}

/** Whether this client refuses the SHA-1 signature; null when that depends on what it cannot tell. */
function refusesSha1(policy: ClientProfile['accepts']['sha1Certificates'], cert: CertificateResult): boolean | null {
  if (policy === 'rejects') return true;
  if (policy === 'accepts') return false;
  // 'rejects-public': only chains to the client's built-in roots; publicRoot says which this is.
  if (policy === 'rejects-public') return cert.publicRoot === undefined ? null : cert.publicRoot;
  return null;
}

/**
 * Applies the limits the hello cannot show: the certificate's RSA key size, SHA-1 signatures in the
 * chain and the DH group size each client refuses. Runs after the certificate and key-exchange
 * probes' apply (registry order). A limit the profile does not establish (null) decides nothing.
 */
export function finalize(result: CheckResult, clients: readonly SimulatedClient[], profiles: readonly ClientProfile[] = CLIENT_PROFILES): ClientResult[] {
  const cert = result.certificate;
  const dh = dhBits(result);
  const sha1 = cert ? sha1Signed(cert) : null;
  return clients.map(({ dhe, ...c }) => {
    const profile = profiles.find((p) => p.id === c.id);
    if (!profile || c.connects !== true) return c;
    const minRsa = profile.accepts.minRsaBits;
    if (cert && /rsa/i.test(cert.keyType) && minRsa !== null && cert.keyBits < minRsa) {
      return { ...c, connects: false, reason: `the certificate's ${cert.keyBits}-bit RSA key is below the ${minRsa} bits this client accepts` };
    }
    if (cert && sha1) {
      const refuses = refusesSha1(profile.accepts.sha1Certificates, cert);
      const which = `${sha1.subject} is signed with SHA-1 (${sha1.algorithm})`;
      if (refuses === true) return { ...c, connects: false, reason: `certificate signature it rejects: ${which}` };
      if (refuses === null && profile.accepts.sha1Certificates === 'rejects-public') {
        return { ...c, connects: null, reason: `${which}; this client refuses that in chains to its public roots, and whether this chain ends at one is unknown` };
      }
    }
    const minDh = profile.accepts.minDhBits;
    if (dhe && minDh !== null) {
      if (dh === null) return { ...c, connects: null, reason: `the server picked ${c.cipher ?? 'a DHE suite'}; whether its DH group reaches the ${minDh} bits this client needs is unknown` };
      if (dh < minDh) return { ...c, connects: false, reason: `DH ${dh} bits is below the ${minDh} bits this client accepts ("dh key too small")` };
    }
    return c;
  });
}

export function apply(result: CheckResult, value: ClientSimulationResult): void {
  result.clients = finalize(result, value.clients);
}
