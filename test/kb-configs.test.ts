// Issue 13: every nginx, Apache httpd and HAProxy configuration line in the knowledge base passes
// the real server's own check (`nginx -t`, `apache2 -t`, `haproxy -c`) on the Debian versions
// installed here and by .ci/run (nginx 1.22, httpd 2.4, HAProxy 2.6). One run per server; a
// failure names the fix line. Lines that need a newer server say which version and cite it.
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_BASE } from '../src/diagnose/index.js';
import { apacheDirectiveNames, collectSnippets, configIn, validateAll, type ServerKind, type Snippet } from './helpers/kb-config.js';

/** Configuration the installed versions cannot check: the version it needs and where that is documented. */
const NEEDS_NEWER: Array<{ server: ServerKind; config: RegExp; version: RegExp; reference: string; rejectedHere: RegExp }> = [
  { server: 'nginx', config: /^http2 on;$/, version: /nginx 1\.25\.1\+/, reference: 'https://nginx.org/en/docs/http/ngx_http_v2_module.html', rejectedHere: /unknown directive "http2"/ },
];

const apache = apacheDirectiveNames();
const SERVERS: ServerKind[] = ['nginx', 'apache', 'haproxy'];

describe('the extraction finds the configuration in a fix line', () => {
  it('takes leading statements and backticked fragments, not commands or prose', () => {
    expect(configIn('nginx', 'ssl_session_cache shared:SSL:10m; is per host: across hosts only shared tickets help', apache)).toEqual(['ssl_session_cache shared:SSL:10m;']);
    expect(configIn('nginx', 'Give every backend the same key: `ssl_session_ticket_key /etc/nginx/ticket.key;`  (`openssl rand 80 > /etc/nginx/ticket.key`)', apache)).toEqual(['ssl_session_ticket_key /etc/nginx/ticket.key;']);
    expect(configIn('nginx', 'Rebuild or upgrade nginx with a current OpenSSL (see `nginx -V`)', apache)).toEqual([]);
    expect(configIn('apache', 'SSLCertificateFile /x.pem  # older: `SSLCertificateChainFile /y.pem`', apache)).toEqual(['SSLCertificateFile /x.pem', 'SSLCertificateChainFile /y.pem']);
    expect(configIn('apache', 'Upgrade httpd and the OpenSSL it links (see `httpd -V`)', apache)).toEqual([]);
    expect(configIn('haproxy', 'cat privkey.pem cert.pem > /etc/haproxy/certs/site.pem  # one PEM', apache)).toEqual([]);
    expect(configIn('haproxy', 'Risky workaround: bind :443 ssl crt /a.pem ssl-min-ver TLSv1.0', apache)).toEqual(['bind :443 ssl crt /a.pem ssl-min-ver TLSv1.0']);
  });
});

describe.each(SERVERS)('%s: every configuration line in the knowledge base', (server) => {
  const { snippets, unquoted } = collectSnippets(server, apache);
  const isGated = (part: string): boolean => NEEDS_NEWER.some((n) => n.server === server && n.config.test(part));
  // A line such as "http2 on;  # 1.25.1+; older versions: `listen 443 ssl http2;`": the gated part aside, the rest is checked.
  const gated: Snippet[] = snippets.flatMap((s) => s.parts.filter(isGated).map((p) => ({ ...s, parts: [p], config: p })));
  const checkable: Snippet[] = snippets
    .map((s) => ({ ...s, parts: s.parts.filter((p) => !isGated(p)) }))
    .filter((s) => s.parts.length > 0)
    .map((s) => ({ ...s, config: s.parts.join(' | ') }));

  it('is written where the extraction sees it (leading, or in backticks)', () => {
    expect(unquoted).toEqual([]);
    expect(checkable.length).toBeGreaterThan(server === 'haproxy' ? 8 : 15);
  });

  it(`passes the installed ${server}'s configuration check`, () => {
    const { failures, runs } = validateAll(server, checkable);
    expect(failures).toEqual([]);
    expect(runs).toBeLessThanOrEqual(3);
  });

  it('that needs a newer version says which, cites where, and really fails here', () => {
    for (const s of gated) {
      const rule = NEEDS_NEWER.find((n) => n.server === server && n.config.test(s.config));
      expect(rule).toBeDefined();
      if (!rule) continue;
      for (const source of s.sources) expect(source).toMatch(rule.version);
      const ids = s.sources.map((src) => src.split(':')[0]);
      for (const id of ids) expect(KNOWLEDGE_BASE.find((e) => e.id === id)?.references).toContain(rule.reference);
      const { failures } = validateAll(server, [s]);
      expect(failures.join('\n')).toMatch(rule.rejectedHere);
    }
  });
});

describe('the validators catch an invented line and name it', () => {
  const INVENTED: Record<ServerKind, string> = {
    nginx: 'ssl_renegotiate_period 10m;',
    apache: 'SSLRenegotiation on',
    haproxy: 'bind :443 ssl crt /etc/haproxy/certs/site.pem allow-client-renegotiation',
  };
  it.each(SERVERS)('%s', (server) => {
    const good = collectSnippets(server, apache).snippets.slice(0, 3);
    const bad: Snippet = { server, sources: ['invented: made up for this test'], parts: [INVENTED[server]], config: INVENTED[server] };
    const { failures } = validateAll(server, [...good, bad]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain(INVENTED[server]);
    expect(failures[0]).toContain('invented: made up for this test');
  });
});

describe('HAProxy lines that are not haproxy.cfg configuration', () => {
  it('say which version they need and cite it', () => {
    for (const e of KNOWLEDGE_BASE) {
      for (const line of e.fixes.haproxy ?? []) {
        if (/ocsp-update/.test(line)) {
          expect(line).toMatch(/HAProxy 2\.8\+/);
          expect(e.references.some((r) => r.startsWith('https://docs.haproxy.org/2.8/'))).toBe(true);
        }
        if (/set ssl cert/.test(line)) {
          expect(line).toMatch(/HAProxy 2\.1\+/);
          expect(e.references.some((r) => r.includes('docs.haproxy.org') && r.includes('management'))).toBe(true);
        }
      }
    }
  });
});
