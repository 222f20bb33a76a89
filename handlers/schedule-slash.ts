// `/tlscheck schedule|list|unschedule|pause|resume`: parse, then do the Redis (and maybe
// users.info) work within a budget well inside Slack's 3 seconds, so the answer usually comes in
// the ack itself; past the budget, ack "working on it" and answer through the response_url.
import type { RespondArguments, RespondFn, webApi } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import type { SlackMessage as Message } from '../src/format/slack/blocks.js';
import { parseScheduleCommand } from '../src/schedule/command.js';
import { scheduleProblem } from '../src/format/slack-schedule-replies.js';
import { errorSummary } from '../jobs/process-job.js';
import { updateParent } from '../jobs/schedule-post.js';
import { executeScheduleOp, type OpRequest, type OpResult, type ScheduleOp, type ScheduleOpsDeps } from './schedule-ops.js';

export { isScheduleCommand } from '../src/schedule/command.js';

/** Leaves a second of Slack's three for the network both ways. */
export const ANSWER_BUDGET_MS = 2_000;

export interface ScheduleAnswerDeps extends ScheduleOpsDeps {
  answerBudgetMs?: number;
}

const asEphemeral = (msg: Message): RespondArguments => ({ response_type: 'ephemeral', text: msg.text, blocks: msg.blocks });

export const storeDown = (): Message =>
  scheduleProblem('The schedule store (Redis) is not answering, so nothing was changed. Please try again in a minute.');

/**
 * Runs the operation; whatever it answers, or a "try again" when Redis fails, goes to `first`
 * if ready within the budget, else a holding line goes to `first` and the answer to `later`.
 */
export async function answerWithin(
  work: Promise<OpResult>,
  budgetMs: number,
  first: (msg: Message) => Promise<unknown>,
  later: (msg: Message) => Promise<unknown>,
  log: Logger,
): Promise<OpResult | null> {
  const settled = settle(work, log);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
  const early = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (early !== 'late') {
    await first(early?.message ?? storeDown());
    return early;
  }
  await first({ text: '⏳ Working on it…', blocks: [] });
  const done = await settled;
  await later(done?.message ?? storeDown());
  return done;
}

/** The result, or null (logged) when Redis or BullMQ failed: the caller answers storeDown(). */
export function settle(work: Promise<OpResult>, log: Logger): Promise<OpResult | null> {
  return work.catch((err: unknown) => {
    log.error({ err: errorSummary(err) }, 'schedule command failed');
    return null;
  });
}

/** After the answer: the parent card shows pause/resume/removal. Decoration: failures are logged only. */
export async function refreshParent(client: Pick<webApi.WebClient, 'chat'>, result: OpResult | null, log: Logger): Promise<void> {
  if (!result?.parent) return;
  try {
    await updateParent(client, result.parent.schedule, result.parent.state);
  } catch (err) {
    log.info({ scheduleId: result.parent.schedule.id, err: errorSummary(err) }, 'could not update the schedule card');
  }
}

export interface SlashContext {
  text: string;
  req: OpRequest;
  ack: (response: RespondArguments) => Promise<void>;
  respond: RespondFn;
  client: Pick<webApi.WebClient, 'chat'>;
}

export async function answerScheduleCommand(ctx: SlashContext, deps: ScheduleAnswerDeps, log: Logger): Promise<void> {
  const parsed = parseScheduleCommand(ctx.text, { parseTarget: deps.parseTarget });
  if (!parsed.ok) return ctx.ack(asEphemeral(scheduleProblem(parsed.error)));
  const op: ScheduleOp = parsed.command;
  const result = await answerWithin(
    executeScheduleOp(op, ctx.req, deps),
    deps.answerBudgetMs ?? ANSWER_BUDGET_MS,
    (msg) => ctx.ack(msg.blocks.length > 0 ? asEphemeral(msg) : { response_type: 'ephemeral', text: msg.text }),
    (msg) => ctx.respond({ ...asEphemeral(msg), replace_original: false }),
    log,
  );
  log.info({ op: op.kind, ok: result !== null }, 'schedule command');
  await refreshParent(ctx.client, result, log);
}
