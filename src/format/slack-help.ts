// Usage text for `/tlscheck help`, error replies, and the App Home tab.
import { context, divider, header, section, type Block, type SlackMessage } from './slack/blocks.js';
import { EMOJI } from './slack/emoji.js';

const EXAMPLES: [string, string][] = [
  ['/tlscheck example.com', 'check port 443: protocols, ciphers, renegotiation, resumption, certificate'],
  ['/tlscheck mail.example.com:993', 'another port'],
  ['/tlscheck 203.0.113.10:8443 --sni api.example.com', 'an address, sending a different server name'],
  ['/tlscheck explain ssl3_read_bytes:no renegotiation', 'what an error message means and how to fix it'],
  ['/tlscheck explain unsafe legacy renegotiation disabled --target api.example.com', 'the same, confirmed or ruled out by a live check'],
  ['/tlscheck schedule example.com every 6h', 'check every 6 hours; post in this channel only when something changes'],
  ['/tlscheck schedule example.com cron "0 9 * * 1-5" tz Europe/Berlin', 'weekdays at 9:00 Berlin time'],
];

export function helpBlocks(): Block[] {
  return [
    header('tlscheck — why does TLS to this server fail?'),
    section(
      '*Usage*\n' +
        '`/tlscheck <host>[:port] [--sni NAME]` — check a server; the verdict appears in the channel, the diagnosis in its thread.\n' +
        '`/tlscheck explain <error text> [--target <host>]` — explain an error message; with a target (or a host as the last word), check it live.\n' +
        '`/tlscheck help` — this message.',
    ),
    section(
      '*Recurring checks*\n' +
        '`/tlscheck schedule <host>[:port] [every 15m|1h|6h|daily|weekly | cron "<expr>"] [tz <zone>] [sni <name>]` — check regularly (daily by default; never more often than every 5 minutes) and post here only when something changes or the certificate nears expiry.\n' +
        '`/tlscheck list` — this channel\'s schedules, with ids.\n' +
        '`/tlscheck unschedule <id|host>` · `/tlscheck pause <id>` · `/tlscheck resume <id>` — only whoever scheduled it, or an admin, may change someone\'s schedule.',
    ),
    section(`*Examples*\n${EXAMPLES.map(([cmd, what]) => `\`${cmd}\` — ${what}`).join('\n')}`),
    context(
      'Private and internal addresses are not checked from Slack unless your admin allows them (TLSCHECK_ALLOW_CIDRS). ' +
        'In a channel I am not in, I answer only to you; `/invite @tlscheck` to get threads.',
    ),
  ];
}

export function helpMessage(): SlackMessage {
  return {
    text: 'tlscheck usage: /tlscheck <host>[:port] [--sni NAME] | explain <error> [--target host] | schedule <host> [every 6h] | list | unschedule <id> | pause <id> | resume <id> | help',
    blocks: helpBlocks(),
  };
}

/** An input error, with the usage line so the fix is one glance away. */
export function usageError(problem: string): SlackMessage {
  return {
    text: `${EMOJI.usage} ${problem}`,
    blocks: [section(`${EMOJI.usage} ${problem}`), context('Usage: `/tlscheck <host>[:port] [--sni NAME]` · `/tlscheck explain <error text> [--target host]` · `/tlscheck help`')],
  };
}

/** The usage part of the App Home tab; the handler puts the user's schedules above it. */
export function homeBlocks(): Block[] {
  return [divider(), ...helpBlocks()];
}
