// OCSP responses the test PKI cannot make on its own: "unknown" from an index without the
// certificate, and a stale response (its times moved into the past, signed again by the issuer).
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Issued, Pki } from './pki.js';
import { tempDir } from './servers.js';

/**
 * A DER OCSP response from the intermediate about `leaf`, answered from an index with no entry
 * for it: status unknown (RFC 6960 §2.2), correctly signed by the issuer.
 */
export function ocspUnknownResponse(pki: Pki, leaf: Issued): string {
  const dir = tempDir();
  const index = join(dir, 'index.txt');
  writeFileSync(index, '');
  const req = join(dir, 'req.der');
  const resp = join(dir, `${leaf.name}-unknown.ocsp-resp.der`);
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  };
  openssl(['ocsp', '-issuer', pki.intermediate.certFile, '-cert', leaf.certFile, '-no_nonce', '-reqout', req]);
  openssl(['ocsp', '-index', index, '-rsigner', pki.intermediate.certFile, '-rkey', pki.intermediate.keyFile,
    '-CA', pki.intermediate.certFile, '-reqin', req, '-respout', resp, '-ndays', '7']);
  return resp;
}

/** One DER element: its tag, where its content starts and where the element ends. */
interface Tlv {
  tag: number;
  /** Where its header starts. */
  at: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, at: number): Tlv {
  const tag = buf[at] as number;
  let len = buf[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = buf.readUIntBE(at + 2, n);
    start += n;
  }
  return { tag, at, start, end: start + len };
}

/** The elements inside a constructed one. */
function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; at = out[out.length - 1]?.end ?? parent.end) out.push(readTlv(buf, at));
  return out;
}

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

/** YYYYMMDDHHMMSSZ (GeneralizedTime as OCSP uses it). */
function generalizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Signature algorithm OIDs openssl ocsp signs with → the hash node:crypto needs. */
const HASH_OF: Record<string, string> = {
  '2a8648ce3d040302': 'sha256', // ecdsa-with-SHA256
  '2a8648ce3d040303': 'sha384', // ecdsa-with-SHA384
  '2a864886f70d01010b': 'sha256', // sha256WithRSAEncryption
  '2a8648ce3d0401': 'sha1', // ecdsa-with-SHA1
  '2a864886f70d010105': 'sha1', // sha1WithRSAEncryption
};

/**
 * A stale OCSP response: a real one from `openssl ocsp` (which cannot back-date: its -ndays and
 * -nmin only take positive numbers) with every time in it moved `shiftMs` into the past, signed
 * again with the issuer's key. What a server staples when it stopped refreshing its response.
 */
export function ocspStaleResponse(pki: Pki, leaf: Issued, shiftMs: number): string {
  const orig = readFileSync(pki.ocspResponse(leaf));
  const top = readTlv(orig, 0);
  const [status, wrapped] = children(orig, top);
  if (!status || !wrapped) throw new Error('OCSP response without responseBytes');
  const [bytes] = children(orig, wrapped);
  const [oid, octets] = bytes ? children(orig, bytes) : [];
  if (!oid || !octets) throw new Error('OCSP responseBytes malformed');
  const basicTlv = readTlv(orig, octets.start);
  const [tbs, sigAlg, , ...certs] = children(orig, basicTlv);
  if (!tbs || !sigAlg) throw new Error('BasicOCSPResponse malformed');

  // Every GeneralizedTime (tag 0x18, 15 bytes) in the signed data: producedAt, thisUpdate, nextUpdate.
  const tbsBytes = Buffer.from(orig.subarray(tbs.at, tbs.end));
  for (let i = 0; i + 17 <= tbsBytes.length; i++) {
    if (tbsBytes[i] !== 0x18 || tbsBytes[i + 1] !== 15) continue;
    const text = tbsBytes.subarray(i + 2, i + 17).toString('latin1');
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) continue;
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    tbsBytes.write(generalizedTime(t - shiftMs), i + 2, 'latin1');
    i += 16;
  }
  const algOid = children(orig, sigAlg)[0];
  const hash = algOid ? HASH_OF[orig.subarray(algOid.start, algOid.end).toString('hex')] : undefined;
  if (!hash) throw new Error('unknown OCSP signature algorithm');
  const signature = sign(hash, tbsBytes, createPrivateKey(pki.intermediate.key));

  const raw = (t: Tlv): Buffer => orig.subarray(t.at, t.end);
  const basic = der(0x30, Buffer.concat([tbsBytes, raw(sigAlg), der(0x03, Buffer.concat([Buffer.from([0]), signature])), ...certs.map(raw)]));
  const out = der(0x30, Buffer.concat([raw(status), der(0xa0, der(0x30, Buffer.concat([raw(oid), der(0x04, basic)])))]));
  const file = join(tempDir(), `${leaf.name}-stale.ocsp-resp.der`);
  writeFileSync(file, out);
  return file;
}
