// Error phrases that several causes produce alike. The phrase alone cannot tell them apart, so
// every cause is a candidate, ranked by how often an on-call engineer meets it; the live check
// then confirms or rules each one out. Facts: /work/shared/docs/tls-facts.md ("What the product
// must diagnose").
import type { ErrorPattern } from './types.js';

export interface SymptomFamily {
  id: string;
  /** The phrase as different stacks word it; each example is a real message. */
  patterns: ErrorPattern[];
  /** Knowledge-base entry ids, the most common cause first when nothing is known about the server. */
  causes: readonly string[];
}

export const RENEGOTIATION_FAILED: SymptomFamily = {
  id: 'renegotiation-failed',
  patterns: [
    { re: /re-?negotiation handshake failed/i, example: 'SSL error: TLS renegotiation handshake failed', weight: 1 },
    // Apache httpd's own wordings (mod_ssl ssl_engine_kernel.c): AH02225, AH02261, AH02263.
    { re: /Re-negotiation request failed/i, example: '[ssl:error] [pid 4021] [client 10.0.0.7:51542] AH02225: Re-negotiation request failed', weight: 1 },
    // JDK 17 client renegotiating against an OpenSSL 3 server (measured here).
    { re: /received handshake warning: no_renegotiation/i, example: 'javax.net.ssl.SSLHandshakeException: received handshake warning: no_renegotiation', weight: 1 },
    // .NET: the alert name in AuthenticationException (TlsAlertMessage.NoRenegotiation = 100), and SChannel's SEC_I_RENEGOTIATE.
    { re: /TLS alert: '?NoRenegotiation/i, example: "System.Security.Authentication.AuthenticationException: Authentication failed because the remote party sent a TLS alert: 'NoRenegotiation'.", weight: 1 },
    { re: /context data must be renegotiated with the peer/i, example: 'System.ComponentModel.Win32Exception (0x80090321): The context data must be renegotiated with the peer.', weight: 1 },
  ],
  causes: [
    // (1) The secure default almost everywhere: nginx, HAProxy, current Apache and OpenSSL 3 refuse.
    'renegotiation-refused',
    // (2) Node.js (3 in 10 minutes) and appliances cap it.
    'renegotiation-limited',
    // (3) A library without RFC 5746 on either side.
    'renegotiation-insecure',
    // (4) A WAF, firewall or TLS-inspecting proxy dropping or resetting the handshake.
    'middlebox-interference',
    // (5) Tickets the server cannot decrypt (rotated or unshared keys, tickets refused).
    'resumption-tickets-rejected',
    // (6) Backends behind one name that share neither ticket keys nor a session cache.
    'resumption-inconsistent',
  ],
};

export const SYMPTOM_FAMILIES: readonly SymptomFamily[] = [RENEGOTIATION_FAILED];
