// The `/tlscheck` sub-commands, once: the words that select each one, its usage line and what it
// does. Parsing (src/command/parse.ts), the help text and Home tab (src/format/slack-help.ts),
// every "Usage:" reply and the manifest's usage hint (checked by test/slack-manifest.test.ts)
// all read this table, so a new sub-command is a row here and its parser.

export type SubCommandName = 'check' | 'explain' | 'help' | 'schedule' | 'list' | 'unschedule' | 'pause' | 'resume';

export interface SubCommand {
  name: SubCommandName;
  /** First words that select it (lower case); none for the default, a bare target. */
  words: readonly string[];
  /** The full usage line. */
  usage: string;
  /** What it does, for the help text. */
  summary: string;
  /** Its part of the manifest's short usage hint; absent = not in the hint (Slack shows little). */
  hint?: string;
  /** Where the help text lists it. */
  group: 'checks' | 'schedules';
  /** Handled by the schedule service (src/schedule/command.ts parses its arguments). */
  schedule: boolean;
}

export const SUBCOMMANDS: readonly SubCommand[] = [
  {
    name: 'check', words: [], group: 'checks', schedule: false,
    usage: '/tlscheck <host>[:port] [--sni NAME]',
    summary: 'check a server; the verdict appears in the channel, the diagnosis in its thread.',
    hint: 'example.com[:port] [--sni NAME]',
  },
  {
    name: 'explain', words: ['explain'], group: 'checks', schedule: false,
    usage: '/tlscheck explain <error text> [--target <host>]',
    summary: 'explain an error message; with a target (or a host as the last word), check it live.',
    hint: 'explain <error>',
  },
  {
    name: 'schedule', words: ['schedule'], group: 'schedules', schedule: true,
    usage: '/tlscheck schedule <host>[:port] [every 15m|1h|6h|daily|weekly | cron "<expr>"] [tz <zone>] [sni <name>]',
    summary: 'check regularly (daily by default; never more often than every 5 minutes) and post here only when something changes or the certificate nears expiry.',
    hint: 'schedule example.com [every 6h]',
  },
  {
    name: 'list', words: ['list', 'schedules'], group: 'schedules', schedule: true,
    usage: '/tlscheck list [page]',
    summary: "this channel's schedules, with ids.",
    hint: 'list',
  },
  {
    name: 'unschedule', words: ['unschedule'], group: 'schedules', schedule: true,
    usage: '/tlscheck unschedule <id|host>',
    summary: 'remove a schedule. Only whoever scheduled it, or an admin, may change someone\'s schedule.',
  },
  {
    name: 'pause', words: ['pause'], group: 'schedules', schedule: true,
    usage: '/tlscheck pause <id>',
    summary: 'stop a schedule without losing it.',
  },
  {
    name: 'resume', words: ['resume'], group: 'schedules', schedule: true,
    usage: '/tlscheck resume <id>',
    summary: 'start a paused schedule again.',
  },
  {
    name: 'help', words: ['help', '-h', '--help', '?', 'usage'], group: 'checks', schedule: false,
    usage: '/tlscheck help',
    summary: 'this message.',
    hint: 'help',
  },
];

const BY_NAME = new Map(SUBCOMMANDS.map((c) => [c.name, c]));
const BY_WORD = new Map(SUBCOMMANDS.flatMap((c) => c.words.map((w) => [w, c] as const)));

export function subCommand(name: SubCommandName): SubCommand {
  const c = BY_NAME.get(name);
  if (!c) throw new Error(`no sub-command ${name}`);
  return c;
}

/** The usage line of a sub-command. */
export const usageOf = (name: SubCommandName): string => subCommand(name).usage;

/** The sub-command a first word selects; undefined for anything else (a target). */
export const subCommandByWord = (word: string): SubCommand | undefined => BY_WORD.get(word.toLowerCase());

/** The schedule service's sub-commands' usage lines, for its "Usage:" replies. */
export const scheduleUsages = (): string[] => SUBCOMMANDS.filter((c) => c.schedule).map((c) => c.usage);

/** The slash command's usage hint in slack-app-manifest.yml. */
export const manifestUsageHint = (): string => SUBCOMMANDS.flatMap((c) => (c.hint ? [c.hint] : [])).join(' | ');

/** One line with every sub-command, for notification text. */
export const usageSummary = (): string => SUBCOMMANDS.map((c) => c.usage.replace(/^\/tlscheck /, '')).join(' | ');
