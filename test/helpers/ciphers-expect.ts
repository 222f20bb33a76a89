import { expect } from 'vitest';
import type { CiphersResult } from '../../src/probe/ciphers.js';
import { CIPHER_SUITES } from '../../src/probe/codec/cipher-suites.js';

/** The probe found exactly `preference` for TLS 1.2, in that order, as the server's own order, and whole. */
export function expectWholeServerOrder(r: CiphersResult, preference: readonly number[]): void {
  expect(r.ciphers['TLSv1.2']).toEqual(preference.map((id) => CIPHER_SUITES.find((c) => c.id === id)?.name));
  expect(r.serverOrder['TLSv1.2']).toBe(true);
  expect(r.partial).toBeUndefined();
}
