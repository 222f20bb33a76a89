// The probe registry drives the check: every registered probe runs and is counted in progress,
// and a result from a real server carries each probe's fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type ProgressEvent } from '../src/check.js';
import { PROBES, VERSIONS_PROBE } from '../src/probe/registry.js';
import { startNodeTls, type Running } from './helpers/servers.js';

let server: Running;
beforeAll(async () => {
  server = await startNodeTls({ minVersion: 'TLSv1.2' });
});
afterAll(async () => {
  await server?.stop();
});

describe('probe registry', () => {
  it('names each probe once and holds the version probe in the address phase', () => {
    const names = PROBES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(PROBES).toContain(VERSIONS_PROBE);
    expect(VERSIONS_PROBE.phase).toBe('address');
    for (const p of PROBES) expect(['address', 'versions', 'last']).toContain(p.phase);
  });

  it('runs every registered probe, counts progress from the registry, and applies each result', async () => {
    const events: ProgressEvent[] = [];
    const result = await runCheck(`127.0.0.1:${server.port}`, { sni: 'localhost', timeoutMs: 8_000, onProgress: (e) => events.push(e) });
    expect(result.error).toBeNull();
    expect(result.probeErrors).toBeUndefined();
    expect(events.map((e) => e.probe).sort()).toEqual(PROBES.map((p) => p.name).sort());
    expect(events.every((e) => e.total === PROBES.length)).toBe(true);
    expect(events.at(-1)?.done).toBe(PROBES.length);
    // One field per probe, as written by its apply.
    expect(result.protocols['TLSv1.2']).toBe(true);
    expect(result.protocols['TLSv1.1']).toBe(false);
    expect(result.ciphers['TLSv1.2']?.length).toBeGreaterThan(0);
    expect(result.certificate?.subject).toBeTruthy();
    expect(result.renegotiation.secure).toBe(true);
    expect(result.fallbackScsv).toBe(true);
    expect(result.sni.required).toBe(false);
    expect(result.resumption.tls13Tickets).toBe(true);
    expect(result.keyExchange?.postQuantum).toBe(false);
    expect(result.middlebox?.largeHello).toBe('ok');
  });

  it("starts 'last' probes only once every other probe has settled", async () => {
    const events: ProgressEvent[] = [];
    await runCheck(`127.0.0.1:${server.port}`, { sni: 'localhost', timeoutMs: 8_000, onProgress: (e) => events.push(e) });
    const last = new Set(PROBES.filter((p) => p.phase === 'last').map((p) => p.name));
    expect(last.size).toBeGreaterThan(0);
    // A 'last' probe's progress event can only come after every other probe's.
    const firstLast = events.findIndex((e) => last.has(e.probe));
    expect(events.slice(firstLast).every((e) => last.has(e.probe))).toBe(true);
  });
});
