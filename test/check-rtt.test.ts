// The check on a long path, through the delay relay (bench/delay-relay.mjs) on 127.0.0.1: whole
// at 200 ms round trip with the default deadline, and never a cut result dressed as a whole one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptiveTimeoutMs, runCheck } from '../src/check.js';
import { renderCheck } from '../src/format/cli-text.js';
import { verdictLine } from '../src/format/slack-result.js';
import type { CheckResult } from '../src/types.js';
import { startDelayRelay, type DelayRelay } from '../bench/delay-relay.mjs';
import { startNodeTls, type Running } from './helpers/servers.js';

let server: Running;
const relays: DelayRelay[] = [];
beforeAll(async () => {
  server = await startNodeTls({ minVersion: 'TLSv1.2' });
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await server?.stop();
});

async function relay(rttMs: number): Promise<DelayRelay> {
  const r = await startDelayRelay(server.port, { rttMs });
  relays.push(r);
  return r;
}

/** What a user reads off a result, without timings. */
function verdicts(r: CheckResult) {
  return {
    error: r.error,
    protocols: r.protocols,
    ciphers: r.ciphers,
    serverCipherOrder: r.serverCipherOrder,
    renegotiation: r.renegotiation,
    resumption: { sessionId: r.resumption.sessionId, tickets: r.resumption.tickets, tls13Tickets: r.resumption.tls13Tickets },
    certificate: r.certificate?.chain[0]?.fingerprint256,
    sni: r.sni,
    alpn: r.alpn,
    fallbackScsv: r.fallbackScsv,
    findings: r.findings.map((f) => f.id).sort(),
    diagnoses: r.diagnoses?.map((d) => d.id),
  };
}

describe('the check on a long path', () => {
  it('plans the default deadline from the round trip: 40 of them, 10 s to 60 s', () => {
    expect(adaptiveTimeoutMs(0)).toBe(10_000);
    expect(adaptiveTimeoutMs(200)).toBe(10_000);
    expect(adaptiveTimeoutMs(300)).toBe(12_000);
    expect(adaptiveTimeoutMs(5_000)).toBe(60_000);
  });

  it('at 200 ms round trip gives the whole loopback result', async () => {
    const loopback = await runCheck(`127.0.0.1:${server.port}`, { sni: 'localhost' });
    expect(loopback.complete).toBe(true);
    const far = await relay(200);
    const result = await runCheck(`127.0.0.1:${far.port}`, { sni: 'localhost', timeoutMs: 30_000 });
    expect(result.incomplete).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.probeErrors).toBeUndefined();
    expect(verdicts(result)).toEqual(verdicts(loopback));
    expect(result.ciphers['TLSv1.2']?.length).toBeGreaterThan(10);
    // Every connection went through the relay: the round trips were real.
    expect(far.connections()).toBeGreaterThan(20);
  });

  it('cut by a short deadline: says which probes did not finish, and claims nothing it did not see', async () => {
    const far = await relay(200);
    // Enough for the version hellos (two round trips), not for the cipher chains or resumption.
    const result = await runCheck(`127.0.0.1:${far.port}`, { sni: 'localhost', timeoutMs: 1_500 });
    expect(result.error).toBeNull();
    expect(result.protocols['TLSv1.2']).toBe(true);
    expect(result.complete).toBe(false);
    const cut = new Map(result.incomplete?.map((i) => [i.probe, i.reason]));
    expect([...cut.keys()]).toEqual(expect.arrayContaining(['ciphers', 'resumption']));
    for (const reason of cut.values()) expect(reason).toMatch(/^deadline reached after 1\.5 s/);
    expect(cut.get('ciphers')).toMatch(/suites found so far \(the list may be longer\)/);
    // A deadline is not a bug in a probe.
    expect(result.probeErrors).toBeUndefined();
    // A cut list is never presented with an order it did not establish.
    for (const v of ['TLSv1.2', 'TLSv1.3'] as const) expect(result.serverCipherOrder?.[v] ?? null).not.toBe(true);
    // Both renderers say so.
    const text = renderCheck(result);
    expect(text).toMatch(/Incomplete: .*ciphers.* did not finish/);
    expect(text).toMatch(/ciphers: deadline reached after 1\.5 s/);
    expect(verdictLine(result)).toMatch(/incomplete: .*ciphers/);
  });
});
