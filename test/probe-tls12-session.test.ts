// Our own TLS 1.2 handshake (codec/tls12-handshake.ts, tls12-session.ts): its PRF against
// OpenSSL's, real servers that complete it and then resume what it left, the servers it leaves to
// node:tls, and bytes no server should send.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_HANDSHAKE_BYTES, prf, Tls12Handshake, type Tls12Session } from '../src/probe/codec/tls12-handshake.js';
import { resumedBy, resumptionOffer, type OfferKind } from '../src/probe/codec/resumption-hello.js';
import { ownTls12Session } from '../src/probe/tls12-session.js';
import { sendHello } from '../src/probe/raw-hello.js';
import { ownSessionFacts, run as resumption } from '../src/probe/resumption.js';
import { keepServers, startGnutlsServ, startNodeTls, startRawPeer, startSServer, tempDir, type KeyPair } from './helpers/servers.js';
import { loopbackCtx } from './helpers/probe-ctx.js';

const keep = keepServers();

/** A self-signed P-256 certificate for localhost, for the ECDSA suites. */
function ecdsaCert(): KeyPair {
  const dir = tempDir();
  const keyFile = join(dir, 'ec-key.pem');
  const certFile = join(dir, 'ec-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', '/CN=localhost'], { stdio: 'ignore', timeout: 20_000 });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

/** A record of `type` around `body`. */
const rec = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
/** A handshake message of `type` around `body` (under 64 KiB). */
const hsMsg = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, 0, body.length >> 8, body.length & 0xff]), body]);
/** A ServerHello record of `version` choosing `cipher`, no extensions. */
const serverHello = (version: number, cipher: number): Buffer => {
  const body = Buffer.alloc(2 + 32 + 1 + 2 + 1);
  body.writeUInt16BE(version, 0);
  body.writeUInt16BE(cipher, 35);
  return rec(22, hsMsg(2, body));
};

/** Whether the server resumes `session` when it is offered again as a hand-built hello. */
async function resumes(port: number, kind: OfferKind, session: Tls12Session): Promise<boolean | null> {
  const offer = resumptionOffer(kind, ownSessionFacts(session), 'localhost');
  if (!offer) return null;
  const answer = await sendHello(loopbackCtx(port), offer.hello);
  return answer.kind === 'server-hello' ? resumedBy(offer, answer) : null;
}

const session = (outcome: Awaited<ReturnType<typeof ownTls12Session>>): Tls12Session => {
  if (outcome === null || outcome === 'unsupported') throw new Error(`no session: ${String(outcome)}`);
  return outcome;
};

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  // Expected values from OpenSSL 3.0's own TLS1-PRF: `openssl kdf -keylen N -kdfopt digest:SHA256
  // -kdfopt hexsecret:0102…10 -kdfopt seed:"master secret" -kdfopt hexseed:a0a1a2a3 TLS1-PRF`.
  const secret = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
  const seed = Buffer.from('a0a1a2a3', 'hex');
  it('matches OpenSSL with SHA-256 (48 bytes, two blocks)', () => {
    expect(prf('sha256', secret, 'master secret', seed, 48).toString('hex')).toBe('0615930beaff23d4e5346910799dcc083ef102d6719e94f7a5ec242bdfd39337f9b3bea14f368454218f5a8ec3fb6048');
  });
  it('matches OpenSSL with SHA-384 (40 bytes, one block cut)', () => {
    expect(prf('sha384', secret, 'key expansion', seed, 40).toString('hex')).toBe('af4f8fda2c7932d6f3a5729c6d58c4ff0adf2d2f506ce234c134232c670d1902141107b27e99df68');
  });
});

