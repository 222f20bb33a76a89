// The message shortcut "Explain this TLS error" (⋯ on any message → Explain this TLS error): runs
// `explain` on the message's text, with a live check of the server when the text names one (a
// URL, host:port or a host name: src/command/find-target.ts), and answers in that message's thread.
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { usageError } from '../../src/format/slack-help.js';
import { findTargetInText } from '../../src/command/find-target.js';
import { unescapeSlack } from '../../src/command/parse.js';
import { commandTextProblem } from '../../src/limits/input.js';
import { checkTarget } from '../../src/target/check-target.js';
import type { HandlerDeps } from '../deps.js';
import { checkInThread, explainInThread, tellAsker, type IncidentAsk } from '../incident.js';

/** The shortcut's callback_id, as in slack-app-manifest.yml. */
export const EXPLAIN_SHORTCUT_ID = 'explain_tls_error';

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

export const explainTlsError = (deps: HandlerDeps) => async ({ shortcut, ack, respond, client }: Args): Promise<void> => {
  await ack();
  const message = shortcut.message;
  const threadTs = typeof message.thread_ts === 'string' ? message.thread_ts : message.ts;
  const ask: IncidentAsk = { channel: shortcut.channel.id, user: shortcut.user.id, threadTs, responseUrl: shortcut.response_url, source: 'shortcut' };
  const log = deps.logger.child({ user: ask.user, channel: ask.channel, via: 'shortcut' });
  const text = unescapeSlack(message.text ?? '').trim();
  if (text === '') return void (await tellAsker(respond, usageError('This message has no text to explain. Use it on a message that holds the error, or paste the error after `/tlscheck explain`.')));
  const tooLong = commandTextProblem(text);
  if (tooLong) return void (await tellAsker(respond, usageError(tooLong)));

  const named = findTargetInText(text, deps.parseTarget);
  if (named) {
    const target = checkTarget(named, null, deps.parseTarget, deps.policy);
    if (target.ok) {
      await checkInThread(ask, { target: named, sni: null, symptom: text }, deps, respond, log);
      return;
    }
    // An internal address in a log line: explained without the live check, and the asker alone is told why.
    await tellAsker(respond, usageError(`${target.problem} The error is explained without a live check.`));
  }
  await explainInThread(ask, text, deps, client, respond, log);
};
