// The App Home tab: an optional notice (the answer to a button just pressed), one-off results
// Slack would not take, the schedules of the user's channels grouped by channel, each with Run
// now, Pause or Resume, and Remove buttons (value = schedule id), then the usage. Buttons that
// would only be refused (pausing someone else's schedule without being admin) are not shown; the
// listener still checks. Pure; jobs/home-tab.ts gathers the data and publishes it.

import type { Schedule } from '../schedule/model.js';
import { refusal } from '../schedule/model.js';
import type { UndeliveredEntry } from '../limits/undelivered.js';
import {
  SLACK_LIMITS, actions, button, clampBlock, code, context, divider, header, mentionChannel, section, withConfirm,
  type Block, type HomeView,
} from './slack/blocks.js';
import { ACTION_IDS, HOME_CALLBACK_ID } from './slack/actions.js';
import { homeBlocks } from './slack-help.js';
import { scheduleLine, undeliveredBlocks, type LineContext } from './slack-list.js';
import { pageButtons, pageOf, pageRange, type Page } from './slack/pages.js';

/**
 * Schedules per page of the Home tab. At worst each is in a channel of its own (heading, line,
 * buttons: 4 blocks), so 15 take 60 of the view's 100 blocks, leaving room for the usage, a
 * notice, the undelivered results and the page buttons.
 */
export const HOME_PAGE_SIZE = 15;

export interface HomeInput extends LineContext {
  userId: string;
  isAdmin: boolean;
  /** The user's schedules, grouped by channel in display order: all of them, or the page's slice when `page` is given. */
  schedules: readonly Schedule[];
  /** Which page of the user's schedules this is (homePage); adds Previous / Next. */
  page?: Page;
  /** Blocks this part may use; less than 100 when the view has other blocks (the usage help). */
  maxBlocks?: number;
}

export interface AppHomeInput extends Omit<HomeInput, 'maxBlocks'> {
  /** Shown first, e.g. "Paused k7p2qx" or why a button was refused. */
  notice?: readonly Block[];
  /** One-off results Slack would not take, in the user's channels or asked for by them; newest first. */
  undelivered?: readonly UndeliveredEntry[];
}

/** Blocks the undelivered results may take: a few lines, the schedules keep the tab. */
const UNDELIVERED_BLOCKS = 6;

export function appHomeView(input: AppHomeInput): HomeView {
  const usage = homeBlocks();
  const notice = input.notice ?? [];
  const lost = undeliveredBlocks({ entries: input.undelivered ?? [], where: 'home', maxBlocks: UNDELIVERED_BLOCKS });
  // The schedules get whatever the notice, the undelivered results and the usage leave of Slack's 100 blocks.
  const room = SLACK_LIMITS.blocksPerHomeView - usage.length - notice.length - lost.length;
  const blocks = [...notice, ...lost, ...scheduleHomeBlocks({ ...input, maxBlocks: room }), ...usage];
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: blocks.map(clampBlock) };
}

/** The tab when the schedules cannot be read (Redis down): the usage, so it is never blank. */
export function usageOnlyHomeView(): HomeView {
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: homeBlocks() };
}

function actionsFor(s: Schedule, input: HomeInput): Block {
  const mayChange = refusal(s, { userId: input.userId, isAdmin: input.isAdmin }, 'change') === null;
  const elements = [button('Run now', ACTION_IDS.scheduleRun, s.id, 'primary')];
  if (mayChange) {
    elements.push(s.paused ? button('Resume', ACTION_IDS.scheduleResume, s.id) : button('Pause', ACTION_IDS.schedulePause, s.id));
    elements.push(withConfirm(button('Remove', ACTION_IDS.scheduleRemove, s.id, 'danger'), 'Remove schedule?', `Stop checking ${s.target} (schedule ${s.id})?`, 'Remove'));
  }
  return actions(elements, `sched_${s.id}`);
}

/** The schedule part alone, to put after other Home blocks (pass maxBlocks = 100 − theirs). */
export function scheduleHomeBlocks(input: HomeInput): Block[] {
  const paged = input.page && input.page.pages > 1 ? input.page : null;
  const blocks: Block[] = [
    header('TLS check schedules'),
    context(`Schedules in your channels${paged ? ` (${pageRange(paged)}, page ${paged.page} of ${paged.pages})` : ''}. Add one in a channel with ${code('/tlscheck schedule example.com daily')}, or here:`),
    actions([button('Add schedule', ACTION_IDS.scheduleAdd, 'add', 'primary')], 'tlscheck_home_add'),
  ];
  if (input.schedules.length === 0) {
    blocks.push(section('No schedules in your channels yet.'));
    return blocks;
  }

  const groups = new Map<string, Schedule[]>();
  for (const s of input.schedules) groups.set(s.channel, [...(groups.get(s.channel) ?? []), s]);

  // Leave one block for the "not shown" note and one for the page buttons.
  const nav = paged ? pageButtons(paged, ACTION_IDS.homePage, 'tlscheck_home_pages') : null;
  const budget = Math.min(input.maxBlocks ?? SLACK_LIMITS.blocksPerHomeView, SLACK_LIMITS.blocksPerHomeView) - 1 - (nav ? 1 : 0);
  let shown = 0;
  for (const [channel, list] of groups) {
    // A channel heading is only worth its two blocks if at least one schedule fits under it.
    if (blocks.length + 4 > budget) break;
    blocks.push(divider(), section(`*${mentionChannel(channel)}*`));
    for (const s of list) {
      if (blocks.length + 2 > budget) break;
      blocks.push(section(scheduleLine(s, input), { blockId: `sched_line_${s.id}` }), actionsFor(s, input));
      shown++;
    }
  }
  const hidden = input.schedules.length - shown;
  if (hidden > 0) blocks.push(context(`${hidden} more schedule${hidden === 1 ? '' : 's'} not shown here: ${code('/tlscheck list')} in a channel shows all of its own.`));
  if (nav) blocks.push(nav);
  return blocks;
}

/** The page of the user's schedules the Home tab shows (they are read whole: grouped and sorted first). */
export function homePage<T>(all: readonly T[], requested: number): { page: Page; slice: T[] } {
  const page = pageOf(all.length, requested, HOME_PAGE_SIZE);
  return { page, slice: all.slice(page.offset, page.offset + page.size) };
}
