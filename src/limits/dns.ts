// Name resolution for the workers, bounded in time and independent of libuv's thread pool.
//
// dns.lookup() calls getaddrinfo on libuv's pool (4 threads by default, shared with fs and
// crypto), and getaddrinfo has no timeout of its own: four names whose DNS never answers hold
// all four threads for the system resolver's whole retry cycle, and every other check's lookup
// waits behind them (issue 15: 10 such names pushed another user's check from 0.3 s to 39–49 s).
// Capping the number of lookups at once only moved the queue. So the workers resolve names with
// node:dns's Resolver (c-ares): its queries are sockets on the event loop, not pool threads, a
// stuck name costs one UDP socket and a timer, and `timeout`/`tries` make it give up by itself.
//
// What getaddrinfo did besides DNS is kept where it matters: /etc/hosts is honoured first (read
// again only when it changes), and 'localhost' is loopback (RFC 6761 §6.3). Not kept: search
// domains and other NSS sources (mDNS, LDAP); the bot checks public servers by full name.
import { Resolver } from 'node:dns/promises';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { LookupAddress, LookupFn } from '../target/index.js';

/** c-ares waits this long for the first answer (it backs off on later tries). */
export const DNS_TIMEOUT_MS = 1_500;
/** Queries per name server before c-ares gives up. */
export const DNS_TRIES = 2;
/** Whatever c-ares does, one lookup (waiting for its turn included) ends by then with ETIMEOUT. */
export const DNS_GIVE_UP_MS = 5_000;
/** Queries in flight at once per process: each holds a UDP socket, so some bound, not a tight one. */
export const DNS_MAX_IN_FLIGHT = 64;
/** A changed /etc/hosts or /etc/resolv.conf is noticed within this long (one stat per file). */
const FILE_RECHECK_MS = 1_000;

export interface ResolverLookupOptions {
  /** Name servers ("127.0.0.1:5353"); tests point at a fake. Default: /etc/resolv.conf's, re-read when it changes. */
  servers?: readonly string[];
  timeoutMs?: number;
  tries?: number;
  giveUpMs?: number;
  maxInFlight?: number;
  /** Default /etc/hosts; null: no hosts file (tests). */
  hostsFile?: string | null;
  /** Default /etc/resolv.conf; only read when `servers` is not given. */
  resolvConf?: string;
  /** How often those files are stat'ed for a change; tests use 0. */
  fileRecheckMs?: number;
}

export interface WorkerLookup extends LookupFn {
  /** Queries running now and lookups waiting for their turn (tests and metrics). */
  readonly stats: () => { running: number; waiting: number };
}

/** An error shaped like the resolver's, so src/target's messages apply ("the DNS lookup timed out…"). */
function dnsError(code: string, host: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`resolving ${host}: ${code}`), { code, hostname: host });
}

/** A file read again only when its stat changes, and stat'ed at most once per `recheckMs`. */
function watchedFile<T>(path: string, parse: (text: string) => T, empty: T, recheckMs = FILE_RECHECK_MS): () => T {
  let value = empty;
  let signature = '';
  let checkedAt = -Infinity;
  return () => {
    const now = performance.now();
    if (now - checkedAt < recheckMs) return value;
    checkedAt = now;
    // Synchronous on purpose: a local file's stat takes microseconds, and the async form would
    // queue on the very thread pool this module keeps out of.
    let sig: string;
    try {
      const st = statSync(path);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      sig = 'missing';
    }
    if (sig === signature) return value;
    signature = sig;
    try {
      value = sig === 'missing' ? empty : parse(readFileSync(path, 'utf8'));
    } catch {
      value = empty;
    }
    return value;
  };
}

