// `@tlscheck example.com` (or `@tlscheck explain <error> [host]`) in a conversation the bot is in:
// answered in the thread it was asked in; at the top level, in a thread under the mention. The
// words after the mention are read like `/tlscheck`'s (src/command: one grammar).
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { helpMessage, usageError } from '../../src/format/slack-help.js';
import { parseCommand } from '../../src/command/parse.js';
import { commandTextProblem } from '../../src/limits/input.js';
import type { HandlerDeps } from '../deps.js';
import { checkInThread, ephemeralIn, explainInThread, tellAsker, type IncidentAsk } from '../incident.js';

type Args = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

/** The text without the mentions of the bot (any mention when its id is unknown). */
export function withoutBotMentions(text: string, botUserId: string | undefined): string {
  return text.replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (m, id: string) => (!botUserId || id === botUserId ? ' ' : m)).trim();
}

export const appMention = (deps: HandlerDeps) => async ({ event, client, context }: Args): Promise<void> => {
  // Another bot (or a workflow) mentioning tlscheck gets no answer: no loops between bots.
  if (event.bot_id || !event.user) return;
  const ask: IncidentAsk = { channel: event.channel, user: event.user, threadTs: event.thread_ts ?? event.ts, responseUrl: null, source: 'mention' };
  const log = deps.logger.child({ user: ask.user, channel: ask.channel, via: 'mention' });
  const respond = ephemeralIn(client, ask);
  const text = withoutBotMentions(event.text, context.botUserId);
  const tooLong = commandTextProblem(text);
  if (tooLong) return void (await tellAsker(respond, usageError(tooLong)));
  const cmd = parseCommand(text, deps.parseTarget);
  switch (cmd.kind) {
    case 'help':
      return void (await tellAsker(respond, helpMessage()));
    case 'invalid':
      return void (await tellAsker(respond, usageError(cmd.problem)));
    case 'schedule':
      return void (await tellAsker(respond, usageError('Schedules, lists and their changes are made with the slash command, e.g. `/tlscheck schedule example.com daily`, so the answer comes at once.')));
    case 'explain':
      if (cmd.target === null) return explainInThread(ask, cmd.text, deps, client, respond, log);
      await checkInThread(ask, { target: cmd.target, sni: cmd.sni, symptom: cmd.text }, deps, respond, log);
      return;
    case 'check':
      await checkInThread(ask, { target: cmd.target, sni: cmd.sni, symptom: null }, deps, respond, log);
      return;
  }
};
