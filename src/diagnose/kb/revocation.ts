// Revocation: what the stapled (or, with --ocsp, fetched) OCSP response says about the
// certificate, whether clients can rely on it, and Must-Staple certificates served without one.
import type { OcspResult } from '../../types.js';
import type { KbEntry, ResultFacts } from './types.js';

function ocsp(r: ResultFacts): OcspResult | null {
  return r.ocsp ?? null;
}

function origin(o: OcspResult): string {
  return o.source === 'responder' ? `The OCSP responder${o.responder ? ` (${o.responder})` : ''}` : 'The stapled OCSP response';
}

/** Results with an OCSP response to judge. */
const hasOcsp = (r: ResultFacts): boolean => r.error === null && ocsp(r)?.status != null;

const REPLACE_CERT = {
  nginx: ['Install a newly issued certificate and key: `ssl_certificate /etc/ssl/example.com/fullchain.pem; ssl_certificate_key /etc/ssl/example.com/privkey.pem;` then nginx -t && nginx -s reload'],
  apache: ['Install a newly issued certificate and key: SSLCertificateFile and SSLCertificateKeyFile, then apachectl graceful'],
  haproxy: ['Install a newly issued certificate and key in the crt file of the bind line, then reload (or, HAProxy 2.1+: set ssl cert on the Runtime API, then commit ssl cert)'],
  node: ['Load the newly issued certificate and key: server.setSecureContext({ key, cert })'],
  java: ['Import the newly issued certificate and key into the server keystore (keytool -importkeystore) and restart'],
};

export const certRevoked: KbEntry = {
  id: 'cert-revoked',
  title: 'The certificate is revoked',
  severity: 'critical',
  applies: (r) => {
    const o = ocsp(r);
    if (o?.status !== 'revoked') return false;
    const when = o.revocationTime ? ` on ${o.revocationTime}` : '';
    const reason = o.revocationReason ? ` (reason: ${o.revocationReason})` : ' (no reason given)';
    return { detail: `${origin(o)} says the certificate was revoked${when}${reason}` };
  },
  tested: hasOcsp,
  errorPatterns: [
    { re: /SEC_ERROR_REVOKED_CERTIFICATE/, example: 'Error code: SEC_ERROR_REVOKED_CERTIFICATE', weight: 3 },
    { re: /ERR_CERT_REVOKED/, example: 'NET::ERR_CERT_REVOKED', weight: 3 },
    { re: /certificate revoked/i, example: 'verify error:num=23:certificate revoked', weight: 3 },
    { re: /Certificate has been revoked/i, example: 'java.security.cert.CertPathValidatorException: Certificate has been revoked, reason: KEY_COMPROMISE', weight: 3 },
    { re: /SSL certificate revocation reason/i, example: 'curl: (91) SSL certificate revocation reason: keyCompromise', weight: 3 },
    { re: /CERT_REVOKED/, example: "Error: certificate revoked\n  code: 'CERT_REVOKED'", weight: 3 },
  ],
  why:
    'The certificate authority has revoked the certificate (often at the owner\'s request after a key leak, or on ' +
    're-issuance), and the server still presents it. Firefox refuses a certificate whose stapled response says revoked; ' +
    'Chrome does for revocations in its CRLSet; clients that check OCSP (curl --cert-status, Java with revocation ' +
    'checking) fail. Only a new certificate helps; when the reason is keyCompromise, also a new key.',
  fixes: REPLACE_CERT,
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -E -A2 "Cert Status|Revocation"\ncurl --cert-status -sS -o /dev/null {url}',
  references: ['https://www.rfc-editor.org/rfc/rfc6960#section-2.2', 'https://www.rfc-editor.org/rfc/rfc5280#section-5.3.1', 'https://docs.haproxy.org/2.6/management.html#9.3-set%20ssl%20cert'],
};

