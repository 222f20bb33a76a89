// The whole App Home tab: an optional notice (the answer to a button just pressed), the user's
// schedules with their buttons, then the usage. Pure; the handler gathers the data.
import type { Block as SlackBlock } from './slack-blocks.js';
import { homeBlocks } from './slack-help.js';
import { LIMITS, type Block } from './schedule-blocks.js';
import { HOME_CALLBACK_ID, scheduleHomeBlocks, type HomeInput } from './schedule-home.js';

export interface AppHomeView {
  type: 'home';
  callback_id: string;
  blocks: (Block | SlackBlock)[];
}

export interface AppHomeInput extends Omit<HomeInput, 'maxBlocks'> {
  /** Shown first, e.g. "Paused k7p2qx" or why a button was refused. */
  notice?: readonly Block[];
}

export function appHomeView(input: AppHomeInput): AppHomeView {
  const usage = homeBlocks();
  const notice = input.notice ?? [];
  // The schedules get whatever the notice and the usage leave of Slack's 100 blocks.
  const room = LIMITS.viewBlocks - usage.length - notice.length;
  return { type: 'home', callback_id: HOME_CALLBACK_ID, blocks: [...notice, ...scheduleHomeBlocks({ ...input, maxBlocks: room }), ...usage] };
}
