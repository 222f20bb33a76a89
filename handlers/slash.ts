// `/tlscheck`: answer within Slack's 3 seconds with an ephemeral line, then queue the work.
// Acknowledge first, enqueue second: Redis trouble must cost the user a "try again", never a
// Slack timeout error.
import type { App, RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import type { SlackMessage } from '../src/format/slack-blocks.js';
import { helpMessage, usageError } from '../src/format/slack-help.js';
import { explainMessages } from '../src/format/slack-explain.js';
import { capPosts } from '../src/format/slack-messages.js';
import type { CheckQueue, CheckRequest } from '../jobs/queue.js';
import type { ExplainFn } from '../jobs/process-job.js';
import { parseCommand, type ParseTargetFn } from './command.js';
import { checkTarget, type AddressPolicyLike } from './target-check.js';

export interface SlashDeps {
  queue: CheckQueue;
  parseTarget: ParseTargetFn;
  policy: AddressPolicyLike;
  explain: ExplainFn;
  logger: Logger;
}

export const COMMAND = '/tlscheck';

export const ephemeral = (msg: SlackMessage): RespondArguments =>
  msg.blocks.length > 0 ? { response_type: 'ephemeral', text: msg.text, blocks: msg.blocks } : { response_type: 'ephemeral', text: msg.text };

export function registerSlashCommand(app: App, deps: SlashDeps): void {
  app.command(COMMAND, async ({ command, ack, respond }) => {
    const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
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
    await ack({ response_type: 'ephemeral', text: `🔎 ${what}… the result will appear in this conversation.` });

    await enqueue(
      {
        kind: cmd.kind,
        input: target.input,
        sni: target.sni,
        symptom: cmd.kind === 'explain' ? cmd.text : null,
        channel: command.channel_id,
        user: command.user_id,
        responseUrl: command.response_url,
      },
      deps,
      respond,
      log,
    );
  });
}

/** Queues a request; a queue that is down is reported to the user, not just logged. */
export async function enqueue(req: CheckRequest, deps: Pick<SlashDeps, 'queue'>, respond: RespondFn, log: Logger): Promise<void> {
  try {
    const { jobId, deduplicated } = await deps.queue.enqueue(req);
    log.info({ jobId, deduplicated, kind: req.kind, target: req.input }, deduplicated ? 'joined a check already queued' : 'check queued');
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err), target: req.input }, 'could not queue the check');
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `❌ Could not queue the check of ${req.input}: the job queue is unavailable. Please try again in a minute.`,
    }).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not tell the user either'));
  }
}
