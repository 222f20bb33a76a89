// Which suites the server accepts per version, and whether it imposes its own order. The suites
// are split into disjoint subsets enumerated in parallel (offer a subset, note the pick, strike
// it, ask again until the server refuses), so the round trips on the critical path follow the
// largest subset's share rather than the whole list. Only a server that imposes its own order
// needs more: its order is then established with a few rounds of parallel hellos.
import type { CheckResult, ProtocolName } from '../types.js';
import { CHAIN_URGENCY, type ProbeContext } from './context.js';
import { CIPHER_SUITES, cipherName, cipherSuiteById, cipherSuiteByName, suitesForVersion } from './codec/cipher-suites.js';
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
 * Parallel hellos per round when establishing a server's own order: up to this many while the
 * guesses come true, and one more than the last round settled once one fails, so a server whose
 * order our guess misses costs two or three hellos a round instead of the whole window.
 */
const ORDER_WINDOW = 6;
const MIN_ORDER_WINDOW = 2;

/** One hello, retried once if the network (not the server's TLS stack) failed. */
async function ask(ctx: ProbeContext, hello: () => Buffer, on?: PreparedHello | null, opts: HelloOptions = {}): Promise<HelloOutcome> {
  const first = await (on ? on.send(hello(), opts) : sendHello(ctx, hello(), { ...opts, urgent: CHAIN_URGENCY }));
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello(), { ...opts, urgent: CHAIN_URGENCY });
}

/**
 * A connection for the next step, opened while this one is answered: on a long path only, and
 * only while no hello waits for a socket. When the sockets are all busy a connection opened on
 * spec would hold one from a hello that needs it now, and the check's pace is the sockets', not
 * this chain's; when they are not, the chain's own round trips are what the check waits on.
 */
