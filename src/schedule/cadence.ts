// How often a schedule runs: fixed intervals ("every 15m", "daily") or cron expressions with an
// optional IANA time zone. Pure: parsing, validation, wording and next-run estimates.
//
// The 5-minute minimum lives here (and so in the command parser), not in the engine: the engine
// runs whatever the store holds, which lets tests use one-second intervals.

import { CronExpression, CronExpressionParser, CronFieldCollection } from 'cron-parser';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** Checks more often than this would be load on the target, not monitoring. */
export const MIN_INTERVAL_MS = 5 * MINUTE;
/** Beyond a month the expiry warnings (30, 14, 7, 3, 1 days) would mostly be skipped. */
export const MAX_INTERVAL_MS = 30 * DAY;

export type Cadence = { every: number } | { pattern: string; tz?: string };
export const DEFAULT_CADENCE: Cadence = { every: DAY };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Words that stand for an interval on their own: `hourly`, `every day`, ... */
const NAMED_INTERVALS: Record<string, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: WEEK,
  hour: HOUR,
  day: DAY,
  week: WEEK,
};

const UNITS: Record<string, number> = {
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: WEEK, wk: WEEK, week: WEEK, weeks: WEEK,
};

const INTERVAL_EXAMPLES = 'e.g. every 15m, every 2h, hourly, daily or weekly';

/**
 * Parses the words after `every` (or a lone `daily`): "15m", "15 min", "1h30m", "2 hours", "day".
 * The 5-minute minimum and the 30-day maximum are enforced here.
 */
export function parseInterval(text: string): Parsed<number> {
  const compact = text.trim().toLowerCase();
  if (compact === '') return fail(`Missing interval: ${INTERVAL_EXAMPLES}.`);
  const named = NAMED_INTERVALS[compact];
  if (named !== undefined) return ok(named);

  // One or more <number><unit> parts, spaces allowed between number and unit ("1h 30m", "2 hours").
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let consumed = '';
  for (const m of compact.matchAll(part)) {
    const unit = UNITS[m[2] ?? ''];
    if (unit === undefined) return fail(`Unknown unit '${m[2]}' in '${text.trim()}': use s, m, h, d or w, ${INTERVAL_EXAMPLES}.`);
    total += Number(m[1]) * unit;
    consumed += m[0];
  }
  if (consumed === '' || consumed.replace(/\s/g, '') !== compact.replace(/\s/g, '')) {
    if (/^\d+(\.\d+)?$/.test(compact)) return fail(`'${compact}' needs a unit: ${compact}m, ${compact}h or ${compact}d.`);
    return fail(`Cannot read '${text.trim()}' as an interval: ${INTERVAL_EXAMPLES}.`);
  }
  total = Math.round(total);
  if (total < MIN_INTERVAL_MS) {
    return fail(`Every ${formatDuration(total)} is too often: the minimum is every 5 minutes.`);
  }
  if (total > MAX_INTERVAL_MS) {
    return fail(`Every ${formatDuration(total)} is too rare: the maximum is every 30 days, or the certificate expiry warnings would be missed.`);
  }
  return ok(total);
}

/**
 * Validates an IANA zone with the runtime's own tz database (the one cron-parser/Luxon uses too)
 * and returns its canonical spelling: "europe/berlin" → "Europe/Berlin", "utc" → "UTC".
 */
export function parseTimeZone(text: string): Parsed<string> {
  const name = text.trim();
  if (name === '') return fail('Missing time zone after tz: give an IANA name like Europe/Berlin or America/New_York.');
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return ok(canonical);
  } catch {
    const hint = suggestZone(name);
    return fail(`Unknown time zone '${name}'${hint ? ` (did you mean ${hint}?)` : ''}: give an IANA name like Europe/Berlin, America/New_York or UTC.`);
  }
}

function suggestZone(name: string): string | undefined {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const city = name.toLowerCase().split('/').pop()?.replace(/[\s-]+/g, '_') ?? '';
  if (city === '') return undefined;
  return zones.find((z) => z.toLowerCase().split('/').pop() === city);
}

