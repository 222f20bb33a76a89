// The buttons under a result: Re-run, Schedule daily (the same as `/tlscheck schedule <target>
// daily` in that channel), Show raw JSON. Their value is a ResultRef (src/format/slack/actions.ts).
import type { BlockAction } from '@slack/bolt';
import type { ButtonArgs, Buttons } from './buttons.js';
import type { Logger } from '../../src/log.js';
import { errorSummary, slackErrorCode } from '../../src/errors.js';
import { ACTION_IDS, decodeRef, type ResultActionId, type ResultRef } from '../../src/format/slack/actions.js';
import { capPosts, cliCommand, rawJsonMessages } from '../../src/format/slack-messages.js';
import { targetLabel } from '../../src/format/slack-result.js';
import { esc, mentionUser } from '../../src/format/slack/blocks.js';
import type { CheckResult } from '../../src/types.js';
import { usageError } from '../../src/format/slack-help.js';
import { scheduleProblem } from '../../src/format/slack-schedule-replies.js';
import { parseScheduleCommand } from '../../src/schedule/command.js';
import { checkTarget } from '../../src/target/check-target.js';
import { executeScheduleOp, refreshParent, settle, storeDown } from '../../jobs/schedule-ops.js';
import { FALLBACK_ERRORS } from '../../jobs/slack-out.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';
import { enqueue, tell } from '../reply.js';
import { EMOJI } from '../../src/format/slack/emoji.js';

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
  // Under a result in the channel: the new one goes in that result's thread and says what changed
  // since it. From an ephemeral list (an undelivered result) there is no thread to answer in.
  const threadTs = resultThreadOf(body);
  const queued = await enqueue(
    {
      kind: original?.data.kind ?? 'check',
      input: target.input,
      sni: target.sni,
      symptom: original?.data.symptom ?? null,
      channel,
      user: body.user.id,
      responseUrl: body.response_url,
      ...(threadTs ? { threadTs, previousJobId: ref.jobId } : {}),
    },
    deps,
    respond,
    log,
  );
  if (queued && !threadTs) await tell(respond, { text: `${EMOJI.rerun} Checking ${target.label} again…`, blocks: [] });
  // Re-run from `/tlscheck list` (or under a verdict whose thread was lost): the fresh run
  // replaces the result kept as undelivered, so the list stops offering it.
  if (queued) await forgetUndelivered(deps, channel, ref.jobId, log);
};

/** The thread of the (non-ephemeral) message a button is on: its thread_ts, or its own ts at the top level. */
function resultThreadOf(body: BlockAction): string | null {
  // Bolt types a block action's message loosely (any): only these fields are read.
  const message = body.message as { ts?: string; thread_ts?: string } | undefined;
  if (!message || body.container?.is_ephemeral === true) return null;
  return message.thread_ts ?? message.ts ?? null;
}

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
  const threadTs = resultThreadOf(body);
  if (channel && threadTs) {
    // A file, not code blocks: the JSON arrives whole, downloadable and searchable, and the thread
    // keeps one line for it instead of pages of braces.
    const label = targetLabel(stored.result);
    const json = JSON.stringify(stored.result, null, 2);
    try {
      await client.files.uploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        content: json,
        filename: rawJsonFilename(stored.result),
        title: `Raw result for ${label}`,
        snippet_type: 'javascript',
        initial_comment: `Raw result for ${esc(label)} (JSON, ${json.length.toLocaleString('en-US')} characters)${mentionFor(body.user.id)}`,
      });
      return;
    } catch (err) {
      const code = slackErrorCode(err);
      // An install from before files:write (missing_scope) still gets the JSON, privately.
      if (!code || !(FALLBACK_ERRORS.has(code) || code === 'missing_scope')) throw err;
      log.info({ slackError: code }, 'cannot upload the raw result in the thread; answering privately');
    }
  }
  const messages = rawJsonMessages(stored.result);
  for (const msg of capPosts(messages, `the raw result of ${ref.input}`, `${cliCommand(ref)} --json`)) await tell(respond, msg);
};

const mentionFor = (user: string): string => (/^[UW][A-Z0-9]+$/.test(user) ? ` for ${mentionUser(user)}` : '');

/** "tlscheck-example.com-443.json": a name any file system takes. */
export const rawJsonFilename = (r: CheckResult): string => `tlscheck-${`${r.target.host}-${r.target.port}`.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`;

const BUTTONS: Record<ResultActionId, (deps: HandlerDeps) => ResultButton> = {
  [ACTION_IDS.rerun]: rerun,
  [ACTION_IDS.schedule]: scheduleDaily,
  [ACTION_IDS.raw]: showRaw,
};

export function registerResultButtons(buttons: Buttons, deps: HandlerDeps): void {
  for (const [id, make] of Object.entries(BUTTONS)) {
    const handle = make(deps);
    buttons.on(id, async (args) => {
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