function prepareNext(ctx: ProbeContext): PreparedHello | null {
  if ((ctx.rttMs ?? 0) < PREPARE_MIN_RTT_MS || (ctx.limit.waiting?.() ?? 0) > 0) return null;
  return prepareHello(ctx, { urgent: CHAIN_URGENCY });
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

/**
 * Chains that may merge once the server is known to follow the client's order: its pick from the
 * union of two chains' suites is then the first of them it accepts, and the list is sorted by our
 * order in the end, so a chain can hand what it has not asked yet to another (between two steps,
 * while other hellos wait for a socket) instead of spending a hello of its own on the final
 * refusal. The receiver takes it before its next step and ends only with nothing handed to it, so
 * every suite handed over is still asked.
 *
 * A merge lengthens the receiver by the suites it takes, and a chain that collects everything
 * walks the accepted ones one round trip pair at a time long after the sockets fell idle. So a
 * chain hands over only when the receiver's share of suites still open (see openSuites) stays
 * within the longest open share of any running chain: merges then save refusals without making
 * the longest chain any longer.
 */
interface Merging {
  /** Set once the order question says the client's order. */
  allowed: boolean;
  /** Chains still running (each looks at its inbox before it ends). */
  chains: Set<ChainState>;
  /** Suites no answer has settled yet, read as a client-order server's answers (see settledBy). */
  open: Set<number>;
  byRank: (a: number, b: number) => number;
}

interface ChainState {
  /** What the chain still has to ask (its current offer while a hello is out). */
  remaining: readonly number[];
  /** Suites other chains handed over, taken into `remaining` before the next step. */
  inbox: number[];
}

/**
 * Pure: the suites of `offered` an answer settles if the server picks by the client's order: a
 * refusal settles all, a pick settles itself and every suite offered ahead of it (the server
 * would have taken any of those it accepts). Only a guide for how much is left to ask; the
 * chains still offer these until a refusal, so a server that picks otherwise loses no suite.
 */
export function settledBy(offered: readonly number[], pick: number | null): number[] {
  if (pick === null) return [...offered];
  const at = offered.indexOf(pick);
  return at < 0 ? [] : offered.slice(0, at + 1);
}

/** Pure: how many of `ids` are still open: the part of a chain whose accepted suites are unknown. */
export function openSuites(ids: readonly number[], open: ReadonlySet<number>): number {
  let n = 0;
  for (const id of ids) if (open.has(id)) n++;
  return n;
}

/**
 * Pure: which chain (index into `others`, each its open count) should take a chain holding `mine`
 * open suites: the one with the fewest, if with `mine` added it holds no more than `longest`,
 * the most any running chain holds (the giver included); null when none can without becoming
 * the longest.
 */
export function mergeTarget(mine: number, others: readonly number[], longest: number): number | null {
  let best: number | null = null;
  others.forEach((n, i) => {
    if (best === null || n < (others[best] as number)) best = i;
  });
  return best !== null && (others[best] as number) + mine <= longest ? best : null;
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
async function enumerateSubset(ctx: ProbeContext, version: HelloVersion, set: readonly number[], bound: { hellos: number }, onPick: (id: number, curve: string | null) => void, seed: number | null, merging?: Merging): Promise<Chain> {
  const seeded = seed !== null && set.includes(seed);
  const ids: number[] = seeded ? [seed] : [];
  const state: ChainState = { remaining: seeded ? set.filter((id) => id !== seed) : [...set], inbox: [] };
  merging?.chains.add(state);
  let next: PreparedHello | null = null;
  // Suites other chains handed over join this chain's offers.
  const adopt = (): boolean => {
    if (!merging || state.inbox.length === 0) return false;
    state.remaining = [...state.remaining, ...state.inbox.splice(0)].sort(merging.byRank);
    return true;
  };
  // Hand the rest to another chain, if one can take it without becoming the longest.
  const handOver = (): boolean => {
    if (!merging) return false;
    const others = [...merging.chains].filter((c) => c !== state);
    const share = (c: ChainState): number => openSuites(c.remaining, merging.open) + openSuites(c.inbox, merging.open);
    const mine = share(state);
    const counts = others.map(share);
    const target = mergeTarget(mine, counts, Math.max(mine, ...counts));
    const to = target === null ? undefined : others[target];
    if (!to) return false;
    to.inbox.push(...state.remaining);
    state.remaining = [];
    return true;
  };
  try {
    for (;;) {
      if (state.remaining.length === 0 && !adopt()) break;
      if (merging?.allowed && ids.length > 0 && (ctx.limit.waiting?.() ?? 0) > 0 && handOver()) return { ids, complete: true };
      adopt();
      if (ctx.signal.aborted || bound.hellos-- <= 0) return { ids, complete: false };
      const offered = state.remaining;
      // An answer picking an ECDHE suite is read on to its curve: ecdhe-curves then needs no hello for it.
      const asking = ask(ctx, () => listingHello(ctx, version, { ciphers: offered }), next, { flight: ecdheFlight });
      // A pick leaves more to ask about only if more than one suite was offered.
      next = offered.length > 1 ? prepareNext(ctx) : null;
      const outcome = await asking;
      if (outcome.kind === 'error') return { ids, complete: false };
      const pick = chosen(version, offered, outcome);
      if (merging) for (const id of settledBy(offered, pick)) merging.open.delete(id);
      // A refusal settles everything offered; suites handed over meanwhile are still to ask.
      state.remaining = pick === null ? [] : offered.filter((id) => id !== pick);
      if (pick === null) continue;
      ids.push(pick);
      onPick(pick, ecdheCurveOf(outcome));
    }
    return { ids, complete: !ctx.signal.aborted };
  } finally {
    next?.discard();
    merging?.chains.delete(state);
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

/** Where a bulk cipher sorts among equals in OpenSSL's default order (see opensslLikeKey). */
function cipherFamily(cipher: string): number {
  if (cipher.startsWith('CHACHA20')) return 1;
  if (cipher.endsWith('CCM_8')) return 2;
  if (cipher.endsWith('CCM')) return 3;
  if (cipher.startsWith('ARIA')) return 4;
  if (cipher.startsWith('AES')) return 0;
  if (cipher.startsWith('CAMELLIA')) return 5;
  return 6;
}

const KX_PLACE: Readonly<Record<string, number>> = { ECDHE: 0, DHE: 1 };
const AUTH_PLACE: Readonly<Record<string, number>> = { ECDSA: 0, RSA: 1, DSS: 2 };

/**
 * Pure: a sort key mimicking how OpenSSL orders a cipher string such as DEFAULT, HIGH or ALL
 * (and so the server orders of most OpenSSL-based servers left at such a string, Node's default
 * list past its first few): forward secrecy first, AEAD before CBC with SHA-2 before SHA-1, the
 * longer key first, AES-GCM, ChaCha20, CCM_8, CCM, ARIA, then CAMELLIA; ECDHE before DHE, ECDSA
 * before RSA. Only a guess to speculate on: every place in the order is still asked of the server.
 */
export function opensslLikeKey(id: number): number[] {
  const s = cipherSuiteById(id);
  if (!s) return [9];
  const mode = s.aead ? 0 : s.mac === 'SHA256' || s.mac === 'SHA384' ? 1 : 2;
  return [s.forwardSecrecy ? 0 : 1, mode, -s.bits, cipherFamily(s.cipher), KX_PLACE[s.kx] ?? 2, AUTH_PLACE[s.auth] ?? 3];
}

/** Pure: `ids` ranked by opensslLikeKey, ties by `rank` (the client's preference). */
export function opensslLikeRank(ids: readonly number[], rank: ReadonlyMap<number, number>): Map<number, number> {
  const keyed = ids.map((id) => ({ id, key: [...opensslLikeKey(id), rank.get(id) ?? 0] }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return (a.key[i] as number) - (b.key[i] as number);
    return 0;
  });
  return new Map(keyed.map((k, i) => [k.id, i]));
}

/**
 * What Node's default cipher list (tls.DEFAULT_CIPHERS, unchanged since Node 12) names before
 * its "HIGH": a Node server left at its defaults orders these first, then as OpenSSL sorts HIGH.
 */
const NODE_DEFAULT_FIRST: readonly string[] = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256',
  'DHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA256',
  'DHE-RSA-AES256-SHA256',
];

/** Pure: `listed` (ids) first in that order, then the rest of `ids` as opensslLikeRank sorts them. */
export function listedFirstRank(listed: readonly number[], ids: readonly number[], rank: ReadonlyMap<number, number>): Map<number, number> {
  const first = listed.filter((id) => ids.includes(id));
  const rest = opensslLikeRank(ids.filter((id) => !first.includes(id)), rank);
  const byRest = [...rest].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  return new Map([...first, ...byRest].map((id, i) => [id, i]));
}

/**
 * Pure: how many of the known facts "a comes before b" in the server's order `guess` gets wrong:
 * a before b in one chain (each found in the server's order), and `settled` before each of `left`.
 */
export function misorderings(guess: ReadonlyMap<number, number>, chains: readonly (readonly number[])[], settled: readonly number[] = [], left: readonly number[] = []): number {
  const at = (id: number): number => guess.get(id) ?? 0;
  let wrong = 0;
  for (const chain of chains) {
    for (let i = 0; i < chain.length; i++) for (let j = i + 1; j < chain.length; j++) if (at(chain[i] as number) > at(chain[j] as number)) wrong++;
  }
  for (const a of settled) for (const b of left) if (at(a) > at(b)) wrong++;
  return wrong;
}

/**
 * The chains as they run: each one's picks so far (in the server's order: a chain's next pick
 * always ranks below its last), whether it still runs, and a wait for the next pick or end.
 */
export interface LiveChains {
  readonly lists: readonly (readonly number[])[];
  readonly running: readonly boolean[];
  changed(): Promise<void>;
}

/**
 * Pure: how many leading offers of a round (offer j: the guess without its first j suites) are
 * sound while chains still run. A running chain's suites not found yet rank below its last pick,
 * so an offer holding that pick stands for them too; an offer without it (its prefix took it)
 * might miss the server's real next suite. `last` holds each running chain's last pick while it
 * is unsettled; null when one has no pick or its last is settled (nothing can be settled then).
 * An offer of one suite is never sent: that suite is then known to come next.
 */
export function soundOffers(guess: readonly number[], last: ReadonlySet<number> | null): number {
  if (last === null) return 0;
  const k = guess.findIndex((id) => last.has(id));
  const upTo = k < 0 ? guess.length : k + 1;
  return Math.max(0, Math.min(upTo, guess.length - 1));
}

/**
 * The server's own order over the found suites. Each subset's chain is already in that order, so
 * the next suite is one of the chains' heads. A round guesses the next few (heads merged by the
 * likelier of two guesses at the order) and asks, in parallel, for the server's pick from
 * everything left minus each prefix of the guess: every pick up to the first wrong guess is
 * established, so a good guess settles a whole window per round trip and a bad one still settles
 * one suite. It starts while the chains still run (see soundOffers), so the order's head is
 * settled as the chains find their tails, not after. Null when network trouble or the deadline
 * stops it.
 */
async function establishOrder(ctx: ProbeContext, version: HelloVersion, live: LiveChains, rank: ReadonlyMap<number, number>): Promise<number[] | null> {
  const byRank = (a: number, b: number): number => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  // Guesses at the server's order: the client's preference, OpenSSL's usual sort, and Node's
  // defaults. Each round speculates on the one that contradicts fewest of the facts known so far
  // (ties: the previous one), so a server left at an OpenSSL cipher string or at Node's defaults
  // is settled a whole window a round.
  const all = [...rank.keys()];
  const nodeFirst = NODE_DEFAULT_FIRST.map((n) => cipherSuiteByName(n)?.id).filter((id): id is number => id !== undefined);
  const guesses: ReadonlyArray<ReadonlyMap<number, number>> = [rank, opensslLikeRank(all, rank), listedFirstRank(nodeFirst, all, rank)];
  // Until facts tell them apart, OpenSSL's sort: this server was just seen to overrule our order.
  let guessing = 1;
  const order: number[] = [];
  const settled = new Set<number>();
  // Each chain's suites not settled yet: a suffix of it, headed by the chain's best left.
  const unsettled = (): number[][] => live.lists.map((l) => l.filter((id) => !settled.has(id)));
  const take = (id: number): boolean => {
    if (!unsettled().some((l) => l[0] === id)) return false; // not a head: the server contradicts its own earlier answers
    order.push(id);
    settled.add(id);
    return true;
  };
  let size = ORDER_WINDOW;
  // Connections for the next round, opened while this one is answered.
  let ready: PreparedHello[] = [];
  const discardReady = (): void => {
    for (const spare of ready) spare.discard();
    ready = [];
  };
  try {
  for (let rounds = CIPHER_SUITES.length; rounds > 0;) {
    if (ctx.signal.aborted) return null;
    const per = unsettled();
    const lists = per.filter((c) => c.length > 0);
    const running = live.running.some(Boolean);
    // Once one chain alone has suites left (or may still find some), the rest of the order is
    // that chain's own: no hello needed.
    const holders = per.flatMap((c, i) => (c.length > 0 || live.running[i] ? [i] : []));
    if (holders.length <= 1) {
      for (const id of per[holders[0] ?? -1] ?? []) take(id);
      if (!running) return order;
      discardReady();
      await live.changed();
      continue;
    }
    // Facts: each chain's order, the order settled so far, and each settled suite before those left.
    const left = lists.flat();
    const wrong = guesses.map((g) => misorderings(g, [...live.lists, order], order, left));
    wrong.forEach((n, i) => {
      if (n < (wrong[guessing] ?? 0)) guessing = i;
    });
    const guessRank = guesses[guessing] ?? rank;
    const byGuess = (a: number, b: number): number => (guessRank.get(a) ?? 0) - (guessRank.get(b) ?? 0);
    const guess: number[] = [];
    const heads = lists.map((l) => [...l]);
    for (;;) {
      const next = heads.filter((h) => h.length > 0).sort((x, y) => byGuess(x[0] as number, y[0] as number))[0];
      if (!next) break;
      guess.push(next.shift() as number);
    }
    let last: Set<number> | null = new Set();
    for (let i = 0; i < live.running.length && last; i++) {
      const tail = live.lists[i]?.at(-1);
      if (!live.running[i]) continue;
      if (tail === undefined || settled.has(tail)) last = null;
      else last.add(tail);
    }
    const window = Math.min(size, running ? soundOffers(guess, last) : guess.length - 1);
    if (window <= 0) {
      // Wait for a running chain's next pick (or its end) before settling more.
      discardReady();
      await live.changed();
      continue;
    }
    rounds--;
    const offers = Array.from({ length: window }, (_, j) => guess.slice(j).sort(byRank));
    const asking = Promise.all(offers.map((offer, j) => ask(ctx, () => listingHello(ctx, version, { ciphers: offer }), ready[j])));
    for (const spare of ready.slice(window)) spare.discard();
    // Only connections the next round surely sends on: it follows only if this one cannot settle
    // everything, and then asks about at least MIN_ORDER_WINDOW (or all but one) of those left.
    const unasked = guess.length - window;
    const sure = !running && window < guess.length - 1 ? Math.min(MIN_ORDER_WINDOW, unasked - 1) : 0;
    ready = Array.from({ length: sure }, () => prepareNext(ctx)).filter((p): p is PreparedHello => p !== null);
    const outcomes = await asking;
    const picks = outcomes.map((o, j) => chosen(version, offers[j] ?? [], o));
    let done = 0;
    for (let j = 0; j < window; j++) {
      const pick = picks[j];
      if (pick === null || pick === undefined) {
        if (j === 0) return null;
        break;
      }
      if (!take(pick)) return null;
      done++;
      if (pick !== guess[j]) break;
      // The whole window guessed right and one suite is left: it comes last (once no chain runs).
      if (!running && j === window - 1 && guess.length === window + 1) take(guess[window] as number);
    }
    size = done >= window ? ORDER_WINDOW : Math.max(MIN_ORDER_WINDOW, done + 1);
  }
  return null;
  } finally {
    discardReady();
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
  // A server with its own order has it established while the chains still run (establishOrder).
  let ordering: Promise<number[] | null> | null = null;
  const lists = subsets.map((s) => (seed !== null && s.includes(seed) ? [seed] : []));
  const running = subsets.map(() => true);
  let wake: () => void = () => undefined;
  let waiting: Promise<void> | null = null;
  const live: LiveChains = {
    lists,
    running,
    changed: () => (waiting ??= new Promise<void>((resolve) => {
      wake = () => {
        waiting = null;
        resolve();
      };
    })),
  };
  const onPick = (id: number, curve: string | null): void => {
    picked.push(id);
    if (curve !== null) curves.set(id, curve);
    if (!parallel || bothWays) return;
    if (seed !== null) bothWays = orderAfterChain(ctx, version, [seed, id]);
    else if (picked.length === 2) {
      const [a, b] = [...picked].sort(byRank) as [number, number];
      bothWays = orderBothWays(ctx, version, a, b);
    }
    void bothWays?.then((order) => {
      if (order === false && merging) merging.allowed = true;
      if (order === true) ordering ??= establishOrder(ctx, version, live, rank);
    });
  };
  // The rare set never merges: with a chain of the others its hellos could pass 128 suites.
  const preferredChains = subsets.length - (rare.length > 0 ? 1 : 0);
  const merging: Merging | undefined = parallel && preferredChains > 1 ? { allowed: false, chains: new Set(), open: new Set(preferred), byRank } : undefined;
  // The seed was the pick from every preferred suite, offered in our order.
  if (merging && seed !== null) for (const id of settledBy(preferred, seed)) merging.open.delete(id);
  const chains = await Promise.all(subsets.map(async (s, i) => {
    const pickHere = (id: number, curve: string | null): void => {
      lists[i]?.push(id);
      onPick(id, curve);
      wake();
    };
    try {
      return await enumerateSubset(ctx, version, s, bound, pickHere, seed, i < preferredChains ? merging : undefined);
    } finally {
      running[i] = false;
      wake();
    }
  }));
  let complete = chains.every((c) => c.complete);
  if (!parallel) {
    const found = chains.flatMap((c) => c.ids);
    return { ids: found, serverOrder: await orderAfterChain(ctx, version, found), complete, curves };
  }
  const found = chains.flatMap((c) => c.ids).sort(byRank);
  const order = await (bothWays ?? Promise.resolve(null));
  if (order !== true) return { ids: found, serverOrder: order, complete, curves };
  const ordered = await (ordering ?? establishOrder(ctx, version, live, rank));
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
