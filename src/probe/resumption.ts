// Session resumption per mechanism, and whether it works on every backend behind the address.
//
// Two rounds. First a few fresh full handshakes per mechanism leave sessions behind (TLS 1.2: a
// handshake of our own, tls12-session.ts, or node:tls's where ours does not reach; TLS 1.3:
// node:tls, and in a check the ALPN and OCSP probes' handshakes, lent:
// handshake-loans.ts; where no TLS 1.2 ticket comes, the ticket handshakes' sessions serve the
// session-ID mechanism too, see ticketlessRounds); then every session is offered again on fresh
// connections as a hand-built ClientHello, and the ServerHello alone says whether the server
// resumed it (see codec/resumption-hello.ts), so an attempt costs one round trip and almost no
// CPU. A load balancer whose backends share no session cache or ticket keys resumes some offers
// and not others; other clients' connections interleaving with ours only shuffle which backend
// each offer reaches, so several offers of each session, on consecutive connections, make a mixed
// outcome all but certain. The ticket key names of the full handshakes count the distinct keys
// answering.
import { constants } from 'node:crypto';
import type tls from 'node:tls';
import type { CheckResult, ProtocolMap, ResumptionResult } from '../types.js';
import { CHAIN_URGENCY, connectionBudget, type ProbeContext } from './context.js';
import { canOffer, parseSession, resumedBy, resumptionOffer, ticketKeyName, type OfferKind, type SessionFacts } from './codec/resumption-hello.js';
import { sendHello } from './raw-hello.js';
import { askForTickets, catchTickets } from './handshake-loans.js';
import { LEGACY_CLIENT, TRUST_NOTHING, withTls } from './tls-connect.js';
import { ownTls12Session } from './tls12-session.js';
import type { Tls12Session } from './codec/tls12-handshake.js';

export const name = 'resumption';
export const phase = 'address';

export type Mechanism = 'sessionId' | 'tickets' | 'tls13Tickets';

/**
 * Fresh full handshakes per mechanism: sessions from (likely) different backends. One would be
 * cheaper and, offered twice as often, would reach as many backends; but a session only tells
 * about its own issuer (a backend that issues sessions and caches none, beside one that resumes,
 * would look like "no resumption" half the time), a TLS 1.2-only server's ticket keys can be
 * counted only from two tickets, and one failed handshake would leave the mechanism unknown.
 * The handshakes are spared instead where a session can serve twice (ticketlessRounds) or another
 * probe's handshake gives one (handshake-loans.ts).
 */
export const FULL_HANDSHAKES = 2;
/**
 * Offers of each reusable session (ID, TLS 1.2 ticket), on consecutive connections: behind a
 * round-robin balancer they reach that many different backends. TLS 1.3 tickets may be single-use
 * (RFC 8446 §8.1), so each of those is offered exactly once. With one offer per session, the
 * balancer's rotation can line up the offers with their own issuers (or with the others) every
 * time, and nothing mixed shows; two in a row reach two backends unless other clients' connections
 * come between.
 */
export const OFFERS_PER_SESSION = 2;

const LEGACY = { ...LEGACY_CLIENT, maxVersion: 'TLSv1.2' } as const;

interface MechanismSpec {
  options: tls.ConnectionOptions;
  offer: OfferKind;
  tls13: boolean;
  /** The mechanism is moot when the protocol map says none of these versions work. */
  versions: ReadonlyArray<keyof ProtocolMap>;
}

const MECHANISMS: Readonly<Record<Mechanism, MechanismSpec>> = {
  // SSL_OP_NO_TICKET on a client stops it offering the ticket extension, so only the ID can resume
  // (and OpenSSL keeps the server's real session ID instead of a hash of the ticket).
  sessionId: { options: { ...LEGACY, secureOptions: LEGACY.secureOptions | constants.SSL_OP_NO_TICKET }, offer: 'sessionId', tls13: false, versions: ['TLSv1.2', 'TLSv1.1', 'TLSv1'] },
  tickets: { options: { ...LEGACY }, offer: 'ticket', tls13: false, versions: ['TLSv1.2', 'TLSv1.1', 'TLSv1'] },
  tls13Tickets: { options: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, offer: 'psk', tls13: true, versions: ['TLSv1.3'] },
};

