// CheckResults for the Slack tests: realistic shapes of the contract in src/types.ts, so the
// Slack layer is tested without a network or the probe engine.
import type { CheckResult, Diagnosis, Finding } from '../../src/types.js';
import type { ExplanationView } from '../../src/format/slack-explain.js';

export const renegDiagnosis: Diagnosis = {
  id: 'client-renegotiation-refused',
  severity: 'error',
  title: 'The server refuses client-initiated renegotiation',
  why: 'The server answered the renegotiation ClientHello with **no_renegotiation** (alert 100). That is the secure default; the fix is on the client.',
  fixes: {
    nginx: ['nginx never allows client renegotiation (there is no directive): change the client.', 'Request client certificates in the first handshake: `ssl_verify_client on;` in the server block.'],
    apache: ['Move `SSLVerifyClient` out of `<Location>`/`<Directory>` into the virtual host, so Apache does not renegotiate.'],
    haproxy: ['HAProxy never allows it on `bind`; change the client.'],
    client: ['Stop renegotiating: open a new connection instead.', 'With TLS 1.3, use post-handshake authentication.'],
  },
  reproduce: 'openssl s_client -connect example.com:443 -servername example.com -tls1_2 <<< R',
  references: ['https://www.rfc-editor.org/rfc/rfc5746', 'CVE-2011-1473'],
};

export const ticketDiagnosis: Diagnosis = {
  id: 'ticket-keys-differ',
  severity: 'warning',
  title: 'Backends do not share session ticket keys',
  why: 'Resumption worked on some connections and not on others.',
  fixes: { nginx: ['Share `ssl_session_ticket_key` across backends.'] },
  reproduce: 'tlscheck example.com',
  references: [],
};

const findings: Finding[] = [
  { id: 'reneg-client', severity: 'error', title: 'Client-initiated renegotiation refused', detail: 'warning alert 100 no_renegotiation after the first handshake' },
  { id: 'tls10', severity: 'warning', title: 'TLS 1.0 offered', detail: 'Deprecated by RFC 8996.' },
  { id: 'cert-ok', severity: 'ok', title: 'Certificate trusted', detail: '' },
  { id: 'tls13', severity: 'ok', title: 'TLS 1.3 offered', detail: '' },
];

export function baseResult(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    target: { host: 'example.com', port: 443, ip: '93.184.216.34', sni: 'example.com' },
    error: null,
    protocols: { SSLv3: false, TLSv1: true, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
    ciphers: {
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'],
      'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'],
      TLSv1: ['ECDHE-RSA-AES128-SHA'],
    },
    renegotiation: { secure: true, clientInitiated: 'rejected', acceptedCount: 0, reason: 'warning alert 100 no_renegotiation', protocol: 'TLSv1.2' },
    resumption: { sessionId: true, tickets: true, consistent: true },
    certificate: {
      trusted: true, verifyError: null, hostnameMatch: true, selfSigned: false, chainComplete: true,
      notBefore: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z', daysLeft: 80,
      subject: 'CN=example.com', issuer: 'CN=Example CA', san: ['example.com'], keyType: 'EC', keyBits: 256,
      signatureAlgorithm: 'ecdsa-with-SHA256', chain: [],
    },
    sni: { required: false },
    alpn: 'h2',
    ocspStapled: false,
    server: 'nginx/1.22.1',
    findings,
    durationMs: 2345,
    diagnoses: [renegDiagnosis, ticketDiagnosis],
    ...overrides,
  };
}

export function cleanResult(): CheckResult {
  return baseResult({
    renegotiation: { secure: true, clientInitiated: 'not-applicable', acceptedCount: 0, reason: null, protocol: null },
    findings: [{ id: 'tls13', severity: 'ok', title: 'TLS 1.3 offered', detail: '' }],
    diagnoses: [],
  });
}

export function errorResult(code: 'reset' | 'timeout' | 'refused' | 'dns' | 'blocked', message: string): CheckResult {
  const unknown = { SSLv3: null, TLSv1: null, 'TLSv1.1': null, 'TLSv1.2': null, 'TLSv1.3': null };
  return baseResult({
    target: { host: 'internal.example', port: 443, ip: code === 'dns' ? '' : '10.1.2.3', sni: 'internal.example' },
    error: { code, message },
    protocols: unknown,
    ciphers: {},
    renegotiation: { secure: null, clientInitiated: 'unknown', acceptedCount: 0, reason: null, protocol: null },
    resumption: { sessionId: null, tickets: null, consistent: null },
    certificate: null,
    findings: [],
    diagnoses: [],
    server: null,
  });
}

/** Far more than one message holds: 60 findings with long details and a diagnosis with long fixes. */
export function hugeResult(): CheckResult {
  const many: Finding[] = Array.from({ length: 60 }, (_, i) => ({
    id: `f${i}`,
    severity: (['critical', 'error', 'warning', 'info'] as const)[i % 4] ?? 'info',
    title: `Finding number ${i} with a reasonably long title`,
    detail: `Detail ${i}: ${'lorem ipsum dolor sit amet '.repeat(12)}END${i}`,
  }));
  const longFix = Array.from({ length: 40 }, (_, i) => `Step ${i}: ${'edit the configuration and reload '.repeat(5)}DONE${i}`);
  return baseResult({
    findings: many,
    diagnoses: [{ ...renegDiagnosis, title: `T${'very long title '.repeat(15)}`, fixes: { nginx: longFix, client: longFix } }],
  });
}

export function fakeExplanation(withVerdicts: boolean): ExplanationView {
  return {
    recognised: true,
    candidates: [
      { id: 'client-renegotiation-refused', title: 'The server refuses client-initiated renegotiation', severity: 'error', score: 0.9, verdict: withVerdicts ? 'confirmed' : null },
      { id: 'legacy-server', title: 'The server lacks RFC 5746 secure renegotiation', severity: 'error', score: 0.6, verdict: withVerdicts ? 'ruled-out' : null },
    ],
    diagnoses: [renegDiagnosis],
  };
}
