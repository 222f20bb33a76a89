// The whole App Home tab: an optional notice (the answer to a button just pressed), the user's
// schedules with their buttons, then the usage. Pure; the handler gathers the data.
import type { Block as SlackBlock } from './slack-blocks.js';
import { homeBlocks } from './slack-help.js';
import { LIMITS, type Block } from './schedule-blocks.js';
import { HOME_CALLBACK_ID, scheduleHomeBlocks, type HomeInput } from './schedule-home.js';
import type { UndeliveredEntry } from '../limits/undelivered.js';
import { undeliveredBlocks } from './undelivered-list.js';

export interface AppHomeView {
  type: 'home';
  callback_id: string;
  blocks: (Block | SlackBlock)[];
}

export interface AppHomeInput extends Omit<HomeInput, 'maxBlocks'> {
  /** Shown first, e.g. "Paused k7p2qx" or why a button was refused. */
  notice?: readonly Block[];
  /** One-off results Slack would not take, in the user's channels or asked for by them; newest first. */
  undelivered?: readonly UndeliveredEntry[];
}

/** Blocks the undelivered results may take: a few lines, the schedules keep the tab. */
const UNDELIVERED_BLOCKS = 6;

export function appHomeView(input: AppHomeInput): AppHomeView {
  const usage = homeBlocks();
  const notice = input.notice ?? [];
  const lost = undeliveredBlocks({ entries: input.undelivered ?? [], where: 'home', maxBlocks: UNDELIVERED_BLOCKS });
  // The schedules get whatever the notice, the undelivered results and the usage leave of Slack's 100 blocks.
  const room = LIMITS.viewBlocks - usage.length - notice.length - lost.length;
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: [...notice, ...lost, ...scheduleHomeBlocks({ ...input, maxBlocks: room }), ...usage] };
}
