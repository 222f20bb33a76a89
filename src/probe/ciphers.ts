// Which suites the server accepts per version, and whether it imposes its own order. The suites
// are split into disjoint subsets enumerated in parallel (offer a subset, note the pick, strike
// it, ask again until the server refuses), so the round trips on the critical path follow the
// largest subset's share rather than the whole list. Only a server that imposes its own order
// needs more: its order is then established with a few rounds of parallel hellos.
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { CIPHER_SUITES, cipherName, suitesForVersion } from './codec/cipher-suites.js';
import { buildSSLv2ClientHello, type HelloVersion } from './codec/client-hello.js';
import { ecdheCurveOf, ecdheFlight, firstPick, firstPickCurve, HELLO_VERSIONS, listingHello } from './protocols.js';
import { prepareHello, sendHello, type HelloOptions, type HelloOutcome, type PreparedHello } from './raw-hello.js';

export const name = 'ciphers';
export const phase = 'versions';

export interface CiphersResult {
  /** IANA names per version; in the server's preference order when it enforces one. */
  ciphers: Partial<Record<ProtocolName, string[]>>;
  /** true: the server picks by its own order; false: by the client's; null: unknown or one suite. */
  serverOrder: Partial<Record<ProtocolName, boolean | null>>;
  /** Versions whose list (or order) network trouble or the deadline cut short. */
  partial?: ProtocolName[];
  /**
   * Per version, accepted ECDHE suite (IANA name) → the curve in the ServerKeyExchange of the
   * answer that found it (the hellos offer every named curve, as ecdhe-curves does): the
   * ecdhe-curves probe asks only about the suites missing here. Not part of the check's result.
   */
  curves?: Partial<Record<ProtocolName, Record<string, string>>>;
}

export interface VersionCiphers {
  ids: number[];
  serverOrder: boolean | null;
  /** False when network trouble or the deadline cut the enumeration (or the ordering) short. */
  complete: boolean;
  /** Accepted ECDHE suite id → its curve, as read from the answer that found it. */
  curves: Map<number, string>;
}

/**
 * Suites per parallel subset. Accepted suites cluster in the preference-ordered list, so subsets
 * take every n-th suite: each then holds a few of the accepted ones and its chain stays short.
 */
const SUBSET_SIZE = 16;
/**
 * Parallel hellos per round when establishing a server's own order: the first round up to
 * ORDER_WINDOW, so a server whose order is close to our guess (Mozilla's lists) is settled in one
 * round; later rounds LATER_ORDER_WINDOW while the guesses come true, and one more than the last
 * round settled (at least MIN_ORDER_WINDOW) once one fails. Past the first round our guesses (the
 * client's preference) come true about half the time on the orders of OpenSSL's DEFAULT, HIGH and
 * ALL, Node's default list and the reverse of each: a wider window there only bought hellos
 * answered with a suite already settled. Simulated over the TLS 1.2 suites an RSA certificate
 * allows: Node's order 41 → 35 hellos, OpenSSL HIGH 96 → 81, with as many rounds as 6 throughout.
 */
const ORDER_WINDOW = 6;
const LATER_ORDER_WINDOW = 3;
const MIN_ORDER_WINDOW = 2;

/**
 * The chains here are the check's longest (with client renegotiation's), so their hellos go
 * ahead of the groups probe's (1) and of one-off hellos (0) in the queue for a socket.
 */
const URGENCY = 2;

/** One hello, retried once if the network (not the server's TLS stack) failed. */
async function ask(ctx: ProbeContext, hello: () => Buffer, on?: PreparedHello | null, opts: HelloOptions = {}): Promise<HelloOutcome> {
  const first = await (on ? on.send(hello(), opts) : sendHello(ctx, hello(), { ...opts, urgent: URGENCY }));
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello(), { ...opts, urgent: URGENCY });
}

/**
 * A connection for the next step, opened while this one is answered: on a long path only, and
 * only while no hello waits for a socket. When the sockets are all busy a connection opened on
 * spec would hold one from a hello that needs it now, and the check's pace is the sockets', not
 * this chain's; when they are not, the chain's own round trips are what the check waits on.
 */
