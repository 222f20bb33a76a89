// Session resumption: backends that do not share ticket keys or a cache (resumes on some
// connections only), tickets the server cannot decrypt, and no resumption at all.
import type { KbEntry, ResultFacts } from './types.js';

function attemptsText(r: ResultFacts): string {
  const a = r.resumption.attempts;
  if (!a) return '';
  const parts = Object.entries(a)
    .filter(([, v]) => v.length > 0)
    .map(([mech, v]) => `${mech}: ${v.map((reused) => (reused ? 'reused' : 'new')).join(', ')}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

const resumptionTested = (r: ResultFacts): boolean =>
  r.error === null && (r.resumption.sessionId !== null || r.resumption.tickets !== null || (r.resumption.tls13Tickets ?? null) !== null);

export const resumptionInconsistent: KbEntry = {
  id: 'resumption-inconsistent',
  title: 'Sessions resume on some connections and not others',
  severity: 'warning',
  applies: (r) =>
    r.resumption.consistent === false
      ? { detail: `Resumption succeeded on some attempts and failed on others${attemptsText(r)}` }
      : false,
  tested: (r) => r.error === null && r.resumption.consistent !== null,
  evidence: (r) => {
    if (r.error) return `no TLS handshake completed (${r.error.message})`;
    if (r.resumption.consistent === true) return `Every resumption attempt had the same outcome${attemptsText(r)}`;
    return 'No session could be resumed or compared across connections';
  },
  errorPatterns: [
    {
      // `openssl s_client -reconnect` output where a resumed session is followed by a full handshake.
      re: /Reused, (TLSv1[.\d]*|SSLv3)[\s\S]*\bNew, (TLSv1[.\d]*|SSLv3)/,
      example: 'New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256\nReused, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256\nNew, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256',
      weight: 3,
    },
  ],
  why:
    'A load balancer spreads connections over several TLS servers that do not share session ticket keys or a session ' +
    'cache, so a ticket or session ID issued by one backend is unknown to the next and the client falls back to a full ' +
    'handshake: resumption alternates New/Reused with round-robin balancing. Nothing breaks outright, but every miss ' +
    'costs a full handshake (latency, CPU), and clients that require resumption (FTPS data channels, some SIP and ' +
    'database drivers) fail intermittently.',
  fixes: {
    nginx: [
      'Give every backend the same ticket key file: `ssl_session_ticket_key /etc/nginx/ticket.key;`  (`openssl rand 80 > /etc/nginx/ticket.key`, distributed to all hosts)',
      'ssl_session_cache shared:SSL:10m; is per host: across hosts only shared tickets or sticky balancing help',
    ],
    apache: ['The same 48-byte key on every backend: `SSLSessionTicketKeyFile /etc/httpd/ticket.key`  (`openssl rand 48 > /etc/httpd/ticket.key`)'],
    haproxy: [
      'Terminating TLS on several HAProxy nodes: the same key file everywhere, `bind :443 ssl crt /etc/haproxy/certs/site.pem tls-ticket-keys /etc/haproxy/ticket.keys`',
      'Passing TLS through to backends (mode tcp): keep a client on one backend with `balance source`',
    ],
    node: ['The same 48 bytes in every process and host: tls.createServer({ ticketKeys: sharedKey })  // cluster workers included'],
    java: ['There is no documented way to share JSSE ticket keys between JVMs: use sticky load balancing (e.g. HAProxy balance source)'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 -reconnect </dev/null | grep -E "^(New|Reused),"',
  references: [
    'https://www.rfc-editor.org/rfc/rfc5077',
    'https://www.rfc-editor.org/rfc/rfc8446#section-2.2',
    'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_session_ticket_key',
  ],
};

export const ticketsRejected: KbEntry = {
  id: 'resumption-tickets-rejected',
  title: 'Session tickets do not resume sessions',
  severity: 'info',
  applies: (r) => {
    if (r.resumption.tickets !== false) return false;
    const fallback = r.resumption.sessionId === true ? '; session IDs still resume' : '';
    return { detail: `A TLS 1.2 session ticket presented again was not accepted${fallback}` };
  },
  tested: (r) => r.error === null && r.resumption.tickets !== null,
  evidence: (r) => {
    if (r.error) return `no TLS handshake completed (${r.error.message})`;
    if (r.resumption.tickets === true) return 'A TLS 1.2 session ticket presented again resumed the session';
    const t13 = r.resumption.tls13Tickets === true ? ' (TLS 1.3 tickets resume)' : '';
    return `The server issued no TLS 1.2 session ticket to present again${t13}`;
  },
  errorPatterns: [],
  why:
    'Either tickets are switched off (harmless when session IDs resume), or the server issues tickets it cannot ' +
    'decrypt later: the ticket key is regenerated at every restart or reload, rotated without keeping the previous ' +
    'key for decryption, or differs between the hosts behind one name. Each rejected ticket costs a full handshake.',
  fixes: {
    nginx: [
      'A persistent, shared key: `ssl_session_ticket_key /etc/nginx/ticket.key;`  (list the previous key file in a second directive while rotating)',
      'Or switch tickets off cleanly and resume from the cache: `ssl_session_tickets off;` `ssl_session_cache shared:SSL:10m;`',
    ],
    apache: ['SSLSessionTicketKeyFile /etc/httpd/ticket.key  (or `SSLSessionTickets off`, httpd 2.4.11+, to rely on SSLSessionCache)'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem tls-ticket-keys /etc/haproxy/ticket.keys  (or `bind :443 ssl crt /etc/haproxy/certs/site.pem no-tls-tickets`)'],
    node: ['Load the key from shared storage instead of the random default: tls.createServer({ ticketKeys }); rotate with server.setTicketKeys() on every process at once'],
    java: ['To resume by session ID instead: -Djdk.tls.server.enableSessionTicketExtension=false'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 -reconnect </dev/null | grep -E "^(New|Reused),"',
  references: ['https://www.rfc-editor.org/rfc/rfc5077', 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_session_ticket_key'],
};

export const noResumption: KbEntry = {
  id: 'resumption-none',
  title: 'No session resumption',
  severity: 'info',
  applies: (r) =>
    r.resumption.sessionId === false && r.resumption.tickets === false && r.resumption.tls13Tickets !== true
      ? { detail: 'Neither session IDs nor session tickets resumed a session: every connection pays for a full handshake' }
      : false,
  tested: resumptionTested,
  errorPatterns: [],
  why:
    'Resumption lets a returning client skip the certificate exchange and key agreement, saving a round trip (TLS 1.2) ' +
    'and most of the server CPU per connection. Without it, busy servers and clients that open many short ' +
    'connections pay the full price every time.',
  fixes: {
    nginx: ['ssl_session_cache shared:SSL:10m;', 'ssl_session_timeout 1d;'],
    apache: ['SSLSessionCache "shmcb:/var/run/httpd/ssl_scache(512000)"  (server config)', 'SSLSessionCacheTimeout 300'],
    haproxy: ['Remove no-tls-tickets from the bind line and keep the session cache: `tune.ssl.cachesize 20000` (the default; 0 disables it)'],
    node: ["Tickets resume by default; session-ID resumption needs server.on('newSession') / server.on('resumeSession') handlers"],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -tls1_2 -reconnect </dev/null | grep -E "^(New|Reused),"',
  references: ['https://www.rfc-editor.org/rfc/rfc5077', 'https://www.rfc-editor.org/rfc/rfc8446#section-2.2'],
};
