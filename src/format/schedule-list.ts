// `/tlscheck list`: the channel's schedules, one line each (id, target, cadence, last status,
// next run, days to expiry). Lines are packed into few sections, so 50 schedules fit one message.

import { describeCadence, estimateNextRun } from '../schedule/cadence.js';
import type { Schedule } from '../schedule/model.js';
import type { UndeliveredEntry } from '../limits/undelivered.js';
import { newestPerJob, undeliveredBlocks } from './undelivered-list.js';
import { LIMITS, code, context, escapeMrkdwn, header, packLines, relative, section, slackDate, statusEmoji, truncate, type Block, type Message } from './schedule-blocks.js';

export interface LineContext {
  now: number;
  /** BullMQ's next run per schedule id (engine.nextRuns); estimated from the cadence when missing. */
  nextRuns?: ReadonlyMap<string, number>;
}

/** One schedule as one mrkdwn line; shared with the App Home. */
export function scheduleLine(s: Schedule, ctx: LineContext): string {
  const parts: string[] = [`${code(s.id)} *${escapeMrkdwn(s.target)}*${s.sni ? ` (SNI ${escapeMrkdwn(s.sni)})` : ''}`, describeCadence(s)];
  if (s.lastRunAt !== undefined) {
    parts.push(`${statusEmoji(s.lastStatus)} ${s.lastStatus ?? 'unknown'} ${relative(s.lastRunAt, ctx.now)}`);
  } else {
    parts.push('not run yet');
  }
  if (s.paused) {
    parts.push(`${statusEmoji('paused')} paused`);
  } else {
    const next = ctx.nextRuns?.get(s.id) ?? estimateNextRun(s, ctx.now);
    if (next !== null) parts.push(`next ${next <= ctx.now ? 'now' : slackDate(next)}`);
  }
  if (s.daysLeft !== undefined) parts.push(s.daysLeft < 0 ? ':x: certificate expired' : `cert ${s.daysLeft} d left${s.daysLeft <= 14 ? ' :hourglass_flowing_sand:' : ''}`);
  if (s.undelivered) parts.push(`:mailbox_with_no_mail: ${s.undelivered} alert${s.undelivered === 1 ? '' : 's'} not delivered`);
  return parts.join(' · ');
}

export interface ListInput extends LineContext {
  channel: string;
  schedules: readonly Schedule[];
  maxPerChannel?: number;
  /** One-off results of this channel Slack would not take, newest first: listed after the schedules. */
  undelivered?: readonly UndeliveredEntry[];
}

/** Blocks the undelivered part may take from the message, so the schedules always keep most of it. */
const UNDELIVERED_BLOCKS = 15;

export function buildScheduleList(input: ListInput): Message {
  const { schedules, channel } = input;
  const lostEntries = newestPerJob(input.undelivered ?? []);
  const lost = undeliveredBlocks({ entries: lostEntries, where: 'channel', maxBlocks: UNDELIVERED_BLOCKS });
  const lostText = lost.length > 0 ? ` ${lostEntries.length} result${lostEntries.length === 1 ? '' : 's'} could not be delivered.` : '';
  if (schedules.length === 0) {
    return {
      text: `No schedules in this channel.${lostText}`,
      blocks: [section(`No schedules in <#${channel}> yet. Add one: ${code('/tlscheck schedule example.com daily')}`), ...lost],
    };
  }
  const limit = input.maxPerChannel ? `/${input.maxPerChannel}` : '';
  const head: Block[] = [header(`TLS check schedules (${schedules.length}${limit})`)];
  const foot = context(`Pause, resume or remove: ${code('/tlscheck pause <id>')} · ${code('/tlscheck resume <id>')} · ${code('/tlscheck unschedule <id>')}, or the app's Home tab.`);
  const sections = packLines(schedules.map((s) => scheduleLine(s, input)));
  const room = LIMITS.messageBlocks - head.length - 2 - lost.length;
  const body = sections.slice(0, room).map((t) => section(t));
  if (sections.length > room) body.push(context(`…more schedules than one message can show; see the Home tab.`));
  return {
    text: truncate(`${schedules.length} TLS check schedule${schedules.length === 1 ? '' : 's'} in this channel: ${schedules.map((s) => s.target).join(', ')}${lostText ? `.${lostText}` : ''}`, LIMITS.fallbackText),
    blocks: [...head, ...body, foot, ...lost],
  };
}