function prepareNext(ctx: ProbeContext): PreparedHello | null {
  if ((ctx.rttMs ?? 0) < PREPARE_MIN_RTT_MS || (ctx.limit.waiting?.() ?? 0) > 0) return null;
  return prepareHello(ctx, { urgent: URGENCY });
}

/** The suite the server chose from `offered`, or null when it declined (or answered off-script). */
function chosen(version: HelloVersion, offered: readonly number[], o: HelloOutcome): number | null {
  if (o.kind !== 'server-hello' || o.versionName !== version) return null;
  return offered.includes(o.cipher) ? o.cipher : null;
}

/** `list` dealt round-robin into ceil(length / SUBSET_SIZE) subsets, each in the list's order. */
export function interleave(list: readonly number[], size = SUBSET_SIZE): number[][] {
  const n = Math.max(1, Math.ceil(list.length / size));
  const out: number[][] = Array.from({ length: n }, () => []);
  list.forEach((id, i) => out[i % n]?.push(id));
  return out.filter((s) => s.length > 0);
}

interface Chain {
  /** In the order the server picked them: its own order within the subset, if it has one. */
  ids: number[];
  complete: boolean;
}

/**
 * Offer `set`, strike the pick, offer the rest, until the server refuses or nothing is left.
 * `seed`, the server's pick from every suite of the version, is its pick from any subset holding
 * it too (the best by its order, or the first accepted in ours), so that subset starts without it.
 */
async function enumerateSubset(ctx: ProbeContext, version: HelloVersion, set: readonly number[], bound: { hellos: number }, onPick: (id: number, curve: string | null) => void, seed: number | null): Promise<Chain> {
  const seeded = seed !== null && set.includes(seed);
  const ids: number[] = seeded ? [seed] : [];
  let remaining = seeded ? set.filter((id) => id !== seed) : [...set];
  let next: PreparedHello | null = null;
  try {
    while (remaining.length > 0) {
      if (ctx.signal.aborted || bound.hellos-- <= 0) return { ids, complete: false };
      const offered = remaining;
      // An answer picking an ECDHE suite is read on to its curve: ecdhe-curves then needs no hello for it.
      const asking = ask(ctx, () => listingHello(ctx, version, { ciphers: offered }), next, { flight: ecdheFlight });
      // A pick leaves more to ask about only if more than one suite was offered.
      next = offered.length > 1 ? prepareNext(ctx) : null;
      const outcome = await asking;
      if (outcome.kind === 'error') return { ids, complete: false };
      const pick = chosen(version, offered, outcome);
      if (pick === null) break;
      ids.push(pick);
      onPick(pick, ecdheCurveOf(outcome));
      remaining = offered.filter((id) => id !== pick);
    }
    return { ids, complete: !ctx.signal.aborted };
  } finally {
    next?.discard();
  }
}

/**
 * `a` is the server's pick from everything and `b` any other suite it accepts (after one chain
 * over the whole list, its pick from the rest): offered [b, a], a server with its own order sticks
 * with `a`, one following the client takes `b`.
 */
async function orderAfterChain(ctx: ProbeContext, version: HelloVersion, found: readonly number[]): Promise<boolean | null> {
  const [a, b] = found;
  if (a === undefined || b === undefined) return null;
  const outcome = await ask(ctx, () => listingHello(ctx, version, { ciphers: [b, a] }));
  const pick = chosen(version, [b, a], outcome);
  return pick === a ? true : pick === b ? false : null;
}

/**
 * For suites found in separate subsets, neither is known to be the server's favourite: offer two
 * both ways round, at once. A server that picks the same one both times has its own order; one
 * that takes whichever comes first follows the client's.
 */
async function orderBothWays(ctx: ProbeContext, version: HelloVersion, a: number, b: number): Promise<boolean | null> {
  const [ab, ba] = await Promise.all([[a, b], [b, a]].map((offer) => ask(ctx, () => listingHello(ctx, version, { ciphers: offer }))));
  const first = ab ? chosen(version, [a, b], ab) : null;
  const second = ba ? chosen(version, [b, a], ba) : null;
  if (first === null || second === null) return null;
  return first === second;
}

/**
 * The server's own order over the found suites. Each subset's chain is already in that order, so
 * the next suite is one of the chains' heads. A round guesses the next few (heads merged by the
 * client's preference) and asks, in parallel, for the server's pick from everything left minus
 * each prefix of the guess: every pick up to the first wrong guess is established, so a good
 * guess settles a whole window per round trip and a bad one still settles one suite. Null when
 * network trouble or the deadline stops it.
 */
