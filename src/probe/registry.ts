// Every probe a check runs, one line each. Adding a probe = its module (name, phase, run, apply),
// its knowledge-base entries, its renderer lines, and one line here.
import type { Probe } from './context.js';
import * as protocols from './protocols.js';
import * as certificate from './certificate.js';
import * as resumption from './resumption.js';
import * as sni from './sni.js';
import * as alpnOcsp from './alpn-ocsp.js';
import * as httpServer from './http-server.js';
import * as ciphers from './ciphers.js';
import * as clientRenegotiation from './client-renegotiation.js';
import * as secureRenegotiation from './secure-renegotiation.js';
import * as fallbackScsv from './fallback-scsv.js';
import * as keyExchange from './key-exchange.js';
import * as ecdheCurves from './ecdhe-curves.js';
import * as ocspFetch from './ocsp-fetch.js';
import * as groups from './groups.js';
import * as middlebox from './middlebox.js';
import * as clientSimulation from './client-simulation.js';

/** Which versions the server speaks; the 'versions' probes start once it is applied. */
export const VERSIONS_PROBE: Probe<protocols.ProtocolsResult> = protocols;
/** Which suites the server accepts; the 'ciphers' probes start once it is done. */
export const CIPHERS_PROBE: Probe<ciphers.CiphersResult> = ciphers;

/**
 * Probes start in this order within their phase (socket slots go first come, first served), and
 * their results are applied in this order once every probe has settled (the version probe's first,
 * as soon as it is done). Order matters for apply only where two probes write one field:
 * client-renegotiation before secure-renegotiation, whose explicit RFC 5746 answer wins.
 */
export const PROBES: ReadonlyArray<Probe<unknown>> = [
  // First: the 'versions' probes wait for it, so its hellos must not queue for a socket.
  protocols,
  certificate,
  resumption,
  sni,
  alpnOcsp,
  ocspFetch,
  httpServer,
  clientRenegotiation,
  secureRenegotiation,
  fallbackScsv,
  keyExchange,
  // After key-exchange (apply order): its curve per suite replaces the one suite key-exchange read.
  ecdheCurves,
  groups,
  clientSimulation,
  middlebox,
  // Last: its parallel hellos would otherwise take every free socket before the one-hello probes.
  ciphers,
];