/** The sessions one full handshake left behind (TLS 1.3 servers may issue several tickets). */
async function fullHandshake(ctx: ProbeContext, mechanism: Mechanism, urgent?: number): Promise<SessionFacts[] | null> {
  const spec = MECHANISMS[mechanism];
  // Ours speaks TLS 1.2 only: a server known to lack it goes straight to node:tls, sparing the
  // round trips of a refusal.
  if (!spec.tls13 && ctx.protocols?.['TLSv1.2'] !== false) {
    const own = await ownTls12Session(ctx, spec.offer === 'ticket', urgent);
    if (own !== 'unsupported') return own && [ownSessionFacts(own)];
  }
  const catcher = catchTickets();
  const options = { ...spec.options, ...TRUST_NOTHING };
  return withTls(ctx, { tls: options, tap: false, onSocket: catcher.onSocket, urgent }, async (a) => {
    if (!a.ok) return null;
    if (!spec.tls13) {
      const session = a.socket.getSession();
      const facts = session ? parseSession(session) : null;
      return facts ? [facts] : [];
    }
    return parsedSessions(await catcher.sessions(ctx, a));
  });
}

/** Our own handshake's session, as node's would read (parseSession). */
export function ownSessionFacts(s: Tls12Session): SessionFacts {
  return { version: 0x0303, cipher: s.cipher, sessionId: s.sessionId, masterKey: s.masterSecret, time: Math.floor(Date.now() / 1000), ticket: s.ticket, ticketAgeAdd: 0, extendedMasterSecret: s.extendedMasterSecret };
}

const parsedSessions = (sessions: Buffer[] | null): SessionFacts[] | null =>
  sessions && sessions.map(parseSession).filter((s): s is SessionFacts => s !== null);

/** Rounds of fresh full handshakes: null for one that failed, else the sessions it left. */
type Rounds = Array<SessionFacts[] | null>;

/**
 * The fresh full handshakes' sessions: first those given (other probes' TLS 1.3 handshakes, see
 * handshake-loans.ts; the ticket handshakes' ticketless sessions for the session-ID mechanism),
 * then handshakes of our own for what they did not give.
 */
async function freshSessions(ctx: ProbeContext, mechanism: Mechanism, given?: Promise<SessionFacts[][]>, urgent?: number): Promise<Rounds> {
  const borrowed = given ? await given : [];
  const own = await Promise.all(Array.from({ length: Math.max(0, FULL_HANDSHAKES - borrowed.length) }, () => fullHandshake(ctx, mechanism, urgent)));
  return [...borrowed, ...own];
}

/** Lent TLS 1.3 handshakes' tickets, as rounds; a lender that got nothing to lend gives none. */
const lentRounds = (lent: () => Promise<Array<Buffer[] | null>>): Promise<SessionFacts[][]> =>
  lent().then((loans) => loans.map(parsedSessions).filter((r): r is SessionFacts[] => r !== null));

/**
 * The ticket mechanism's handshakes that got no ticket, as session-ID rounds. Once a ticket comes,
 * OpenSSL's client replaces the session ID with a SHA-256 of the ticket (it detects an accepted
 * ticket by the echo), whatever the server sent, so such a session says nothing about the ID
 * cache. Without a ticket the ID is the server's own, exactly what a handshake with
 * SSL_OP_NO_TICKET leaves (a server that issues no ticket treats both hellos alike), so servers
 * without TLS 1.2 tickets (Mozilla's recommended nginx, s_server -no_ticket) need no second pair
 * of handshakes. Ticket-issuing servers (the default almost everywhere) still get theirs. So does
 * a session without an ID: OpenSSL, having promised a ticket, leaves the ID empty and may then
 * send an empty NewSessionTicket (its ticket key callback declined), which node keeps as no
 * ticket at all; asked without the extension, the same server would have given a real ID.
 */
export function ticketlessRounds(rounds: Rounds): SessionFacts[][] {
  return rounds.filter((r): r is SessionFacts[] => r !== null && r.length > 0 && r.every((s) => s.ticket === null && s.sessionId.length > 0));
}

