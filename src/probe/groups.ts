// Which TLS 1.3 key-exchange groups the server accepts, in its order when it has one, and so
// whether it is post-quantum ready. Each hello offers groups with an empty key_share: the server
// must answer with a HelloRetryRequest naming the group it wants (RFC 8446 §4.1.4), which tells
// its choice without key material and without completing anything. Support is asked by families
// (a family the server lacks costs one hello, not one per group); a server with its own order is
// then walked through it, which settles support and order at once, a client-order one asked only
// about the rest of the families it took from.
import type { ProbeContext } from './context.js';
import type { CheckResult } from '../types.js';
import { buildClientHello } from './codec/client-hello.js';
import { canShare, GROUP, groupName, ML_KEM_GROUPS } from './codec/groups.js';
import { describeOutcome, sendHello, type HelloOutcome } from './raw-hello.js';

export const name = 'groups';
// Needs to know whether the server speaks TLS 1.3: without it there is nothing to ask.
export const phase = 'versions';

export interface GroupsResult {
  /** IANA names of the groups the server accepts in TLS 1.3; in its preference order when groupsServerOrder. */
  groups: string[] | null;
  /** true: the server picks by its own order; false: by the client's; null: unknown or fewer than two groups. */
  groupsServerOrder: boolean | null;
  /** false when some groups got no answer: the list may miss some. */
  groupsComplete: boolean;
  /** The server accepts an ML-KEM group (X25519MLKEM768 and its kin); null when undetermined. */
  postQuantum: boolean | null;
  /** One line on how this was established, or why it could not be. */
  groupsDetail: string;
  /** What the list lacks, when groupsComplete is false (for the check's `incomplete`). */
  missing?: string;
}

/**
 * Every group a TLS 1.3 server might accept, the way current clients rank them: hybrid ML-KEM
 * first, then classic curves, then the rest. Offered one at a time, so the order only matters
 * for telling client-order servers apart.
 */
export const CANDIDATE_GROUPS: readonly number[] = [
  GROUP.X25519MLKEM768, GROUP.x25519, GROUP.secp256r1, GROUP.secp384r1, GROUP.secp521r1, GROUP.x448,
  GROUP.SecP256r1MLKEM768, GROUP.SecP384r1MLKEM1024, GROUP.X25519Kyber768Draft00,
  GROUP.MLKEM768, GROUP.MLKEM1024, GROUP.MLKEM512,
  GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192,
  0x001f, 0x0020, 0x0021, // brainpoolP256r1tls13, brainpoolP384r1tls13, brainpoolP512r1tls13
];

const TLS13_SUITES = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

function hello(ctx: ProbeContext, groups: readonly number[], withShares: boolean): Buffer {
  return buildClientHello({
    version: 'TLSv1.3',
    ciphers: TLS13_SUITES,
    sni: ctx.target.sni,
    groups,
    keyShares: withShares ? groups.filter(canShare) : [],
  });
}

/**
 * One hello, retried once if the network (not the server's TLS stack) failed. Urgent: the walk and
 * the rest of the families wait on the first round, so all go ahead of one-off hellos in the queue.
 */
async function ask(ctx: ProbeContext, groups: readonly number[], withShares = false): Promise<HelloOutcome> {
  const first = await sendHello(ctx, hello(ctx, groups, withShares), { urgent: true });
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello(ctx, groups, withShares), { urgent: true });
}

type Verdict = 'accepted' | 'refused' | 'unknown';

/** The group the server chose from `offered` (by HelloRetryRequest or key share), if any. */
export function chosenGroup(offered: readonly number[], o: HelloOutcome): number | null {
  if (o.kind !== 'server-hello' || o.versionName !== 'TLSv1.3' || o.keyShareGroup === null) return null;
  return offered.includes(o.keyShareGroup) ? o.keyShareGroup : null;
}

function verdictOf(group: number, o: HelloOutcome): Verdict {
  if (chosenGroup([group], o) === group) return 'accepted';
  return refusesAll(o) ? 'refused' : 'unknown';
}

async function singles(ctx: ProbeContext, candidates: readonly number[], withShares: boolean): Promise<Map<number, Verdict>> {
  const outcomes = await Promise.all(candidates.map((g) => ask(ctx, [g], withShares)));
  return new Map(candidates.map((g, i) => [g, verdictOf(g, outcomes[i] as HelloOutcome)]));
}

