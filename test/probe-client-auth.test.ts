import { describe, expect, it } from 'vitest';
import { formatDistinguishedName, parseCertificateRequest } from '../src/probe/codec/certificate-request.js';
import { clientAuthFrom, requiredFrom } from '../src/probe/client-auth.js';
import { run as certificateProbe } from '../src/probe/certificate.js';
import { run as clientRenegotiation } from '../src/probe/client-renegotiation.js';
import { run as resumption } from '../src/probe/resumption.js';
import { createPki } from './helpers/pki.js';
import { keepServers } from './helpers/servers.js';
import { startApache, startNginx } from './helpers/stacks.js';
import { loopbackCtx } from './helpers/probe-ctx.js';
import { deriveFindings, diagnose } from '../src/diagnose/index.js';
import { renderCheck } from '../src/format/cli-text.js';
import { summaryFields } from '../src/format/slack-result.js';
import type { CheckResult } from '../src/types.js';
import { modernServer } from './fixtures/results/base.js';

const keep = keepServers();
const pki = createPki();
const ROOT = 'O=tlscheck tests, CN=tlscheck Test Root';

/** DER of a Name with one RDN per [oid, value] (UTF8String values). */
function name(attrs: Array<[number[], string]>): Buffer {
  const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const rdns = attrs.map(([oid, value]) => tlv(0x31, tlv(0x30, Buffer.concat([tlv(0x06, Buffer.from(oid)), tlv(0x0c, Buffer.from(value))]))));
  return tlv(0x30, Buffer.concat(rdns));
}
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const O = [0x55, 0x04, 0x0a];
const CN = [0x55, 0x04, 0x03];

describe('CertificateRequest codec (pure)', () => {
  const ca = name([[O, 'Example'], [CN, 'Example Client CA']]);
  const cas = Buffer.concat([u16(ca.length), ca]);

  it('formats distinguished names in encoded order', () => {
    expect(formatDistinguishedName(ca)).toBe('O=Example, CN=Example Client CA');
  });

  it('reads a TLS 1.2 request: types, signature algorithms, CA names', () => {
    const body = Buffer.concat([Buffer.from([2, 1, 64]), u16(4), Buffer.from([4, 1, 8, 4]), u16(cas.length), cas]);
    expect(parseCertificateRequest(body, 'TLSv1.2')).toEqual({ caNames: ['O=Example, CN=Example Client CA'], signatureAlgorithms: [0x0401, 0x0804] });
    // TLS 1.0/1.1 have no signature algorithms field.
    expect(parseCertificateRequest(Buffer.concat([Buffer.from([1, 1]), u16(cas.length), cas]), 'legacy')?.caNames).toEqual(['O=Example, CN=Example Client CA']);
  });

  it('reads a TLS 1.3 request from its extensions; an empty CA list means any CA', () => {
    const sigalgs = Buffer.concat([u16(13), u16(4), u16(2), u16(0x0804)]);
    const authorities = Buffer.concat([u16(47), u16(cas.length + 2), u16(cas.length), cas]);
    const extensions = Buffer.concat([sigalgs, authorities]);
    expect(parseCertificateRequest(Buffer.concat([Buffer.from([0]), u16(extensions.length), extensions]), 'TLSv1.3'))
      .toEqual({ caNames: ['O=Example, CN=Example Client CA'], signatureAlgorithms: [0x0804] });
    expect(parseCertificateRequest(Buffer.concat([Buffer.from([0]), u16(sigalgs.length), sigalgs]), 'TLSv1.3')?.caNames).toEqual([]);
  });

  it('gives null for truncated bodies instead of throwing', () => {
    expect(parseCertificateRequest(Buffer.from([5, 1]), 'TLSv1.2')).toBeNull();
    expect(parseCertificateRequest(Buffer.from([0, 0, 9]), 'TLSv1.3')).toBeNull();
  });
});

describe('required or optional (pure)', () => {
  it('an alert after the handshake, or a refusal page, means required', () => {
    expect(requiredFrom({ alert: { level: 'fatal', description: 116, source: 'openssl' }, response: '' })).toMatchObject({ required: true });
    expect(requiredFrom({ alert: null, response: 'HTTP/1.1 400 Bad Request\r\n\r\n<center>No required SSL certificate was sent</center>' })).toMatchObject({ required: true });
  });
  it('a normal answer means optional; silence or an unexplained error means unknown', () => {
    expect(requiredFrom({ alert: null, response: 'HTTP/1.1 200 OK\r\n\r\nhello' })).toMatchObject({ required: false });
    expect(requiredFrom({ alert: null, response: '' })).toMatchObject({ required: null });
    expect(requiredFrom({ alert: null, response: 'HTTP/1.1 403 Forbidden\r\n\r\n' })).toMatchObject({ required: null });
  });
  it('no CertificateRequest: not requested', () => {
    expect(clientAuthFrom(null, { required: null })).toEqual({ requested: false, required: false, caNames: [], reason: null });
  });
});

const nginxMtls = (mode: string, protocols = 'TLSv1.2 TLSv1.3'): ReturnType<typeof startNginx> =>
  startNginx({ server: [`ssl_client_certificate ${pki.root.certFile};`, `ssl_verify_client ${mode};`, `ssl_protocols ${protocols};`] });

