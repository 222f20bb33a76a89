// Issue 15: a name whose DNS never answers must not delay other checks. The workers resolve with
// c-ares (node:dns Resolver, timeout + tries) instead of getaddrinfo on libuv's 4-thread pool, so a
// stuck name costs a socket, not a thread, and ends with its own clear error. Every query here
// goes to a fake DNS server on 127.0.0.1 (a UDP socket the test owns), never to a real resolver.
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { createResolverLookup, parseHosts, WORKER_LOOKUP } from '../src/limits/dns.js';
import { resolveInput } from '../src/target/index.js';
import { createCheckRunner } from '../jobs/check-runner.js';
import { startNodeTls, tempDir, type Running } from './helpers/servers.js';

const A = 1;
const AAAA = 28;

interface FakeDns {
  server: string;
  /** Queries received, as "name/type". */
  asked: string[];
  /** Resolves once `n` queries have arrived in all. */
  received(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** Reads the question's name and type out of a DNS query (RFC 1035 §4.1). */
function question(msg: Buffer): { name: string; type: number; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i] !== 0) {
    const len = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += len + 1;
  }
  i += 1;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i), end: i + 4 };
}

/**
 * A DNS server that answers A records from `table`, says "no records" for AAAA of those names,
 * NXDOMAIN for other names, and never answers for the names in `silent`.
 */
async function startFakeDns(table: Record<string, string>, silent: string[]): Promise<FakeDns> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  socket.on('message', (msg, rinfo) => {
    const q = question(msg);
    asked.push(`${q.name}/${q.type}`);
    for (const w of waiters.filter((x) => asked.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (silent.includes(q.name)) return;
    const ip = table[q.name];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180 | (ip === undefined ? 3 : 0), 2); // response, RD, RA; rcode NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    const answers: Buffer[] = [];
    if (ip !== undefined && q.type === A) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the question's name
      rr.writeUInt16BE(A, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, k) => rr.writeUInt8(Number(octet), 12 + k));
      answers.push(rr);
    }
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, msg.subarray(12, q.end), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    asked,
    received: (n) => (asked.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    stop: () => new Promise((r) => socket.close(() => r())),
  };
}

let dns: FakeDns;
let tlsServer: Running;

beforeAll(async () => {
  dns = await startFakeDns({ 'good.test': '127.0.0.1', 'other.test': '127.0.0.1' }, ['stuck.test']);
  tlsServer = await startNodeTls();
});

afterAll(async () => {
  await dns.stop();
  await tlsServer.stop();
});

/** Tracks whether a promise has settled, without waiting for it. */
function track<T>(p: Promise<T>): { p: Promise<T>; settled: () => boolean } {
  let settled = false;
  void p.then(() => { settled = true; }, () => { settled = true; });
  return { p, settled: () => settled };
}