/**
 * Groups that servers take or leave together, asked as one family each: x25519 and P-256 are near
 * universal, the other NIST curves and x448 come with OpenSSL-style defaults, FFDHE all or none,
 * and the post-quantum, pure ML-KEM and brainpool groups are rare. A family whose groups the
 * server lacks costs one hello instead of one per group; one it takes costs one per group.
 */
export const FAMILIES: ReadonlyArray<readonly number[]> = [
  [GROUP.x25519, GROUP.secp256r1],
  [GROUP.secp384r1, GROUP.secp521r1, GROUP.x448],
  [GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192],
  [
    GROUP.X25519MLKEM768, GROUP.SecP256r1MLKEM768, GROUP.SecP384r1MLKEM1024, GROUP.X25519Kyber768Draft00,
    GROUP.MLKEM768, GROUP.MLKEM1024, GROUP.MLKEM512, 0x001f, 0x0020, 0x0021,
  ],
];

/** `candidates` split into FAMILIES (candidate order within each); groups in none form one more. */
export function familiesOf(candidates: readonly number[]): number[][] {
  const known = FAMILIES.map((f) => candidates.filter((g) => f.includes(g)));
  const rest = candidates.filter((g) => !FAMILIES.some((f) => f.includes(g)));
  return [...known, rest].filter((f) => f.length > 0);
}

/**
 * No group of the offer is acceptable: an alert, an answer for an older version (it has no TLS 1.3
 * group to offer), or wolfSSL's HelloRetryRequest naming no group (RFC 8446 wants
 * handshake_failure). A server must pick a group of the offer if it supports any (RFC 8446
 * §4.1.1), so this refuses every group offered.
 */
function refusesAll(o: HelloOutcome): boolean {
  if (o.kind === 'alert') return true;
  return o.kind === 'server-hello' && (o.versionName !== 'TLSv1.3' || (o.helloRetryRequest && o.keyShareGroup === null));
}

/** Up to this many groups left in a family after its pick get a hello each; more, a chain. */
const SINGLES_AFTER_PICK = 4;

/**
 * What is left of a family after its pick: a hello per group when few are left (servers take most
 * of a family or little of it), or, for a long family of rare groups, offers of what is left,
 * striking each group named, until a refusal.
 */
async function remainder(ctx: ProbeContext, groups: readonly number[]): Promise<Map<number, Verdict>> {
  if (groups.length <= SINGLES_AFTER_PICK) return singles(ctx, groups, false);
  const verdicts = new Map<number, Verdict>();
  let open = [...groups];
  let last: Verdict = 'unknown';
  while (open.length > 0 && !ctx.signal.aborted) {
    const o = await ask(ctx, open);
    const pick = chosenGroup(open, o);
    if (pick === null) {
      last = refusesAll(o) ? 'refused' : 'unknown';
      break;
    }
    verdicts.set(pick, 'accepted');
    open = open.filter((g) => g !== pick);
  }
  for (const g of open) verdicts.set(g, last);
  return verdicts;
}

/**
 * A guess at a server's order, used only to ask about several places at once: a wrong guess costs
 * hellos, never a wrong answer. OpenSSL's default (x25519, secp256r1, x448, secp521r1, secp384r1,
 * then FFDHE by size: what OpenSSL 3.0 behind nginx answers), with the hybrids ahead as servers
 * that take them rank them; groups not listed follow in candidate order.
 */
const LIKELY_ORDER: readonly number[] = [
  GROUP.X25519MLKEM768, GROUP.SecP256r1MLKEM768, GROUP.SecP384r1MLKEM1024,
  GROUP.x25519, GROUP.secp256r1, GROUP.x448, GROUP.secp521r1, GROUP.secp384r1,
  GROUP.ffdhe2048, GROUP.ffdhe3072, GROUP.ffdhe4096, GROUP.ffdhe6144, GROUP.ffdhe8192,
];
/** Parallel hellos per round when establishing the server's order. */
const ORDER_WINDOW = 6;

