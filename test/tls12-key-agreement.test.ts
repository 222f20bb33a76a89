// The own TLS 1.2 handshake's ECDHE half (codec/tls12-handshake.ts keyAgreement): the secret it
// derives is the server's, and its x25519 path survives garbage collection at any point. Node 20
// hangs for good when a KeyObject made by generateKeyPairSync is exported as JWK and a collection
// inside that export destroys the same key's KeyGenJob (futex wait under KeyGenJob::~KeyGenJob,
// called from ExportJWKEdKey): the first version did exactly that once per x25519 handshake.
// A child process with a 1 MB young generation collects every few hundred agreements, so a
// collection lands inside each step in turn; the old code hung within 15,000 in about half the
// runs, so a spy also checks that no generated key is exported as JWK at all.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { keyAgreement } from '../src/probe/codec/tls12-handshake.js';
import { GROUP } from '../src/probe/codec/groups.js';
import { assertFreshBuild } from './hardening-stack.js';
import { runNodeScript } from './helpers/node-script.js';

const BUILT = fileURLToPath(new URL('../dist/src/probe/codec/tls12-handshake.js', import.meta.url));
const AGREEMENTS = 15_000;

describe('keyAgreement', () => {
  it('derives the server\'s x25519 secret and sends a 32-byte public key', () => {
    const server = generateKeyPairSync('x25519');
    const serverPoint = server.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const ours = keyAgreement(GROUP.x25519, serverPoint);
    expect(ours?.publicKey).toHaveLength(32);
    const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: (ours?.publicKey ?? Buffer.alloc(0)).toString('base64url') }, format: 'jwk' });
    expect(diffieHellman({ privateKey: server.privateKey, publicKey: peer }).equals(ours?.secret ?? Buffer.alloc(0))).toBe(true);
  });

  it('derives the server\'s P-256 secret from an uncompressed point', () => {
    const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    // A P-256 SubjectPublicKeyInfo ends with the 65-byte uncompressed point.
    const point = server.publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    const ours = keyAgreement(GROUP.secp256r1, point);
    expect(ours?.publicKey[0]).toBe(4);
    const x = ours?.publicKey.subarray(1, 33).toString('base64url');
    const y = ours?.publicKey.subarray(33).toString('base64url');
    const peer = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    expect(diffieHellman({ privateKey: createPrivateKey(server.privateKey.export({ format: 'pem', type: 'pkcs8' })), publicKey: peer }).equals(ours?.secret ?? Buffer.alloc(0))).toBe(true);
  });

  it('leaves curves it does not cover (and malformed x25519 points) to node:tls', () => {
    expect(keyAgreement(GROUP.x448, Buffer.alloc(56, 9))).toBeNull();
    expect(keyAgreement(GROUP.x25519, Buffer.alloc(31, 9))).toBeNull();
  });

  it('never exports a generated key pair as JWK, the call that hangs (checked on every KeyObject export)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const spies = [Object.getPrototypeOf(publicKey), Object.getPrototypeOf(privateKey)].map((proto: { export: KeyObject['export'] }) => vi.spyOn(proto, 'export'));
    try {
      const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      for (const spy of spies) spy.mockClear();
      for (let i = 0; i < 20; i++) expect(keyAgreement(GROUP.x25519, point)?.secret).toHaveLength(32);
      const jwkExports = spies.flatMap((spy) => spy.mock.calls).filter(([opts]) => (opts as { format?: string } | undefined)?.format === 'jwk');
      expect(jwkExports).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it(`does not hang when collections land inside it (${AGREEMENTS} x25519 agreements, 1 MB young generation)`, async () => {
    assertFreshBuild(['src/probe/codec/tls12-handshake.ts']);
    const script = `
      const { keyAgreement } = await import(${JSON.stringify(BUILT)});
      const { generateKeyPairSync } = await import('node:crypto');
      const point = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      for (let i = 0; i < ${AGREEMENTS}; i++) keyAgreement(0x001d, point);
      process.stdout.write('done');
    `;
    // The bound only ends a hung child: a healthy run takes a few seconds even on a busy machine.
    const { code, signal, out, err } = await runNodeScript(script, { nodeArgs: ['--max-semi-space-size=1'], timeoutMs: 90_000 });
    expect({ code, signal, out, err: err.slice(-500) }).toEqual({ code: 0, signal: null, out: 'done', err: '' });
  }, 120_000);
});
