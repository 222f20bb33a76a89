import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistency, run, RESUMPTION_ATTEMPTS } from '../src/probe/resumption.js';
import { keepServers, startNodeTls, startSServer } from './helpers/servers.js';
import { startProxy } from './helpers/tcp-proxy.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const keep = keepServers();
const all = (value: boolean): boolean[] => Array<boolean>(RESUMPTION_ATTEMPTS).fill(value);

describe('consistency (pure)', () => {
  it('is false as soon as one mechanism both resumed and did not', () => {
    expect(consistency({ sessionId: [true, true], tickets: [false, true] })).toBe(false);
    expect(consistency({ sessionId: [true, true], tickets: [false, false] })).toBe(true);
    expect(consistency({})).toBeNull();
  });
});

describe('resumption probe', () => {
  it('s_server with its session cache and tickets: every mechanism resumes every time', async () => {
    const srv = await keep(startSServer());
    expect(await run(loopbackCtx(srv.port))).toEqual({
      sessionId: true, tickets: true, tls13Tickets: true, consistent: true,
      attempts: { sessionId: all(true), tickets: all(true), tls13Tickets: all(true) },
    });
  });

  it('s_server -no_ticket: resumes by session ID; no TLS 1.2 ticket is issued', async () => {
    const srv = await keep(startSServer(['-no_ticket']));
    const result = await run(loopbackCtx(srv.port));
    expect(result).toMatchObject({ sessionId: true, tickets: false, consistent: true });
    expect(result.attempts?.sessionId).toEqual(all(true));
    // TLS 1.3 -no_ticket means stateful, single-use tickets: still resumes when each is used once.
    expect(result.tls13Tickets).toBe(true);
  });

  it('s_server -no_cache: tickets only', async () => {
    const srv = await keep(startSServer(['-no_cache']));
    const result = await run(loopbackCtx(srv.port));
    expect(result).toMatchObject({ sessionId: false, tickets: true, consistent: true });
    expect(result.attempts?.sessionId).toEqual(all(false));
  });

  it('node:tls server (no session cache, tickets on)', async () => {
    const srv = await keep(startNodeTls());
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ sessionId: false, tickets: true, tls13Tickets: true, consistent: true });
  });

  it('TLS 1.3-only server: TLS 1.2 mechanisms are not applicable', async () => {
    const srv = await keep(startSServer(['-tls1_3']));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ sessionId: null, tickets: null, tls13Tickets: true, consistent: true });
  });

  it('two backends with different ticket keys behind round-robin: inconsistent', async () => {
    const a = await keep(startNodeTls({ ticketKeys: randomBytes(48) }));
    const b = await keep(startNodeTls({ ticketKeys: randomBytes(48) }));
    const proxy = await keep(startProxy([a.port, b.port]));
    const result = await run(loopbackCtx(proxy.port));
    expect(result.consistent).toBe(false);
    // Attempts alternate between the backend that issued the ticket and the one that cannot read it.
    expect(result.attempts?.tickets).toEqual([false, true, false, true]);
    expect(result.attempts?.tls13Tickets?.filter(Boolean).length).toBe(2);
    expect(result).toMatchObject({ sessionId: false, tickets: true, tls13Tickets: true });
  });

  it('the same two backends sharing a ticket key: consistent', async () => {
    const key = randomBytes(48);
    const a = await keep(startNodeTls({ ticketKeys: key }));
    const b = await keep(startNodeTls({ ticketKeys: key }));
    const proxy = await keep(startProxy([a.port, b.port]));
    expect(await run(loopbackCtx(proxy.port))).toMatchObject({ tickets: true, tls13Tickets: true, consistent: true });
  });

  it('nothing listening: nothing known', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    expect(await run(loopbackCtx(srv.port))).toEqual({ sessionId: null, tickets: null, tls13Tickets: null, consistent: null, attempts: {} });
  });
});
