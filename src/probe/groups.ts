// Which TLS 1.3 key-exchange groups the server accepts, in its order when it has one, and so
// whether it is post-quantum ready. Each hello offers groups with an empty key_share: the server
// must answer with a HelloRetryRequest naming the group it wants (RFC 8446 §4.1.4), which tells
// its choice without key material and without completing anything. Support is found by families
// (one hello per accepted group plus one refusal each, not one per candidate), and the order is
// asked only among the accepted groups, only of a server that shows a preference.
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
 * One hello, retried once if the network (not the server's TLS stack) failed. Urgent: each family
 * is a chain and the order rounds wait on them, so all go ahead of one-off hellos in the queue.
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

interface Support {
  verdicts: Map<number, Verdict>;
  /** The first family's first answer, to say what a server that took nothing said. */
  first: HelloOutcome | null;
  /** The order hellos (every candidate, forward and reversed), asked when two groups or more are accepted. */
  order: [HelloOutcome, HelloOutcome] | null;
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

/** Every candidate forward and reversed: the order question. */
function orderHellos(ctx: ProbeContext, candidates: readonly number[]): Promise<[HelloOutcome, HelloOutcome]> {
  return Promise.all([ask(ctx, candidates), ask(ctx, [...candidates].reverse())]);
}

/**
 * First each family as one hello: a refusal refuses the whole family, a pick accepts one of its
 * groups. Then the rest of the families with a pick (remainder), and with them the order
 * question once two groups are accepted (or after them, if only they make it two): a server with
 * its own order picks the same group both times, a client-order server the first it supports.
 */
async function support(ctx: ProbeContext, candidates: readonly number[]): Promise<Support> {
  const families = familiesOf(candidates);
  const firsts = await Promise.all(families.map((f) => ask(ctx, f)));
  const verdicts = new Map<number, Verdict>();
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
  const [found, early] = await Promise.all([
    Promise.all(rests.map((r) => remainder(ctx, r))),
    rests.length >= 2 ? orderHellos(ctx, candidates) : Promise.resolve(null),
  ]);
  for (const [g, v] of found.flatMap((m) => [...m])) verdicts.set(g, v);
  const accepted = [...verdicts.values()].filter((v) => v === 'accepted').length;
  const order = early ?? (accepted >= 2 ? await orderHellos(ctx, candidates) : null);
  return { verdicts, first: firsts[0] ?? null, order };
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

/**
 * The server's order over `accepted` (already in candidate order): offer the rest, note its pick,
 * strike it, ask again. Asked one at a time that is a round trip per group on the check's
 * critical path, so each round asks the next few questions at once, assuming the guessed order:
 * offer j leaves out the first j guesses, and its pick is the next group as long as the guesses
 * before it were right (each hello is the one the one-at-a-time walk would send). Every pick up to
 * the first wrong guess is established: a right guess settles a window per round, a wrong one
 * still one group. Only runs for servers that showed a preference. Stops (returning the rest in
 * candidate order) if a hello goes unanswered.
 */
async function serverOrder(ctx: ProbeContext, accepted: readonly number[], first: number): Promise<{ order: number[]; complete: boolean }> {
  const order = [first];
  let rest = accepted.filter((g) => g !== first);
  const likely = (g: number): number => {
    const i = LIKELY_ORDER.indexOf(g);
    return i >= 0 ? i : LIKELY_ORDER.length + accepted.indexOf(g);
  };
  while (rest.length > 1 && !ctx.signal.aborted) {
    const guess = [...rest].sort((a, b) => likely(a) - likely(b));
    const window = Math.min(ORDER_WINDOW, guess.length - 1);
    const offers = Array.from({ length: window }, (_, j) => rest.filter((g) => !guess.slice(0, j).includes(g)));
    const outcomes = await Promise.all(offers.map((offer) => ask(ctx, offer)));
    for (let j = 0; j < window; j++) {
      const pick = chosenGroup(offers[j] ?? [], outcomes[j] as HelloOutcome);
      if (pick === null) {
        if (j === 0) return { order: [...order, ...rest], complete: false };
        break;
      }
      order.push(pick);
      rest = rest.filter((g) => g !== pick);
      if (pick !== guess[j]) break;
    }
  }
  return { order: [...order, ...rest], complete: rest.length <= 1 && !ctx.signal.aborted };
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
    };
  }
  const found = await support(ctx, candidates);
  let verdicts = found.verdicts;
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
  let orderComplete = true;
  const pickF = found.order ? chosenGroup(candidates, found.order[0]) : null;
  const pickB = found.order ? chosenGroup(candidates, found.order[1]) : null;
  if (accepted.length >= 2 && pickF !== null && pickB !== null) {
    groupsServerOrder = pickF === pickB;
    if (groupsServerOrder) ({ order: groups, complete: orderComplete } = await serverOrder(ctx, accepted, pickF));
  }
  const complete = unknown.length === 0 && orderComplete;
  const notes = [`Found by ${how}`];
  if (unknown.length) notes.push(`no answer for ${unknown.map(groupName).join(', ')}: the list may miss them`);
  if (!orderComplete) notes.push('the order after the first groups could not be established');
  if (accepted.length === 0 && found.first) notes.push(`first answer: ${describeOutcome(found.first)}`);
  return {
    groups: groups.map(groupName),
    groupsServerOrder,
    groupsComplete: complete,
    postQuantum: postQuantumOf(verdicts),
    groupsDetail: notes.join('; '),
  };
}

/** Writes only its own keyExchange fields: the TLS ≤ 1.2 key-exchange probe writes others. */
export function apply(result: CheckResult, value: GroupsResult): void {
  const { groups, groupsServerOrder, groupsComplete, postQuantum, groupsDetail } = value;
  Object.assign((result.keyExchange ??= {}), { groups, groupsServerOrder, groupsComplete, postQuantum, groupsDetail });
}
