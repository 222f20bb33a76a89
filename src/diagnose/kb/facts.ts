// Small readers over a result that several entries share; they only read, never decide.
import type { ProtocolName } from '../../types.js';
import type { ResultFacts } from './types.js';

const LABEL: Record<ProtocolName, string> = {
  SSLv2: 'SSL 2.0', SSLv3: 'SSL 3.0', TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3',
};
export const ALL_PROTOCOLS: readonly ProtocolName[] = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export function label(p: ProtocolName): string {
  return LABEL[p];
}

/** "TLS 1.0 and TLS 1.1", "SSL 3.0, TLS 1.0 and TLS 1.1". */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function supported(r: ResultFacts): ProtocolName[] {
  return ALL_PROTOCOLS.filter((p) => r.protocols[p] === true);
}

export function refused(r: ResultFacts): ProtocolName[] {
  return ALL_PROTOCOLS.filter((p) => r.protocols[p] === false);
}

/** Probed versions that got no verdict (timeouts, resets): null in the contract. */
export function undetermined(r: ResultFacts): ProtocolName[] {
  return ALL_PROTOCOLS.filter((p) => p in r.protocols && r.protocols[p] === null);
}

export function handshakeWorked(r: ResultFacts): boolean {
  return r.error === null && supported(r).length > 0;
}

export function anyProtocolTested(r: ResultFacts): boolean {
  return r.error === null && ALL_PROTOCOLS.some((p) => typeof r.protocols[p] === 'boolean');
}

export function target(r: ResultFacts): string {
  return `${r.target.host}:${r.target.port}`;
}
