// Every listener of the app, by surface, as Bolt's templates lay them out: handlers/commands/
// (the slash command), handlers/actions/ (buttons), handlers/events/ (App Home, @mentions),
// handlers/shortcuts/ (the "Explain this TLS error" message shortcut), handlers/views/
// (view_submission: the App Home's "Add schedule" modal).
import type { App } from '@slack/bolt';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import type { HandlerDeps } from './deps.js';
import { registerEvents } from './events/index.js';
import { registerShortcuts } from './shortcuts/index.js';
import { registerViews } from './views/index.js';

export function registerListeners(app: App, deps: HandlerDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerEvents(app, deps);
  registerShortcuts(app, deps);
  registerViews(app, deps);
}
