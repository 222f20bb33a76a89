import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { COMMAND, tlscheckCommand } from './tlscheck.js';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const isOurCommand = (args: AnyMiddlewareArgs & AllMiddlewareArgs): args is CommandArgs =>
  'command' in args && (args as Partial<CommandArgs>).command?.command === COMMAND;

/**
 * The slash command is answered by a global middleware that does not call next(), not by
 * app.command(): Bolt runs every listener's middleware chain for every request (a spread of the
 * arguments and a promise per step, six chains here), about 0.05 ms of CPU on each command before
 * its ack, and 50 commands at once are acknowledged one after another. Every other request goes
 * on to the listeners as before. Registered after Bolt's own ignoreSelf, like any listener.
 */
export function registerCommands(app: Pick<App, 'use'>, deps: HandlerDeps): void {
  const answer = tlscheckCommand(deps);
  app.use(async (args) => {
    if (isOurCommand(args)) return answer(args);
    await args.next();
  });
}
