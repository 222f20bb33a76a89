// TLS alert wording differs per stack: OpenSSL "tlsv1 alert protocol version ... SSL alert number 70",
// Java "Received fatal alert: protocol_version", Go "remote error: tls: protocol version not supported",
// .NET "remote party sent a TLS alert: 'ProtocolVersion'". One regexp per alert covers the numeric forms.
import type { ErrorPattern } from './types.js';

// OpenSSL's reason text for a received fatal alert (reason code 1000 + alert number), from
// `openssl errstr`: used to build the real message each numeric pattern is tested against.
const OPENSSL_ALERT_REASON: Readonly<Record<number, string>> = {
  10: 'sslv3 alert unexpected message',
  40: 'sslv3 alert handshake failure',
  42: 'sslv3 alert bad certificate',
  45: 'sslv3 alert certificate expired',
  48: 'tlsv1 alert unknown ca',
  70: 'tlsv1 alert protocol version',
  86: 'tlsv1 alert inappropriate fallback',
  100: 'tlsv1 alert no renegotiation',
  112: 'tlsv1 unrecognized name',
  80: 'tlsv1 alert internal error',
  116: 'tlsv13 alert certificate required',
};

/** Matches "alert number 70", "alert 70", "alert(70)", "TLS alert: '70'" but not "alert 700". */
export function alertNumber(n: keyof typeof OPENSSL_ALERT_REASON, weight: ErrorPattern['weight']): ErrorPattern {
  const code = (0x0a000000 + 1000 + n).toString(16).toUpperCase().padStart(8, '0');
  return {
    re: new RegExp(`alert(?:\\s+number)?\\s*[(:]?\\s*'?${n}(?!\\d)`, 'i'),
    example: `error:${code}:SSL routines:ssl3_read_bytes:${OPENSSL_ALERT_REASON[n] ?? ''}:../ssl/record/rec_layer_s3.c:1601:SSL alert number ${n}`,
    weight,
  };
}

/** curl's exit 35 ("SSL connect error") says only that the handshake failed: a weak hint for several causes. */
export const CURL_HANDSHAKE_FAILED: ErrorPattern = {
  re: /curl: \(35\)/,
  example: 'curl: (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version',
  weight: 1,
};

/** Chrome's catch-all for a handshake that broke: plain HTTP on the port, an old server, a middlebox. */
export const BROWSER_PROTOCOL_ERROR: ErrorPattern = {
  re: /ERR_SSL_PROTOCOL_ERROR/,
  example: 'This site can’t provide a secure connection. ERR_SSL_PROTOCOL_ERROR',
  weight: 1,
};

/** The text shows a renegotiation was attempted (s_client's "RENEGOTIATING", renegotiate() in a stack, a log line). */
export const RENEGOTIATION_ATTEMPTED = /renegotiat/i;

/**
 * A handshake_failure (40) that follows a renegotiation: a Java server with
 * jdk.tls.rejectClientInitiatedRenegotiation=true refuses that way (measured with JDK 17), not with alert 100.
 */
export const RENEGOTIATION_THEN_ALERT_40 = /renegotiat[\s\S]*(handshake[ _]failure|alert number 40\b)/i;
