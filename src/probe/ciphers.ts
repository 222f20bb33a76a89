// Which suites the server accepts per version, and whether it imposes its own order: offer
// everything, note the pick, strike it, ask again, until the server refuses.
import type { CheckResult, ProtocolName } from '../types.js';
import type { ProbeContext } from './context.js';
import { CIPHER_SUITES, cipherName, suitesForVersion } from './codec/cipher-suites.js';
import { buildSSLv2ClientHello, type HelloVersion } from './codec/client-hello.js';
import { helloFor, HELLO_VERSIONS } from './protocols.js';
import { sendHello, type HelloOutcome } from './raw-hello.js';

export const name = 'ciphers';
export const phase = 'versions';

export interface CiphersResult {
  /** IANA names per version; in the server's preference order when it enforces one. */
  ciphers: Partial<Record<ProtocolName, string[]>>;
  /** true: the server picks by its own order; false: by the client's; null: unknown or one suite. */
  serverOrder: Partial<Record<ProtocolName, boolean | null>>;
}

export interface VersionCiphers {
  ids: number[];
  serverOrder: boolean | null;
  /** False when network trouble cut the enumeration short. */
  complete: boolean;
}

/** One hello, retried once if the network (not the server's TLS stack) failed. */
async function ask(ctx: ProbeContext, hello: () => Buffer): Promise<HelloOutcome> {
  const first = await sendHello(ctx, hello());
  if (first.kind !== 'error' || ctx.signal.aborted) return first;
  return sendHello(ctx, hello());
}

/** The suite the server chose from `offered`, or null when it declined (or answered off-script). */
function chosen(version: HelloVersion, offered: readonly number[], o: HelloOutcome): number | null {
  if (o.kind !== 'server-hello' || o.versionName !== version) return null;
  return offered.includes(o.cipher) ? o.cipher : null;
}

export async function enumerateVersion(ctx: ProbeContext, version: HelloVersion): Promise<VersionCiphers> {
  const found: number[] = [];
  let complete = true;
  // Hard bound: one hello per known suite plus the final refusal.
  let hellosLeft = CIPHER_SUITES.length + 1;
  // The rare set (PSK, SRP, static DH) goes in its own hellos so neither list exceeds 128 suites.
  for (const set of [suitesForVersion(version), suitesForVersion(version, { rare: true })]) {
    let remaining = set;
    while (remaining.length > 0 && hellosLeft-- > 0 && !ctx.signal.aborted) {
      const offered = remaining;
      const outcome = await ask(ctx, () => helloFor(ctx, version, { ciphers: offered }));
      if (outcome.kind === 'error') complete = false;
      const pick = chosen(version, offered, outcome);
      if (pick === null) break;
      found.push(pick);
      remaining = offered.filter((id) => id !== pick);
    }
  }
  if (ctx.signal.aborted) complete = false;
  return { ids: found, serverOrder: await serverOrder(ctx, version, found), complete };
}

/**
 * Offers the first two suites found in reverse order. A client-order server now picks the other
 * one; a server-order server sticks with its favourite.
 */
async function serverOrder(ctx: ProbeContext, version: HelloVersion, found: readonly number[]): Promise<boolean | null> {
  const [a, b] = found;
  if (a === undefined || b === undefined) return null;
  const outcome = await ask(ctx, () => helloFor(ctx, version, { ciphers: [b, a] }));
  const pick = chosen(version, [b, a], outcome);
  return pick === a ? true : pick === b ? false : null;
}

/** SSLv2 servers list all their cipher kinds in the SERVER-HELLO, so one hello is enough. */
async function sslv2Ciphers(ctx: ProbeContext): Promise<string[] | null> {
  const outcome = await ask(ctx, () => buildSSLv2ClientHello());
  return outcome.kind === 'sslv2-server-hello' ? outcome.cipherNames : null;
}

export async function run(ctx: ProbeContext): Promise<CiphersResult> {
  const result: CiphersResult = { ciphers: {}, serverOrder: {} };
  const versions = HELLO_VERSIONS.filter((v) => ctx.protocols?.[v] === true);
  const tasks: Array<Promise<void>> = versions.map(async (v) => {
    const { ids, serverOrder } = await enumerateVersion(ctx, v);
    result.ciphers[v] = ids.map(cipherName);
    result.serverOrder[v] = serverOrder;
  });
  if (ctx.protocols?.SSLv2 === true) {
    tasks.push(sslv2Ciphers(ctx).then((names) => {
      if (names) result.ciphers.SSLv2 = names;
      result.serverOrder.SSLv2 = null; // the client picks in SSLv2
    }));
  }
  await Promise.all(tasks);
  return result;
}

export function apply(result: CheckResult, value: CiphersResult): void {
  result.ciphers = value.ciphers;
  result.serverCipherOrder = value.serverOrder;
}
