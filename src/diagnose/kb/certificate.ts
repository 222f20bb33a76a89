// The server certificate: validity dates, name, trust, chain as served, signature and key strength.
import type { CertificateResult } from '../../types.js';
import type { ErrorPattern, Fixes, KbEntry, ResultFacts } from './types.js';
import { plural } from '../../text/plural.js';

const DAY_MS = 86_400_000;
/** sha1WithRSAEncryption, ecdsa-with-SHA1, dsa_with_SHA1, md5WithRSAEncryption, md2WithRSAEncryption. */
export const WEAK_SIGNATURE = /sha-?1(?!\d)|md[25]/i;
const certTested = (r: ResultFacts): boolean => r.certificate !== null;

function cert(r: ResultFacts): CertificateResult | null {
  return r.certificate;
}

function day(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().slice(0, 10);
}

/** Codes Node/OpenSSL use for problems other entries own, so "untrusted" does not repeat them. */
const OWNED_ELSEWHERE = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH',
]);

function expired(c: CertificateResult): boolean {
  return c.daysLeft < 0 || c.verifyError === 'CERT_HAS_EXPIRED';
}

/** notBefore after the moment of the check, which daysLeft pins down without reading a clock. */
function notYetValid(c: CertificateResult): boolean {
  if (c.verifyError === 'CERT_NOT_YET_VALID') return true;
  const nb = Date.parse(c.notBefore);
  const na = Date.parse(c.notAfter);
  if (Number.isNaN(nb) || Number.isNaN(na)) return false;
  const checkedAt = na - c.daysLeft * DAY_MS;
  // daysLeft is whole days: demand a full day of margin to avoid rounding false positives.
  return nb - checkedAt > DAY_MS;
}

/** `set ssl cert` / `commit ssl cert` (HAProxy 2.1+): a Runtime API command, not a configuration line. */
const HAPROXY_RUNTIME_API = 'https://docs.haproxy.org/2.6/management.html#9.3-set%20ssl%20cert';

const RENEW_FIXES: Fixes = {
  nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # the renewed file, then: nginx -t && nginx -s reload', 'Automate renewal with an ACME client (certbot, acme.sh) and alert on expiry'],
  apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # the renewed file, then: apachectl configtest && apachectl graceful'],
  haproxy: [
    'Replace the PEM named by crt and reload, or swap it live over the Runtime API (HAProxy 2.1+, management guide): set ssl cert /etc/haproxy/certs/site.pem <<\\n<PEM>  then  commit ssl cert /etc/haproxy/certs/site.pem',
  ],
  node: ['server.setSecureContext({ key, cert })  // loads the renewed certificate without a restart'],
  java: ['openssl pkcs12 -export -in fullchain.pem -inkey privkey.pem -name server -out server.p12  # then point the connector at server.p12 and restart'],
};

const DATE_PATTERNS_BOTH: ErrorPattern[] = [
  { re: /validity check failed/i, example: 'java.security.cert.CertPathValidatorException: validity check failed', weight: 2 },
  { re: /certificate has expired or is not yet valid/i, example: 'x509: certificate has expired or is not yet valid: current time 2024-03-02T10:00:00Z is after 2024-03-01T23:59:59Z', weight: 2 },
  { re: /ERR_CERT_DATE_INVALID/, example: 'Your connection is not private NET::ERR_CERT_DATE_INVALID', weight: 2 },
  { re: /NotTimeValid/, example: 'The remote certificate is invalid because of errors in the certificate chain: NotTimeValid', weight: 2 },
];

