// TLS alert numbers and how OpenSSL reports them, so probes can say exactly what the peer sent.

/** IANA TLS Alert registry: one table, kept with the codec that parses alerts off the wire. */
export { ALERT_NAMES } from './codec/server-response.js';
import { ALERT_NAMES } from './codec/server-response.js';

export type AlertLevel = 'warning' | 'fatal';

export interface TlsAlert {
  level: AlertLevel;
  description: number;
  /** How we know: read from a cleartext record, or inferred from OpenSSL's error for an encrypted one. */
  source: 'record' | 'openssl';
}

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `unknown(${description})`;
}

/** "warning alert 100 no_renegotiation" — the wording reports and tests rely on. */
export function describeAlert(alert: Pick<TlsAlert, 'level' | 'description'>): string {
  return `${alert.level} alert ${alert.description} ${alertName(alert.description)}`;
}

/** Parses the 2-byte body of a cleartext alert record. */
export function parseAlertBody(body: Buffer): Pick<TlsAlert, 'level' | 'description'> | null {
  if (body.length !== 2) return null;
  const level = body[0] === 1 ? 'warning' : body[0] === 2 ? 'fatal' : null;
  if (!level) return null;
  return { level, description: body[1] ?? 0 };
}

// OpenSSL reports a received fatal alert as reason SSL_AD_REASON_OFFSET (1000) + description,
// with "SSL alert number N" appended; a received warning no_renegotiation is the only warning it
// turns into an error (SSL_R_NO_RENEGOTIATION). Anything else is a local error, not the peer's alert.
const SSL_AD_REASON_OFFSET = 1000;
const PACKED_ERROR = /error:([0-9A-Fa-f]{8}):/;
const ALERT_NUMBER = /SSL alert number (\d+)/;

/** The alert the peer sent, as far as OpenSSL's error for it tells; null when the error is not one. */
export function alertFromOpenSslError(err: unknown): TlsAlert | null {
  const e = err as { code?: unknown; message?: unknown; reason?: unknown } | null | undefined;
  if (!e) return null;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === 'ERR_SSL_NO_RENEGOTIATION' || e.reason === 'no renegotiation') {
    return { level: 'warning', description: 100, source: 'openssl' };
  }
  const numbered = ALERT_NUMBER.exec(message);
  if (numbered?.[1]) return { level: 'fatal', description: Number(numbered[1]), source: 'openssl' };
  const packed = PACKED_ERROR.exec(message);
  if (packed?.[1]) {
    // OpenSSL 3 packs the library in the top byte and the reason in the low 23 bits.
    const reason = parseInt(packed[1], 16) & 0x7fffff;
    if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
      return { level: 'fatal', description: reason - SSL_AD_REASON_OFFSET, source: 'openssl' };
    }
  }
  return null;
}
