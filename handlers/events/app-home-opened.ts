// The App Home tab opened: publish the user's schedules and the usage (jobs/home-tab.ts).
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { errorSummary } from '../../src/errors.js';
import { publishHome, publishUsageOnly, type HomeDeps } from '../../jobs/home-tab.js';

type Args = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

export const appHomeOpened = (deps: HomeDeps) => async ({ event, client }: Args): Promise<void> => {
  if (event.tab !== 'home') return;
  try {
    await publishHome(client, deps, event.user);
  } catch (err) {
    // Redis down: still show the usage, so the tab is never blank.
    deps.logger.warn({ user: event.user, err: errorSummary(err) }, 'could not list schedules for the home tab');
    await publishUsageOnly(client, event.user);
    return;
  }
  deps.logger.debug({ user: event.user }, 'home tab published');
};
