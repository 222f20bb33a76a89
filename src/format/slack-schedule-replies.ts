// What `/tlscheck schedule|unschedule|pause|resume` (and the Schedule daily, Pause, Resume and
// Remove buttons) answer the person who asked. Pure: the schedule and what happened in, text out.

import { describeCadence } from '../schedule/cadence.js';
import { USAGE } from '../schedule/command.js';
import type { Schedule } from '../schedule/model.js';
import type { CreateOutcome } from '../schedule/store.js';
import { code, context, esc, escComposed, mentionChannel, oneMessage, plainText, section, slackDate, type Block, type SlackMessage } from './slack/blocks.js';
import { EMOJI, statusEmoji } from './slack/emoji.js';

type Named = Pick<Schedule, 'id' | 'target' | 'sni' | 'every' | 'pattern' | 'tz' | 'channel'>;

const label = (s: Named): string => `*${esc(s.target)}*${s.sni ? ` (SNI ${esc(s.sni)})` : ''}`;

const WATCH_NOTE =
  'I post in this channel only when something changes (a new or fixed problem, a new certificate, protocols, ciphers, ' +
  'renegotiation, reachability) and 30, 14, 7, 3 and 1 days before the certificate expires, all in one thread per server. ' +
  'In a private channel, `/invite @tlscheck` first.';

function reply(text: string, note?: string): SlackMessage {
  const blocks: Block[] = [section(text)];
  if (note) blocks.push(context(note));
  return oneMessage(plainText(text), blocks);
}

/**
 * After `schedule`: created, cadence changed (or resumed), or already there. `firstRun` is when
 * the first check runs: now for intervals (BullMQ starts them at once), the next firing for cron.
 */
export function scheduledReply(s: Named, outcome: CreateOutcome, firstRun: number | null, now: number): SlackMessage {
  const when = firstRun === null || firstRun <= now + 60_000 ? 'The first check runs now.' : `The first check runs ${slackDate(firstRun)}.`;
  switch (outcome) {
    case 'created':
      return reply(`${EMOJI.schedule} Scheduled ${code(s.id)}: ${label(s)} ${describeCadence(s)}. ${when}`, WATCH_NOTE);
    case 'updated':
      return reply(`${EMOJI.schedule} Schedule ${code(s.id)} for ${label(s)} now runs ${describeCadence(s)} and is active. ${when}`);
    case 'unchanged':
      return reply(`${label(s)} is already scheduled here as ${code(s.id)} (${describeCadence(s)}). ${code(USAGE.list)} shows all of this channel's schedules.`);
  }
}

export function removedReply(s: Named): SlackMessage {
  return reply(`${EMOJI.removed} Removed schedule ${code(s.id)}: ${label(s)} is no longer checked in ${mentionChannel(s.channel)}.`);
}

export function pausedReply(s: Named): SlackMessage {
  return reply(`${statusEmoji('paused')} Paused schedule ${code(s.id)} (${label(s)}). ${code(`/tlscheck resume ${s.id}`)} starts it again.`);
}

export function resumedReply(s: Named): SlackMessage {
  return reply(`${EMOJI.resumed} Resumed schedule ${code(s.id)} (${label(s)}, ${describeCadence(s)}).`);
}

export function runQueuedReply(s: Named): SlackMessage {
  return reply(`${EMOJI.runNow} Checking ${label(s)} now (schedule ${code(s.id)}). A change is posted in its thread; if nothing changed, I tell only you.`);
}

/** Nothing changed on a Run now: said to the person who pressed it, not the channel. */
export function runQuietReply(s: Named & Pick<Schedule, 'lastStatus' | 'daysLeft'>): SlackMessage {
  const cert = s.daysLeft !== undefined ? `, certificate ${s.daysLeft} d left` : '';
  return reply(`${statusEmoji('ok')} Checked ${label(s)} (schedule ${code(s.id)}): no change since the last run (${s.lastStatus ?? 'unknown'}${cert}).`);
}

/** Run now while a check of the schedule is already running: that run's result is the answer. */
export function runBusyReply(s: Named): SlackMessage {
  return reply(`${EMOJI.working} A check of ${label(s)} (schedule ${code(s.id)}) is already running, so I did not start another. A change is posted in its thread; if nothing changed, nothing is posted.`);
}

/** Run now gave up waiting for a slot of the schedule's host. */
export function runHostBusyReply(s: Named, reason: string): SlackMessage {
  return reply(`${EMOJI.working} ${label(s)} (schedule ${code(s.id)}) was not checked now: ${esc(reason)} The schedule runs again at its next time.`);
}

/**
 * A refusal or a mistake: the problem, then the usage of all schedule commands. `problem` may
 * quote the user's words and targets: escaped here, keeping the creator named in a refusal.
 */
export function scheduleProblem(problem: string): SlackMessage {
  const text = escComposed(problem);
  return {
    text: `${EMOJI.usage} ${text}`,
    blocks: [section(`${EMOJI.usage} ${text}`), context(`Usage: ${Object.values(USAGE).map((u) => code(u)).join(' · ')}`)],
  };
}