/** Hashed fields ("H * * * *") get a seed per parse; BullMQ parses without one, so runs would wander. */
const HASHED_FIELD = /(^|[\s,])h(?=$|[\s,/(])/i;

export interface CronOptions {
  tz?: string;
  /** Where the gap scan starts; tests pin it. */
  now?: Date;
}

/**
 * Validates a cron expression as BullMQ will run it (same parser, same zone) and refuses those that
 * fire more often than every 5 minutes at their busiest. Returns the expression with its
 * whitespace normalized.
 */
export function parseCron(input: string, opts: CronOptions = {}): Parsed<string> {
  const expr = input.trim().replace(/\s+/g, ' ');
  if (expr === '') return fail('Missing cron expression: e.g. cron "0 9 * * 1-5" (09:00 on weekdays).');
  const fields = expr.split(' ');
  if (!expr.startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    return fail(`A cron expression has 5 fields (minute hour day-of-month month day-of-week), e.g. "0 9 * * 1-5"; '${expr}' has ${fields.length}.`);
  }
  if (HASHED_FIELD.test(expr)) return fail(`Hashed cron fields (H) are not supported in '${expr}': give explicit minutes and hours.`);

  let parsed: CronExpression;
  try {
    parsed = CronExpressionParser.parse(expr, { tz: opts.tz, currentDate: opts.now ?? new Date() });
    parsed.next();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return fail(`Invalid cron expression '${expr}': ${reason}.`);
  }
  const gap = smallestGap(parsed.fields, opts);
  if (gap === null) return fail(`The cron expression '${expr}' never fires.`);
  if (gap < MIN_INTERVAL_MS) {
    return fail(`The cron expression '${expr}' fires ${formatDuration(gap)} apart at its busiest: the minimum is every 5 minutes.`);
  }
  return ok(expr);
}

/**
 * The smallest wall-clock gap between two firings. Cron fields are a cross product, so every day
 * that fires fires at the same times of day: the gap within a day comes from the second, minute
 * and hour sets alone (exact, no iteration). The only other candidate is last-of-day to
 * first-of-next-day, which counts only when two consecutive days fire; that is checked by
 * walking a year of firing days, and only for the rare expressions where it could be short.
 * (DST shifts are ignored: they can shorten one gap a year, which is no load problem.)
 */
function smallestGap(fields: CronFieldCollection, opts: CronOptions): number | null {
  const times: number[] = [];
  for (const h of fields.hour.values) {
    for (const m of fields.minute.values) {
      for (const s of fields.second.values) times.push((Number(h) * 3600 + Number(m) * 60 + Number(s)) * SECOND);
    }
  }
  times.sort((a, b) => a - b);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return null;
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
  const overnight = DAY - last + first;
  if (overnight < gap && overnight < MIN_INTERVAL_MS && firesOnConsecutiveDays(fields, opts)) gap = overnight;
  return gap;
}

function firesOnConsecutiveDays(fields: CronFieldCollection, opts: CronOptions): boolean {
  const daily = CronFieldCollection.from(fields, { second: [0], minute: [0], hour: [0] });
  const days = CronExpression.fieldsToExpression(daily, { tz: opts.tz, currentDate: opts.now ?? new Date() });
  let prev: number | null = null;
  // A year puts (nearly) every weekday on every day-of-month number (each year has a Friday 13th),
  // which is enough to see two consecutive firing days if the expression has any.
  const end = (opts.now ?? new Date()).getTime() + 366 * DAY;
  try {
    for (let i = 0; i < 400; i++) {
      const at = days.next().getTime();
      if (at > end) break;
      // 25 h rather than 24: a DST change makes one calendar day 25 hours long.
      if (prev !== null && at - prev <= DAY + HOUR) return true;
      prev = at;
    }
  } catch {
    // Ran out of firings (e.g. only 29 February): nothing consecutive found.
  }
  return false;
}

/** "5 min", "2 h", "1 h 30 min", "3 d", "45 s". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.round(abs / SECOND)} s`;
  const parts: string[] = [];
  let rest = Math.round(abs / MINUTE) * MINUTE;
  for (const [unit, label] of [[DAY, 'd'], [HOUR, 'h'], [MINUTE, 'min']] as const) {
    const n = Math.floor(rest / unit);
    if (n > 0) parts.push(`${n} ${label}`);
    rest -= n * unit;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

const INTERVAL_WORDS: Record<number, string> = { [HOUR]: 'hourly', [DAY]: 'daily', [WEEK]: 'weekly' };

/** How a schedule's cadence reads in lists and confirmations: "every 15 min", "daily", "cron `0 9 * * 1-5` Europe/Berlin". */
export function describeCadence(c: { every?: number; pattern?: string; tz?: string }): string {
  if (c.pattern !== undefined) return `cron \`${c.pattern}\`${c.tz ? ` ${c.tz}` : ' UTC'}`;
  if (c.every !== undefined) return INTERVAL_WORDS[c.every] ?? `every ${formatDuration(c.every)}`;
  return 'unscheduled';
}

/**
 * An estimate of the next run, for display when BullMQ's own `next` is not at hand. Intervals
 * count from the last run (BullMQ runs an `every` scheduler at once, then every interval after);
 * cron expressions are evaluated in their zone. Null when it cannot be told.
 */
export function estimateNextRun(
  c: { every?: number; pattern?: string; tz?: string; createdAt?: number; lastRunAt?: number },
  now: number,
): number | null {
  if (c.pattern !== undefined) {
    try {
      return CronExpressionParser.parse(c.pattern, { tz: c.tz, currentDate: new Date(now) }).next().getTime();
    } catch {
      return null;
    }
  }
  if (c.every === undefined || c.every <= 0) return null;
  const base = c.lastRunAt ?? c.createdAt;
  if (base === undefined) return null;
  if (base + c.every > now) return base + c.every;
  return base + Math.ceil((now - base) / c.every) * c.every;
}
