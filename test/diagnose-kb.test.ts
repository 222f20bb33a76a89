// Walks the whole knowledge base: every entry is complete, every error pattern matches a real
// error string, and no fix line names a directive that does not exist or leads with a risky step.
import { describe, expect, it } from 'vitest';
import { FIX_PLATFORMS, KNOWLEDGE_BASE, RISKY } from '../src/diagnose/index.js';
import { severityOf, isTested } from '../src/diagnose/kb/types.js';
import { renderReproduce, PLACEHOLDER_TARGET } from '../src/diagnose/reproduce.js';
import { SEVERITY_ORDER } from '../src/types.js';
import { modernServer, failedConnection } from './fixtures/results/base.js';
import * as scenarios from './fixtures/results/scenarios.js';

/** Steps that re-open an attack or a deprecated protocol. */
const RISKY_STEP = /UnsafeLegacy|LEGACY_SERVER_CONNECT|legacy_server_connect|SECLEVEL=0|--tlsv1\.0|minVersion: 'TLSv1'|TLSv1 TLSv1\.1|\+TLSv1 /;

const ALL_RESULTS = [modernServer(), failedConnection({ code: 'timeout', message: 'timeout' }), ...Object.values(scenarios)];

/**
 * Directives and options that do not exist (or do not do what people think). Each has been
 * suggested by someone somewhere; none may appear in a fix.
 */
const INVENTED: Array<[RegExp, string]> = [
  [/ssl_renegotiate_period/, 'nginx has no renegotiation period directive'],
  [/\bssl_renegotiat\w*/, 'nginx has no directive that allows renegotiation'],
  [/\bssl_allow_renegotiation/, 'does not exist in nginx'],
  [/\bSSLRenegotiat\w*/, 'Apache has no SSLRenegotiate* directive'],
  [/\bSSLAllowRenegotiation/, 'does not exist in Apache'],
  [/allow-(client-)?renegotiation/, 'HAProxy has no such bind option'],
  [/tune\.ssl\.renegotiat/, 'HAProxy has no such tunable'],
  [/jdk\.tls\.allowUnsafeRenegotiation/, 'the real property is sun.security.ssl.allowUnsafeRenegotiation'],
  [/jdk\.tls\.rejectClientInitiatedRenegotiation=false/, 'never recommend turning the protection off'],
  [/ssl_protocols[^;]*SSLv[23]/, 'never re-enable SSL'],
  [/NODE_TLS_REJECT_UNAUTHORIZED/, 'disables verification for the whole process'],
  [/rejectUnauthorized:\s*false(?![\s\S]*authorized)/, 'disabling verification is not a fix'],
  [/curl (-k|--insecure)\b/, 'disabling verification is not a fix'],
];

describe('the deny-list itself', () => {
  it('catches the directives people invent', () => {
    const invented = [
      'ssl_renegotiate_period 10m;',
      'SSLRenegotiation on',
      'bind :443 ssl crt site.pem allow-client-renegotiation',
      '-Djdk.tls.allowUnsafeRenegotiation=true',
      'ssl_protocols SSLv3 TLSv1.2;',
      'curl -k https://example.com/',
    ];
    for (const line of invented) expect(INVENTED.some(([re]) => re.test(line)), line).toBe(true);
    expect(INVENTED.some(([re]) => re.test('ssl_protocols TLSv1.2 TLSv1.3;'))).toBe(false);
  });
});

