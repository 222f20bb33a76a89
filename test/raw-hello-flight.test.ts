// Reading on past a ServerHello to its ServerKeyExchange (the ECDHE curve of a suite) is a bonus:
// a server that stalls after its ServerHello costs a bounded wait, never the suite.
import { describe, expect, it } from 'vitest';
import { buildClientHello } from '../src/probe/codec/client-hello.js';
import { sendHello } from '../src/probe/raw-hello.js';
import * as ciphers from '../src/probe/ciphers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { keepServers } from './helpers/servers.js';
import { startFakeTls } from './fixtures/codec/fake-server.js';
import { pickRecord } from './fixtures/codec/tls-bytes.js';
import type { ProtocolMap } from '../src/types.js';

const keep = keepServers();
const ECDHE_RSA_AES128_GCM = 0xc02f;
const TLS12: ProtocolMap = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false };

/** Answers with a ServerHello for the first suite it supports, then says nothing more and keeps the connection open. */
function stallingServer(supported: readonly number[]) {
  return startFakeTls((h) => {
    if (h.kind !== 'tls') return null;
    const pick = supported.find((id) => h.hello.ciphers.includes(id));
    return pickRecord(pick);
  }, { stall: true });
}

describe('a server that stalls after its ServerHello', () => {
  // Connections may wait far longer than the test's own timeout: only the bounded flight wait ends them.
  const patient = { connectTimeoutMs: 120_000, budgetMs: 120_000 };

  it('a hello reading on for the flight still answers with the ServerHello', async () => {
    const s = await keep(stallingServer([ECDHE_RSA_AES128_GCM]));
    const ctx = loopbackCtx(s.port, patient);
    try {
      const hello = buildClientHello({ version: 'TLSv1.2', ciphers: [ECDHE_RSA_AES128_GCM], sni: 'localhost' });
      const outcome = await sendHello(ctx, hello, { flight: true });
      expect(outcome).toMatchObject({ kind: 'server-hello', cipher: ECDHE_RSA_AES128_GCM });
    } finally {
      ctx.abort();
    }
  });

  it('the cipher probe lists every suite it accepts, each curve left unknown', async () => {
    const supported = [ECDHE_RSA_AES128_GCM, 0xc030, 0x009c];
    const s = await keep(stallingServer(supported));
    const ctx = loopbackCtx(s.port, { ...patient, protocols: TLS12 });
    try {
      const r = await ciphers.run(ctx);
      expect(r.partial).toBeUndefined();
      expect([...(r.ciphers['TLSv1.2'] ?? [])].sort()).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_RSA_WITH_AES_128_GCM_SHA256'].sort());
    } finally {
      ctx.abort();
    }
  });
});
