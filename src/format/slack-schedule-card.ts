// The one channel message per schedule that its alerts thread under: what is watched, how often,
// and the state after the latest alert, pause, resume or removal. Kept short so a channel with
// many schedules reads as a list of cards, each with its history in its thread. Pure.

import { describeCadence } from '../schedule/cadence.js';
import type { Schedule } from '../schedule/model.js';
import { actions, button, code, context, esc, mentionUser, oneMessage, section, slackDate, type Block, type SlackMessage } from './slack/blocks.js';
import { ACTION_IDS } from './slack/actions.js';
import { EMOJI, statusEmoji } from './slack/emoji.js';

export type ParentState =
  /** After an alert: the status the schedule is in now. */
  | { kind: 'status'; at: number }
  | { kind: 'paused' | 'resumed' | 'removed'; by: string; at: number };

/** What the card says under the title, per state. */
const STATE_LINES: Record<ParentState['kind'], (s: ParentCardSchedule, state: ParentState) => string> = {
  status: (s, state) => {
    const parts = [`${statusEmoji(s.lastStatus)} ${s.lastStatus ?? 'unknown'} since ${slackDate(state.at)}`];
    if (s.daysLeft !== undefined) parts.push(s.daysLeft < 0 ? `${statusEmoji('error')} certificate expired` : `certificate: ${s.daysLeft} d left`);
    return parts.join(' · ');
  },
  paused: (_s, state) => `${statusEmoji('paused')} Paused by ${by(state)} ${slackDate(state.at)}: no checks until resumed.`,
  resumed: (_s, state) => `${EMOJI.resumed} Resumed by ${by(state)} ${slackDate(state.at)}.`,
  removed: (_s, state) => `${EMOJI.removed} Removed by ${by(state)} ${slackDate(state.at)}: no more checks.`,
};

const by = (state: ParentState): string => ('by' in state ? mentionUser(state.by) : 'someone');

export type ParentCardSchedule = Pick<Schedule, 'id' | 'target' | 'sni' | 'every' | 'pattern' | 'tz' | 'createdBy' | 'lastStatus' | 'daysLeft'>;

/** Run now and Pause (or Resume) for one schedule: on its card and under each of its alerts. */
export function scheduleButtons(s: Pick<Schedule, 'id'>, paused: boolean): Block {
  const toggle = paused ? button('Resume', ACTION_IDS.scheduleResume, s.id) : button('Pause', ACTION_IDS.schedulePause, s.id);
  return actions([button('Run now', ACTION_IDS.scheduleRun, s.id), toggle]);
}

export function buildScheduleParent(schedule: ParentCardSchedule, state: ParentState): SlackMessage {
  const sni = schedule.sni ? ` (SNI ${esc(schedule.sni)})` : '';
  const title = `${EMOJI.schedule} *${esc(schedule.target)}*${sni} · ${describeCadence(schedule)} · schedule ${code(schedule.id)}`;
  const line = STATE_LINES[state.kind](schedule, state);
  const blocks: Block[] = [
    section(`${title}\n${line}`),
    context(`Changes and certificate expiry warnings for this server are posted in this thread. Scheduled by ${mentionUser(schedule.createdBy)}.`),
  ];
  // A removed schedule has nothing left to run or pause.
  if (state.kind !== 'removed') blocks.push(scheduleButtons(schedule, state.kind === 'paused'));
  const words = state.kind === 'status' ? (schedule.lastStatus ?? 'unknown') : state.kind;
  return oneMessage(esc(`tlscheck schedule ${schedule.id}: ${schedule.target} (${words})`), blocks);
}
