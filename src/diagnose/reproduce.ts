// Fills a knowledge-base command template with the checked target, quoted for a POSIX shell.
import type { TargetInfo } from '../types.js';

export type ReproTarget = Pick<TargetInfo, 'host' | 'port' | 'sni'>;

/** Used when there is no live check (explain without a target): obvious placeholders. */
export const PLACEHOLDER_TARGET: ReproTarget = { host: 'HOST', port: 443, sni: 'HOST' };

// Host names, IP literals and URLs made of them never need quoting; anything else is quoted rather than trusted.
function shellWord(s: string): string {
  return /^[A-Za-z0-9._:/[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function hostPort(t: ReproTarget): string {
  return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

export function renderReproduce(template: string, t: ReproTarget): string {
  const url = t.port === 443 ? `https://${t.host.includes(':') ? `[${t.host}]` : t.host}/` : `https://${hostPort(t)}/`;
  const values: Record<string, string> = {
    connect: shellWord(hostPort(t)),
    servername: t.sni ? `-servername ${shellWord(t.sni)}` : '',
    url: shellWord(url),
    host: shellWord(t.host),
    name: shellWord(t.sni ?? t.host),
    port: String(t.port),
  };
  return template
    .replace(/\{(connect|servername|url|host|name|port)\}/g, (_, k: string) => values[k] ?? '')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .join('\n');
}
