// Certificate Transparency: a publicly trusted certificate without SCTs is refused by Chrome and
// Safari. Private CAs are exempt: nothing logs their certificates and no client asks.
import type { KbEntry, ResultFacts } from './types.js';

function sctTotal(ct: NonNullable<NonNullable<ResultFacts['certificate']>['ct']>): number {
  return (ct.embedded ?? 0) + (ct.tlsExtension ?? 0) + (ct.ocsp ?? 0);
}

/**
 * A publicly trusted certificate whose SCTs were seen on some channel, or looked for on every one.
 * Absence needs every channel: an unasked TLS extension (a TLS 1.3-only server) leaves it untested.
 */
function sctsKnown(r: ResultFacts): boolean {
  const ct = r.certificate?.ct;
  if (r.error !== null || r.certificate?.publicRoot !== true || !ct) return false;
  return sctTotal(ct) > 0 || (ct.embedded !== null && ct.tlsExtension !== null);
}

export const ctMissing: KbEntry = {
  id: 'ct-missing',
  title: 'The publicly trusted certificate comes with no SCTs',
  severity: 'warning',
  applies: (r) => {
    if (!sctsKnown(r)) return false;
    const ct = r.certificate?.ct;
    if (!ct || sctTotal(ct) > 0) return false;
    return { detail: 'No Signed Certificate Timestamp in the certificate, the TLS extension or the stapled OCSP response' };
  },
  tested: sctsKnown,
  // SCTs are counted, not verified: "present" is all the live check can say for them.
  evidence: (r) => {
    const c = r.certificate;
    const ct = c?.ct;
    if (r.error !== null || !c || !ct) return 'No certificate was read';
    if (c.publicRoot !== true) return 'The certificate chains to a private CA (not a public root): Certificate Transparency does not apply';
    const total = sctTotal(ct);
    if (total === 0 && ct.tlsExtension === null) return 'SCTs in the TLS extension could not be asked for (no TLS ≤ 1.2 handshake), so their absence is not established';
    return `SCTs present (${total}: ${ct.embedded ?? '?'} embedded, ${ct.tlsExtension ?? '?'} in the TLS extension, ${ct.ocsp ?? 0} in OCSP), ` +
      'not verified against logs: a forged SCT, or one from a log Chrome or Safari does not accept, would still be refused';
  },
  errorPatterns: [
    { re: /ERR_CERTIFICATE_TRANSPARENCY_REQUIRED/, example: 'NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', weight: 3 },
  ],
  why:
    'Chrome and Safari require publicly trusted certificates to be logged in Certificate Transparency and to come with ' +
    'SCTs (the logs\' receipts), normally embedded by the CA at issuance; without them they refuse the certificate ' +
    '(Chrome: ERR_CERTIFICATE_TRANSPARENCY_REQUIRED). Certificates from a private CA are exempt.',
  fixes: {
    nginx: ['Reissue the certificate from a CA that embeds SCTs (all public CAs do by default), then install it with ssl_certificate'],
    apache: ['Reissue the certificate from a CA that embeds SCTs, then install it with SSLCertificateFile'],
    haproxy: ['Reissue the certificate from a CA that embeds SCTs, then install it in the crt file of the bind line'],
    openssl: ['See what the certificate carries: openssl x509 -in site.pem -noout -ext ct_precert_scts'],
  },
  reproduce: 'openssl s_client -connect {connect} {servername} </dev/null 2>/dev/null | openssl x509 -noout -ext ct_precert_scts',
  references: ['https://www.rfc-editor.org/rfc/rfc6962#section-3.3', 'https://googlechrome.github.io/CertificateTransparency/ct_policy.html', 'https://support.apple.com/en-us/103214'],
};