async function establishOrder(ctx: ProbeContext, version: HelloVersion, chains: readonly number[][], rank: ReadonlyMap<number, number>): Promise<number[] | null> {
  const lists = chains.map((c) => [...c]).filter((c) => c.length > 0);
  const byRank = (a: number, b: number): number => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  const order: number[] = [];
  const take = (id: number): boolean => {
    const list = lists.find((l) => l[0] === id);
    if (!list) return false; // not a head: the server contradicts its own earlier answers
    list.shift();
    order.push(id);
    return true;
  };
  let size = ORDER_WINDOW;
  // Connections for the next round, opened while this one is answered.
  let ready: PreparedHello[] = [];
  try {
  for (let rounds = CIPHER_SUITES.length; rounds > 0; rounds--) {
    const guess: number[] = [];
    const heads = lists.map((l) => [...l]);
    for (;;) {
      const next = heads.filter((h) => h.length > 0).sort((x, y) => byRank(x[0] as number, y[0] as number))[0];
      if (!next) break;
      guess.push(next.shift() as number);
    }
    if (guess.length <= 1) {
      if (guess[0] !== undefined) take(guess[0]);
      return order;
    }
    if (ctx.signal.aborted) return null;
    const window = Math.min(size, guess.length - 1);
    const offers = Array.from({ length: window }, (_, j) => guess.slice(j).sort(byRank));
    const asking = Promise.all(offers.map((offer, j) => ask(ctx, () => listingHello(ctx, version, { ciphers: offer }), ready[j])));
    for (const spare of ready.slice(window)) spare.discard();
    // Only connections the next round surely sends on: it follows only if this one cannot settle
    // everything, and then asks about at least MIN_ORDER_WINDOW (or all but one) of those left.
    const left = guess.length - window;
    const sure = window < guess.length - 1 ? Math.min(MIN_ORDER_WINDOW, left - 1) : 0;
    ready = Array.from({ length: sure }, () => prepareNext(ctx)).filter((p): p is PreparedHello => p !== null);
    const outcomes = await asking;
    const picks = outcomes.map((o, j) => chosen(version, offers[j] ?? [], o));
    let settled = 0;
    for (let j = 0; j < window; j++) {
      const pick = picks[j];
      if (pick === null || pick === undefined) {
        if (j === 0) return null;
        break;
      }
      if (!take(pick)) return null;
      settled++;
      if (pick !== guess[j]) break;
      // The whole window guessed right and one suite is left: it comes last.
      if (j === window - 1 && guess.length === window + 1) take(guess[window] as number);
    }
    size = settled >= window ? LATER_ORDER_WINDOW : Math.max(MIN_ORDER_WINDOW, Math.min(LATER_ORDER_WINDOW, settled + 1));
  }
  return null;
  } finally {
    for (const spare of ready) spare.discard();
  }
}

/**
 * Below this round trip one chain over the whole list (the fewest hellos: CPU is what a check on
 * loopback or a LAN spends) beats parallel subsets (one extra refusal each, and an ordering pass);
 * 35 sequential hellos then cost well under half a second. 5 ms rather than 1: on a busy machine
 * the event loop's own delays make loopback samples read a few milliseconds.
 */
export const PARALLEL_MIN_RTT_MS = 5;
/**
 * Below this round trip a connection opened ahead saves too little to pay for the one left
 * unused at each chain's end (a connect costs CPU on both sides): a LAN, or loopback read high by
 * a busy event loop.
 */
const PREPARE_MIN_RTT_MS = 20;

