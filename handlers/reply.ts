// How listeners answer the person who asked (ephemeral, through the ack or the response_url) and
// hand a check to the queue.
import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import { errorSummary } from '../src/errors.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { checkRefusal } from '../src/limits/gate.js';
import { jobRequestProblem } from '../src/limits/input.js';
import type { CheckRequest } from '../jobs/queue.js';
import type { AppDeps } from './deps.js';

/**
 * How a listener answers the asker alone: Bolt's respond (response_url) or, for an event, which
 * has none, chat.postEphemeral (handlers/incident.ts).
 */
export type Responder = (msg: RespondArguments) => Promise<unknown>;

export const ephemeral = (msg: SlackMessage): RespondArguments =>
  msg.blocks.length > 0 ? { response_type: 'ephemeral', text: msg.text, blocks: msg.blocks } : { response_type: 'ephemeral', text: msg.text };

/** An ephemeral answer to a button press, leaving the message with the button as it is. */
export const tell = (respond: RespondFn | Responder, msg: SlackMessage): Promise<unknown> => respond({ ...ephemeral(msg), replace_original: false });

/** Queues a request; a queue that is down is reported to the user, not just logged. True when queued. */
export async function enqueue(
  req: CheckRequest,
  deps: Pick<AppDeps, 'queue' | 'limits'>,
  respond: Responder,
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
    log.error({ err: errorSummary(err), target: req.input }, 'could not queue the check');
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `❌ Could not queue the check of ${req.input}: the job queue is unavailable. Please try again in a minute.`,
    }).catch((e: unknown) => log.warn({ err: errorSummary(e) }, 'could not tell the user either'));
    return false;
  }
}
