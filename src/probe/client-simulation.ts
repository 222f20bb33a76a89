// Client simulation: each profile's ClientHello (src/clients/profiles.ts) through the raw codec,
// all at once, and what the server picks for it; a client whose hello gets an alert or an answer
// it cannot accept fails, with the reason. The certificate key and DH size a client refuses are
// judged in apply(), from the other probes' results.
import type { ProbeContext } from './context.js';
import { buildClientHello, type HelloVersion } from './codec/client-hello.js';
import { CIPHER_SUITES, cipherSuiteById } from './codec/cipher-suites.js';
import { groupName } from './codec/groups.js';
import { describeOutcome, sendHello, type HelloOutcome } from './raw-hello.js';
import { CLIENT_PROFILES, type ClientProfile } from '../clients/profiles.js';
import type { CheckResult, ClientResult, ProtocolName } from '../types.js';

export const name = 'client-simulation';
// Starts with the version-dependent probes so its one wave of hellos overlaps the cipher enumeration.
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

export async function run(ctx: ProbeContext, profiles: readonly ClientProfile[] = CLIENT_PROFILES): Promise<ClientSimulationResult> {
  const outcomes = await Promise.all(profiles.map((p) => sendHello(ctx, helloFor(p, ctx.target.sni))));
  return { clients: profiles.map((p, i) => judge(p, outcomes[i] as HelloOutcome)) };
}

/** The server's DH size, if the key-exchange probe measured one. */
function dhBits(result: CheckResult): number | null {
  const dh = (result.keyExchange as { dh?: { bits?: number | null } | null } | undefined)?.dh;
  return typeof dh?.bits === 'number' ? dh.bits : null;
}

/**
 * Applies the limits the hello cannot show: the certificate's RSA key size and the DH group size
 * each client refuses. Runs after the certificate probe's apply (registry order).
 */
export function finalize(result: CheckResult, clients: readonly SimulatedClient[], profiles: readonly ClientProfile[] = CLIENT_PROFILES): ClientResult[] {
  const cert = result.certificate;
  const dh = dhBits(result);
  return clients.map(({ dhe, ...c }) => {
    const profile = profiles.find((p) => p.id === c.id);
    if (!profile || c.connects !== true) return c;
    const minRsa = profile.accepts.minRsaBits;
    if (cert && /rsa/i.test(cert.keyType) && minRsa !== null && cert.keyBits < minRsa) {
      return { ...c, connects: false, reason: `the certificate's ${cert.keyBits}-bit RSA key is below the ${minRsa} bits this client accepts` };
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
