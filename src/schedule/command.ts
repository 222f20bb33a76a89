// Reads the schedule sub-commands of `/tlscheck` into a typed command, or one line saying what is
// wrong. Pure: the target parser is injected (src/target/parse.ts in the app, a stub in tests).
//
//   schedule <target> [every 15m|1h|6h|hourly|daily|weekly | cron "<expr>"] [tz <IANA zone>] [sni <name>]
//   list [page]
//   unschedule <id|target> [sni <name>]
//   pause <id>
//   resume <id>

import { DEFAULT_CADENCE, parseCron, parseInterval, parseTimeZone, type Cadence } from './cadence.js';
import { subCommandByWord, usageOf } from '../command/table.js';
import { hostPort } from '../target/host-port.js';
import { looksLikeScheduleId } from './model.js';

export type TargetParser = (
  input: string,
  opts: { sni?: string },
) => { ok: true; target: { host: string; port: number; isIp: boolean; sni: string | null } } | { ok: false; error: string };

export type ScheduleCommand =
  | { kind: 'schedule'; target: string; sni?: string; every?: number; pattern?: string; tz?: string }
  | { kind: 'list'; page?: number }
  /** `target` is set when `ref` also reads as a target; the store tries the id first. */
  | { kind: 'unschedule'; ref: string; target?: string; sni?: string }
  | { kind: 'pause'; id: string }
  | { kind: 'resume'; id: string };

export type CommandResult = { ok: true; command: ScheduleCommand } | { ok: false; error: string };

export interface CommandDeps {
  parseTarget: TargetParser;
  /** Start of the cron gap scan; tests pin it. */
  now?: Date;
}

/** The usage lines of the schedule sub-commands (src/command/table.ts). */
export const USAGE: Record<ScheduleCommand['kind'], string> = {
  schedule: usageOf('schedule'),
  list: usageOf('list'),
  unschedule: usageOf('unschedule'),
  pause: usageOf('pause'),
  resume: usageOf('resume'),
};

const verbOf = (word: string | undefined): ScheduleCommand['kind'] | undefined => {
  const sub = word === undefined ? undefined : subCommandByWord(word);
  return sub?.schedule ? (sub.name as ScheduleCommand['kind']) : undefined;
};

/** For the router: does this `/tlscheck` text belong to the scheduler? */
export function isScheduleCommand(text: string): boolean {
  return verbOf(tokenize(text)[0]) !== undefined;
}

export function parseScheduleCommand(text: string, deps: CommandDeps): CommandResult {
  const tokens = tokenize(text);
  const verb = verbOf(tokens[0]);
  const args = tokens.slice(1);
  switch (verb) {
    case 'schedule':
      return parseSchedule(args, deps);
    case 'list':
      return parseList(args);
    case 'unschedule':
      return parseUnschedule(args, deps);
    case 'pause':
    case 'resume':
      return parseIdOnly(verb, args);
    default:
      return fail(`Unknown command '${tokens[0] ?? ''}'. Usage: ${Object.values(USAGE).join(' | ')}`);
  }
}

function fail(error: string): CommandResult {
  return { ok: false, error };
}

// Keywords that end an unquoted cron expression or interval and start the next option.
const KEYWORDS = new Set(['every', 'cron', 'tz', 'timezone', 'sni', '--sni', '--tz', 'hourly', 'daily', 'weekly']);
const NAMED = new Set(['hourly', 'daily', 'weekly']);

interface Options {
  cadence?: { text: string; value: Cadence };
  tz?: string;
  sni?: string;
}

function parseSchedule(args: string[], deps: CommandDeps): CommandResult {
  const input = args[0];
  if (input === undefined || KEYWORDS.has(input.toLowerCase())) {
    return fail(`Which server? Usage: ${USAGE.schedule}`);
  }
  const opts: Options = {};
  const rest = args.slice(1);
  // Cron validation depends on the zone, which may come after it: collect first, validate after.
  let cronText: string | undefined;
  for (let i = 0; i < rest.length; ) {
    const word = (rest[i] ?? '').toLowerCase();
    const inline = /^--(sni|tz)=(.*)$/.exec(word);
    if (inline) {
      const err = setOnce(opts, inline[1] === 'sni' ? 'sni' : 'tz', rest[i]!.slice(inline[1]!.length + 3));
      if (err) return fail(err);
      i += 1;
    } else if (NAMED.has(word)) {
      const err = setCadence(opts, word, parseInterval(word));
      if (err) return fail(err);
      i += 1;
    } else if (word === 'every') {
      const words = takeUntilKeyword(rest, i + 1, 4);
      if (words.length === 0) return fail(`'every' needs an interval, e.g. every 15m, every 2h or every day.`);
      const err = setCadence(opts, `every ${words.join(' ')}`, parseInterval(words.join(' ')));
      if (err) return fail(err);
      i += 1 + words.length;
    } else if (word === 'cron') {
      // Quoted, the expression is one token; unquoted, it runs up to the next keyword.
      const words = takeUntilKeyword(rest, i + 1, 6);
      if (words.length === 0) return fail(`'cron' needs an expression, e.g. cron "0 9 * * 1-5".`);
      if (opts.cadence || cronText !== undefined) return fail(`Give one schedule: '${opts.cadence?.text ?? 'cron'}' and 'cron' both set it.`);
      cronText = words.join(' ');
      i += 1 + words.length;
    } else if (word === 'tz' || word === 'timezone' || word === '--tz' || word === 'sni' || word === '--sni') {
      const value = rest[i + 1];
      const key = word.includes('sni') ? 'sni' : 'tz';
      if (value === undefined) return fail(key === 'tz' ? `'${word}' needs a zone, e.g. tz Europe/Berlin.` : `'${word}' needs a server name.`);
      const err = setOnce(opts, key, value);
      if (err) return fail(err);
      i += 2;
    } else if (/^\d/.test(word)) {
      // A bare "15m" reads as "every 15m".
      const err = setCadence(opts, word, parseInterval(word));
      if (err) return fail(err);
      i += 1;
    } else {
      return fail(`Unexpected '${rest[i]}'. Usage: ${USAGE.schedule}`);
    }
  }

  let tz: string | undefined;
  if (opts.tz !== undefined) {
    const zone = parseTimeZone(opts.tz);
    if (!zone.ok) return fail(zone.error);
    tz = zone.value;
  }
  let cadence: Cadence = opts.cadence?.value ?? DEFAULT_CADENCE;
  if (cronText !== undefined) {
    if (opts.cadence) return fail(`Give one schedule: '${opts.cadence.text}' and 'cron' both set it.`);
    const cron = parseCron(cronText, { tz, now: deps.now });
    if (!cron.ok) return fail(cron.error);
    cadence = tz ? { pattern: cron.value, tz } : { pattern: cron.value };
  } else if (tz !== undefined) {
    // An interval runs every N ms from its first run, so a zone would change nothing: say so
    // rather than accept it silently.
    return fail(`'tz' only applies to cron schedules (intervals run from when the schedule starts), e.g. cron "0 9 * * *" tz ${tz}.`);
  }

  const parsed = deps.parseTarget(input, opts.sni !== undefined ? { sni: opts.sni } : {});
  if (!parsed.ok) return fail(parsed.error);
  const { host, port, sni } = parsed.target;
  const command: ScheduleCommand = { kind: 'schedule', target: hostPort(host, port), ...cadence };
  if (sni !== null && sni !== host) command.sni = sni;
  return { ok: true, command };
}