describe('worker DNS through c-ares with a bound (issue 15)', () => {
  it('a good name is answered while ten lookups of a stuck name are still waiting; the stuck ones end with ETIMEOUT from the resolver itself', async () => {
    // The resolver's own bound (timeout × tries, with its back-off) is far below giveUpMs: a
    // timeout seen here is c-ares giving up, not the safety net.
    const lookup = createResolverLookup({ servers: [dns.server], timeoutMs: 700, tries: 2, giveUpMs: 60_000, hostsFile: null });
    const before = dns.asked.length;
    const stuck = Array.from({ length: 10 }, () => track(lookup('stuck.test')));
    await dns.received(before + 20); // A and AAAA of each, all sent at once: none waits for a thread
    expect(lookup.stats()).toEqual({ running: 10, waiting: 0 });

    await expect(lookup('good.test')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(stuck.filter((s) => s.settled())).toHaveLength(0);

    for (const s of stuck) await expect(s.p).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(lookup.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('the stuck name ends in a clear one-line error for the user', async () => {
    const lookup = createResolverLookup({ servers: [dns.server], timeoutMs: 300, tries: 1, hostsFile: null });
    await expect(resolveInput('stuck.test:443', { lookup })).rejects.toMatchObject({
      code: 'dns',
      message: "Could not resolve 'stuck.test': the DNS lookup timed out. Try again in a moment, or give an IP address.",
    });
    await expect(resolveInput('missing.test:443', { lookup })).rejects.toMatchObject({
      code: 'dns',
      message: expect.stringMatching(/^Could not resolve 'missing.test': no such host/),
    });
  });

  it('a lookup still waiting for its turn when it gives up leaves the queue without sending a query', async () => {
    const lookup = createResolverLookup({ servers: [dns.server], timeoutMs: 5_000, tries: 1, giveUpMs: 400, maxInFlight: 1, hostsFile: null });
    const before = dns.asked.length;
    const first = track(lookup('stuck.test'));
    const second = track(lookup('stuck.test'));
    expect(lookup.stats()).toEqual({ running: 1, waiting: 1 });
    // Both give up at the safety net (c-ares alone would wait 5 s).
    await expect(second.p).rejects.toMatchObject({ code: 'ETIMEOUT', message: 'resolving stuck.test: ETIMEOUT' });
    await expect(first.p).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(lookup.stats()).toEqual({ running: 1, waiting: 0 });
    // Only the first one's A and AAAA went out; the permit stays with its query until c-ares closes it.
    expect(dns.asked.slice(before).sort()).toEqual([`stuck.test/${A}`, `stuck.test/${AAAA}`]);
  });

  it('checks of a good name run to a verdict while checks of a stuck name wait; those end with the DNS error, not the check deadline', async () => {
    const resolver = createResolverLookup({ servers: [dns.server], timeoutMs: 1_000, tries: 2, giveUpMs: 60_000, hostsFile: null });
    // Records, when the good name is answered, how many stuck lookups had ended by then: the
    // order of events, not wall time, so a slow machine does not change the verdict.
    const stuckSettled = { count: 0, whenGoodAnswered: -1 };
    const lookup = async (host: string): ReturnType<typeof resolver> => {
      try {
        const answer = await resolver(host);
        if (host === 'good.test') stuckSettled.whenGoodAnswered = stuckSettled.count;
        return answer;
      } finally {
        if (host === 'stuck.test') stuckSettled.count++;
      }
    };
    // A 60 s check deadline: a stuck check that ended by the check's own deadline would say so.
    const runner = createCheckRunner({ check: runCheck, allowCidrs: ['127.0.0.0/8'], timeoutMs: 60_000, lookup });
    const before = dns.asked.length;
    const stuck = Array.from({ length: 8 }, () => track(runner.run({ input: 'stuck.test:443', sni: null, queuedAt: Date.now() })));
    await dns.received(before + 16);
    const good = await runner.run({ input: `good.test:${tlsServer.port}`, sni: null, queuedAt: Date.now() });
    expect(good.error).toBeNull();
    expect(good.target).toMatchObject({ host: 'good.test', ip: '127.0.0.1' });
    expect(good.protocols['TLSv1.3']).toBe(true);
    expect(stuckSettled.whenGoodAnswered).toBe(0);
    for (const s of stuck) {
      const r = await s.p;
      expect(r.error).toMatchObject({ code: 'dns', message: expect.stringMatching(/the DNS lookup timed out/) });
      expect(r.error?.message).not.toMatch(/deadline/);
    }
  });

  it('/etc/hosts comes first and is read again when it changes; localhost is loopback; neither asks DNS', async () => {
    const hostsFile = join(tempDir(), 'hosts');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n127.0.0.5 internal.test alias.test # comment\n::1 ip6-localhost\n');
    const lookup = createResolverLookup({ servers: [dns.server], hostsFile, fileRecheckMs: 0 });
    const before = dns.asked.length;
    await expect(lookup('Internal.Test.')).resolves.toEqual([{ address: '127.0.0.5', family: 4 }]);
    await expect(lookup('ip6-localhost')).resolves.toEqual([{ address: '::1', family: 6 }]);
    await expect(lookup('localhost')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    writeFileSync(hostsFile, '127.0.0.6 internal.test\n');
    await expect(lookup('internal.test')).resolves.toEqual([{ address: '127.0.0.6', family: 4 }]);
    // Not in the file any more: RFC 6761 loopback, without a query.
    await expect(lookup('localhost')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    expect(dns.asked.length).toBe(before);
    // A name not in the file goes to DNS.
    await expect(lookup('other.test')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(dns.asked.slice(before).sort()).toEqual([`other.test/${A}`, `other.test/${AAAA}`]);
  });

  it('parses hosts lines as getaddrinfo does: comments, several names, bad addresses skipped', () => {
    const table = parseHosts('# header\n10.0.0.1  a.example b.example\nnot-an-ip c.example\n\n fd00::1\ta.example\n');
    expect(table.get('a.example')).toEqual([{ address: '10.0.0.1', family: 4 }, { address: 'fd00::1', family: 6 }]);
    expect(table.get('b.example')).toEqual([{ address: '10.0.0.1', family: 4 }]);
    expect(table.has('c.example')).toBe(false);
  });

  it('the workers share one resolver per process, idle between checks', () => {
    expect(WORKER_LOOKUP.stats()).toEqual({ running: 0, waiting: 0 });
  });
});
