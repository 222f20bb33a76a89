// TLS_FALLBACK_SCSV on stacks that refuse a flagged hello in different ways.
import { describe, expect, it } from 'vitest';
import { run as fallback } from '../src/probe/fallback-scsv.js';
import { run as protocols } from '../src/probe/protocols.js';
import { keepServers, startGnutlsServ } from './helpers/servers.js';
import { startLighttpd } from './helpers/stacks.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const keep = keepServers();

async function check(port: number): Promise<Awaited<ReturnType<typeof fallback>>> {
  const ctx = loopbackCtx(port);
  ctx.protocols = (await protocols(ctx)).protocols;
  return fallback(ctx);
}

describe('TLS_FALLBACK_SCSV across TLS stacks', () => {
  it('lighttpd + mod_gnutls closes without alert 86 (GnuTLS leaves the alert to the application): supported, decided from the contrast', async () => {
    const srv = await keep(startLighttpd('gnutls'));
    const result = await check(srv.port);
    expect(result).toMatchObject({ supported: true, protocol: 'TLSv1.2' });
    expect(result.refusal).toMatch(/^connection (closed|reset) without alert 86; the same hello without the SCSV is accepted$/);
  });

  it('gnutls-serv sends the alert itself', async () => {
    const srv = await keep(startGnutlsServ());
    expect(await check(srv.port)).toMatchObject({ supported: true, refusal: 'fatal alert 86 inappropriate_fallback' });
  });

  it('lighttpd + mod_openssl: alert 86 as usual', async () => {
    const srv = await keep(startLighttpd('openssl'));
    expect(await check(srv.port)).toMatchObject({ supported: true, refusal: 'fatal alert 86 inappropriate_fallback' });
  });
});