function setCadence(opts: Options, text: string, parsed: ReturnType<typeof parseInterval>): string | null {
  if (opts.cadence) return `Give one schedule: '${opts.cadence.text}' and '${text}' both set it.`;
  if (!parsed.ok) return parsed.error;
  opts.cadence = { text, value: { every: parsed.value } };
  return null;
}

function setOnce(opts: Options, key: 'tz' | 'sni', value: string): string | null {
  if (opts[key] !== undefined) return `'${key}' is given twice.`;
  opts[key] = value;
  return null;
}

function takeUntilKeyword(tokens: string[], from: number, max: number): string[] {
  const out: string[] = [];
  for (let i = from; i < tokens.length && out.length < max; i++) {
    const t = tokens[i] ?? '';
    if (KEYWORDS.has(t.toLowerCase()) || /^--(sni|tz)=/i.test(t)) break;
    out.push(t);
  }
  return out;
}

function parseUnschedule(args: string[], deps: CommandDeps): CommandResult {
  const ref = args[0];
  if (ref === undefined) return fail(`Which schedule? Usage: ${USAGE.unschedule} (see ${USAGE.list} for ids)`);
  let sni: string | undefined;
  const extra = args.slice(1);
  if (extra.length > 0) {
    const kw = (extra[0] ?? '').toLowerCase();
    if ((kw === 'sni' || kw === '--sni') && extra.length === 2) sni = extra[1];
    else if (/^--sni=/.test(kw) && extra.length === 1) sni = extra[0]!.slice(6);
    else return fail(`Unexpected '${extra.join(' ')}'. Usage: ${USAGE.unschedule}`);
  }
  const command: Extract<ScheduleCommand, { kind: 'unschedule' }> = { kind: 'unschedule', ref: ref.toLowerCase() };
  const parsed = deps.parseTarget(ref, sni !== undefined ? { sni } : {});
  if (parsed.ok) {
    command.target = hostPort(parsed.target.host, parsed.target.port);
    if (parsed.target.sni !== null && parsed.target.sni !== parsed.target.host) command.sni = parsed.target.sni;
  } else if (!looksLikeScheduleId(ref)) {
    return fail(`'${ref}' is neither a schedule id nor a target: ${parsed.error}`);
  }
  return { ok: true, command };
}

function parseIdOnly(verb: 'pause' | 'resume', args: string[]): CommandResult {
  const id = args[0];
  if (id === undefined || args.length > 1) return fail(`Usage: ${USAGE[verb]} (see ${USAGE.list} for ids)`);
  if (!looksLikeScheduleId(id)) return fail(`'${id}' is not a schedule id: ids look like k7p2qx, see ${USAGE.list}.`);
  return { ok: true, command: { kind: verb, id: id.toLowerCase() } };
}

// Slack turns typed quotes into curly ones on some clients; all pairs count.
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '”': '”', '‘': '’', '’': '’' };

/** Whitespace-separated words; a quoted run (straight or curly quotes) is one word without its quotes. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++;
    if (i >= s.length) break;
    const close = QUOTES[s[i] ?? ''];
    if (close !== undefined) {
      const end = findClose(s, i + 1, close);
      out.push(s.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j] ?? '')) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function findClose(s: string, from: number, close: string): number {
  for (let k = from; k < s.length; k++) {
    const c = s[k];
    // A straight quote may close a curly one: mixed input from copy and paste.
    if (c === close || (close !== "'" && close !== '’' && c === '"') || (close === '’' && c === "'")) return k;
  }
  return s.length;
}

/** `list` or `list <page>` (pages of the channel's schedules, from 1). */
function parseList(args: readonly string[]): CommandResult {
  if (args.length === 0) return { ok: true, command: { kind: 'list' } };
  const page = Number(args[0]);
  if (args.length === 1 && /^\d{1,4}$/.test(args[0] ?? '') && page >= 1) return { ok: true, command: { kind: 'list', page } };
  return fail(`'list' takes at most a page number. Usage: ${USAGE.list}`);
}
