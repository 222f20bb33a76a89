// The App Home tab: the schedules of the user's channels, grouped by channel, each with Run now,
// Pause or Resume, and Remove buttons (value = schedule id). Buttons that would only be refused
// (pausing someone else's schedule without being admin) are not shown; the handler still checks.

import type { Schedule } from '../schedule/model.js';
import { refusal } from '../schedule/model.js';
import { LIMITS, button, code, context, divider, header, section, withConfirm, type Block, type HomeView } from './schedule-blocks.js';
import { scheduleLine, type LineContext } from './schedule-list.js';

export const HOME_ACTIONS = {
  run: 'sched_run',
  pause: 'sched_pause',
  resume: 'sched_resume',
  remove: 'sched_remove',
} as const;

export const HOME_CALLBACK_ID = 'tlscheck_home';

export interface HomeInput extends LineContext {
  userId: string;
  isAdmin: boolean;
  /** store.listByChannels(user's channels): grouped by channel in display order. */
  schedules: readonly Schedule[];
  /** Blocks this part may use; less than 100 when the view has other blocks (the usage help). */
  maxBlocks?: number;
}

function actionsFor(s: Schedule, input: HomeInput): Block {
  const mayChange = refusal(s, { userId: input.userId, isAdmin: input.isAdmin }, 'change') === null;
  const elements = [button('Run now', HOME_ACTIONS.run, s.id, 'primary')];
  if (mayChange) {
    elements.push(s.paused ? button('Resume', HOME_ACTIONS.resume, s.id) : button('Pause', HOME_ACTIONS.pause, s.id));
    elements.push(withConfirm(button('Remove', HOME_ACTIONS.remove, s.id, 'danger'), 'Remove schedule?', `Stop checking ${s.target} (schedule ${s.id})?`, 'Remove'));
  }
  return { type: 'actions', block_id: `sched_${s.id}`, elements };
}

export function buildScheduleHome(input: HomeInput): HomeView {
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: scheduleHomeBlocks(input) };
}

/** The schedule part alone, to put after other Home blocks (pass maxBlocks = 100 − theirs). */
export function scheduleHomeBlocks(input: HomeInput): Block[] {
  const blocks: Block[] = [
    header('TLS check schedules'),
    context(`Schedules in your channels. Add one in a channel with ${code('/tlscheck schedule example.com daily')}.`),
  ];
  if (input.schedules.length === 0) {
    blocks.push(section('No schedules in your channels yet.'));
    return blocks;
  }

  const groups = new Map<string, Schedule[]>();
  for (const s of input.schedules) groups.set(s.channel, [...(groups.get(s.channel) ?? []), s]);

  // Leave one block for the "not shown" note.
  const budget = Math.min(input.maxBlocks ?? LIMITS.viewBlocks, LIMITS.viewBlocks) - 1;
  let shown = 0;
  for (const [channel, list] of groups) {
    // A channel heading is only worth its two blocks if at least one schedule fits under it.
    if (blocks.length + 4 > budget) break;
    blocks.push(divider(), section(`*<#${channel}>*`));
    for (const s of list) {
      if (blocks.length + 2 > budget) break;
      blocks.push(section(scheduleLine(s, input), `sched_line_${s.id}`), actionsFor(s, input));
      shown++;
    }
  }
  const hidden = input.schedules.length - shown;
  if (hidden > 0) blocks.push(context(`${hidden} more schedule${hidden === 1 ? '' : 's'} not shown here: ${code('/tlscheck list')} in a channel shows all of its own.`));
  return blocks;
}
