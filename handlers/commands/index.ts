import type { App } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { COMMAND, tlscheckCommand } from './tlscheck.js';

export function registerCommands(app: App, deps: HandlerDeps): void {
  app.command(COMMAND, tlscheckCommand(deps));
}
