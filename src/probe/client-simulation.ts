// Client simulation: each profile's ClientHello (src/clients/profiles.ts) through the raw codec,
// concurrently within the socket cap, and what the server picks for it; a client whose hello gets an alert or an answer
// it cannot accept fails, with the reason. The certificate key, SHA-1 signatures and DH size a
// client refuses are judged in apply(), from the certificate and key-exchange probes' results.
import type { ProbeContext } from './context.js';
import { buildClientHello, type ClientHelloOptions, type HelloVersion } from './codec/client-hello.js';
import { cipherSuiteById, cipherSuiteByName } from './codec/cipher-suites.js';
import { groupName, ML_KEM_GROUPS } from './codec/groups.js';
import { BROWSER_LIKE, deferToLastRound, LAST_ROUND_ROOM, runLastRound } from './last-round.js';
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

const ORDER: readonly ProtocolName[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Cipher suite name (IANA or OpenSSL) → code point; unknown names are a bug in the profile. */
export function cipherId(nameOrOpenssl: string): number {
  // An index, not a scan of the table: every check looks up each profile's suites twice over.
  const suite = cipherSuiteByName(nameOrOpenssl);
  if (!suite) throw new Error(`client profile names an unknown cipher suite: ${nameOrOpenssl}`);
  return suite.id;
}

/** The profile's hello as codec options: its highest version, and only suites that version allows. */
export function helloOptions(profile: ClientProfile, sni: string | null): ClientHelloOptions {
  const max = profile.protocols[0] as HelloVersion;
  const tls13 = max === 'TLSv1.3';
  const maxRank = ORDER.indexOf(max);
  const ciphers = profile.ciphers.map(cipherId).filter((id) => {
    const min = cipherSuiteById(id)?.minVersion ?? 'TLSv1';
    return ORDER.indexOf(min) <= maxRank;
  });
  return {
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
  };
}

export function helloFor(profile: ClientProfile, sni: string | null): Buffer {
  return buildClientHello(helloOptions(profile, sni));
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
 * Profiles whose hellos any server must answer alike, sharing one hello. Alike means the same in
 * everything the server can choose its version, suite and group on, or refuse a hello for:
 * versions, suites in order, supported groups and key shares, signature algorithms, SNI (the
 * target's, the same for all), ALPN, status_request, GREASE, and for TLS ≤ 1.2 the extended
 * master secret and renegotiation_info / SCSV. Normalised away, because the server cannot choose
 * on them:
 * - versions the version probe saw refused (with a hello of its own), and the suites and key
 *   shares only those versions could use;
 * - when the server speaks TLS 1.3 and the profile offers it, everything TLS 1.3 ignores: the
 *   lower versions and their suites, the extended master secret and renegotiation_info / SCSV
 *   (RFC 8446 picks the highest common version, and these belong to TLS ≤ 1.2 handshakes).
 * The second rests on the server's answer being TLS 1.3: when a shared hello gets anything else
 * (or its answer could not be chosen from the class's suites and versions) each profile sends
 * its own. Limits the hello cannot show (RSA < 2048, DH size, SHA-1) stay per profile: finalize().
 */
export interface HelloClass {
  key: string;
  /** Versions the server may choose from for these profiles; TLS 1.3 alone for the TLS 1.3 class. */
  versions: ProtocolName[];
  /** Suites it may choose from. */
  suites: number[];
  profiles: ClientProfile[];
}

function usableIn(versions: readonly ProtocolName[], id: number): boolean {
  const suite = cipherSuiteById(id);
  if (!suite) return true;
  return versions.some((v) => ORDER.indexOf(suite.minVersion) <= ORDER.indexOf(v) && ORDER.indexOf(v) <= ORDER.indexOf(suite.maxVersion));
}

export function helloClass(profile: ClientProfile, protocols: ProbeContext['protocols']): Omit<HelloClass, 'profiles'> {
  const o = helloOptions(profile, null);
  const offered = profile.protocols.filter((p) => protocols?.[p] !== false);
  const tls13 = protocols?.['TLSv1.3'] === true && offered.includes('TLSv1.3');
  const versions: ProtocolName[] = tls13 ? ['TLSv1.3'] : offered;
  const suites = o.ciphers.filter((id) => usableIn(versions, id));
  const shares = versions.includes('TLSv1.3') ? o.keyShares : undefined;
  const tls12 = tls13 ? null : { ems: o.extendedMasterSecret, ri: o.renegotiationInfo, scsv: o.renegotiationScsv };
  const key = JSON.stringify([versions, suites, o.groups, shares, o.signatureAlgorithms, o.alpn, o.statusRequest, o.grease, tls12]);
  return { key, versions, suites };
}

export function helloClasses(profiles: readonly ClientProfile[], protocols: ProbeContext['protocols']): HelloClass[] {
  const classes = new Map<string, HelloClass>();
  for (const p of profiles) {
    const c = helloClass(p, protocols);
    const known = classes.get(c.key);
    if (known) known.profiles.push(p);
    else classes.set(c.key, { ...c, profiles: [p] });
  }
  return [...classes.values()];
}

/** An answer the server can only have chosen from what the class's profiles share. */
function sharedAnswer(c: HelloClass, o: HelloOutcome): boolean {
  if (c.profiles.length === 1) return true;
  return o.kind === 'server-hello' && o.versionName !== null && c.versions.includes(o.versionName) && c.suites.includes(o.cipher);
}

/**
 * Which classes wait for the check's last round (last-round.ts): the Chrome profile's, whose hello
 * the middlebox probe sends there anyway; then those with a post-quantum key share (two TCP
 * segments: what a middlebox may drop or punish, like the middlebox probe's own large hellos);
 * then others, from the end of the list, while the round has free sockets. Only single-profile
 * classes: a shared hello whose answer calls for each profile's own would find the round over.
 */
export function lastRoundClasses(classes: readonly HelloClass[], room = LAST_ROUND_ROOM): Map<HelloClass, string> {
  const late = new Map<HelloClass, string>();
  const single = classes.filter((c) => c.profiles.length === 1);
  const chrome = single.find((c) => c.profiles[0]?.id === 'chrome');
  if (chrome) late.set(chrome, BROWSER_LIKE);
  const large = single.filter((c) => c !== chrome && c.profiles[0]?.keyShares.some((g) => ML_KEM_GROUPS.has(g)));
  const rest = single.filter((c) => c !== chrome && !large.includes(c)).reverse();
  for (const c of [...large, ...rest].slice(0, room)) late.set(c, `client ${c.profiles[0]?.id ?? ''}`);
  return late;
}

export interface ClientSimulationResult {
  /** Every profile, in profile order; those left for the last round without a verdict until then. */
  clients: SimulatedClient[];
  /**
   * Verdicts from the last round, by profile id, filled in when it runs. When it does not (the
   * deadline), the middlebox probe is listed as cut, and these clients keep "no verdict".
   */
  late: Map<string, SimulatedClient>;
}

async function ask(ctx: ProbeContext, c: HelloClass): Promise<SimulatedClient[]> {
  const [first] = c.profiles as [ClientProfile];
  const o = await sendHello(ctx, helloFor(first, ctx.target.sni));
  if (sharedAnswer(c, o)) return c.profiles.map((p) => judge(p, o));
  return Promise.all(c.profiles.map(async (p) => (p === first ? judge(p, o) : judge(p, await sendHello(ctx, helloFor(p, ctx.target.sni))))));
}

/**
 * One hello per class of alike profiles (helloClasses), none for a client the version probe
 * already answered. They queue for socket slots like any other one-off hello (ctx.limit), behind
 * the cipher and group chains, which take urgent slots; the check keeps its 10 sockets busy for
 * most of its run, so each hello costs it about a fifth of a round trip on a long path (bench/
 * results.md). Hence also the classes left for the last round (lastRoundClasses), which runs on
 * few sockets: they cost nothing there, and their verdicts are filled in when it runs.
 */
export async function run(ctx: ProbeContext, profiles: readonly ClientProfile[] = CLIENT_PROFILES): Promise<ClientSimulationResult> {
  const verdicts = new Map<string, SimulatedClient>();
  const toAsk: ClientProfile[] = [];
  for (const p of profiles) {
    const known = refusedByVersions(p, ctx.protocols);
    if (known) verdicts.set(p.id, known);
    else toAsk.push(p);
  }
  const classes = helloClasses(toAsk, ctx.protocols);
  const late = lastRoundClasses(classes);
  const value: ClientSimulationResult = { clients: [], late: new Map() };
  for (const [c, name] of late) {
    const [p] = c.profiles as [ClientProfile];
    verdicts.set(p.id, { id: p.id, name: p.name, protocol: null, cipher: null, group: null, dhe: false, connects: null, reason: 'no verdict: its hello waited for the check\'s last round, which did not run' });
    void deferToLastRound(ctx, name, helloFor(p, ctx.target.sni)).then((t) => value.late.set(p.id, judge(p, t.outcome)));
  }
  const now = await Promise.all(classes.filter((c) => !late.has(c)).map((c) => ask(ctx, c)));
  for (const c of now.flat()) verdicts.set(c.id, c);
  value.clients = profiles.map((p) => verdicts.get(p.id) as SimulatedClient);
  return value;
}

/** Every verdict: the last round's in place of the placeholders it was waiting for. */
export function merged(value: ClientSimulationResult): SimulatedClient[] {
  return value.clients.map((c) => value.late.get(c.id) ?? c);
}

/** run(), then the last round itself: for callers without the check's middlebox probe (tests, tools). */
export async function simulate(ctx: ProbeContext, profiles: readonly ClientProfile[] = CLIENT_PROFILES): Promise<SimulatedClient[]> {
  const value = await run(ctx, profiles);
  await runLastRound(ctx, {});
  return merged(value);
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
  result.clients = finalize(result, merged(value));
}
