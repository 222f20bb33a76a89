// Session resumption per mechanism, tried several times so that a fleet where some backends
// resume and others do not (unshared session caches or ticket keys) shows up as inconsistent.
import { constants } from 'node:crypto';
import type tls from 'node:tls';
import type { CheckResult, ProtocolMap, ResumptionResult } from '../types.js';
import { connectionBudget, type ProbeContext } from './context.js';
import { LEGACY_CLIENT, waitForEvent, withTls, type TlsConnected } from './tls-connect.js';

export const name = 'resumption';
export const phase = 'address';

export type Mechanism = 'sessionId' | 'tickets' | 'tls13Tickets';

/** Resumption attempts per mechanism after the first, full handshake. */
export const RESUMPTION_ATTEMPTS = 4;

/**
 * How long to wait for a TLS 1.3 NewSessionTicket. Servers send it right after the client's
 * Finished, so it arrives within about one round trip; handshakeMs (two round trips plus crypto)
 * gives the scale. The floors cover loopback, where handshakeMs is a few milliseconds.
 */
const TICKET_WAIT_MS = 2000;
const FIRST_TICKET_WAIT_MIN_MS = 250;
/** After a resumption a server need not issue a new ticket (we then keep offering the old one). */
const RENEWAL_WAIT_MIN_MS = 5;

const LEGACY = { ...LEGACY_CLIENT, maxVersion: 'TLSv1.2' } as const;

interface MechanismSpec {
  options: tls.ConnectionOptions;
  /** Only a session carrying a ticket can test this mechanism. */
  needsTicket: boolean;
  /** The mechanism is moot when the protocol map says none of these versions work. */
  versions: ReadonlyArray<keyof ProtocolMap>;
}

const MECHANISMS: Readonly<Record<Mechanism, MechanismSpec>> = {
  // SSL_OP_NO_TICKET on a client stops it offering the ticket extension, so only the ID can resume.
  sessionId: { options: { ...LEGACY, secureOptions: LEGACY.secureOptions | constants.SSL_OP_NO_TICKET }, needsTicket: false, versions: ['TLSv1.2', 'TLSv1.1', 'TLSv1'] },
  tickets: { options: { ...LEGACY }, needsTicket: true, versions: ['TLSv1.2', 'TLSv1.1', 'TLSv1'] },
  tls13Tickets: { options: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }, needsTicket: true, versions: ['TLSv1.3'] },
};

interface Established {
  /** A session to offer next, or null if the server gave none usable. */
  session: Buffer | null;
  hasTicket: boolean;
  reused: boolean;
}

/** The session a connection leaves behind: TLS 1.3 tickets come after the handshake, so wait. */
async function sessionOf(ctx: ProbeContext, a: TlsConnected, tls13: boolean): Promise<Established> {
  const { socket } = a;
  const reused = socket.isSessionReused();
  if (!tls13) {
    return { session: socket.getSession() ?? null, hasTicket: Boolean(socket.getTLSTicket()?.length), reused };
  }
  socket.resume();
  const cap = reused ? Math.max(RENEWAL_WAIT_MIN_MS, 2 * a.handshakeMs) : Math.max(FIRST_TICKET_WAIT_MIN_MS, 4 * a.handshakeMs);
  const session = await waitForEvent<Buffer>(socket, 'session', Math.min(cap, TICKET_WAIT_MS, connectionBudget(ctx)));
  return { session: session ?? null, hasTicket: Boolean(session), reused };
}

export interface MechanismOutcome {
  /** null: not testable (protocol missing or network trouble); false: no resumption at all. */
  supported: boolean | null;
  attempts: boolean[];
}

async function probeMechanism(ctx: ProbeContext, mechanism: Mechanism): Promise<MechanismOutcome> {
  const spec = MECHANISMS[mechanism];
  const tls13 = mechanism === 'tls13Tickets';
  const connect = (session?: Buffer): Promise<Established | null> =>
    // TLS 1.2 sessions are complete at the handshake's end, so those connections skip the record
    // tap's CPU. TLS 1.3 keeps it: its tickets arrive afterwards, and with the tap's extra turn of
    // the event loop a single-use ticket's renewal is reliably caught before the next attempt.
    withTls(ctx, { tls: session ? { ...spec.options, session } : spec.options, tap: !tls13 ? false : undefined }, async (a) => (a.ok ? sessionOf(ctx, a, tls13) : null));

  const first = await connect();
  if (!first) return { supported: null, attempts: [] };
  if (!first.session || (spec.needsTicket && !first.hasTicket)) return { supported: false, attempts: [] };

  const attempts: boolean[] = [];
  // Offer the first session each time, except that a resumed connection's fresh session replaces
  // it: servers may accept a TLS 1.3 ticket only once (RFC 8446 §8.1), and a ticket from a
  // backend that did not resume must not be carried to the next attempt.
  let offer = first.session;
  for (let i = 0; i < RESUMPTION_ATTEMPTS; i++) {
    if (ctx.signal.aborted || connectionBudget(ctx) <= 0) break;
    const next = await connect(offer);
    if (!next) continue;
    attempts.push(next.reused);
    if (next.reused && next.session) offer = next.session;
  }
  if (attempts.length === 0) return { supported: null, attempts };
  return { supported: attempts.some(Boolean), attempts };
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

export async function run(ctx: ProbeContext): Promise<ResumptionResult> {
  const outcomes: Partial<Record<Mechanism, MechanismOutcome>> = {};
  // One mechanism at a time: interleaving them would change which backend each attempt reaches.
  for (const mechanism of Object.keys(MECHANISMS) as Mechanism[]) {
    outcomes[mechanism] = untestable(ctx.protocols, MECHANISMS[mechanism])
      ? { supported: null, attempts: [] }
      : await probeMechanism(ctx, mechanism);
  }
  const attempts: Record<string, boolean[]> = {};
  for (const [mechanism, outcome] of Object.entries(outcomes)) {
    if (outcome.attempts.length) attempts[mechanism] = outcome.attempts;
  }
  return {
    sessionId: outcomes.sessionId?.supported ?? null,
    tickets: outcomes.tickets?.supported ?? null,
    tls13Tickets: outcomes.tls13Tickets?.supported ?? null,
    consistent: consistency(attempts),
    attempts,
  };
}

export function apply(result: CheckResult, value: ResumptionResult): void {
  result.resumption = value;
}
