// OCSP responses the test PKI cannot make on its own: built with `openssl ocsp` from an index file
// the test writes, so a responder can answer "unknown" for a certificate it never issued.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
