// `/tlscheck schedule|list|unschedule|pause|resume`: parse, then do the Redis (and maybe
// users.info) work within a budget well inside Slack's 3 seconds, so the answer usually comes in
// the ack itself; past the budget, ack "working on it" and answer through the response_url.
import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import type { SlackMessage } from '../../src/format/slack/blocks.js';
import { scheduleProblem } from '../../src/format/slack-schedule-replies.js';
import { parseScheduleCommand } from '../../src/schedule/command.js';
import type { ChatClient } from '../../jobs/schedule-post.js';
import { executeScheduleOp, refreshParent, settle, storeDown, type OpRequest, type OpResult, type ScheduleOp } from '../../jobs/schedule-ops.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';
import { cannotPostReason, type ConversationsClient } from './can-post.js';

/** Leaves a second of Slack's three for the network both ways. */
export const ANSWER_BUDGET_MS = 2_000;

/**
 * Runs the operation; whatever it answers, or a "try again" when Redis fails, goes to `first`
 * if ready within the budget, else a holding line goes to `first` and the answer to `later`.
 */
export async function answerWithin(
  work: Promise<OpResult>,
  budgetMs: number,
  first: (msg: SlackMessage) => Promise<unknown>,
  later: (msg: SlackMessage) => Promise<unknown>,
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

export interface SlashContext {
  text: string;
  req: OpRequest;
  ack: (response: RespondArguments) => Promise<void>;
  respond: RespondFn;
  client: ChatClient & ConversationsClient;
}

export async function answerScheduleCommand(ctx: SlashContext, deps: HandlerDeps, log: Logger): Promise<void> {
  const parsed = parseScheduleCommand(ctx.text, { parseTarget: deps.parseTarget });
  if (!parsed.ok) return ctx.ack(ephemeral(scheduleProblem(parsed.error)));
  const op = parsed.command;
  const result = await answerWithin(
    op.kind === 'schedule' && ctx.req.channel ? scheduleWherePostable(op, ctx, deps, log) : executeScheduleOp(op, ctx.req, scheduleOpsDeps(deps)),
    deps.scheduling.answerBudgetMs ?? ANSWER_BUDGET_MS,
    (msg) => ctx.ack(ephemeral(msg)),
    (msg) => ctx.respond({ ...ephemeral(msg), replace_original: false }),
    log,
  );
  log.info({ op: op.kind, ok: result !== null }, 'schedule command');
  await refreshParent(ctx.client, result, log);
}

/** A new schedule only where the bot can post its alerts; otherwise the refusal says what to do. */
async function scheduleWherePostable(op: ScheduleOp, ctx: SlashContext, deps: HandlerDeps, log: Logger): Promise<OpResult> {
  const reason = await cannotPostReason(ctx.client, ctx.req.channel, log);
  if (reason) return { message: scheduleProblem(reason) };
  return executeScheduleOp(op, ctx.req, scheduleOpsDeps(deps));
}
