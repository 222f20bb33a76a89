// The App Home tab: usage, so people who find the app in the sidebar know what to type.
import type { App } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import { messageViolations, SLACK_LIMITS } from '../src/format/slack-blocks.js';
import { homeBlocks } from '../src/format/slack-help.js';

export function registerHome(app: App, logger: Logger): void {
  const blocks = homeBlocks();
  const problems = messageViolations(blocks, SLACK_LIMITS.blocksPerHomeView);
  if (problems.length > 0) throw new Error(`home view breaks Block Kit limits: ${problems.join('; ')}`);
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks } });
    logger.debug({ user: event.user }, 'home tab published');
  });
}