describe('knowledge base: every entry is complete', () => {
  it('has unique, kebab-case ids', () => {
    const ids = KNOWLEDGE_BASE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(KNOWLEDGE_BASE.length).toBeGreaterThanOrEqual(35);
  });

  for (const entry of KNOWLEDGE_BASE) {
    describe(entry.id, () => {
      it('explains why in prose and has a title', () => {
        expect(entry.title.length).toBeGreaterThan(10);
        expect(entry.why.length).toBeGreaterThan(80);
      });

      it('has fix lines for at least one known platform', () => {
        const platforms = Object.keys(entry.fixes);
        expect(platforms.length).toBeGreaterThan(0);
        for (const p of platforms) expect(FIX_PLATFORMS).toContain(p);
        for (const lines of Object.values(entry.fixes)) {
          expect(lines?.length).toBeGreaterThan(0);
          for (const line of lines ?? []) expect(line.trim().length).toBeGreaterThan(5);
        }
      });

      it('never lists a risky workaround first, and says so when it is one', () => {
        for (const [platform, lines] of Object.entries(entry.fixes)) {
          expect(lines?.[0]?.startsWith(RISKY), `${entry.id}/${platform} starts with a risky workaround`).toBe(false);
          for (const line of lines ?? []) {
            // Steps that re-open an attack must carry the label.
            const m = RISKY_STEP.exec(line);
            // "remove minVersion: 'TLSv1'" undoes the risk; only steps that set it need the label.
            if (m && !/\b(remove|drop)\b/i.test(line.slice(0, m.index))) {
              expect(line.startsWith(RISKY), `${entry.id}/${platform}: unlabelled risky step: ${line}`).toBe(true);
            }
          }
        }
      });

      it('names no invented directive', () => {
        for (const line of Object.values(entry.fixes).flat()) {
          for (const [re, why] of INVENTED) expect(re.test(line ?? ''), `${entry.id}: "${line}" (${why})`).toBe(false);
        }
      });

      it('has a reproduce command with every placeholder filled', () => {
        const cmd = renderReproduce(entry.reproduce, PLACEHOLDER_TARGET);
        expect(cmd).toMatch(/(^|\| )(openssl|curl|gnutls-cli|dig) /m);
        expect(cmd).not.toMatch(/\{[a-z]+\}/);
      });

      it('cites at least one reference by https URL', () => {
        expect(entry.references.length).toBeGreaterThan(0);
        for (const ref of entry.references) expect(() => new URL(ref)).not.toThrow();
        for (const ref of entry.references) expect(ref.startsWith('https://')).toBe(true);
      });

      it('matches the real error string each pattern was written for, also inside log noise', () => {
        for (const p of entry.errorPatterns) {
          expect(p.re.test(p.example), `${entry.id}: ${p.re} vs "${p.example}"`).toBe(true);
          const noisy = `2026-01-12T08:14:03.511Z app[7]: request failed\n${p.example}\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)`;
          expect(p.re.test(noisy)).toBe(true);
        }
      });

      it('evaluates every fixture without throwing and with a valid severity', () => {
        for (const r of ALL_RESULTS) {
          expect(() => entry.applies(r)).not.toThrow();
          expect(() => isTested(entry, r)).not.toThrow();
          expect(SEVERITY_ORDER).toContain(severityOf(entry, r));
        }
      });
    });
  }
});

/** Every fix line, why text and reproduce command: the user-facing text of the knowledge base. */
function allFixLines(): string[] {
  return KNOWLEDGE_BASE.flatMap((e) => Object.values(e.fixes).flat()).filter((l): l is string => typeof l === 'string');
}
function allText(): string[] {
  return KNOWLEDGE_BASE.flatMap((e) => [e.why, e.reproduce, ...Object.values(e.fixes).flat()]).filter((l): l is string => typeof l === 'string');
}