/** Groups outside these families are rare: a guess puts them last, behind the common ones. */
const COMMON: ReadonlySet<number> = new Set((FAMILIES.slice(0, 3) as number[][]).flat());

interface Walk {
  /** Accepted groups in the server's order, `first` first. */
  order: number[];
  refused: number[];
  /** Neither: the walk stopped (no answer, or the deadline). */
  unknown: number[];
}

/**
 * The server's order, and support with it, over `open` (its first group known): offer what is
 * left, note the pick, strike it, ask again until a refusal or nothing is left. Asked one at a
 * time that is a round trip per group on the check's critical path, so each round asks the next
 * few questions at once, assuming a guessed order: offer j leaves out the first j guesses, and
 * its pick is the next group as long as the guesses before it were right (each hello is the one
 * the one-at-a-time walk would send). Every pick up to the first wrong guess is established. The
 * guess: groups known accepted and common ones, then rare ones, each by LIKELY_ORDER; a round
 * asks one place past the groups likely to be accepted (so the refusal that ends the walk comes
 * with them), and after a wrong guess one more than the last round settled.
 */
async function walk(ctx: ProbeContext, open: readonly number[], first: number, known: ReadonlySet<number>): Promise<Walk> {
  const order = [first];
  const refused: number[] = [];
  let rest = open.filter((g) => g !== first);
  const rank = (g: number): number => {
    const i = LIKELY_ORDER.indexOf(g);
    const tier = known.has(g) || COMMON.has(g) ? 0 : 1;
    return tier * 1000 + (i >= 0 ? i : LIKELY_ORDER.length + open.indexOf(g));
  };
  let window = ORDER_WINDOW;
  while (rest.length > 0 && !ctx.signal.aborted) {
    const guess = [...rest].sort((a, b) => rank(a) - rank(b));
    const likely = guess.filter((g) => known.has(g) || COMMON.has(g)).length;
    const n = Math.min(window, likely + 1, rest.length);
    const offers = Array.from({ length: n }, (_, j) => rest.filter((g) => !guess.slice(0, j).includes(g)));
    const outcomes = await Promise.all(offers.map((offer) => ask(ctx, offer)));
    let settled = 0;
    for (let j = 0; j < n; j++) {
      const offer = offers[j] as number[];
      const o = outcomes[j] as HelloOutcome;
      const pick = chosenGroup(offer, o);
      if (pick === null) {
        // The guesses before it were right, so this offer is everything left.
        if (!refusesAll(o)) return { order, refused, unknown: rest };
        refused.push(...offer);
        rest = [];
        break;
      }
      order.push(pick);
      rest = rest.filter((g) => g !== pick);
      settled++;
      if (pick !== guess[j]) break;
    }
    window = settled >= n ? ORDER_WINDOW : settled + 1;
  }
  return { order, refused, unknown: rest };
}

function postQuantumOf(verdicts: Map<number, Verdict>): boolean | null {
  const pq = [...verdicts].filter(([g]) => ML_KEM_GROUPS.has(g));
  if (pq.some(([, v]) => v === 'accepted')) return true;
  return pq.every(([, v]) => v === 'refused') ? false : null;
}

