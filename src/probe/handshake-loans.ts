// What one probe's handshake showed, lent to another probe of the same check. Above all TLS 1.3
// tickets lent by other probes' fresh full handshakes to the resumption probe. A full node:tls handshake is the costliest thing a check does on its own side (parsing
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

/** A lender's promise: settle it with what its handshake gave, or null when it has nothing to give. */
export interface Loan<T> {
  settle: (value: T | null) => void;
}

/**
 * A channel for lending what one probe's handshake showed to another probe of the same check.
 * The borrower asks synchronously when it starts; lenders that start later in the same turn (the
 * orchestrator starts a phase's probes in one loop) promise a loan; after that turn the window
 * closes. Nobody asking, or asking too late, simply means no loan: each probe then does its own.
 */
export function loanChannel<T>(): {
  ask: (ctx: ProbeContext, wanted: number) => () => Promise<Array<T | null>>;
  lend: (ctx: ProbeContext) => Loan<T> | null;
} {
  const demands = new WeakMap<ProbeContext, { wanted: number; loans: Array<Promise<T | null>> }>();
  return {
    ask: (ctx, wanted) => {
      const demand = { wanted, loans: [] as Array<Promise<T | null>> };
      demands.set(ctx, demand);
      return async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (demands.get(ctx) === demand) demands.delete(ctx);
        return Promise.all(demand.loans);
      };
    },
    lend: (ctx) => {
      const demand = demands.get(ctx);
      if (!demand || demand.loans.length >= demand.wanted) return null;
      let resolve: (value: T | null) => void = () => undefined;
      demand.loans.push(new Promise<T | null>((r) => {
        resolve = r;
      }));
      let done = false;
      return {
        settle: (value) => {
          if (done) return;
          done = true;
          resolve(value);
        },
      };
    },
  };
}

/** TLS 1.3 sessions of fresh full handshakes to the target's name, for the resumption probe. */
const tickets = loanChannel<Buffer[]>();
export type TicketLoan = Loan<Buffer[]>;
/** The borrower's side: asks now for up to `wanted` handshakes' tickets; the collector awaits them. */
export const askForTickets = tickets.ask;
/** The lender's side, at its start: a loan to settle, or null when nobody asked (or enough lent). */
export const lendTickets = tickets.lend;

/**
 * The leaf certificate of a handshake with the target's SNI and the most permissive client options
 * (LEGACY_CLIENT), which the HTTP probe makes anyway: the SNI probe compares it with the one
 * served without SNI instead of making the same handshake itself.
 */
const leaves = loanChannel<{ fingerprint: string | null }>();
export type LeafLoan = Loan<{ fingerprint: string | null }>;
export const askForLeaf = leaves.ask;
export const lendLeaf = leaves.lend;
