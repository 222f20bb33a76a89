// The one channel message per schedule that its alerts thread under: what is watched, how often,
// and the state after the latest alert, pause, resume or removal. Kept short so a channel with
// many schedules reads as a list of cards, each with its history in its thread. Pure.

import { describeCadence } from '../schedule/cadence.js';
import type { Schedule } from '../schedule/model.js';
import { button, code, context, escapeMrkdwn, section, slackDate, statusEmoji, truncate, LIMITS, type Message } from './schedule-blocks.js';

export type ParentState =
  /** After an alert: the status the schedule is in now. */
  | { kind: 'status'; at: number }
  | { kind: 'paused' | 'resumed' | 'removed'; by: string; at: number };

/** What the card says under the title, per state. */
const STATE_LINES: Record<ParentState['kind'], (s: ParentCardSchedule, state: ParentState) => string> = {
  status: (s, state) => {
    const parts = [`${statusEmoji(s.lastStatus)} ${s.lastStatus ?? 'unknown'} since ${slackDate(state.at)}`];
    if (s.daysLeft !== undefined) parts.push(s.daysLeft < 0 ? ':x: certificate expired' : `certificate: ${s.daysLeft} d left`);
    return parts.join(' · ');
  },
  paused: (_s, state) => `${statusEmoji('paused')} Paused by ${by(state)} ${slackDate(state.at)}: no checks until resumed.`,
  resumed: (_s, state) => `:arrow_forward: Resumed by ${by(state)} ${slackDate(state.at)}.`,
  removed: (_s, state) => `:wastebasket: Removed by ${by(state)} ${slackDate(state.at)}: no more checks.`,
};

const by = (state: ParentState): string => ('by' in state ? `<@${state.by}>` : 'someone');

export type ParentCardSchedule = Pick<Schedule, 'id' | 'target' | 'sni' | 'every' | 'pattern' | 'tz' | 'createdBy' | 'lastStatus' | 'daysLeft'>;

export function buildScheduleParent(schedule: ParentCardSchedule, state: ParentState): Message {
  const sni = schedule.sni ? ` (SNI ${escapeMrkdwn(schedule.sni)})` : '';
  const title = `:calendar: *${escapeMrkdwn(schedule.target)}*${sni} · ${describeCadence(schedule)} · schedule ${code(schedule.id)}`;
  const line = STATE_LINES[state.kind](schedule, state);
  const blocks: Message['blocks'] = [
    section(`${title}\n${line}`),
    context(`Changes and certificate expiry warnings for this server are posted in this thread. Scheduled by <@${schedule.createdBy}>.`),
  ];
  // A removed schedule has nothing left to run or pause.
  if (state.kind !== 'removed') {
    const toggle = state.kind === 'paused' ? button('Resume', 'sched_resume', schedule.id) : button('Pause', 'sched_pause', schedule.id);
    blocks.push({ type: 'actions', elements: [button('Run now', 'sched_run', schedule.id), toggle] });
  }
  const words = state.kind === 'status' ? (schedule.lastStatus ?? 'unknown') : state.kind;
  return { text: truncate(escapeMrkdwn(`tlscheck schedule ${schedule.id}: ${schedule.target} (${words})`), LIMITS.fallbackText), blocks };
}
