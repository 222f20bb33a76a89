// The knowledge base: every entry, in tie-break order. Root causes that stop every client come
// first, so when severities tie the most fundamental problem is shown first.
import { clientCertRejected } from './client-auth.js';
import { cbcOnly, insecureCiphers, noCommonCipher, noForwardSecrecy, weakCiphers } from './ciphers.js';
import { mozillaIntermediate } from './compliance.js';
import { connectionRefused, connectionTimeout, dnsFailure, middlebox, notTls, targetBlocked } from './connection.js';
import {
  certChainIncomplete, certChainOrder, certExpired, certExpiring, certHostnameMismatch, certNotYetValid, certSelfSigned,
  certUntrusted, certWeakKey, certWeakSignature,
} from './certificate.js';
import { internalError, noAlpnH2, noOcspStapling, sniDefaultCert, sniRequired } from './extensions.js';
import { clientTooOld, javaProtocolDisabled, legacyTls, noFallbackScsv, serverTooOld, sslEnabled } from './protocols.js';
import { clientsCannotConnect } from './clients.js';
import { browserHelloRefused, largeHelloCut, paddedHelloCut, postQuantum } from './middlebox.js';
import { renegAccepted, renegInsecure, renegLimited, renegRefused, renegServerInitiated } from './renegotiation.js';
import { noResumption, resumptionInconsistent, ticketsRejected } from './resumption.js';
import { statusRequestAbort } from './status-request.js';
import { dhCustomGroup, legacyEcdheCurve, weakDh } from './key-exchange.js';
import { certRevoked, mustStapleMissing, ocspBadSignature, ocspStale, ocspUnknown } from './revocation.js';
import { ctMissing } from './transparency.js';
import type { KbEntry } from './types.js';

export const KNOWLEDGE_BASE: readonly KbEntry[] = [
  // Nothing TLS happens at all.
  dnsFailure, targetBlocked, connectionRefused, connectionTimeout, notTls, middlebox,
  // Some clients' hellos never reach the server, or are refused by it.
  largeHelloCut, browserHelloRefused, paddedHelloCut,
  // No handshake for current clients.
  serverTooOld, noCommonCipher, renegInsecure, statusRequestAbort, clientsCannotConnect, internalError,
  // Certificate.
  // An unknown issuer is most often a missing intermediate, then a private CA, then a self-signed certificate.
  certRevoked, certExpired, certNotYetValid, certHostnameMismatch, certChainIncomplete, certUntrusted, certSelfSigned,
  certWeakSignature, certWeakKey, mustStapleMissing, ctMissing, ocspUnknown, ocspStale, ocspBadSignature, certExpiring, certChainOrder,
  // Renegotiation and client authentication.
  renegRefused, renegServerInitiated, renegLimited, renegAccepted, clientCertRejected,
  // Protocols and ciphers.
  sslEnabled, insecureCiphers, weakDh, legacyEcdheCurve, legacyTls, weakCiphers, noForwardSecrecy, cbcOnly, clientTooOld, javaProtocolDisabled, noFallbackScsv,
  // Resumption and extensions.
  resumptionInconsistent, ticketsRejected, noResumption, sniRequired, sniDefaultCert, noOcspStapling, noAlpnH2,
  mozillaIntermediate, dhCustomGroup, postQuantum,
];

export type { Applies, ErrorPattern, FixPlatform, Fixes, KbEntry, ResultFacts } from './types.js';
export { FIX_PLATFORMS, RISKY, isTested, severityOf } from './types.js';
