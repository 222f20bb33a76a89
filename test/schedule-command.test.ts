import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, WEEK, describeCadence, estimateNextRun, formatDuration, parseCron, parseInterval, parseTimeZone } from '../src/schedule/cadence.js';
import { isScheduleCommand, parseScheduleCommand, tokenize, type CommandResult, type ScheduleCommand, type TargetParser } from '../src/schedule/command.js';
import { parseTarget } from '../src/target/parse.js';

const NOW = new Date('2025-03-01T00:00:00Z');

// The real target parser fits the injected signature: checked by the compiler here.
const realParser: TargetParser = parseTarget;
const deps = { parseTarget: realParser, now: NOW };

function parse(text: string): CommandResult {
  return parseScheduleCommand(text, deps);
}

function command(text: string): ScheduleCommand {
  const r = parse(text);
  if (!r.ok) throw new Error(`expected ok for '${text}', got: ${r.error}`);
  return r.command;
}

function error(text: string): string {
  const r = parse(text);
  if (r.ok) throw new Error(`expected an error for '${text}', got ${JSON.stringify(r.command)}`);
  expect(r.error).not.toContain('\n');
  return r.error;
}

describe('parseInterval', () => {
  it.each([
    ['15m', 15 * MINUTE],
    ['30 min', 30 * MINUTE],
    ['2h', 2 * HOUR],
    ['1h30m', 90 * MINUTE],
    ['1h 30m', 90 * MINUTE],
    ['6 hours', 6 * HOUR],
    ['hour', HOUR],
    ['hourly', HOUR],
    ['daily', DAY],
    ['day', DAY],
    ['weekly', WEEK],
    ['2d', 2 * DAY],
    ['300s', 5 * MINUTE],
    ['0.5h', 30 * MINUTE],
  ])('%s', (text, ms) => {
    expect(parseInterval(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['4m', /too often.*5 minutes/],
    ['1 s', /too often/],
    ['60d', /too rare/],
    ['15', /needs a unit/],
    ['15 fortnights', /Unknown unit 'fortnights'/],
    ['soon', /Cannot read 'soon'/],
    ['', /Missing interval/],
  ])('refuses %j', (text, message) => {
    const r = parseInterval(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('parseCron', () => {
  it.each([
    ['0 9 * * 1-5'],
    ['*/5 * * * *'],
    ['0 */6 * * *'],
    ['0 9 * * mon-fri'],
    ['@daily'],
    ['@weekly'],
    ['0 0 29 2 *'],
    // Seconds field, still ≥ 5 minutes apart.
    ['0 */10 * * * *'],
  ])('accepts %s', (expr) => {
    expect(parseCron(expr, { now: NOW })).toEqual({ ok: true, value: expr });
  });

  it('normalizes whitespace', () => {
    expect(parseCron('  0   9 *  * 1-5 ', { now: NOW })).toEqual({ ok: true, value: '0 9 * * 1-5' });
  });

  it.each([
    ['* * * * *', /1 min apart/],
    ['*/2 * * * *', /2 min apart/],
    ['@minutely', /1 min apart/],
    ['*/10 * * * * *', /10 s apart/],
    // Busy only within one hour a day: the smallest gap counts, not the average.
    ['0-3 9 * * *', /1 min apart/],
    // Two firings a day, 1 minute apart across midnight.
    ['0,59 0,23 * * *', /1 min apart/],
    ['61 * * * *', /Invalid cron expression.*61/],
    ['0 0 30 2 *', /Invalid cron expression/],
    ['* * * *', /5 fields.*has 4/],
    ['* * * * * * *', /5 fields.*has 7/],
    ['H 9 * * *', /Hashed/],
    ['banana', /5 fields|Invalid/],
  ])('refuses %s', (expr, message) => {
    const r = parseCron(expr, { now: NOW });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('allows the across-midnight pair when consecutive days never both fire', () => {
    // Only Mondays: 23:59 Monday and 00:00 Tuesday never happen together.
    expect(parseCron('0,59 0,23 * * 1', { now: NOW }).ok).toBe(true);
  });

  it('scans quickly even for dense expressions', () => {
    const start = performance.now();
    for (const expr of ['*/5 * * * *', '0,59 0,23 * * 1', '0 0 29 2 *']) parseCron(expr, { now: NOW });
    expect(performance.now() - start).toBeLessThan(1500);
  });
});

describe('parseTimeZone', () => {
  it('returns the canonical spelling', () => {
    expect(parseTimeZone('europe/berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(parseTimeZone('UTC')).toEqual({ ok: true, value: 'UTC' });
  });

  it('refuses unknown zones, with a suggestion when the city is known', () => {
    const r = parseTimeZone('Europa/Berlin');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/Unknown time zone 'Europa\/Berlin' \(did you mean Europe\/Berlin\?\)/);
    const r2 = parseTimeZone('Mars/Olympus');
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error).toMatch(/Unknown time zone 'Mars\/Olympus': give an IANA name/);
  });
});

describe('describeCadence / formatDuration / estimateNextRun', () => {
  it('words cadences', () => {
    expect(describeCadence({ every: DAY })).toBe('daily');
    expect(describeCadence({ every: HOUR })).toBe('hourly');
    expect(describeCadence({ every: 15 * MINUTE })).toBe('every 15 min');
    expect(describeCadence({ every: 90 * MINUTE })).toBe('every 1 h 30 min');
    expect(describeCadence({ pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' })).toBe('cron `0 9 * * 1-5` Europe/Berlin');
    expect(describeCadence({ pattern: '0 9 * * 1-5' })).toBe('cron `0 9 * * 1-5` UTC');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(2 * DAY + 3 * HOUR)).toBe('2 d 3 h');
  });

  it('estimates the next run from the last one or the cron expression', () => {
    const now = NOW.getTime();
    expect(estimateNextRun({ every: HOUR, lastRunAt: now - 10 * MINUTE }, now)).toBe(now + 50 * MINUTE);
    expect(estimateNextRun({ every: HOUR, lastRunAt: now - 130 * MINUTE }, now)).toBe(now + 50 * MINUTE);
    expect(estimateNextRun({ every: HOUR }, now)).toBeNull();
    // 09:00 Berlin in winter is 08:00 UTC.
    expect(estimateNextRun({ pattern: '0 9 * * *', tz: 'Europe/Berlin' }, now)).toBe(Date.parse('2025-03-01T08:00:00Z'));
  });
});

describe('parseScheduleCommand: schedule', () => {
  it('defaults to daily', () => {
    expect(command('schedule example.com')).toEqual({ kind: 'schedule', target: 'example.com:443', every: DAY });
  });

  it.each([
    ['schedule example.com every 15m', { every: 15 * MINUTE }],
    ['schedule example.com every 30m', { every: 30 * MINUTE }],
    ['schedule example.com every 2h', { every: 2 * HOUR }],
    ['schedule example.com every 6 hours', { every: 6 * HOUR }],
    ['schedule example.com every day', { every: DAY }],
    ['schedule example.com every 1 h 30 min', { every: 90 * MINUTE }],
    ['schedule example.com hourly', { every: HOUR }],
    ['schedule example.com weekly', { every: WEEK }],
    ['schedule example.com 1h', { every: HOUR }],
    ['Schedule example.com DAILY', { every: DAY }],
  ])('%s', (text, cadence) => {
    expect(command(text)).toEqual({ kind: 'schedule', target: 'example.com:443', ...cadence });
  });

  it('reads cron expressions quoted (straight or curly) or bare, with a zone before or after', () => {
    const expected = { kind: 'schedule', target: 'example.com:443', pattern: '0 9 * * 1-5', tz: 'Europe/Berlin' };
    expect(command('schedule example.com cron "0 9 * * 1-5" tz Europe/Berlin')).toEqual(expected);
    expect(command('schedule example.com cron “0 9 * * 1-5” tz europe/berlin')).toEqual(expected);
    expect(command('schedule example.com tz Europe/Berlin cron 0 9 * * 1-5')).toEqual(expected);
    expect(command('schedule example.com cron 0 9 * * 1-5 tz Europe/Berlin')).toEqual(expected);
    expect(command("schedule example.com cron '@daily'")).toEqual({ kind: 'schedule', target: 'example.com:443', pattern: '@daily' });
  });

  it('keeps the port, IPv6 brackets, Slack links and an explicit SNI', () => {
    expect(command('schedule example.com:8443 hourly')).toMatchObject({ target: 'example.com:8443' });
    expect(command('schedule [2001:db8::1]:443')).toMatchObject({ target: '[2001:db8::1]:443' });
    expect(command('schedule <https://example.com|example.com> daily')).toMatchObject({ target: 'example.com:443' });
    expect(command('schedule 192.0.2.10 sni www.example.com')).toEqual({ kind: 'schedule', target: '192.0.2.10:443', sni: 'www.example.com', every: DAY });
    expect(command('schedule 192.0.2.10 --sni=www.example.com')).toMatchObject({ sni: 'www.example.com' });
    // An SNI equal to the host is the same schedule as none.
    expect(command('schedule example.com --sni example.com')).toEqual({ kind: 'schedule', target: 'example.com:443', every: DAY });
  });

  it.each([
    ['schedule', /Which server\?/],
    ['schedule every 15m', /Which server\?/],
    ['schedule example.com every 1m', /too often.*5 minutes/],
    ['schedule example.com every', /'every' needs an interval/],
    ['schedule example.com every fortnight', /Cannot read 'fortnight'/],
    ['schedule example.com cron "*/1 * * * *"', /1 min apart.*5 minutes/],
    ['schedule example.com cron "0 25 * * *"', /Invalid cron expression/],
    ['schedule example.com cron', /'cron' needs an expression/],
    ['schedule example.com daily cron "0 9 * * *"', /Give one schedule/],
    ['schedule example.com hourly daily', /Give one schedule/],
    ['schedule example.com cron "0 9 * * *" tz Mars/Base', /Unknown time zone 'Mars\/Base'/],
    ['schedule example.com daily tz Europe/Berlin', /'tz' only applies to cron/],
    ['schedule example.com tz', /'tz' needs a zone/],
    ['schedule example.com sni a.example sni b.example', /'sni' is given twice/],
    ['schedule example.com please', /Unexpected 'please'/],
    ['schedule exa;mple.com', /cannot be part of a host name/],
  ])('refuses %j', (text, message) => {
    expect(error(text)).toMatch(message);
  });

  it('uses the injected target parser', () => {
    const calls: [string, { sni?: string }][] = [];
    const stub: TargetParser = (input, opts) => {
      calls.push([input, opts]);
      return input === 'bad' ? { ok: false, error: 'nope' } : { ok: true, target: { host: 'h.test', port: 1, isIp: false, sni: opts.sni ?? 'h.test' } };
    };
    expect(parseScheduleCommand('schedule anything sni other.test', { parseTarget: stub })).toEqual({
      ok: true,
      command: { kind: 'schedule', target: 'h.test:1', sni: 'other.test', every: DAY },
    });
    expect(parseScheduleCommand('schedule bad', { parseTarget: stub })).toEqual({ ok: false, error: 'nope' });
    expect(calls).toEqual([['anything', { sni: 'other.test' }], ['bad', {}]]);
  });
});

describe('parseScheduleCommand: list, unschedule, pause, resume', () => {
  it('list', () => {
    expect(command('list')).toEqual({ kind: 'list' });
    expect(command('schedules')).toEqual({ kind: 'list' });
    expect(error('list everything')).toMatch(/takes at most a page number/);
  });

  it('unschedule by id or target', () => {
    // A bare word is both a possible id and a possible host: the store tries the id first.
    expect(command('unschedule k7p2qx')).toEqual({ kind: 'unschedule', ref: 'k7p2qx', target: 'k7p2qx:443' });
    expect(command('unschedule example.com')).toEqual({ kind: 'unschedule', ref: 'example.com', target: 'example.com:443' });
    expect(command('unschedule 192.0.2.1 sni www.example.com')).toEqual({ kind: 'unschedule', ref: '192.0.2.1', target: '192.0.2.1:443', sni: 'www.example.com' });
    expect(error('unschedule')).toMatch(/Which schedule\?/);
    expect(error('unschedule example.com now')).toMatch(/Unexpected 'now'/);
  });

  it('pause and resume take one id', () => {
    expect(command('pause K7P2QX')).toEqual({ kind: 'pause', id: 'k7p2qx' });
    expect(command('resume k7p2qx')).toEqual({ kind: 'resume', id: 'k7p2qx' });
    expect(error('pause')).toMatch(/Usage: \/tlscheck pause <id>/);
    expect(error('pause a b')).toMatch(/Usage/);
    expect(error('resume 12345')).toMatch(/not a schedule id/);
    expect(error('resume a:b')).toMatch(/not a schedule id/);
  });

  it('routes only schedule sub-commands', () => {
    expect(isScheduleCommand('schedule example.com')).toBe(true);
    expect(isScheduleCommand('  LIST')).toBe(true);
    expect(isScheduleCommand('example.com')).toBe(false);
    expect(isScheduleCommand('')).toBe(false);
    expect(error('frobnicate')).toMatch(/Unknown command 'frobnicate'/);
  });

  it('tokenizes quotes', () => {
    expect(tokenize(`a "b c"  ‘d e’ “f”`)).toEqual(['a', 'b c', 'd e', 'f']);
    expect(tokenize('cron "0 9 * * *')).toEqual(['cron', '0 9 * * *']);
  });
});