export const ocspUnknown: KbEntry = {
  id: 'ocsp-status-unknown',
  title: 'The OCSP responder does not know the certificate',
  severity: 'warning',
  applies: (r) => {
    const o = ocsp(r);
    return o?.status === 'unknown' ? { detail: `${origin(o)} has status "unknown" for the served certificate` } : false;
  },
  tested: hasOcsp,
  errorPatterns: [
    { re: /SEC_ERROR_OCSP_UNKNOWN_CERT/, example: 'Error code: SEC_ERROR_OCSP_UNKNOWN_CERT', weight: 3 },
    { re: /SSL certificate status: unknown/i, example: 'SSL certificate status: unknown (2)', weight: 3 },
  ],
  why:
    'The responder answers "unknown" for certificates it has no record of: a response stapled from another issuer, a ' +
    'certificate so new the responder has not caught up, or a responder that serves another CA. Firefox rejects a ' +
    'stapled "unknown" response (SEC_ERROR_OCSP_UNKNOWN_CERT).',
  fixes: {
    nginx: ['ssl_stapling_verify on; with ssl_trusted_certificate set to the issuer chain, so nginx staples only responses that match'],
    apache: ['Check that SSLCertificateFile/SSLCertificateChainFile name the intermediate that actually issued the certificate'],
    haproxy: ['Regenerate the .ocsp file next to the certificate with the right issuer: openssl ocsp -issuer chain.pem -cert site.pem -url RESPONDER -respout site.pem.ocsp'],
    openssl: ['Ask the responder directly: openssl ocsp -issuer issuer.pem -cert site.pem -url RESPONDER -resp_text'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -E -A3 "OCSP Response Status|Cert Status"',
  references: ['https://www.rfc-editor.org/rfc/rfc6960#section-2.2'],
};

export const ocspStale: KbEntry = {
  id: 'ocsp-response-stale',
  title: 'The stapled OCSP response is outside its validity period',
  severity: 'warning',
  applies: (r) => {
    const o = ocsp(r);
    if (!o || (o.validity !== 'expired' && o.validity !== 'not-yet-valid')) return false;
    return {
      detail: o.validity === 'expired'
        ? `${origin(o)} expired at its nextUpdate ${o.nextUpdate ?? ''}: the server keeps stapling a response it no longer refreshes`
        : `${origin(o)} is not valid before its thisUpdate ${o.thisUpdate ?? ''}: the server's or the responder's clock is off`,
    };
  },
  tested: hasOcsp,
  errorPatterns: [
    { re: /SEC_ERROR_OCSP_OLD_RESPONSE/, example: 'Error code: SEC_ERROR_OCSP_OLD_RESPONSE', weight: 3 },
    { re: /SEC_ERROR_OCSP_FUTURE_RESPONSE/, example: 'Error code: SEC_ERROR_OCSP_FUTURE_RESPONSE', weight: 3 },
    { re: /status expired/i, example: 'error:13800080:OCSP routines::status expired', weight: 2 },
    { re: /status not yet valid/i, example: 'error:13800081:OCSP routines::status not yet valid', weight: 2 },
  ],
  why:
    'A stapled response is only good between its thisUpdate and nextUpdate. Past nextUpdate the server has stopped ' +
    'refreshing it (it cannot reach the responder: DNS, firewall, proxy) or staples a static file; Firefox rejects an ' +
    'old response (SEC_ERROR_OCSP_OLD_RESPONSE) and other clients ignore it and may ask the responder themselves.',
  fixes: {
    nginx: ['resolver 1.1.1.1;  # nginx needs a resolver to refresh the staple', 'Let the server reach the responder (the OCSP URL in the certificate) on port 80', 'Or drop ssl_stapling_file: a static response goes stale'],
    apache: ['Let the server reach the responder on port 80 (SSLStaplingForceURL if it must go through another URL)', 'SSLStaplingReturnResponderErrors off  # do not staple error responses'],
    haproxy: ['HAProxy 2.8+: ocsp-update on for the certificate in a crt-list, so HAProxy refreshes the response itself', 'Older: refresh the .ocsp file with openssl ocsp ... -respout and load it: set ssl ocsp-response on the runtime API'],
    node: ["server.on('OCSPRequest', ...) must return a cached response it refreshes before nextUpdate"],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -E "This Update|Next Update"',
  references: ['https://www.rfc-editor.org/rfc/rfc6960#section-4.2.2.1', 'https://nginx.org/en/docs/http/ngx_http_ssl_module.html#ssl_stapling', 'https://docs.haproxy.org/2.8/configuration.html#5.1-ocsp-update'],
};

export const ocspBadSignature: KbEntry = {
  id: 'ocsp-response-untrusted',
  title: 'The stapled OCSP response is not signed by the issuer or its responder',
  severity: 'warning',
  applies: (r) => {
    const o = ocsp(r);
    return o?.signatureValid === false ? { detail: `${origin(o)}: ${o.signatureProblem ?? 'the signature does not verify'}` } : false;
  },
  tested: (r) => hasOcsp(r) && ocsp(r)?.signatureValid !== null && ocsp(r)?.signatureValid !== undefined,
  errorPatterns: [
    { re: /SEC_ERROR_OCSP_INVALID_SIGNING_CERT/, example: 'Error code: SEC_ERROR_OCSP_INVALID_SIGNING_CERT', weight: 3 },
    { re: /SEC_ERROR_OCSP_BAD_SIGNATURE/, example: 'Error code: SEC_ERROR_OCSP_BAD_SIGNATURE', weight: 3 },
    { re: /OCSP routines[^\n]*(signer certificate not found|root ca not trusted|certificate verify error)/i, example: 'error:13800076:OCSP routines::signer certificate not found', weight: 2 },
  ],
  why:
    'RFC 6960 lets only the issuing CA, or a responder certificate it issued with the OCSP-signing purpose, sign the ' +
    'status of its certificates. A response signed by anyone else (a response from another CA, a responder certificate ' +
    'from the wrong issuer, a corrupted file) must be rejected; Firefox fails the connection, other clients ignore it.',
  fixes: {
    nginx: ['ssl_stapling_verify on;', 'ssl_trusted_certificate /etc/ssl/example.com/chain.pem;  # the issuer chain nginx verifies responses against'],
    apache: ['Staple only what the responder named in the certificate returns: remove SSLStaplingForceURL if it points elsewhere'],
    haproxy: ['Regenerate the .ocsp file from the certificate\'s own responder: openssl ocsp -issuer chain.pem -cert site.pem -url RESPONDER -respout site.pem.ocsp'],
    openssl: ['Check a response: openssl ocsp -respin resp.der -issuer issuer.pem -VAfile issuer.pem -resp_text'],
  },
  reproduce:
    'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -E -A4 "Responder Id|OCSP Response Status"\n' +
    'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | grep "^issuer="   # the Responder Id must be this issuer, or a responder certificate it issued',
  references: ['https://www.rfc-editor.org/rfc/rfc6960#section-4.2.2.2'],
};

export const mustStapleMissing: KbEntry = {
  id: 'must-staple-missing',
  title: 'A Must-Staple certificate is served without an OCSP response',
  severity: 'error',
  applies: (r) =>
    r.certificate?.mustStaple === true && r.ocspStapled === false
      ? { detail: 'The certificate carries the TLS Feature extension (OCSP Must-Staple) and the server stapled no OCSP response' }
      : false,
  tested: (r) => r.error === null && r.certificate?.mustStaple !== undefined && r.ocspStapled !== null,
  errorPatterns: [
    { re: /MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING/, example: 'Error code: MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING', weight: 3 },
  ],
  why:
    'A certificate with the TLS Feature extension (RFC 7633) promises that the server always staples a fresh OCSP ' +
    'response. Firefox enforces the promise and refuses the connection without one ' +
    '(MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING). Either turn stapling on, or get a certificate without Must-Staple.',
  fixes: {
    nginx: ['ssl_stapling on;', 'ssl_stapling_verify on;', 'ssl_trusted_certificate /etc/ssl/example.com/chain.pem;', 'resolver 1.1.1.1;'],
    apache: ['SSLUseStapling On  # in the <VirtualHost>', 'SSLStaplingCache "shmcb:/var/run/httpd/ssl_stapling(32768)"  # server config, outside any <VirtualHost>'],
    haproxy: ['HAProxy 2.8+: ocsp-update on for the certificate in a crt-list; older: a site.pem.ocsp file next to site.pem'],
    node: ["server.on('OCSPRequest', (cert, issuer, cb) => cb(null, cachedOcspResponse))"],
    openssl: ['Or request the next certificate without Must-Staple (certbot: drop --must-staple)'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} -status </dev/null 2>/dev/null | grep -A2 "OCSP response"\nopenssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -ext tlsfeature',
  references: ['https://www.rfc-editor.org/rfc/rfc7633', 'https://www.rfc-editor.org/rfc/rfc6066#section-8', 'https://docs.haproxy.org/2.8/configuration.html#5.1-ocsp-update'],
};