export async function enumerateVersion(ctx: ProbeContext, version: HelloVersion): Promise<VersionCiphers> {
  const preferred = suitesForVersion(version);
  // The rare set (PSK, SRP, static DH) goes in hellos of its own so no hello exceeds 128 suites.
  const rare = suitesForVersion(version, { rare: true });
  const parallel = (ctx.rttMs ?? 0) >= PARALLEL_MIN_RTT_MS;
  const subsets = [...(parallel ? interleave(preferred) : [preferred]), ...(rare.length > 0 ? [rare] : [])];
  // The client's preference: our offer order, which a server following the client's order obeys.
  const rank = new Map([...preferred, ...rare].map((id, i) => [id, i]));
  const byRank = (a: number, b: number): number => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  // Hard bound: one hello per known suite plus each subset's final refusal.
  const bound = { hellos: CIPHER_SUITES.length + subsets.length };
  // The version probe's hello offered every preferred suite: its answer is the server's first pick.
  const seed = firstPick(ctx, version);
  const curves = new Map<number, string>();
  const seedCurve = firstPickCurve(ctx, version);
  if (seed !== null && seedCurve !== null) curves.set(seed, seedCurve);
  // In parallel, the order question is asked as soon as it can be, beside the chains: with the
  // server's first pick known, one hello against the next suite found; else both ways round.
  const picked: number[] = [];
  let bothWays: Promise<boolean | null> | null = null;
  const onPick = (id: number, curve: string | null): void => {
    picked.push(id);
    if (curve !== null) curves.set(id, curve);
    if (!parallel || bothWays) return;
    if (seed !== null) bothWays = orderAfterChain(ctx, version, [seed, id]);
    else if (picked.length === 2) {
      const [a, b] = [...picked].sort(byRank) as [number, number];
      bothWays = orderBothWays(ctx, version, a, b);
    }
  };
  const chains = await Promise.all(subsets.map((s) => enumerateSubset(ctx, version, s, bound, onPick, seed)));
  let complete = chains.every((c) => c.complete);
  if (!parallel) {
    const found = chains.flatMap((c) => c.ids);
    return { ids: found, serverOrder: await orderAfterChain(ctx, version, found), complete, curves };
  }
  const found = chains.flatMap((c) => c.ids).sort(byRank);
  const order = await (bothWays ?? Promise.resolve(null));
  if (order !== true) return { ids: found, serverOrder: order, complete, curves };
  const ordered = await establishOrder(ctx, version, chains.map((c) => c.ids), rank);
  if (!ordered || ordered.length !== found.length) complete = false;
  return { ids: ordered && ordered.length === found.length ? ordered : found, serverOrder: true, complete, curves };
}

/** SSLv2 servers list all their cipher kinds in the SERVER-HELLO, so one hello is enough. */
async function sslv2Ciphers(ctx: ProbeContext): Promise<string[] | null> {
  const outcome = await ask(ctx, () => buildSSLv2ClientHello());
  return outcome.kind === 'sslv2-server-hello' ? outcome.cipherNames : null;
}

export async function run(ctx: ProbeContext): Promise<CiphersResult> {
  const result: CiphersResult = { ciphers: {}, serverOrder: {} };
  const partial: ProtocolName[] = [];
  // Newest first: TLS 1.3's one short chain must not queue behind the older versions' many.
  const versions = HELLO_VERSIONS.filter((v) => ctx.protocols?.[v] === true).reverse();
  const tasks: Array<Promise<void>> = versions.map(async (v) => {
    const { ids, serverOrder, complete, curves } = await enumerateVersion(ctx, v);
    result.ciphers[v] = ids.map(cipherName);
    if (curves.size > 0) (result.curves ??= {})[v] = Object.fromEntries([...curves].map(([id, curve]) => [cipherName(id), curve]));
    // An order half established is not an order: unknown.
    result.serverOrder[v] = complete ? serverOrder : serverOrder === true ? null : serverOrder;
    if (!complete) partial.push(v);
  });
  if (ctx.protocols?.SSLv2 === true) {
    tasks.push(sslv2Ciphers(ctx).then((names) => {
      if (names) result.ciphers.SSLv2 = names;
      else partial.push('SSLv2');
      result.serverOrder.SSLv2 = null; // the client picks in SSLv2
    }));
  }
  await Promise.all(tasks);
  if (partial.length > 0) result.partial = partial;
  return result;
}

export function apply(result: CheckResult, value: CiphersResult): void {
  result.ciphers = value.ciphers;
  result.serverCipherOrder = value.serverOrder;
}

/** What the list lacks, e.g. "TLS 1.2: 19 suites found so far (the list may be longer)". */
export function incomplete(value: CiphersResult): string | null {
  if (!value.partial?.length) return null;
  return value.partial.map((v) => `${v}: ${value.ciphers[v]?.length ?? 0} suites found so far (the list may be longer)`).join('; ');
}