describe('our TLS 1.2 handshake against real servers', () => {
  it('OpenSSL (AES-128-GCM, x25519): a ticket and a cached ID, each resumed when offered again', async () => {
    const srv = await keep(startSServer());
    const ticketed = session(await ownTls12Session(loopbackCtx(srv.port), true));
    expect(ticketed.cipher).toBe(0xc02f);
    expect(ticketed.extendedMasterSecret).toBe(true);
    expect(ticketed.ticket?.length).toBeGreaterThan(32);
    expect(await resumes(srv.port, 'ticket', ticketed)).toBe(true);
    const byId = session(await ownTls12Session(loopbackCtx(srv.port), false));
    expect(byId.ticket).toBeNull();
    expect(byId.sessionId.length).toBe(32);
    expect(await resumes(srv.port, 'sessionId', byId)).toBe(true);
  });

  it('OpenSSL with ChaCha20-Poly1305 only, on P-384', async () => {
    const srv = await keep(startSServer(['-no_tls1_3', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305', '-groups', 'P-384']));
    const s = session(await ownTls12Session(loopbackCtx(srv.port), false));
    expect(s.cipher).toBe(0xcca8);
    expect(await resumes(srv.port, 'sessionId', s)).toBe(true);
  });

  it('OpenSSL with an ECDSA certificate and AES-256-GCM (SHA-384 PRF)', async () => {
    const srv = await keep(startSServer(['-no_tls1_3', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384'], ecdsaCert()));
    const s = session(await ownTls12Session(loopbackCtx(srv.port), true));
    expect(s.cipher).toBe(0xc02c);
    expect(await resumes(srv.port, 'ticket', s)).toBe(true);
  });

  it('GnuTLS, which asks for a client certificate: answered with none, as node:tls does', async () => {
    const srv = await keep(startGnutlsServ());
    const s = session(await ownTls12Session(loopbackCtx(srv.port), false));
    expect(await resumes(srv.port, 'sessionId', s)).toBe(true);
  });

  it('node:tls: no session cache, so the ID is not resumed; the ticket is', async () => {
    const srv = await keep(startNodeTls());
    const byId = session(await ownTls12Session(loopbackCtx(srv.port), false));
    expect(await resumes(srv.port, 'sessionId', byId)).toBe(false);
    const ticketed = session(await ownTls12Session(loopbackCtx(srv.port), true));
    expect(await resumes(srv.port, 'ticket', ticketed)).toBe(true);
  });
});

describe('what it leaves to node:tls', () => {
  it.each([
    ['TLS 1.0 only', ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']],
    ['CBC suites with RSA key exchange only', ['-no_tls1_3', '-cipher', 'AES128-SHA']],
    ['a required client certificate', ['-Verify', '1']],
  ])('%s: unsupported', async (_name, args) => {
    const srv = await keep(startSServer(args));
    expect(await ownTls12Session(loopbackCtx(srv.port), true)).toBe('unsupported');
  });

  it('the resumption probe still reads a CBC-only server, through node:tls', async () => {
    const srv = await keep(startSServer(['-no_tls1_3', '-cipher', 'AES128-SHA']));
    expect(await resumption(loopbackCtx(srv.port))).toMatchObject({ sessionId: true, tickets: true, consistent: true });
  });

  it('a server the version probe found without TLS 1.2: straight to node:tls, the verdict as before', async () => {
    const srv = await keep(startSServer(['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']));
    const feed = vi.spyOn(Tls12Handshake.prototype, 'feed');
    try {
      const protocols = { SSLv2: false, SSLv3: false, TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };
      expect(await resumption(loopbackCtx(srv.port, { protocols }))).toMatchObject({ sessionId: true, tickets: true, tls13Tickets: null });
      expect(feed).not.toHaveBeenCalled();
    } finally {
      feed.mockRestore();
    }
  });

  it('a server whose flight never ends (an endless certificate): given up at 256 KiB, not buffered on', async () => {
    let written = 0;
    const peer = await keep(startRawPeer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        // A ServerHello, then a Certificate message that claims 16 MB, fed in 16 KiB records until the client hangs up.
        socket.write(Buffer.concat([serverHello(0x0303, 0xc02f), Buffer.from([22, 3, 3, 0x40, 0x00, 11, 0xff, 0xff, 0xff]), Buffer.alloc(0x4000 - 4)]));
        const more = (): void => {
          while (!socket.destroyed && written < 4 * MAX_HANDSHAKE_BYTES) {
            written += 0x4005;
            if (!socket.write(Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000)]))) return void socket.once('drain', more);
          }
        };
        more();
      });
    }));
    // Without the cap it would wait on the 16 MB message until the deadline (null).
    expect(await ownTls12Session(loopbackCtx(peer.port), true)).toBe('unsupported');
  });

  it('nothing listening: no session, and nothing for node:tls to retry', async () => {
    const srv = await startNodeTls();
    await srv.stop();
    expect(await ownTls12Session(loopbackCtx(srv.port), true)).toBeNull();
  });
});

