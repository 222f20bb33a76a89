// Plain-text summary lines for key exchange, revocation and Certificate Transparency, shared by
// the CLI and Slack renderers (each styles or escapes them its own way). Pure.
import type { CheckResult } from '../types.js';

/** e.g. ["DHE: 1024-bit group (custom), TLS_DHE_RSA_… on TLSv1.2", "ECDHE: x25519 (TLS_ECDHE_…)"]; [] when not probed. */
export function keyExchangeLines(r: CheckResult): string[] {
  const kx = r.keyExchange;
  if (!kx) return [];
  const out: string[] = [];
  if (kx.dh === null) out.push('DHE: not offered');
  else if (kx.dh) out.push(`DHE: ${kx.dh.bits}-bit group (${kx.dh.group}), ${kx.dh.suite} on ${kx.dh.protocol}`);
  if (kx.curves) {
    const pairs = Object.entries(kx.curves);
    out.push(pairs.length ? `ECDHE: ${pairs.map(([suite, curve]) => `${curve} (${suite})`).join(', ')}` : 'ECDHE: not offered');
  }
  return out;
}

/** The OCSP status in a few words, e.g. "revoked 2026-01-02 (keyCompromise)", "good, expired response". */
export function ocspText(r: CheckResult): string | null {
  const o = r.ocsp;
  if (!o) return r.ocspFetchError ? `responder not asked or no answer: ${r.ocspFetchError}` : null;
  const parts: string[] = [o.status ?? `unreadable (${o.responseStatus ?? 'no status'})`];
  if (o.status === 'revoked') {
    if (o.revocationTime) parts[0] += ` ${o.revocationTime.slice(0, 10)}`;
    if (o.revocationReason) parts[0] += ` (${o.revocationReason})`;
  }
  if (o.validity === 'expired') parts.push('response expired');
  if (o.validity === 'not-yet-valid') parts.push('response not yet valid');
  if (o.signatureValid === false) parts.push('signature not from the issuer');
  if (o.source === 'responder') parts.push(`asked ${o.responder ?? 'the responder'}`);
  return parts.join(', ');
}

/** Must-Staple and SCTs, e.g. "Must-Staple; SCTs: 2 embedded, 0 in TLS, — in OCSP". Null when there is nothing to say. */
export function certExtrasText(r: CheckResult): string | null {
  const c = r.certificate;
  if (!c) return null;
  const parts: string[] = [];
  if (c.mustStaple) parts.push('OCSP Must-Staple');
  if (c.ct) {
    const n = (v: number | null): string => (v === null ? '?' : String(v));
    parts.push(`SCTs: ${n(c.ct.embedded)} embedded, ${n(c.ct.tlsExtension)} in the TLS extension, ${c.ct.ocsp === null ? 'none stapled' : `${c.ct.ocsp} in OCSP`}${c.publicRoot === false ? ' (private CA: not required)' : ''}`);
  }
  return parts.length ? parts.join('; ') : null;
}
