import { describe, expect, it } from 'vitest';
import { refusalReason, run, verdict, type StepObservation } from '../src/probe/client-renegotiation.js';
import { alertFromOpenSslError } from '../src/probe/tls-alerts.js';
import { keepServers, startGnutlsServ, startNodeTls, startSServer } from './helpers/servers.js';
import { startProxy } from './helpers/tcp-proxy.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const keep = keepServers();

const step = (o: Partial<StepObservation>): StepObservation => ({
  completed: false, timedOut: false, error: null, records: [], eof: false, netError: null, closed: false, ...o,
});

describe('refusal reasons (pure)', () => {
  it('names the warning no_renegotiation alert from OpenSSL\'s error', () => {
    const err = Object.assign(new Error('no renegotiation'), { code: 'ERR_SSL_NO_RENEGOTIATION' });
    expect(refusalReason(step({ error: err, records: [{ type: 21, length: 26 }] }))).toBe('warning alert 100 no_renegotiation');
  });
  it('names fatal alerts from "SSL alert number" and from the packed error code', () => {
    const numbered = new Error('C0:error:0A00040A:SSL routines:ssl3_read_bytes:sslv3 alert unexpected message:rec_layer_s3.c:1605:SSL alert number 10');
    expect(refusalReason(step({ error: numbered }))).toBe('fatal alert 10 unexpected_message');
    const packedOnly = new Error('C0:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure');
    expect(alertFromOpenSslError(packedOnly)).toEqual({ level: 'fatal', description: 40, source: 'openssl' });
  });
  it('does not invent an alert from a local OpenSSL error', () => {
    const local = new Error('C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
    expect(alertFromOpenSslError(local)).toBeNull();
    expect(refusalReason(step({ error: local }))).toBe('error: C0:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
  });
  it('prefers a cleartext alert record over inference', () => {
    expect(refusalReason(step({ records: [{ type: 21, length: 2, alert: { level: 'fatal', description: 40, source: 'record' } }], eof: true })))
      .toBe('fatal alert 40 handshake_failure');
  });
  it('tells reset, close, close after an alert, and timeout apart', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(refusalReason(step({ netError: reset, closed: true }))).toBe('connection reset');
    expect(refusalReason(step({ eof: true }))).toBe('connection closed');
    expect(refusalReason(step({ eof: true, records: [{ type: 21, length: 26 }] }))).toBe('connection closed after an encrypted alert (likely close_notify)');
    expect(refusalReason(step({ timedOut: true }))).toBe('timeout');
  });
  it('only says accepted when every round was honoured', () => {
    expect(verdict(10, null)).toEqual({ clientInitiated: 'accepted', acceptedCount: 10, reason: null });
    expect(verdict(9, 'connection closed')).toEqual({ clientInitiated: 'limited', acceptedCount: 9, reason: 'connection closed' });
    expect(verdict(0, 'timeout')).toEqual({ clientInitiated: 'rejected', acceptedCount: 0, reason: 'timeout' });
  });
});

describe('client-initiated renegotiation against live servers', () => {
  it('s_server -client_renegotiation: accepted, all 10 honoured', async () => {
    const srv = await keep(startSServer(['-client_renegotiation']));
    expect(await run(loopbackCtx(srv.port))).toEqual({ secure: true, clientInitiated: 'accepted', acceptedCount: 10, reason: null, protocol: 'TLSv1.2' });
  });

  it('s_server default: rejected with a warning alert 100', async () => {
    const srv = await keep(startSServer());
    expect(await run(loopbackCtx(srv.port))).toEqual({
      secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: 'warning alert 100 no_renegotiation', protocol: 'TLSv1.2',
    });
  });

  it('s_server -no_renegotiation: rejected with a warning alert 100', async () => {
    const srv = await keep(startSServer(['-no_renegotiation']));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ clientInitiated: 'rejected', acceptedCount: 0, reason: 'warning alert 100 no_renegotiation' });
  });

  it('s_server -client_renegotiation on TLS 1.1 only: runs on the best older version', async () => {
    const srv = await keep(startSServer(['-client_renegotiation', '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ clientInitiated: 'accepted', acceptedCount: 10, protocol: 'TLSv1.1' });
  });

  it('node:tls server that drops the socket on its session-attack error: limited after 3', async () => {
    // tls.CLIENT_RENEG_LIMIT is 3; the error is only enforced when the app's handler ends the socket.
    const srv = await keep(startNodeTls({}, (s) => s.on('error', () => s.destroy())));
    expect(await run(loopbackCtx(srv.port))).toEqual({ secure: true, clientInitiated: 'limited', acceptedCount: 3, reason: 'connection closed', protocol: 'TLSv1.2' });
  });

  it('node:tls server with disableRenegotiation(): rejected, connection closed', async () => {
    const srv = await keep(startNodeTls({}, (s) => {
      s.disableRenegotiation();
      s.on('error', () => s.destroy());
    }));
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ clientInitiated: 'rejected', acceptedCount: 0, reason: 'connection closed' });
  });

  it('gnutls-serv (accepts safe renegotiation): accepted', async () => {
    const srv = await keep(startGnutlsServ());
    expect(await run(loopbackCtx(srv.port))).toMatchObject({ clientInitiated: 'accepted', acceptedCount: 10 });
  });

  it('gnutls-serv without RFC 5746: reached anyway, insecure renegotiation accepted', async () => {
    const srv = await keep(startGnutlsServ(['--priority', 'NORMAL:%DISABLE_SAFE_RENEGOTIATION']));
    expect(await run(loopbackCtx(srv.port))).toEqual({ secure: false, clientInitiated: 'accepted', acceptedCount: 10, reason: null, protocol: 'TLSv1.2' });
  });

  it('TLS 1.3-only server: not-applicable (probed, no protocol map given)', async () => {
    const srv = await keep(startSServer(['-tls1_3']));
    const result = await run(loopbackCtx(srv.port));
    expect(result).toMatchObject({ secure: null, clientInitiated: 'not-applicable', acceptedCount: 0, protocol: 'TLSv1.3' });
    expect(result.reason).toContain('protocol_version');
  });

  it('TLS 1.3-only per the orchestrator\'s protocol map: not-applicable without connecting', async () => {
    const ctx = loopbackCtx(1, { protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true } });
    expect(await run(ctx)).toMatchObject({ clientInitiated: 'not-applicable' });
  });

  it('a server that never answers the renegotiation: rejected, timeout', async () => {
    const backend = await keep(startSServer(['-client_renegotiation']));
    const proxy = await keep(startProxy([backend.port], 'drop'));
    const result = await run(loopbackCtx(proxy.port, { connectTimeoutMs: 3000 }));
    expect(result).toEqual({ secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: 'timeout', protocol: 'TLSv1.2' });
  });

  it('a peer that resets on renegotiation: rejected, connection reset', async () => {
    const backend = await keep(startSServer(['-client_renegotiation']));
    const proxy = await keep(startProxy([backend.port], 'reset'));
    expect(await run(loopbackCtx(proxy.port))).toMatchObject({ clientInitiated: 'rejected', acceptedCount: 0, reason: 'connection reset' });
  });

  it('nothing listening: unknown, never accepted', async () => {
    const closed = await startNodeTls();
    const port = closed.port;
    await closed.stop();
    const result = await run(loopbackCtx(port));
    expect(result.clientInitiated).toBe('unknown');
    expect(result.acceptedCount).toBe(0);
  });
});
