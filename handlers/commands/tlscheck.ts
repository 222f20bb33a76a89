// `/tlscheck`: answer within Slack's 3 seconds with an ephemeral line, then queue the work.
// Acknowledge first, enqueue second: Redis trouble must cost the user a "try again", never a
// Slack timeout error. Which sub-command it is comes from src/command (one table).
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { errorSummary } from '../../src/errors.js';
import type { SlackMessage } from '../../src/format/slack/blocks.js';
import { helpMessage, usageError } from '../../src/format/slack-help.js';
import { explainMessages } from '../../src/format/slack-explain.js';
import { capPosts } from '../../src/format/slack-messages.js';
import { parseCommand } from '../../src/command/parse.js';
import { checkRefusal } from '../../src/limits/gate.js';
import { commandTextProblem, jobRequestProblem } from '../../src/limits/input.js';
import { checkTarget } from '../../src/target/check-target.js';
import type { CheckRequest } from '../../jobs/queue.js';
import type { HandlerDeps } from '../deps.js';
import { enqueue, ephemeral } from '../reply.js';
import { answerScheduleCommand } from './schedule.js';

export const COMMAND = '/tlscheck';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export const tlscheckCommand = (deps: HandlerDeps) => async ({ command, ack, respond, client }: Args): Promise<void> => {
  const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
  // Hardening: nothing longer than the cap is parsed, stored or queued.
  const tooLong = commandTextProblem(command.text);
  if (tooLong) return ack(ephemeral(usageError(tooLong)));
  const cmd = parseCommand(command.text, deps.parseTarget);
  if (cmd.kind === 'schedule') {
    const req = { userId: command.user_id, channel: command.channel_id };
    return answerScheduleCommand({ text: cmd.text, req, ack, respond, client }, deps, log);
  }
  if (cmd.kind === 'help') return ack(ephemeral(helpMessage()));
  if (cmd.kind === 'invalid') return ack(ephemeral(usageError(cmd.problem)));

  if (cmd.kind === 'explain' && cmd.target === null) {
    // No network involved: answer at once; pages beyond the first go through response_url.
    let explained: SlackMessage[];
    try {
      explained = explainMessages(cmd.text, deps.explain(cmd.text));
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'explain failed');
      return ack(ephemeral(usageError('Sorry, I could not analyse that error text (an internal error, logged). `/tlscheck <host>` still checks the server.')));
    }
    const [first, ...rest] = capPosts(explained, 'the explanation', 'tlscheck explain "<error>"');
    await ack(first ? ephemeral(first) : undefined);
    for (const msg of rest) await respond(ephemeral(msg));
    return;
  }

  const target = checkTarget(cmd.target ?? '', cmd.sni, deps.parseTarget, deps.policy);
  if (!target.ok) return ack(ephemeral(usageError(target.problem)));
  const what = cmd.kind === 'explain' ? `Checking ${target.label} against your error` : `Checking ${target.label}`;
  const req: CheckRequest = {
    kind: cmd.kind,
    input: target.input,
    sni: target.sni,
    symptom: cmd.kind === 'explain' ? cmd.text : null,
    channel: command.channel_id,
    user: command.user_id,
    responseUrl: command.response_url,
  };
  // Hardening: oversized jobs and requests over the rate limits are refused in the ack itself.
  const tooLarge = jobRequestProblem(req);
  if (tooLarge) return ack(ephemeral(usageError(tooLarge)));
  const refusal = deps.limits ? await checkRefusal(deps.limits, { user: command.user_id, channel: command.channel_id }, log) : null;
  if (refusal) return ack({ response_type: 'ephemeral', text: refusal });
  await ack({ response_type: 'ephemeral', text: `🔎 ${what}… the result will appear in this conversation.` });
  await deps.afterAcks();
  await enqueue(req, deps, respond, log, { rateChecked: true });
};