describe('knowledge base: facts from tls-facts.md hold in the fixes', () => {
  const byId = (id: string) => {
    const e = KNOWLEDGE_BASE.find((x) => x.id === id);
    if (!e) throw new Error(`missing entry ${id}`);
    return e;
  };

  it('puts the renegotiation-refused fix on the client: nginx and HAProxy cannot allow it', () => {
    const e = byId('renegotiation-refused');
    expect(e.fixes.nginx?.[0]).toMatch(/no directive to allow it/);
    expect(e.fixes.haproxy?.[0]).toMatch(/no option to allow it/);
    expect(e.fixes.openssl?.[0]).toMatch(/Stop renegotiating/);
    expect(e.why).toMatch(/CVE-2011-1473/);
  });

  it('describes SSLInsecureRenegotiation only as what it is', () => {
    let seen = 0;
    for (const line of allFixLines()) {
      if (!/SSLInsecureRenegotiation/.test(line)) continue;
      seen++;
      // Clients without RFC 5746 connect either way; the directive only allows insecure renegotiation with them.
      expect(line).toMatch(/connect either way; it only allows insecure renegotiation/);
      expect(line).not.toMatch(/admits/);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('keeps the client-side workaround for servers without RFC 5746 after the real fix', () => {
    const e = byId('renegotiation-insecure');
    expect(e.fixes.openssl?.[0]).toMatch(/fix is on the server/);
    expect(e.fixes.openssl?.some((l) => l.includes('Options = UnsafeLegacyServerConnect') && l.startsWith(RISKY))).toBe(true);
    expect(e.fixes['node-client']?.some((l) => l.includes('SSL_OP_LEGACY_SERVER_CONNECT') && l.startsWith(RISKY))).toBe(true);
  });

  it('covers every cause the product promises', () => {
    const ids = new Set(KNOWLEDGE_BASE.map((e) => e.id));
    for (const id of [
      'renegotiation-refused', 'renegotiation-limited', 'renegotiation-insecure', 'middlebox-interference',
      'resumption-tickets-rejected', 'resumption-inconsistent', 'protocol-server-too-old', 'protocol-client-too-old',
      'no-common-cipher', 'protocol-ssl-enabled', 'protocol-legacy-tls', 'cipher-insecure', 'cipher-weak',
      'cipher-no-forward-secrecy', 'cipher-cbc-only', 'renegotiation-client-accepted', 'cert-expired', 'cert-not-yet-valid',
      'cert-expiring', 'cert-hostname-mismatch', 'cert-self-signed', 'cert-untrusted', 'cert-chain-incomplete',
      'cert-weak-signature', 'cert-weak-key', 'sni-required', 'ocsp-not-stapled', 'not-tls', 'connection-timeout',
      'connection-refused', 'mozilla-intermediate',
    ]) expect(ids.has(id), id).toBe(true);
  });

  it('Java cipher-suite properties keep TLS 1.3 suites; the client one warns it is JVM-wide', () => {
    let seen = 0;
    for (const line of allFixLines()) {
      const m = /-Djdk\.tls\.(server|client)\.cipherSuites=(\S+)/.exec(line);
      if (!m) continue;
      seen++;
      for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) expect(m[2]).toContain(suite);
      if (m[1] === 'client') expect(line).toMatch(/every TLS connection of the JVM/);
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });

  it('a Java trust store comes with its password and keeps the public CAs', () => {
    let seen = 0;
    for (const line of allFixLines()) {
      if (!/javax\.net\.ssl\.trustStore=/.test(line)) continue;
      seen++;
      expect(line).toMatch(/-Djavax\.net\.ssl\.trustStorePassword=/);
      expect(line).toMatch(/copy of cacerts/);
      expect(line).toMatch(/replaces cacerts/);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('update-ca-certificates is given a *.crt file and RHEL gets update-ca-trust', () => {
    let seen = 0;
    for (const line of allFixLines()) {
      if (!/update-ca-certificates/.test(line)) continue;
      seen++;
      expect(line).toMatch(/\/usr\/local\/share\/ca-certificates\/\S+\.crt/);
      expect(line).toMatch(/update-ca-trust/);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('never claims current Apache logs AH02042, and Java rejects renegotiation only when told to', () => {
    for (const line of allFixLines()) expect(line).not.toMatch(/AH02042/);
    const refused = byId('renegotiation-refused');
    expect(refused.why).toMatch(/only older releases logged AH02042/);
    expect(refused.fixes.java?.join(' ')).toMatch(/defaults to false/);
    expect(refused.fixes.java?.join(' ')).toMatch(/alert 40/);
    for (const line of allFixLines()) expect(line).not.toMatch(/Keep -Djdk\.tls\.rejectClientInitiatedRenegotiation/);
  });

  it('weak keys, SHA-1 and the CN fallback are described per client, as measured', () => {
    expect(byId('cert-weak-key').why).toMatch(/Java blocks only keys below 1024 bits/);
    expect(byId('cert-weak-key').why).toMatch(/upstream OpenSSL 3 defaults to level 1/);
    expect(byId('cert-weak-signature').why).toMatch(/Java only distrusts SHA-1 in chains that end at a root shipped with the JDK/);
    expect(byId('cert-hostname-mismatch').why).toMatch(/curl\/OpenSSL, Node\.js, Python and Java still fall back/);
  });

  it('HAProxy strict-sni has no default-certificate escape hatch', () => {
    for (const line of allFixLines()) if (/strict-sni/.test(line)) expect(line).not.toMatch(/default certificate/);
  });

  it('reproduce commands work on OpenSSL 3: legacy versions at SECLEVEL=0, no RC4/3DES/EXPORT/DES cipher strings', () => {
    for (const e of KNOWLEDGE_BASE) {
      for (const cmd of e.reproduce.split('\n')) {
        if (/openssl s_client[^#]*-tls1(_1)?\b(?!_)/.test(cmd)) expect(cmd, e.id).toMatch(/-cipher '[^']*@SECLEVEL=0'/);
        const cipher = /openssl s_client[^#]*-cipher '([^']*)'/.exec(cmd)?.[1] ?? '';
        expect(cipher, e.id).not.toMatch(/RC4|3DES|EXPORT|(^|:)DES(:|$)/);
      }
    }
  });

  it("names Java 8's java.security path wherever it names Java 11+'s", () => {
    for (const line of allText()) if (/conf\/security\/java\.security/.test(line)) expect(line).toMatch(/jre\/lib\/security\/java\.security/);
  });
});