/** /etc/hosts as name → addresses, in file order (what getaddrinfo answers for those names). */
export function parseHosts(text: string): Map<string, LookupAddress[]> {
  const table = new Map<string, LookupAddress[]>();
  for (const raw of text.split('\n')) {
    const [address, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    const family = address ? isIP(address) : 0;
    if (!address || family === 0) continue;
    for (const name of names) {
      const key = normalise(name);
      const list = table.get(key) ?? [];
      if (!list.some((a) => a.address === address)) list.push({ address, family });
      table.set(key, list);
    }
  }
  return table;
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

const LOCALHOST: LookupAddress[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];

/** NXDOMAIN says the most; then a failure (timeout, SERVFAIL…); "no records of this type" the least. */
function worstError(errors: NodeJS.ErrnoException[], host: string): NodeJS.ErrnoException {
  const codes = errors.map((e) => e.code ?? 'EUNKNOWN');
  const code = codes.find((c) => c === 'ENOTFOUND') ?? codes.find((c) => c !== 'ENODATA') ?? 'ENODATA';
  return dnsError(code, host);
}

/**
 * A LookupFn over c-ares: A and AAAA asked in parallel (as getaddrinfo does), IPv4 answers first.
 * A name with an answer in one family and a timeout in the other gets the answer: the address
 * the check connects to is among those returned, and every returned address passes the policy.
 */
export function createResolverLookup(opts: ResolverLookupOptions = {}): WorkerLookup {
  const timeout = opts.timeoutMs ?? DNS_TIMEOUT_MS;
  const tries = opts.tries ?? DNS_TRIES;
  const giveUpMs = opts.giveUpMs ?? DNS_GIVE_UP_MS;
  const maxInFlight = opts.maxInFlight ?? DNS_MAX_IN_FLIGHT;
  if (!(maxInFlight >= 1)) throw new Error('DNS in-flight bound must be at least 1');
  const hostsFile = opts.hostsFile === undefined ? '/etc/hosts' : opts.hostsFile;
  const hosts = hostsFile === null ? () => new Map<string, LookupAddress[]>() : watchedFile(hostsFile, parseHosts, new Map<string, LookupAddress[]>(), opts.fileRecheckMs);

  const build = (): Resolver => {
    const r = new Resolver({ timeout, tries });
    if (opts.servers) r.setServers([...opts.servers]);
    return r;
  };
  // Without injected servers, a new Resolver when resolv.conf changes (c-ares reads it once, at creation).
  const resolvConfVersion = opts.servers ? () => 0 : watchedFile(opts.resolvConf ?? '/etc/resolv.conf', () => Symbol('version'), Symbol('none'), opts.fileRecheckMs);
  let resolver = build();
  let resolverVersion: unknown = resolvConfVersion();
  const currentResolver = (): Resolver => {
    const v = resolvConfVersion();
    if (v !== resolverVersion) {
      resolverVersion = v;
      resolver = build();
    }
    return resolver;
  };

  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  };

  const query = async (r: Resolver, host: string): Promise<LookupAddress[]> => {
    const settled = await Promise.allSettled([r.resolve4(host), r.resolve6(host)]);
    const addresses: LookupAddress[] = [];
    const errors: NodeJS.ErrnoException[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') for (const address of s.value) addresses.push({ address, family: i === 0 ? 4 : 6 });
      else errors.push(s.reason as NodeJS.ErrnoException);
    });
    if (addresses.length > 0) return addresses;
    throw worstError(errors, host);
  };

  const lookup = (host: string): Promise<LookupAddress[]> => {
    const name = normalise(host);
    const fromHosts = hosts().get(name);
    if (fromHosts) return Promise.resolve(fromHosts.map((a) => ({ ...a })));
    if (name === 'localhost' || name.endsWith('.localhost')) return Promise.resolve(LOCALHOST.map((a) => ({ ...a })));

    return new Promise<LookupAddress[]>((resolve, reject) => {
      let done = false;
      const start = (): void => {
        if (done) {
          release();
          return;
        }
        // The permit is held until c-ares is finished with the query (its socket is closed then),
        // even when this lookup already gave up.
        query(currentResolver(), host).then(
          (a) => { clearTimeout(timer); done = true; resolve(a); },
          (e: Error) => { clearTimeout(timer); done = true; reject(e); },
        ).finally(release);
      };
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        // A lookup still waiting for its turn leaves the queue: nobody is waiting for its answer.
        const i = waiting.indexOf(start);
        if (i >= 0) waiting.splice(i, 1);
        reject(dnsError('ETIMEOUT', host));
      }, giveUpMs);
      timer.unref();
      if (running < maxInFlight) {
        running++;
        start();
      } else {
        waiting.push(start);
      }
    });
  };
  return Object.assign(lookup, { stats: () => ({ running, waiting: waiting.length }) });
}

/** One resolver per process: the check and schedule workers of `npm start` share it. */
export const WORKER_LOOKUP: WorkerLookup = createResolverLookup();
