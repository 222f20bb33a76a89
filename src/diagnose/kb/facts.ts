// Small readers over a result that several entries share; they only read, never decide.
import type { MiddleboxResult, ProtocolName } from '../../types.js';
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

/** The middlebox probe's result (large and padded ClientHellos), when the check ran it. */
export type MiddleboxFacts = Partial<MiddleboxResult>;

/** Read optionally: results saved before the middlebox probe existed have no such field. */
export function middleboxOf(r: ResultFacts): MiddleboxFacts | null {
  const m = r.middlebox;
  return m && typeof m === 'object' ? m : null;
}

/** "a large ClientHello was dropped; a padded ClientHello was reset", or null when every hello passed. */
export function middleboxTrouble(m: MiddleboxFacts | null): string | null {
  if (!m) return null;
  const parts: string[] = [];
  for (const [key, name] of [['largeHello', 'a large (two-segment) ClientHello'], ['paddedHello', 'a padded ClientHello']] as const) {
    const v = m[key];
    if (v === 'dropped') parts.push(`${name} got no answer`);
    if (v === 'reset') parts.push(`${name} was reset`);
  }
  if (parts.length === 0) return null;
  return m.detail ? `${parts.join('; ')} (${m.detail})` : parts.join('; ');
}

/** Whether the middlebox probe gave a verdict on at least one hello. */
export function middleboxMeasured(m: MiddleboxFacts | null): boolean {
  return m !== null && [m.largeHello, m.paddedHello].some((v) => v === 'ok' || v === 'dropped' || v === 'reset');
}