export async function run(ctx: ProbeContext, candidates: readonly number[] = CANDIDATE_GROUPS): Promise<GroupsResult> {
  const tls13 = ctx.protocols?.['TLSv1.3'];
  if (tls13 === false) {
    return {
      groups: [], groupsServerOrder: null, groupsComplete: true, postQuantum: false,
      groupsDetail: 'The server does not speak TLS 1.3, which post-quantum key exchange needs',
    };
  }
  if (tls13 === null) {
    return {
      groups: null, groupsServerOrder: null, groupsComplete: false, postQuantum: null,
      groupsDetail: 'TLS 1.3 support could not be determined, so neither could its groups',
      missing: 'TLS 1.3 support unknown, so its groups and post-quantum support are too',
    };
  }
  // One round: each family as one hello (a refusal refuses the whole family, a pick accepts one of
  // its groups), and every candidate in client order and reversed: a server with its own order
  // picks the same group both times, a client-order server the first it supports each time.
  const families = familiesOf(candidates);
  const [firsts, [forward, backward]] = await Promise.all([
    Promise.all(families.map((f) => ask(ctx, f))),
    Promise.all([ask(ctx, candidates), ask(ctx, [...candidates].reverse())]),
  ]);
  let verdicts = new Map<number, Verdict>();
  const rests: number[][] = [];
  families.forEach((f, i) => {
    const o = firsts[i] as HelloOutcome;
    const pick = chosenGroup(f, o);
    if (pick !== null) {
      verdicts.set(pick, 'accepted');
      rests.push(f.filter((g) => g !== pick));
    } else {
      for (const g of f) verdicts.set(g, refusesAll(o) ? 'refused' : 'unknown');
    }
  });
  const pickF = chosenGroup(candidates, forward);
  const pickB = chosenGroup(candidates, backward);
  let order: number[] | null = null;
  let orderComplete = true;
  if (pickF !== null && pickF === pickB) {
    // Its own order (or a single group): walking it settles the rest of the families too.
    const known = new Set([...verdicts].filter(([, v]) => v === 'accepted').map(([g]) => g));
    const w = await walk(ctx, [pickF, ...known, ...rests.flat()].filter((g, i, all) => all.indexOf(g) === i), pickF, known);
    for (const g of w.order) verdicts.set(g, 'accepted');
    for (const g of w.refused) verdicts.set(g, 'refused');
    for (const g of w.unknown) verdicts.set(g, 'unknown');
    order = w.order;
    orderComplete = w.unknown.length === 0;
  } else {
    // Client order, or none seen: the rest of each family with a pick.
    const found = await Promise.all(rests.map((r) => remainder(ctx, r)));
    for (const [g, v] of found.flatMap((m) => [...m])) verdicts.set(g, v);
  }
  let how = 'HelloRetryRequests to hellos with an empty key_share';
  const acceptedOf = (v: Map<number, Verdict>): number[] => candidates.filter((g) => v.get(g) === 'accepted');
  if (acceptedOf(verdicts).length === 0 && tls13 === true) {
    // It speaks TLS 1.3 yet took no group: it does not answer empty key shares with a
    // HelloRetryRequest (RFC 8446 requires it). Ask again with a real share where we can make one.
    const shareable = candidates.filter(canShare);
    const second = await singles(ctx, shareable, true);
    verdicts = new Map(candidates.map((g) => [g, second.get(g) ?? 'unknown']));
    how = 'key shares (the server answered no hello with an empty key_share, so FFDHE and brainpool groups are untested)';
  }
  const accepted = acceptedOf(verdicts);
  const unknown = candidates.filter((g) => verdicts.get(g) === 'unknown');
  let groups = accepted;
  let groupsServerOrder: boolean | null = null;
  if (accepted.length >= 2 && pickF !== null && pickB !== null) {
    groupsServerOrder = pickF === pickB;
    if (order) groups = [...order, ...accepted.filter((g) => !order.includes(g))];
  }
  const complete = unknown.length === 0 && orderComplete;
  const lacks: string[] = [];
  if (unknown.length) lacks.push(`no answer for ${unknown.map(groupName).join(', ')}: the list may miss them`);
  if (!orderComplete) lacks.push('the order after the first groups could not be established');
  const notes = [`Found by ${how}`, ...lacks];
  if (accepted.length === 0) notes.push(`first answer: ${describeOutcome(forward)}`);
  return {
    groups: groups.map(groupName),
    groupsServerOrder,
    groupsComplete: complete,
    postQuantum: postQuantumOf(verdicts),
    groupsDetail: notes.join('; '),
    ...(complete ? {} : { missing: lacks.join('; ') }),
  };
}

/**
 * A group list with groups no hello settled (network trouble, the deadline) is a partial list:
 * the check must not call itself complete (post-quantum support may be among what is missing).
 */
export function incomplete(value: GroupsResult): string | null {
  return value.groupsComplete ? null : value.missing ?? 'the group list may be incomplete';
}

/** Writes only its own keyExchange fields: the TLS ≤ 1.2 key-exchange probe writes others. */
export function apply(result: CheckResult, value: GroupsResult): void {
  const { groups, groupsServerOrder, groupsComplete, postQuantum, groupsDetail } = value;
  Object.assign((result.keyExchange ??= {}), { groups, groupsServerOrder, groupsComplete, postQuantum, groupsDetail });
}