/**
 * user_canceled then close_notify, both warnings (RFC 5246 §7.2.1): the polite way to abandon a
 * TLS ≤1.2 handshake. Hanging up without them is a fatal error to OpenSSL, which then removes the
 * session it just resumed from its cache, and the next offer of it fails as if another backend
 * had answered. (TLS 1.3 tickets are offered once each, so no farewell is needed there.)
 */
const CANCEL_ALERTS = Buffer.from([21, 3, 3, 0, 2, 1, 90, 21, 3, 3, 0, 2, 1, 0]);

/** One offer on a fresh connection: true resumed, false a full handshake instead, null no answer. */
async function offerOnce(ctx: ProbeContext, kind: OfferKind, session: SessionFacts): Promise<boolean | null> {
  const offer = resumptionOffer(kind, session, ctx.target.sni);
  if (!offer) return false;
  const answer = await sendHello(ctx, offer.hello, kind === 'psk' ? {} : { farewell: CANCEL_ALERTS });
  return answer.kind === 'server-hello' ? resumedBy(offer, answer) : null;
}

/** The offers to make: reusable sessions several times in a row, single-use tickets once each. */
export function offerPlan(sessions: readonly SessionFacts[], singleUse: boolean): SessionFacts[] {
  return singleUse ? [...sessions] : sessions.flatMap((s) => Array<SessionFacts>(OFFERS_PER_SESSION).fill(s));
}

export interface MechanismOutcome {
  /** null: not testable (protocol missing or network trouble); false: no resumption at all. */
  supported: boolean | null;
  attempts: boolean[];
  /** Key names of the tickets the full handshakes received (RFC 5077 §4 layout). */
  keyNames: string[];
}

async function probeMechanism(ctx: ProbeContext, mechanism: Mechanism, fresh: Promise<Rounds> = freshSessions(ctx, mechanism)): Promise<MechanismOutcome> {
  const spec = MECHANISMS[mechanism];
  const rounds = await fresh;
  const completed = rounds.filter((r): r is SessionFacts[] => r !== null);
  if (completed.length === 0) return { supported: null, attempts: [], keyNames: [] };
  const sessions = completed.flat();
  const keyNames = sessions.map((s) => ticketKeyName(s.ticket)).filter((k): k is string => k !== null);
  // A session that cannot be offered this way (no ticket issued, an empty session ID) means the
  // server does not resume by this mechanism at all.
  const offerable = sessions.filter((s) => canOffer(spec.offer, s));
  if (offerable.length === 0) return { supported: false, attempts: [], keyNames };
  if (ctx.signal.aborted || connectionBudget(ctx) <= 0) return { supported: null, attempts: [], keyNames };
  const outcomes = await Promise.all(offerPlan(offerable, spec.tls13).map((s) => offerOnce(ctx, spec.offer, s)));
  const attempts = outcomes.filter((o): o is boolean => o !== null);
  if (attempts.length === 0) return { supported: null, attempts, keyNames };
  return { supported: attempts.some(Boolean), attempts, keyNames };
}

function untestable(protocols: ProtocolMap | undefined, spec: MechanismSpec): boolean {
  return Boolean(protocols) && spec.versions.every((v) => protocols?.[v] === false);
}

/** Consistent when no mechanism both resumed and failed to; null when nothing was attempted. */
export function consistency(attempts: Readonly<Record<string, readonly boolean[]>>): boolean | null {
  const lists = Object.values(attempts).filter((a) => a.length > 0);
  if (lists.length === 0) return null;
  return lists.every((a) => a.every((r) => r === a[0]));
}

/**
 * Distinct ticket keys among the full handshakes, when the tickets name their key: some name
 * must repeat to show it (tickets from Go 1.21+ and others start with random bytes, where every
 * "name" differs and counts nothing). null: not knowable.
 */
export function distinctTicketKeys(keyNames: readonly string[]): number | null {
  const distinct = new Set(keyNames);
  if (keyNames.length < 2 || distinct.size === keyNames.length) return null;
  return distinct.size;
}

