// Plain-text summary lines for key exchange, revocation and Certificate Transparency, shared by
// the CLI and Slack renderers (each styles or escapes them its own way). Pure.
import type { CheckResult } from '../types.js';

/** e.g. ["DHE: 1024-bit group (custom), TLS_DHE_RSA_… on TLSv1.2", "ECDHE: x25519 on all 6 ECDHE suites"]; [] when not probed. */
export function keyExchangeLines(r: CheckResult): string[] {
  const kx = r.keyExchange;
  if (!kx) return [];
  const out: string[] = [];
  if (kx.dh === null) out.push('DHE: not offered');
  else if (kx.dh) out.push(`DHE: ${kx.dh.bits}-bit group (${kx.dh.group}), ${kx.dh.suite} on ${kx.dh.protocol}`);
  const ecdhe = ecdheLine(kx.curves, kx.curvesComplete);
  if (ecdhe) out.push(ecdhe);
  return out;
}

const suites = (n: number): string => `${n} ECDHE suite${n === 1 ? '' : 's'}`;

/**
 * The curve once when every suite uses the same one ("ECDHE: x25519 on all 6 ECDHE suites"), per
 * curve with its suites when they differ; a list the check could not finish says so.
 */
export function ecdheLine(curves: Record<string, string> | undefined, complete: boolean | undefined): string | null {
  if (!curves) return null;
  const pairs = Object.entries(curves);
  const cut = complete === false;
  if (pairs.length === 0) return cut ? 'ECDHE: unknown (not established)' : 'ECDHE: not offered';
  const byCurve = new Map<string, string[]>();
  for (const [suite, curve] of pairs) byCurve.set(curve, [...(byCurve.get(curve) ?? []), suite]);
  let text: string;
  if (byCurve.size > 1) text = [...byCurve].map(([curve, list]) => `${curve} on ${list.join(', ')}`).join('; ');
  else if (pairs.length === 1) text = `${pairs[0]?.[1] ?? ''} (${pairs[0]?.[0] ?? ''})`;
  else text = `${pairs[0]?.[1] ?? ''} on ${cut ? '' : 'all '}${suites(pairs.length)}`;
  return `ECDHE: ${text}${cut ? ' (incomplete: the curve of other ECDHE suites is not known)' : ''}`;
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

/**
 * Must-Staple and SCTs, e.g. "OCSP Must-Staple; SCTs present (2, not verified against logs): 2
 * embedded, 0 in the TLS extension, none stapled". Null when there is nothing to say. SCTs are
 * counted, never verified: the text says so wherever it reports some.
 */
export function certExtrasText(r: CheckResult): string | null {
  const c = r.certificate;
  if (!c) return null;
  const parts: string[] = [];
  if (c.mustStaple) parts.push('OCSP Must-Staple');
  if (c.ct) {
    const n = (v: number | null): string => (v === null ? '?' : String(v));
    const where = `${n(c.ct.embedded)} embedded, ${n(c.ct.tlsExtension)} in the TLS extension, ${c.ct.ocsp === null ? 'none stapled' : `${c.ct.ocsp} in OCSP`}`;
    const total = (c.ct.embedded ?? 0) + (c.ct.tlsExtension ?? 0) + (c.ct.ocsp ?? 0);
    const head = total > 0 ? `SCTs present (${total}, not verified against logs)` : 'SCTs: none';
    parts.push(`${head}: ${where}${c.publicRoot === false ? ' (private CA: not required)' : ''}`);
  }
  return parts.length ? parts.join('; ') : null;
}
