// Usage text for `/tlscheck help`, error replies, and the App Home tab, from the sub-command
// table (src/command/table.ts).
import { SUBCOMMANDS, usageOf, usageSummary, type SubCommand } from '../command/table.js';
import { code, context, divider, escComposed, header, section, type Block, type SlackMessage } from './slack/blocks.js';
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

const usageLines = (group: SubCommand['group']): string =>
  SUBCOMMANDS.filter((c) => c.group === group).map((c) => `${code(c.usage)} — ${c.summary}`).join('\n');

export function helpBlocks(): Block[] {
  return [
    header('tlscheck — why does TLS to this server fail?'),
    section(`*Usage*\n${usageLines('checks')}`),
    section(`*Recurring checks*\n${usageLines('schedules')}`),
    section(`*Examples*\n${EXAMPLES.map(([cmd, what]) => `${code(cmd)} — ${what}`).join('\n')}`),
    section(
      '*In an incident thread*\n' +
        `${code('@tlscheck example.com')} (or ${code('@tlscheck explain <error> example.com')}) in a thread — I answer in that thread; at the top of a channel, in a thread under your message.\n` +
        '*Explain this TLS error* (⋯ on any message) — I explain that message and check the server it names, in its thread.',
    ),
    context(
      'Private and internal addresses are not checked from Slack unless your admin allows them (TLSCHECK_ALLOW_CIDRS). ' +
        'A name that does not resolve, or one that is refused, is answered only to you. ' +
        'In a channel I am not in, I answer only to you; `/invite @tlscheck` to get threads.',
    ),
  ];
}

export function helpMessage(): SlackMessage {
  return { text: `tlscheck usage: ${usageSummary()}`, blocks: helpBlocks() };
}

/**
 * An input error, with the usage line so the fix is one glance away. `problem` quotes what the
 * user typed (and placeholders like <host>): escaped here, blocks and fallback alike.
 */
export function usageError(problem: string): SlackMessage {
  const usage = (['check', 'explain', 'help'] as const).map((n) => code(usageOf(n))).join(' · ');
  const text = escComposed(problem);
  return {
    text: `${EMOJI.usage} ${text}`,
    blocks: [section(`${EMOJI.usage} ${text}`), context(`Usage: ${usage}`)],
  };
}

/** The usage part of the App Home tab; the view puts the user's schedules above it. */
export function homeBlocks(): Block[] {
  return [divider(), ...helpBlocks()];
}
