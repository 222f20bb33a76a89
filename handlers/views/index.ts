import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { registerScheduleModal } from './schedule-modal.js';

export function registerViews(app: App, deps: HandlerDeps): void {
  registerScheduleModal(app, deps);
}
