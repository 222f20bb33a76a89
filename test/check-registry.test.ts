// The probe registry drives the check: every registered probe runs and is counted in progress,
// and a result from a real server carries each probe's fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type ProgressEvent } from '../src/check.js';
import { CIPHERS_PROBE, PROBES, VERSIONS_PROBE } from '../src/probe/registry.js';
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
    for (const p of PROBES) expect(['address', 'versions', 'ciphers', 'last']).toContain(p.phase);
    expect(PROBES).toContain(CIPHERS_PROBE);
    expect(CIPHERS_PROBE.phase).toBe('versions');
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
    expect(result.keyExchange?.curvesComplete).toBe(true);
    expect(result.middlebox?.largeHello).toBe('ok');
  });

  it("settles 'ciphers' probes only after the cipher probe, whose accepted suites they read", async () => {
    const events: ProgressEvent[] = [];
    const result = await runCheck(`127.0.0.1:${server.port}`, { sni: 'localhost', timeoutMs: 8_000, onProgress: (e) => events.push(e) });
    const after = PROBES.filter((p) => p.phase === 'ciphers').map((p) => p.name);
    expect(after.length).toBeGreaterThan(0);
    const ciphersDone = events.findIndex((e) => e.probe === CIPHERS_PROBE.name);
    for (const name of after) expect(events.findIndex((e) => e.probe === name)).toBeGreaterThan(ciphersDone);
    // The per-suite curves cover exactly the ECDHE suites the cipher probe accepted on TLS 1.2.
    const ecdhe = (result.ciphers['TLSv1.2'] ?? []).filter((s) => s.startsWith('TLS_ECDHE_'));
    expect(Object.keys(result.keyExchange?.curves ?? {}).sort()).toEqual(ecdhe.sort());
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