/**
 * Ticket keys seen across both ticket mechanisms. A stack may seal TLS 1.2 and TLS 1.3 tickets
 * under different keys, so the two lists are pooled only when they share a key name (OpenSSL,
 * Go and GnuTLS use one key for both); otherwise the larger count stands.
 */
export function ticketKeysSeen(tls12: readonly string[], tls13: readonly string[]): number | null {
  const shared = tls12.some((k) => tls13.includes(k));
  if (shared) return distinctTicketKeys([...tls12, ...tls13]);
  const counts = [distinctTicketKeys(tls12), distinctTicketKeys(tls13)].filter((n): n is number => n !== null);
  return counts.length ? Math.max(...counts) : null;
}

const NOTHING: MechanismOutcome = { supported: null, attempts: [], keyNames: [] };

export async function run(ctx: ProbeContext): Promise<ResumptionResult> {
  // Every mechanism at once: offers are judged per session, so interleaving cannot fake a verdict.
  const names = Object.keys(MECHANISMS) as Mechanism[];
  const tls13Testable = !untestable(ctx.protocols, MECHANISMS.tls13Tickets);
  // Asked for now, before the probes that lend start; only the first round borrows.
  const lent = tls13Testable ? askForTickets(ctx, FULL_HANDSHAKES) : undefined;
  // The session-ID mechanism waits for the ticket handshakes (one round of them, a few round
  // trips) to learn whether it needs handshakes of its own. Those then start a chain (handshake,
  // then offers) that would otherwise begin only when the cipher and group hellos free the
  // sockets, and end the check ~3 round trips after them (bench/trace.mjs): ahead in the queue,
  // like the ciphers' chains.
  let ticketRounds: Promise<Rounds> | undefined;
  const tickets = (): Promise<Rounds> => (ticketRounds ??= freshSessions(ctx, 'tickets'));
  const fresh: Record<Mechanism, () => Promise<Rounds>> = {
    tickets,
    sessionId: () => freshSessions(ctx, 'sessionId', tickets().then(ticketlessRounds), CHAIN_URGENCY),
    tls13Tickets: () => freshSessions(ctx, 'tls13Tickets', lent && lentRounds(lent)),
  };
  const probe = (m: Mechanism): Promise<MechanismOutcome> =>
    (untestable(ctx.protocols, MECHANISMS[m]) ? Promise.resolve(NOTHING) : probeMechanism(ctx, m, fresh[m]()));
  const byName = Object.fromEntries(await Promise.all(names.map(async (m) => [m, await probe(m)] as const))) as Record<Mechanism, MechanismOutcome>;
  const ticketKeys = (): number | null => ticketKeysSeen(byName.tickets.keyNames, byName.tls13Tickets.keyNames);
  const mixed = (): boolean => names.some((m) => byName[m].attempts.includes(true) && byName[m].attempts.includes(false));
  // Several backends answer, and every offer of some mechanism failed: each may have reached a
  // backend other than the one that issued it (likeliest with single-use TLS 1.3 tickets, offered
  // only once each). One more round of fresh sessions and offers settles it: all of twice as many
  // offers missing their own backend by chance is too unlikely to stand against "no resumption".
  const failedAll = (m: Mechanism): boolean => byName[m].attempts.length > 0 && !byName[m].attempts.includes(true);
  if ((mixed() || (ticketKeys() ?? 0) > 1) && names.some(failedAll)) {
    await Promise.all(names.filter(failedAll).map(async (m) => {
      const again = await probeMechanism(ctx, m);
      const attempts = [...byName[m].attempts, ...again.attempts];
      byName[m] = { supported: attempts.includes(true), attempts, keyNames: [...byName[m].keyNames, ...again.keyNames] };
    }));
  }
  const attempts: Record<string, boolean[]> = {};
  for (const m of names) if (byName[m].attempts.length) attempts[m] = byName[m].attempts;
  const keys = ticketKeys();
  return {
    sessionId: byName.sessionId.supported,
    tickets: byName.tickets.supported,
    tls13Tickets: byName.tls13Tickets.supported,
    consistent: consistency(attempts),
    attempts,
    ...(keys !== null ? { ticketKeys: keys } : {}),
  };
}

export function apply(result: CheckResult, value: ResumptionResult): void {
  result.resumption = value;
}