describe('client certificates on real servers', () => {
  it('nginx ssl_verify_client on (TLS 1.3, request inside the encrypted flight): required, CA named', async () => {
    const srv = await keep(nginxMtls('on'));
    const result = await certificateProbe(loopbackCtx(srv.port));
    expect(result.certificate).not.toBeNull();
    expect(result.clientAuth).toMatchObject({ requested: true, required: true, caNames: [ROOT] });
    expect(result.clientAuth?.reason).toMatch(/HTTP answers 400.*No required SSL certificate was sent/);
  });

  it('nginx ssl_verify_client on, TLS 1.2 only (request in the clear)', async () => {
    const srv = await keep(nginxMtls('on', 'TLSv1.2'));
    expect((await certificateProbe(loopbackCtx(srv.port))).clientAuth).toMatchObject({ requested: true, required: true, caNames: [ROOT] });
  });

  it('nginx ssl_verify_client optional: requested, not required', async () => {
    const srv = await keep(nginxMtls('optional'));
    expect((await certificateProbe(loopbackCtx(srv.port))).clientAuth).toMatchObject({ requested: true, required: false, caNames: [ROOT] });
  });

  it('nginx without client authentication: not requested', async () => {
    const srv = await keep(startNginx());
    expect((await certificateProbe(loopbackCtx(srv.port))).clientAuth).toMatchObject({ requested: false, required: false, caNames: [] });
  });

  it('Apache SSLVerifyClient require: required (alert 116 after a TLS 1.3 handshake); renegotiation unknown, with the reason', async () => {
    const srv = await keep(startApache({ vhost: ['SSLVerifyClient require', `SSLCACertificateFile ${pki.root.certFile}`] }));
    const ctx = loopbackCtx(srv.port);
    const result = await certificateProbe(ctx);
    expect(result.certificate).not.toBeNull();
    expect(result.clientAuth).toMatchObject({ requested: true, required: true, caNames: [ROOT] });
    expect(result.clientAuth?.reason).toMatch(/alert 116 certificate_required/);
    ctx.protocols = { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true };
    const reneg = await clientRenegotiation(ctx);
    expect(reneg).toMatchObject({ clientInitiated: 'unknown' });
    expect(reneg.reason).toMatch(/client certificate is required.*alert 40 handshake_failure/);
    // Refused after the handshake, so no ticket: resumption is untestable, not "no".
    expect(await resumption(ctx)).toMatchObject({ sessionId: null, tickets: null, tls13Tickets: null, consistent: null });
  });

  it('Apache SSLVerifyClient require on TLS 1.2 only: the refused handshake still shows the request', async () => {
    const srv = await keep(startApache({ vhost: ['SSLVerifyClient require', `SSLCACertificateFile ${pki.root.certFile}`, 'SSLProtocol -all +TLSv1.2'] }));
    const result = await certificateProbe(loopbackCtx(srv.port));
    expect(result.clientAuth).toMatchObject({ requested: true, required: true, caNames: [ROOT] });
    expect(result.clientAuth?.reason).toMatch(/alert 40 handshake_failure/);
  });
});

describe('client certificates in the CLI, Slack and the diagnosis', () => {
  const mtls = (required: boolean | null): CheckResult => {
    const r = modernServer({ clientAuth: { requested: true, required, caNames: [ROOT], reason: 'the handshake completes, but HTTP answers 400: "No required SSL certificate was sent"' } });
    r.findings = deriveFindings(r);
    r.diagnoses = diagnose(r);
    return r;
  };

  it('the diagnosis names the CAs, the client fixes (curl, Node, Java keystore) and the server side', () => {
    const d = mtls(true).diagnoses?.find((x) => x.id === 'client-certificate-rejected');
    expect(d?.severity).toBe('warning');
    expect(d?.why).toContain(`The server requires a client certificate`);
    expect(d?.why).toContain(ROOT);
    expect(d?.fixes.openssl?.join('\n')).toMatch(/curl --cert client\.pem --key client\.key/);
    expect(d?.fixes['node-client']?.join('\n')).toMatch(/tls\.connect\(\{.*cert: .*key: /);
    expect(d?.fixes['java-client']?.join('\n')).toMatch(/javax\.net\.ssl\.keyStore=client\.p12/);
    expect(d?.fixes.nginx?.join('\n')).toMatch(/ssl_verify_client optional/);
    expect(d?.fixes.apache?.join('\n')).toMatch(/SSLVerifyClient optional/);
    expect(d?.reproduce).toMatch(/Acceptable client certificate CA names/);
  });

  it('an optional request is information, and a server that asks for none gets no such diagnosis', () => {
    expect(mtls(false).findings.find((f) => f.id === 'client-certificate-rejected')?.severity).toBe('info');
    const plain = modernServer({ clientAuth: { requested: false, required: false, caNames: [] } });
    expect(deriveFindings(plain).some((f) => f.id === 'client-certificate-rejected')).toBe(false);
  });

  it('the CLI and Slack say required and list the CAs', () => {
    expect(renderCheck(mtls(true))).toMatch(new RegExp(`Client cert: +required — CAs: ${ROOT}`));
    expect(renderCheck(modernServer({ clientAuth: { requested: false, required: false, caNames: [] } }))).toMatch(/Client cert: +not requested/);
    expect(summaryFields(mtls(true)).join('\n')).toContain(`client certificate: *required* (CAs: ${ROOT})`);
  });
});
