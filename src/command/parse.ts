// `/tlscheck …` text → what the user asked for. Pure: the target itself is validated by the
// injected parseTarget (src/target), so the CLI and the bot accept exactly the same inputs. Which
// sub-command the first word selects comes from the table (src/command/table.ts); the schedule
// sub-commands' arguments are parsed by src/schedule/command.ts.
import type { ParseTargetFn } from '../target/check-target.js';
import { subCommandByWord, usageOf } from './table.js';

export type Command =
  | { kind: 'help' }
  /** schedule, list, unschedule, pause, resume: the whole text goes to parseScheduleCommand. */
  | { kind: 'schedule'; text: string }
  | { kind: 'check'; target: string; sni: string | null }
  | { kind: 'explain'; text: string; target: string | null; sni: string | null }
  | { kind: 'invalid'; problem: string };

export type { ParseTargetFn };

/** Flags that take a value, by the name users type. */
const VALUE_FLAGS = new Set(['--sni', '--target']);

/** Slack sends &, < and > as entities and links as <url|label>; error text wants them back. */
export function unescapeSlack(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<((?:https?|mailto):[^<>|]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

interface Split {
  words: string[];
  flags: Map<string, string>;
  problem: string | null;
}

/** Pulls `--flag value` and `--flag=value` out of the words; other words stay in order. */
function splitFlags(tokens: string[], allowed: readonly string[]): Split {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] ?? '';
    if (!tok.startsWith('--') && !/^[\u2013\u2014]/.test(tok)) {
      words.push(tok);
      continue;
    }
    // Phones and Macs turn "--" into an en or em dash.
    const normal = tok.replace(/^[\u2013\u2014]/, '--');
    const eq = normal.indexOf('=');
    const name = (eq >= 0 ? normal.slice(0, eq) : normal).toLowerCase();
    if (!VALUE_FLAGS.has(name) || !allowed.includes(name)) {
      return { words, flags, problem: `Unknown option \`${tok.slice(0, 40)}\`; options here: ${allowed.map((a) => `\`${a}\``).join(', ')}.` };
    }
    const value = eq >= 0 ? normal.slice(eq + 1) : tokens[++i];
    if (!value) return { words, flags, problem: `\`${name}\` needs a value, e.g. \`${name} api.example.com\`.` };
    if (flags.has(name)) return { words, flags, problem: `\`${name}\` is given twice.` };
    flags.set(name, value);
  }
  return { words, flags, problem: null };
}

/**
 * Whether the last word of an explain request is a server rather than part of the error: a Slack
 * link, or a lower-case dotted name or address that parses as a target. Error texts are full of
 * dotted words (ssl.c:1006, javax.net.ssl.SSLHandshakeException), hence the narrow pattern.
 */
function isTrailingTarget(word: string, parse: ParseTargetFn): boolean {
  const looksLike =
    /^<https?:\/\/[^<>|\s]+(\|[^<>]*)?>$/.test(word) ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,63}(:\d{1,5})?$/.test(word) ||
    /^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/.test(word) ||
    /^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(word);
  return looksLike && parse(word, {}).ok;
}

export function parseCommand(text: string, parse: ParseTargetFn): Command {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  const sub = subCommandByWord(tokens[0] ?? '');
  if (tokens.length === 0 || (sub?.name === 'help' && tokens.length === 1)) return { kind: 'help' };
  // Before the target parser, which would read `list` or `pause` as host names.
  if (sub?.schedule) return { kind: 'schedule', text };

  if (sub?.name === 'explain') {
    const { words, flags, problem } = splitFlags(tokens.slice(1), ['--target', '--sni']);
    if (problem) return { kind: 'invalid', problem };
    let target = flags.get('--target') ?? null;
    if (target === null && words.length > 1 && isTrailingTarget(words[words.length - 1] ?? '', parse)) {
      target = words.pop() ?? null;
    }
    const errorText = unescapeSlack(words.join(' ')).trim();
    if (errorText === '') return { kind: 'invalid', problem: `Paste the error message after \`explain\`, e.g. \`/tlscheck explain ssl3_read_bytes:no renegotiation\`. Usage: \`${usageOf('explain')}\`` };
    const sni = flags.get('--sni') ?? null;
    if (sni !== null && target === null) return { kind: 'invalid', problem: '`--sni` needs a target to check: add `--target <host>`.' };
    return { kind: 'explain', text: errorText, target, sni };
  }

  const { words, flags, problem } = splitFlags(tokens, ['--sni']);
  if (problem) return { kind: 'invalid', problem };
  if (words.length === 0) return { kind: 'invalid', problem: 'Name a server to check, e.g. `/tlscheck example.com`.' };
  if (words.length > 1) {
    const shown = words.slice(0, 3).map((w) => `\`${w.slice(0, 60)}\``).join(', ');
    return { kind: 'invalid', problem: `One server at a time: I got ${words.length} words (${shown}). To explain an error message, start with \`explain\`.` };
  }
  return { kind: 'check', target: words[0] ?? '', sni: flags.get('--sni') ?? null };
}
