import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { appHomeOpened } from './app-home-opened.js';
import { appMention } from './app-mention.js';

export function registerEvents(app: App, deps: HandlerDeps): void {
  app.event('app_home_opened', appHomeOpened({ ...deps.scheduling, logger: deps.logger }));
  app.event('app_mention', appMention(deps));
}
