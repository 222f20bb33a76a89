import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { registerResultButtons } from './result-buttons.js';
import { registerScheduleButtons } from './schedule-buttons.js';
import { registerPageButtons } from './page-buttons.js';
import { registerAddScheduleButton } from './add-schedule-button.js';
import { registerButtons } from './buttons.js';

export function registerActions(app: App, deps: HandlerDeps): void {
  registerButtons(app, (buttons) => {
    registerResultButtons(buttons, deps);
    registerScheduleButtons(buttons, deps);
    registerPageButtons(buttons, deps);
    registerAddScheduleButton(buttons, deps);
  });
}
