// Words the CLI and Slack views share for the JSON contract's values.
import type { ProtocolName } from '../types.js';

export const PROTOCOL_LABEL: Record<ProtocolName, string> = {
  SSLv2: 'SSL 2', SSLv3: 'SSL 3', TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3',
};

/** Oldest first, as the CLI lists them. */
export const PROTOCOLS_OLDEST_FIRST: readonly ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Newest first, as a summary names them. */
export const PROTOCOLS_NEWEST_FIRST: readonly ProtocolName[] = [...PROTOCOLS_OLDEST_FIRST].reverse();
