import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { registerResultButtons } from './result-buttons.js';
import { registerScheduleButtons } from './schedule-buttons.js';

export function registerActions(app: App, deps: HandlerDeps): void {
  registerResultButtons(app, deps);
  registerScheduleButtons(app, deps);
}