export const certExpired: KbEntry = {
  id: 'cert-expired',
  title: 'The certificate has expired',
  severity: 'critical',
  applies: (r) => {
    const c = cert(r);
    if (!c || !expired(c)) return false;
    return { detail: `The certificate for ${c.subject} expired on ${day(c.notAfter)} (${Math.abs(c.daysLeft)} days ago)` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /certificate has expired(?! or)/i, example: 'curl: (60) SSL certificate problem: certificate has expired', weight: 3 },
    { re: /CERT_HAS_EXPIRED/, example: 'Error: certificate has expired code: CERT_HAS_EXPIRED', weight: 3 },
    { re: /CertificateExpiredException/, example: 'java.security.cert.CertificateExpiredException: NotAfter: Sat Feb 01 00:00:00 UTC 2020', weight: 3 },
    { re: /SEC_ERROR_EXPIRED_CERTIFICATE/, example: 'Error code: SEC_ERROR_EXPIRED_CERTIFICATE', weight: 3 },
    ...DATE_PATTERNS_BOTH,
  ],
  why:
    'Every client rejects a certificate after its notAfter date; browsers show a date error, libraries fail ' +
    'verification. Nothing but a renewed certificate (or a clock fix on a client whose clock runs ahead) helps.',
  fixes: {
    ...RENEW_FIXES,
    openssl: ['Check the dates served: openssl s_client -connect HOST:443 -servername HOST </dev/null | openssl x509 -noout -dates', 'Check the client clock: date -u'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -dates',
  references: [HAPROXY_RUNTIME_API, 'https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5'],
};

export const certNotYetValid: KbEntry = {
  id: 'cert-not-yet-valid',
  title: 'The certificate is not valid yet',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || !notYetValid(c)) return false;
    return { detail: `The certificate for ${c.subject} becomes valid on ${day(c.notBefore)}` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /certificate is not yet valid/i, example: 'curl: (60) SSL certificate problem: certificate is not yet valid', weight: 3 },
    { re: /CERT_NOT_YET_VALID/, example: 'Error: certificate is not yet valid code: CERT_NOT_YET_VALID', weight: 3 },
    { re: /CertificateNotYetValidException/, example: 'java.security.cert.CertificateNotYetValidException: NotBefore: Mon Jan 01 00:00:00 UTC 2035', weight: 3 },
    ...DATE_PATTERNS_BOTH,
  ],
  why:
    'The certificate\'s notBefore date lies in the future: it was installed before its validity period starts, or ' +
    'the issuing system\'s clock was wrong. Clients whose clock lags behind (embedded devices after a reboot, VMs ' +
    'restored from snapshots) hit the same error with a valid certificate.',
  fixes: {
    ...RENEW_FIXES,
    openssl: ['Check the client and server clocks: date -u; timedatectl status (enable NTP/chrony)'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -dates',
  references: [HAPROXY_RUNTIME_API, 'https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5'],
};

export const certExpiring: KbEntry = {
  id: 'cert-expiring',
  title: 'The certificate expires soon',
  severity: (r) => ((cert(r)?.daysLeft ?? 99) <= 7 ? 'error' : 'warning'),
  applies: (r) => {
    const c = cert(r);
    if (!c || expired(c) || c.daysLeft > 30) return false;
    const window = c.daysLeft <= 7 ? 7 : c.daysLeft <= 14 ? 14 : 30;
    return { detail: `The certificate expires on ${day(c.notAfter)}, in ${c.daysLeft} days (within ${window} days)` };
  },
  tested: certTested,
  errorPatterns: [],
  why:
    'Once notAfter passes every client fails at once. ACME clients renew about 30 days before expiry, so a ' +
    'certificate this close to the end usually means renewal is failing or the renewed file was never loaded.',
  fixes: RENEW_FIXES,
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -enddate',
  references: [HAPROXY_RUNTIME_API, 'https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5', 'https://letsencrypt.org/docs/integration-guide/'],
};

export const certHostnameMismatch: KbEntry = {
  id: 'cert-hostname-mismatch',
  title: 'The certificate does not cover this host name',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || c.hostnameMatch) return false;
    const name = r.target.sni ?? r.target.host;
    const covers = c.san.length ? c.san.slice(0, 8).join(', ') : c.subject;
    return { detail: `The certificate covers ${covers}; not ${name}` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /hostname mismatch/i, example: 'verify error:num=62:hostname mismatch', weight: 3 },
    { re: /no alternative certificate subject name matches/i, example: "curl: (60) SSL: no alternative certificate subject name matches target host name 'localhost'", weight: 3 },
    { re: /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/, example: "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:other.example", weight: 3 },
    { re: /No subject alternative (DNS )?names? (matching|present)/i, example: 'javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching localhost found.', weight: 3 },
    { re: /No name matching \S+ found/i, example: 'java.security.cert.CertificateException: No name matching example.com found', weight: 3 },
    { re: /x509: certificate is valid for .+, not /i, example: 'x509: certificate is valid for other.example, not example.com', weight: 3 },
    { re: /ERR_CERT_COMMON_NAME_INVALID|SSL_ERROR_BAD_CERT_DOMAIN|RemoteCertificateNameMismatch/, example: 'Your connection is not private NET::ERR_CERT_COMMON_NAME_INVALID', weight: 3 },
  ],
  why:
    'Clients compare the name they connect to with the certificate\'s subjectAltName entries. Browsers and Go ignore ' +
    'the CN; curl/OpenSSL, Node.js, Python and Java still fall back to it when the certificate has no SAN at all, so a ' +
    'SAN-less certificate works in some clients only. Typical causes: a certificate for another site served as the default because the client sent ' +
    'no or another SNI name, a missing www/apex name, a wildcard that does not cover a deeper level, or connecting by ' +
    'IP address.',
  fixes: {
    nginx: ['server_name example.com www.example.com;  # in the server block whose ssl_certificate covers these names', 'Reissue the certificate with every name clients use in subjectAltName'],
    apache: ['`ServerName example.com` / `ServerAlias www.example.com` in the <VirtualHost> whose SSLCertificateFile covers these names'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/  # a directory (or crt-list) with one PEM per name; HAProxy picks by SNI'],
    node: ["server.addContext('example.com', { key, cert })  // or an SNICallback returning the right context"],
    openssl: ['Keep the name when testing an address: curl --resolve HOST:443:203.0.113.10 https://HOST/', 'openssl s_client -connect 203.0.113.10:443 -servername HOST -verify_hostname HOST'],
    'node-client': ["tls.connect({ host: '203.0.113.10', servername: 'example.com' })  // connect by IP, verify the name"],
    'java-client': ['Connect by the name on the certificate; never replace the HostnameVerifier with one that accepts everything'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -verify_hostname {name} </dev/null 2>&1 | grep -E "Verify|subject"',
  references: ['https://www.rfc-editor.org/rfc/rfc6125', 'https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6'],
};

/** Java, Go, .NET and browsers report an unknown issuer the same way for all three trust problems. */
const UNKNOWN_ISSUER: ErrorPattern[] = [
  { re: /PKIX path building failed|unable to find valid certification path/i, example: 'javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target', weight: 2 },
  { re: /certificate signed by unknown authority/i, example: 'x509: certificate signed by unknown authority', weight: 2 },
  { re: /SEC_ERROR_UNKNOWN_ISSUER/, example: 'Error code: SEC_ERROR_UNKNOWN_ISSUER', weight: 2 },
  { re: /ERR_CERT_AUTHORITY_INVALID/, example: 'Your connection is not private NET::ERR_CERT_AUTHORITY_INVALID', weight: 2 },
  { re: /Could not establish trust relationship for the SSL\/TLS secure channel/i, example: 'System.Net.WebException: The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.', weight: 1 },
  { re: /remote certificate is invalid/i, example: 'System.Security.Authentication.AuthenticationException: The remote certificate is invalid according to the validation procedure.', weight: 1 },
  // In a server's log, the client refusing the server's certificate.
  { re: /alert unknown ca/i, example: 'error:0A000418:SSL routines::tlsv1 alert unknown ca', weight: 1 },
  { re: /curl: \(60\)/, example: 'curl: (60) SSL certificate problem: unable to get local issuer certificate', weight: 1 },
  { re: /certificate verify failed|CERTIFICATE_VERIFY_FAILED/i, example: '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)', weight: 1 },
];

export const certSelfSigned: KbEntry = {
  id: 'cert-self-signed',
  title: 'The certificate is self-signed',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || !c.selfSigned || c.trusted) return false;
    return { detail: `The server presents a self-signed certificate for ${c.subject}` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /self[- ]signed certificate(?! in certificate chain)/i, example: 'curl: (60) SSL certificate problem: self-signed certificate', weight: 3 },
    { re: /DEPTH_ZERO_SELF_SIGNED_CERT/, example: 'Error: self-signed certificate code: DEPTH_ZERO_SELF_SIGNED_CERT', weight: 3 },
    { re: /MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT/, example: 'Error code: MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', weight: 3 },
    { re: /UntrustedRoot/, example: 'The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot', weight: 2 },
    ...UNKNOWN_ISSUER,
  ],
  why:
    'A self-signed certificate vouches only for itself, so no client trusts it unless it was installed on that ' +
    'client beforehand. Default certificates of appliances and freshly installed servers are self-signed.',
  fixes: {
    nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # a CA-issued certificate (e.g. from an ACME CA such as Let\'s Encrypt)'],
    apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # a CA-issued certificate'],
    haproxy: ['bind :443 ssl crt /etc/haproxy/certs/site.pem  # key + CA-issued certificate + intermediates in one PEM'],
    node: ["tls.createServer({ key: fs.readFileSync('privkey.pem'), cert: fs.readFileSync('fullchain.pem') })  // CA-issued"],
    openssl: ['Internal service on purpose? Trust that certificate explicitly, never with -k: curl --cacert server.pem https://HOST/'],
    'node-client': ['Internal service on purpose? Trust it explicitly: NODE_EXTRA_CA_CERTS=/path/server.pem, or tls.connect({ ca: fs.readFileSync(\'server.pem\') })'],
    'java-client': ['Internal service on purpose? Import it into a copy of cacerts so public CAs stay trusted: cp $JAVA_HOME/lib/security/cacerts truststore.jks && keytool -importcert -noprompt -alias internal -file server.pem -keystore truststore.jks -storepass changeit, then -Djavax.net.ssl.trustStore=truststore.jks -Djavax.net.ssl.trustStorePassword=changeit (Java 8: $JAVA_HOME/jre/lib/security/cacerts). A trustStore replaces cacerts (a store holding only your CA stops public CAs being trusted), and a PKCS12 store read without trustStorePassword fails on JDK 17 with "the trustAnchors parameter must be non-empty"'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>&1 | grep -E "Verify return|s:|i:"',
  references: ['https://www.rfc-editor.org/rfc/rfc5280#section-6.1'],
};

export const certUntrusted: KbEntry = {
  id: 'cert-untrusted',
  title: 'The certificate is issued by a CA clients do not trust',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || c.trusted || c.selfSigned || c.chainComplete === false) return false;
    if (c.verifyError && OWNED_ELSEWHERE.has(c.verifyError)) return false;
    if (expired(c) || notYetValid(c)) return false;
    const code = c.verifyError ? ` (${c.verifyError})` : '';
    return { detail: `The chain ends at ${c.chain[c.chain.length - 1]?.issuer ?? c.issuer}, which is not in the trust store${code}` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /self[- ]signed certificate in certificate chain|SELF_SIGNED_CERT_IN_CHAIN/i, example: 'curl: (60) SSL certificate problem: self-signed certificate in certificate chain', weight: 3 },
    { re: /unable to get local issuer certificate|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/i, example: 'verify error:num=20:unable to get local issuer certificate', weight: 2 },
    { re: /unable to get issuer certificate|UNABLE_TO_GET_ISSUER_CERT\b/i, example: 'verify error:num=2:unable to get issuer certificate', weight: 2 },
    { re: /UntrustedRoot/, example: 'The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot', weight: 2 },
    ...UNKNOWN_ISSUER,
  ],
  why:
    'The chain leads to a root that is not in the client\'s trust store: a private or corporate CA, a TLS-inspecting ' +
    'proxy re-signing traffic, or a public root too new or too old for that client (old Android, Java or OS stores). ' +
    'Public services need a certificate from a publicly trusted CA; private services need their CA installed on ' +
    'every client.',
  fixes: {
    nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # issued by a publicly trusted CA for public services'],
    apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # issued by a publicly trusted CA for public services'],
    openssl: [
      'Private CA: curl --cacert /path/private-ca.pem https://HOST/',
      'Trust it system-wide on Debian/Ubuntu: cp private-ca.pem /usr/local/share/ca-certificates/private-ca.crt && update-ca-certificates  (only *.crt files are read; RHEL/Fedora: cp private-ca.pem /etc/pki/ca-trust/source/anchors/ && update-ca-trust)',
    ],
    'node-client': ['Private CA: NODE_EXTRA_CA_CERTS=/path/private-ca.pem node app.js  (or node --use-openssl-ca to read the system store)'],
    'java-client': ['Private CA: import into a copy of cacerts so public CAs stay trusted: cp $JAVA_HOME/lib/security/cacerts truststore.jks && keytool -importcert -noprompt -alias private-ca -file private-ca.pem -keystore truststore.jks -storepass changeit, then -Djavax.net.ssl.trustStore=truststore.jks -Djavax.net.ssl.trustStorePassword=changeit (Java 8: $JAVA_HOME/jre/lib/security/cacerts). A trustStore replaces cacerts (a store holding only your CA stops public CAs being trusted), and a PKCS12 store read without trustStorePassword fails on JDK 17 with "the trustAnchors parameter must be non-empty"'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -showcerts </dev/null 2>&1 | grep -E "Verify return|s:|i:"',
  references: ['https://www.rfc-editor.org/rfc/rfc5280#section-6.1', 'https://nodejs.org/api/cli.html#node_extra_ca_certsfile'],
};

export const certChainIncomplete: KbEntry = {
  id: 'cert-chain-incomplete',
  title: 'The server does not send its intermediate certificate',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c) return false;
    if (c.chainComplete !== false && !(c.chainIssues ?? []).includes('missing-intermediate')) return false;
    return { detail: `The server sends ${plural(c.chain.length, 'certificate')}; the intermediate that signed ${c.subject} (${c.issuer}) is missing` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE/i, example: 'Error: unable to verify the first certificate code: UNABLE_TO_VERIFY_LEAF_SIGNATURE', weight: 3 },
    { re: /unable to get local issuer certificate|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/i, example: 'curl: (60) SSL certificate problem: unable to get local issuer certificate', weight: 2 },
    { re: /PartialChain/, example: 'The remote certificate is invalid because of errors in the certificate chain: PartialChain', weight: 3 },
    ...UNKNOWN_ISSUER,
  ],
  why:
    'Clients trust roots, not intermediates: the server must send its certificate followed by the intermediate(s). ' +
    'Browsers often hide the mistake by fetching or caching the intermediate, so the site "works in Chrome" while ' +
    'curl, Java, Node.js, Go, Python and mobile apps fail with "unable to get local issuer certificate" or "PKIX path ' +
    'building failed".',
  fixes: {
    nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # leaf first, then the intermediate(s); not cert.pem alone'],
    apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # leaf + intermediates (httpd 2.4.8+); older: `SSLCertificateChainFile /etc/ssl/example.com/chain.pem`'],
    haproxy: ['cat privkey.pem cert.pem chain.pem > /etc/haproxy/certs/site.pem  # the crt PEM holds key, leaf and intermediates'],
    node: ["tls.createServer({ key, cert: fs.readFileSync('fullchain.pem') })  // leaf followed by the intermediates"],
    java: ['openssl pkcs12 -export -in cert.pem -certfile chain.pem -inkey privkey.pem -name server -out server.p12  # the key entry must hold the chain'],
    openssl: ['See what is sent: openssl s_client -connect HOST:443 -servername HOST -showcerts </dev/null  (expect depth 0 and 1)'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -showcerts </dev/null 2>&1 | grep -E "^ *[0-9] s:|Verify return"',
  references: ['https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2', 'https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2'],
};

export const certChainOrder: KbEntry = {
  id: 'cert-chain-order',
  title: 'The certificate chain is sent in the wrong order or includes the root',
  severity: (r) => ((cert(r)?.chainIssues ?? []).includes('wrong-order') ? 'warning' : 'info'),
  applies: (r) => {
    const issues = (cert(r)?.chainIssues ?? []).filter((i) => i === 'wrong-order' || i === 'root-sent');
    if (issues.length === 0) return false;
    const text = issues.map((i) => (i === 'wrong-order' ? 'the certificates are out of order' : 'the root certificate is sent too')).join('; ');
    return { detail: `As served: ${text}` };
  },
  tested: certTested,
  errorPatterns: [],
  why:
    'TLS 1.2 requires each certificate to certify the one before it; TLS 1.3 and most current clients tolerate ' +
    'disorder, but older and embedded clients fail. Sending the root is harmless to verification but wastes bytes in ' +
    'every handshake, and can push the server\'s first flight past the initial congestion window.',
  fixes: {
    nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # order: leaf, intermediate(s); leave the root out'],
    apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # order: leaf, intermediate(s); leave the root out'],
    haproxy: ['cat privkey.pem cert.pem chain.pem > /etc/haproxy/certs/site.pem  # leaf before intermediates, no root'],
    node: ["cert: fs.readFileSync('fullchain.pem')  // leaf, then intermediates, no root"],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -showcerts </dev/null 2>&1 | grep -E "^ *[0-9] s:| i:"',
  references: ['https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2', 'https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2'],
};

export const certWeakSignature: KbEntry = {
  id: 'cert-weak-signature',
  title: 'The certificate is signed with SHA-1 (or MD5)',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || !WEAK_SIGNATURE.test(c.signatureAlgorithm)) return false;
    return { detail: `The certificate is signed with ${c.signatureAlgorithm}` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /CA signature digest algorithm too weak|ca md too weak/i, example: 'verify error:num=68:CA signature digest algorithm too weak', weight: 3 },
    { re: /insecure algorithm SHA1/i, example: 'x509: cannot verify signature: insecure algorithm SHA1-RSA (temporarily override with GODEBUG=x509sha1=1)', weight: 3 },
    { re: /ERR_CERT_WEAK_SIGNATURE_ALGORITHM/, example: 'NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM', weight: 3 },
    { re: /Algorithm constraints check failed on signature algorithm/i, example: 'java.security.cert.CertPathValidatorException: Algorithm constraints check failed on signature algorithm: SHA1withRSA', weight: 3 },
  ],
  why:
    'SHA-1 collisions are practical (SHAttered 2017, chosen-prefix 2020), so browsers, OpenSSL 3 at its default ' +
    'security level and Go distrust certificates signed with it; Java only distrusts SHA-1 in chains that end at a ' +
    'root shipped with the JDK (jdk.certpath.disabledAlgorithms: SHA1 jdkCA), so private chains still pass there. ' +
    'MD5 has been broken far longer. Public CAs ' +
    'stopped issuing them in 2016: such a certificate is private or very old.',
  fixes: {
    nginx: ['ssl_certificate /etc/ssl/example.com/fullchain.pem;  # a certificate reissued with sha256WithRSAEncryption or ECDSA-SHA256'],
    apache: ['SSLCertificateFile /etc/ssl/example.com/fullchain.pem  # reissued with SHA-256'],
    openssl: ['Reissue a private certificate with SHA-256: openssl req -new -sha256 -key privkey.pem -out server.csr'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -text | grep "Signature Algorithm"',
  references: ['https://www.rfc-editor.org/rfc/rfc9155', 'https://shattered.io/'],
};

function keyTooSmall(c: CertificateResult): boolean {
  const t = c.keyType.toUpperCase();
  if (t.includes('RSA') || (t.includes('DSA') && !t.includes('ECDSA'))) return c.keyBits > 0 && c.keyBits < 2048;
  if (t.includes('EC')) return c.keyBits > 0 && c.keyBits < 224;
  return false;
}

export const certWeakKey: KbEntry = {
  id: 'cert-weak-key',
  title: 'The certificate key is too small',
  severity: 'error',
  applies: (r) => {
    const c = cert(r);
    if (!c || !keyTooSmall(c)) return false;
    return { detail: `The certificate has a ${c.keyBits}-bit ${c.keyType} key` };
  },
  tested: certTested,
  errorPatterns: [
    { re: /EE certificate key too weak|ee key too small/i, example: 'curl: (60) SSL certificate problem: EE certificate key too weak', weight: 3 },
    { re: /Algorithm constraints check failed on keysize limits/i, example: 'java.security.cert.CertPathValidatorException: Algorithm constraints check failed on keysize limits: RSA 1024 bit key used with certificate: CN=example.com', weight: 3 },
  ],
  why:
    'RSA keys below 2048 bits are within reach of well-funded attackers. Browsers refuse them, and so does OpenSSL 3 ' +
    'as Debian and Ubuntu build it (security level 2); upstream OpenSSL 3 defaults to level 1, which still accepts ' +
    '1024-bit RSA, and Java blocks only keys below 1024 bits (jdk.certpath.disabledAlgorithms: RSA keySize < 1024). ' +
    'So a 1024-bit key fails in some clients and not others. Mozilla\'s intermediate profile asks for RSA 2048 or ECDSA P-256.',
  fixes: {
    nginx: ['ssl_certificate_key /etc/ssl/example.com/privkey.pem;  # a new key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 (or RSA 2048+), then reissue'],
    apache: ['SSLCertificateKeyFile /etc/ssl/example.com/privkey.pem  # a new P-256 or RSA 2048+ key, then reissue the certificate'],
    openssl: ['openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out privkey.pem && openssl req -new -key privkey.pem -out server.csr'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -text | grep "Public-Key"',
  references: ['https://www.rfc-editor.org/rfc/rfc9325', 'https://wiki.mozilla.org/Security/Server_Side_TLS'],
};
