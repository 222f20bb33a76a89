// TLS 1.3 tickets lent by other probes' fresh full handshakes to the resumption probe, within one
// check. A full node:tls handshake is the costliest thing a check does on its own side (parsing
// the server's certificate, key exchange, node's socket machinery: milliseconds of CPU), and the
// ALPN and OCSP probes make fresh TLS 1.3 handshakes to the same name anyway: letting them wait
// for the server's tickets spares resumption two handshakes of its own. Lending happens only when
// resumption has asked first (it starts before them); alone, each probe works as before.
import type tls from 'node:tls';
import { connectionBudget, type ProbeContext } from './context.js';
import { waitForEvent, type TlsConnected } from './tls-connect.js';

/**
 * How long to wait for a TLS 1.3 NewSessionTicket after the handshake: servers send it right after
 * the client's Finished (Go even with its first flight), within about one round trip; handshakeMs
 * (two round trips plus crypto) gives the scale, the floor covers loopback.
 */
const TICKET_WAIT_MS = 2000;
const TICKET_WAIT_MIN_MS = 250;

/** Sessions node reported for one socket, caught from its creation. */
export interface TicketCatcher {
  /** Pass as withTls's onSocket: Go sends its ticket with its first flight, before secureConnect. */
  onSocket: (socket: tls.TLSSocket) => void;
  /**
   * After the handshake: the sessions (DER, node's getSession form) once the tickets have come,
   * [] when none came in time, null when the connection ended first without one (a TLS 1.3 server
   * may refuse us only after our Finished, e.g. a required client certificate: alert 116).
   */
  sessions: (ctx: ProbeContext, attempt: TlsConnected) => Promise<Buffer[] | null>;
}

export function catchTickets(): TicketCatcher {
  const seen: Buffer[] = [];
  return {
    onSocket: (socket) => {
      socket.on('session', (session: Buffer) => seen.push(session));
    },
    sessions: async (ctx, a) => {
      a.socket.resume();
      let ended = false;
      const onEnd = (): void => {
        ended = true;
      };
      a.socket.once('error', onEnd);
      a.socket.once('close', onEnd);
      if (seen.length === 0) {
        const cap = Math.min(Math.max(TICKET_WAIT_MIN_MS, 4 * a.handshakeMs), TICKET_WAIT_MS, connectionBudget(ctx));
        await waitForEvent(a.socket, 'session', cap);
      }
      // Tickets sent together (OpenSSL sends two) arrive in the same read: one turn of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      a.socket.off('error', onEnd);
      a.socket.off('close', onEnd);
      if (seen.length === 0 && ended) return null;
      return [...seen];
    },
  };
}

/** A lender's promise: settle with its handshake's sessions, or null when it has none to give. */
export interface TicketLoan {
  settle: (sessions: Buffer[] | null) => void;
}

interface Demand {
  wanted: number;
  loans: Array<Promise<Buffer[] | null>>;
}

const demands = new WeakMap<ProbeContext, Demand>();

/**
 * The borrower's side: asks for up to `wanted` lent handshakes now (synchronously, before the
 * lenders start), and later collects the loans that were promised by then. Each loan resolves with
 * one handshake's sessions, or null (not TLS 1.3, failed, or no loan after all).
 */
export function askForTickets(ctx: ProbeContext, wanted: number): () => Promise<Array<Buffer[] | null>> {
  const demand: Demand = { wanted, loans: [] };
  demands.set(ctx, demand);
  return async () => {
    // The lenders start in the same turn as the borrower; after it, no promise can come.
    await new Promise((resolve) => setImmediate(resolve));
    if (demands.get(ctx) === demand) demands.delete(ctx);
    return Promise.all(demand.loans);
  };
}

/** The lender's side, at its start: a loan to settle, or null when nobody asked (or enough lent). */
export function lendTickets(ctx: ProbeContext): TicketLoan | null {
  const demand = demands.get(ctx);
  if (!demand || demand.loans.length >= demand.wanted) return null;
  let settle: TicketLoan['settle'] = () => undefined;
  demand.loans.push(new Promise<Buffer[] | null>((resolve) => {
    let done = false;
    settle = (sessions) => {
      if (done) return;
      done = true;
      resolve(sessions);
    };
  }));
  return { settle: (sessions) => settle(sessions) };
}