describe('hostile or broken answers (pure)', () => {
  const hs = (): Tls12Handshake => new Tls12Handshake('localhost', true);

  it('a fatal alert, an old version, a suite we did not offer, an oversized record, an HTTP answer: unsupported, never a throw', () => {
    expect(hs().feed(rec(21, Buffer.from([2, 40]))).kind).toBe('unsupported');
    expect(hs().feed(serverHello(0x0301, 0xc02f))).toMatchObject({ kind: 'unsupported', why: 'not TLS 1.2' });
    expect(hs().feed(serverHello(0x0303, 0x002f))).toMatchObject({ kind: 'unsupported', why: 'suite 0x2f' });
    expect(hs().feed(Buffer.from([22, 3, 3, 0xff, 0xff]))).toMatchObject({ kind: 'unsupported', why: 'record length 65535 exceeds the TLS maximum' });
    expect(hs().feed(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toMatchObject({ kind: 'unsupported', why: expect.stringMatching(/^not a TLS record header/) as unknown });
  });

  it('a warning before the flight ends is not a refusal; ServerHelloDone without a key exchange is', () => {
    const h = hs();
    expect(h.feed(rec(21, Buffer.from([1, 112]))).kind).toBe('need-more');
    expect(h.feed(serverHello(0x0303, 0xc02f)).kind).toBe('need-more');
    expect(h.feed(rec(22, hsMsg(14, Buffer.alloc(0))))).toMatchObject({ kind: 'unsupported', why: 'no ServerHello or ServerKeyExchange' });
  });

  it('random bytes after a ServerHello, in any split: an answer, never a throw', () => {
    for (let i = 0; i < 200; i++) {
      const h = hs();
      const junk = Buffer.from(Array.from({ length: 1 + (i * 37) % 300 }, (_, j) => (i * 31 + j * 17) & 0xff));
      const bytes = Buffer.concat([serverHello(0x0303, 0xc02f), junk]);
      let last: ReturnType<Tls12Handshake['feed']> = { kind: 'need-more' };
      for (let at = 0; at < bytes.length && last.kind === 'need-more'; at += 7) last = h.feed(bytes.subarray(at, at + 7));
      expect(['need-more', 'unsupported']).toContain(last.kind);
    }
  });

  it('a flight past MAX_HANDSHAKE_BYTES ends the handshake, whatever it claims to be', () => {
    const h = hs();
    expect(h.feed(serverHello(0x0303, 0xc02f)).kind).toBe('need-more');
    // A Certificate message that claims 16 MB, in full 16 KiB records.
    expect(h.feed(Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00, 11, 0xff, 0xff, 0xff]), Buffer.alloc(0x4000 - 4)])).kind).toBe('need-more');
    let last: ReturnType<Tls12Handshake['feed']> = { kind: 'need-more' };
    for (let i = 0; i < 100 && last.kind === 'need-more'; i++) last = h.feed(Buffer.concat([Buffer.from([22, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000)]));
    expect(last).toMatchObject({ kind: 'unsupported', why: `more than ${MAX_HANDSHAKE_BYTES} bytes without finishing the handshake` });
  });

  it('a ServerHello whose lengths point past its end: unsupported, never a throw', () => {
    const body = Buffer.alloc(40);
    body.writeUInt16BE(0x0303, 0);
    body[34] = 255; // a session ID longer than the message
    expect(hs().feed(rec(22, hsMsg(2, body)))).toMatchObject({ kind: 'unsupported' });
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 38 + (i % 60) }, (_, j) => (i * 13 + j * 29) & 0xff));
      junk.writeUInt16BE(0x0303, 0);
      expect(['need-more', 'unsupported']).toContain(hs().feed(rec(22, hsMsg(2, junk))).kind);
    }
  });
});
