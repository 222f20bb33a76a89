// `/tlscheck`: answer within Slack's 3 seconds with an ephemeral line, then queue the work.
// Acknowledge first, enqueue second: Redis trouble must cost the user a "try again", never a
// Slack timeout error.
import type { App, RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { helpMessage, usageError } from '../src/format/slack-help.js';
import { explainMessages } from '../src/format/slack-explain.js';
import { capPosts } from '../src/format/slack-messages.js';
import type { CheckQueue, CheckRequest } from '../jobs/queue.js';
import type { ExplainFn } from '../jobs/process-job.js';
import { parseCommand, type ParseTargetFn } from './command.js';
import type { SchedulingParts } from './schedule-ops.js';
import { answerScheduleCommand, isScheduleCommand } from './schedule-slash.js';
import { checkTarget, type AddressPolicyLike } from './target-check.js';
import type { SlashLimits } from '../src/limits/index.js';
import { checkRefusal } from '../src/limits/gate.js';
import { commandTextProblem, jobRequestProblem } from '../src/limits/input.js';

export interface SlashDeps {
  queue: CheckQueue;
  parseTarget: ParseTargetFn;
  policy: AddressPolicyLike;
  explain: ExplainFn;
  logger: Logger;
  /** Recurring checks; createApp builds them from the config when not given. */
  scheduling?: ScheduleServices;
  /** Hardening: rate limits; createApp builds them when the config has limits. (Undelivered results come with `scheduling`.) */
  limits?: SlashLimits;
}

export type ScheduleServices = SchedulingParts & {
  /** How long a schedule command may work before the ack goes out without its answer. */
  answerBudgetMs?: number;
};

/** What the listeners get once createApp has filled in the scheduling services. */
export type HandlerDeps = SlashDeps & { scheduling: ScheduleServices };

export const COMMAND = '/tlscheck';

export const ephemeral = (msg: SlackMessage): RespondArguments =>
  msg.blocks.length > 0 ? { response_type: 'ephemeral', text: msg.text, blocks: msg.blocks } : { response_type: 'ephemeral', text: msg.text };

export function registerSlashCommand(app: App, deps: HandlerDeps): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
    // Hardening: nothing longer than the cap is parsed, stored or queued.
    const tooLong = commandTextProblem(command.text);
    if (tooLong) return ack(ephemeral(usageError(tooLong)));
    // schedule, list, unschedule, pause, resume: before parseCommand, which would read them as hosts.
    if (isScheduleCommand(command.text)) {
      const req = { userId: command.user_id, channel: command.channel_id };
      return answerScheduleCommand({ text: command.text, req, ack, respond, client }, { ...deps.scheduling, parseTarget: deps.parseTarget, policy: deps.policy, logger: deps.logger }, log);
    }
    const cmd = parseCommand(command.text, deps.parseTarget);
    if (cmd.kind === 'help') return ack(ephemeral(helpMessage()));
    if (cmd.kind === 'invalid') return ack(ephemeral(usageError(cmd.problem)));

    if (cmd.kind === 'explain' && cmd.target === null) {
      // No network involved: answer at once; pages beyond the first go through response_url.
      let explained: SlackMessage[];
      try {
        explained = explainMessages(cmd.text, deps.explain(cmd.text));
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'explain failed');
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

    await enqueue(req, deps, respond, log, { rateChecked: true });
  });
}

/** Queues a request; a queue that is down is reported to the user, not just logged. True when queued. */
export async function enqueue(
  req: CheckRequest,
  deps: Pick<SlashDeps, 'queue' | 'limits'>,
  respond: RespondFn,
  log: Logger,
  opts: { rateChecked?: boolean } = {},
): Promise<boolean> {
  // Hardening: the same caps for every way in; a Re-run button counts against the rate limits too.
  const tooLarge = jobRequestProblem(req);
  const refusal = tooLarge ? `❌ ${tooLarge}` : deps.limits && !opts.rateChecked ? await checkRefusal(deps.limits, { user: req.user, channel: req.channel }, log) : null;
  if (refusal) {
    await respond({ response_type: 'ephemeral', replace_original: false, text: refusal }).catch(() => undefined);
    return false;
  }
  try {
    const { jobId, deduplicated } = await deps.queue.enqueue(req);
    log.info({ jobId, deduplicated, kind: req.kind, target: req.input }, deduplicated ? 'joined a check already queued' : 'check queued');
    return true;
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err), target: req.input }, 'could not queue the check');
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `❌ Could not queue the check of ${req.input}: the job queue is unavailable. Please try again in a minute.`,
    }).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not tell the user either'));
    return false;
  }
}
