// The buttons under a result: Re-run, Schedule daily (the same as `/tlscheck schedule <target>
// daily` in that channel), Show raw JSON. Their value is a ResultRef (src/format/slack/actions.ts).
import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import { errorSummary, slackErrorCode } from '../../src/errors.js';
import { ACTION_IDS, decodeRef, type ResultActionId, type ResultRef } from '../../src/format/slack/actions.js';
import { capPosts, cliCommand, rawJsonMessages } from '../../src/format/slack-messages.js';
import { usageError } from '../../src/format/slack-help.js';
import { scheduleProblem } from '../../src/format/slack-schedule-replies.js';
import { parseScheduleCommand } from '../../src/schedule/command.js';
import { checkTarget } from '../../src/target/check-target.js';
import { executeScheduleOp, refreshParent, settle, storeDown } from '../../jobs/schedule-ops.js';
import { FALLBACK_ERRORS } from '../../jobs/slack-out.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';
import { enqueue, tell } from '../reply.js';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type ResultButton = (args: ButtonArgs, ref: ResultRef, log: Logger) => Promise<unknown>;

const noConversation = (what: string): Parameters<typeof tell>[1] =>
  usageError(`I cannot tell which conversation this button is in; ${what}.`);

const rerun = (deps: HandlerDeps): ResultButton => async ({ body, respond }, ref, log) => {
  // Re-validated: the policy may have changed since the first run.
  const target = checkTarget(ref.input, ref.sni, deps.parseTarget, deps.policy);
  if (!target.ok) return tell(respond, usageError(target.problem));
  const channel = body.channel?.id;
  if (!channel) return tell(respond, noConversation('run `/tlscheck` again'));
  // An explain run is rerun as one, with its error text, as long as the original job is stored.
  // Only a job of this conversation: a forged id must not bring another channel's pasted error here.
  const stored = await deps.queue.getJob(ref.jobId).catch(() => null);
  const original = stored?.data.channel === channel ? stored : null;
  await tell(respond, { text: `🔁 Checking ${target.label} again…`, blocks: [] });
  const queued = await enqueue(
    {
      kind: original?.data.kind ?? 'check',
      input: target.input,
      sni: target.sni,
      symptom: original?.data.symptom ?? null,
      channel,
      user: body.user.id,
      responseUrl: body.response_url,
    },
    deps,
    respond,
    log,
  );
  // Re-run from `/tlscheck list` (or under a verdict whose thread was lost): the fresh run
  // replaces the result kept as undelivered, so the list stops offering it.
  if (queued) await forgetUndelivered(deps, channel, ref.jobId, log);
};

const scheduleDaily = (deps: HandlerDeps): ResultButton => async ({ body, respond, client }, ref, log) => {
  const channel = body.channel?.id;
  if (!channel) return tell(respond, noConversation('use `/tlscheck schedule <host>` there'));
  // Through the command parser, so the button and the command normalise the target alike.
  const parsed = parseScheduleCommand(`schedule ${ref.input}${ref.sni ? ` sni ${ref.sni}` : ''} daily`, { parseTarget: deps.parseTarget });
  if (!parsed.ok) return tell(respond, scheduleProblem(parsed.error));
  // Already acked: no deadline here, one answer through the response_url.
  const result = await settle(executeScheduleOp(parsed.command, { userId: body.user.id, channel }, scheduleOpsDeps(deps)), log);
  await tell(respond, result?.message ?? storeDown());
  await refreshParent(client, result, log);
};

const showRaw = (deps: HandlerDeps): ResultButton => async ({ body, respond, client }, ref, log) => {
  const stored = await deps.queue.getJob(ref.jobId).catch((err: unknown) => {
    log.error({ err: errorSummary(err) }, 'could not read the job');
    return null;
  });
  const channel = body.channel?.id;
  // A job of another conversation is answered as if gone: its result is that channel's (issue 15).
  if (!stored?.result || stored.data.channel !== channel) {
    return tell(respond, usageError(`The raw result of this check of ${ref.input} is no longer stored (results are kept for a day). Press *Re-run* for a fresh one.`));
  }
  const messages = rawJsonMessages(stored.result);
  // Bolt types a block action's message loosely (any): only these two fields are read.
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  const threadTs = message?.thread_ts ?? message?.ts;
  if (channel && threadTs) {
    try {
      for (const msg of messages) {
        await client.chat.postMessage({ channel, thread_ts: threadTs, text: msg.text, blocks: msg.blocks, unfurl_links: false });
      }
      return;
    } catch (err) {
      const code = slackErrorCode(err);
      if (!code || !FALLBACK_ERRORS.has(code)) throw err;
      log.info({ slackError: code }, 'cannot post the raw result in the thread; answering privately');
    }
  }
  for (const msg of capPosts(messages, `the raw result of ${ref.input}`, `${cliCommand(ref)} --json`)) await tell(respond, msg);
};

const BUTTONS: Record<ResultActionId, (deps: HandlerDeps) => ResultButton> = {
  [ACTION_IDS.rerun]: rerun,
  [ACTION_IDS.schedule]: scheduleDaily,
  [ACTION_IDS.raw]: showRaw,
};

export function registerResultButtons(app: App, deps: HandlerDeps): void {
  for (const [id, make] of Object.entries(BUTTONS)) {
    const handle = make(deps);
    app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: id }, async (args) => {
      const { ack, body, action, respond } = args;
      await ack();
      const log = deps.logger.child({ action: id, user: body.user.id, channel: body.channel?.id });
      const ref = decodeRef(action.value);
      if (!ref) {
        log.warn('button without a readable value');
        await tell(respond, usageError('This button is from an older version of tlscheck; run `/tlscheck <host>` again.'));
        return;
      }
      await handle(args, ref, log);
    });
  }
}

async function forgetUndelivered(deps: HandlerDeps, channel: string, jobId: string, log: Logger): Promise<void> {
  try {
    const removed = (await deps.scheduling.undelivered?.remove(channel, jobId)) ?? 0;
    if (removed > 0) log.info({ jobId, removed }, 'undelivered result re-run; removed from the list');
  } catch (err) {
    log.warn({ jobId, err: errorSummary(err) }, 'could not forget the undelivered result');
  }
}
