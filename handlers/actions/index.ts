import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { registerResultButtons } from './result-buttons.js';
import { registerScheduleButtons } from './schedule-buttons.js';
import { registerPageButtons } from './page-buttons.js';
import { registerAddScheduleButton } from './add-schedule-button.js';

export function registerActions(app: App, deps: HandlerDeps): void {
  registerResultButtons(app, deps);
  registerScheduleButtons(app, deps);
  registerPageButtons(app, deps);
  registerAddScheduleButton(app, deps);
}
