// Check results and Redis plumbing for the schedule tests. Results are built from one healthy
// baseline and small overrides, so each test shows only what it changes.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CertificateResult, CheckResult, Finding } from '../src/types.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function cert(over: Partial<CertificateResult> = {}, fingerprint = 'AA:BB:01'): CertificateResult {
  return {
    trusted: true,
    verifyError: null,
    hostnameMatch: true,
    selfSigned: false,
    chainComplete: true,
    chainIssues: [],
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2025-04-01T00:00:00.000Z',
    daysLeft: 60,
    subject: 'CN=example.com',
    issuer: 'CN=Example CA',
    san: ['example.com'],
    keyType: 'EC',
    keyBits: 256,
    signatureAlgorithm: 'ecdsa-with-SHA256',
    chain: [{ subject: 'CN=example.com', issuer: 'CN=Example CA', notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2025-04-01T00:00:00.000Z', fingerprint256: fingerprint, selfIssued: false }],
    ...over,
  };
}

export function finding(id: string, severity: Finding['severity'], title = id): Finding {
  return { id, severity, title, detail: `${title} (detail)` };
}

export function result(over: Partial<CheckResult> = {}): CheckResult {
  return {
    target: { host: 'example.com', port: 443, ip: '127.0.0.1', sni: 'example.com' },
    error: null,
    protocols: { SSLv3: false, TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    ciphers: {
      'TLSv1.2': ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
    },
    renegotiation: { secure: true, clientInitiated: 'rejected', acceptedCount: 0 },
    resumption: { sessionId: true, tickets: true, consistent: true },
    certificate: cert(),
    sni: { required: false },
    alpn: 'h2',
    ocspStapled: false,
    findings: [],
    durationMs: 1200,
    ...over,
  };
}

export function unreachable(code: 'timeout' | 'refused' = 'timeout'): CheckResult {
  return result({
    error: { code, message: code === 'timeout' ? 'no answer within 10 s' : 'connection refused' },
    protocols: { SSLv3: null, TLSv1: null, 'TLSv1.1': null, 'TLSv1.2': null, 'TLSv1.3': null },
    ciphers: {},
    renegotiation: { secure: null, clientInitiated: 'unknown', acceptedCount: 0 },
    certificate: null,
    findings: [],
  });
}

/** A prefix no other test file or run shares; hash-tagged like production. */
export function uniquePrefix(name: string): string {
  return `{tlscheck-test-${name}-${randomBytes(4).toString('hex')}}:`;
}

export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
}

export { deleteKeys } from './helpers/redis-keys.js';
