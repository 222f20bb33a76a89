// The "Add schedule" modal's submission (view_submission). It creates a schedule through the same
// gate as `/tlscheck schedule` typed in the chosen channel: the command parser (target, interval),
// the user's membership of that channel (a modal can pick any public channel; the slash command
// is typed inside one), whether the bot can post there, then executeScheduleOp, which applies the
// address policy, the rate limits and the per-channel limit. Input mistakes keep the form open
// with the error under its field; everything else replaces the form with the answer.
import type { App, SlackViewAction, ViewOutput } from '@slack/bolt';
import { errorSummary } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { SlackMessage } from '../../src/format/slack/blocks.js';
import { scheduleProblem } from '../../src/format/slack-schedule-replies.js';
import { MODAL_INTERVALS, SCHEDULE_MODAL_CALLBACK_ID, SCHEDULE_MODAL_FIELDS, scheduleModalAnswer } from '../../src/format/slack-schedule-modal.js';
import { parseScheduleCommand, type ScheduleCommand } from '../../src/schedule/command.js';
import { publishHome } from '../../jobs/home-tab.js';
import { executeScheduleOp, refreshParent, storeDown, type OpResult } from '../../jobs/schedule-ops.js';
import { cannotPostReason, type ConversationsClient } from '../commands/can-post.js';
import { ANSWER_BUDGET_MS } from '../commands/schedule.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';

/** What the form holds, or the errors to show under its fields (plain text, as Slack shows them). */
type Form = { ok: true; command: Extract<ScheduleCommand, { kind: 'schedule' }>; channel: string } | { ok: false; errors: Record<string, string> };

/** Slack shows a field error in at most this many characters. */
const FIELD_ERROR_MAX = 150;
const fieldError = (text: string): string => (text.length > FIELD_ERROR_MAX ? `${text.slice(0, FIELD_ERROR_MAX - 1)}…` : text);

/** Reads and parses the form with the slash command's own parser, so both accept the same targets. */
export function readForm(view: ViewOutput, deps: Pick<HandlerDeps, 'parseTarget'>): Form {
  const values = view.state.values;
  const target = (values[SCHEDULE_MODAL_FIELDS.target]?.[SCHEDULE_MODAL_FIELDS.target]?.value ?? '').trim();
  const interval = values[SCHEDULE_MODAL_FIELDS.interval]?.[SCHEDULE_MODAL_FIELDS.interval]?.selected_option?.value ?? '';
  const channel = values[SCHEDULE_MODAL_FIELDS.channel]?.[SCHEDULE_MODAL_FIELDS.channel]?.selected_conversation ?? '';
  const errors: Record<string, string> = {};
  const words = MODAL_INTERVALS.find((i) => i.value === interval)?.words;
  if (!words) errors[SCHEDULE_MODAL_FIELDS.interval] = 'Pick how often to check.';
  if (!/^[CG][A-Z0-9]{2,}$/.test(channel)) errors[SCHEDULE_MODAL_FIELDS.channel] = 'Pick a channel for the alerts.';
  if (target === '') errors[SCHEDULE_MODAL_FIELDS.target] = 'Name a server, e.g. example.com.';
  else if (/\s/.test(target)) errors[SCHEDULE_MODAL_FIELDS.target] = 'One server, without spaces, e.g. example.com:8443.';
  if (Object.keys(errors).length > 0 || !words) return { ok: false, errors };
  const parsed = parseScheduleCommand(`schedule ${target} ${words}`, { parseTarget: deps.parseTarget });
  if (!parsed.ok) return { ok: false, errors: { [SCHEDULE_MODAL_FIELDS.target]: fieldError(parsed.error) } };
  if (parsed.command.kind !== 'schedule') return { ok: false, errors: { [SCHEDULE_MODAL_FIELDS.target]: 'Name a server, e.g. example.com.' } };
  return { ok: true, command: parsed.command, channel };
}

/** The gate before the shared one: the user is in the channel, and the bot can post there. */
async function channelRefusal(userId: string, channel: string, deps: HandlerDeps, client: ConversationsClient, log: Logger): Promise<string | null> {
  const theirs = await deps.scheduling.users.channelsOf(userId);
  if (!theirs.includes(channel)) return 'You are not in that channel (or I cannot see that you are): pick one of yours.';
  const reason = await cannotPostReason(client, channel, log);
  return reason ? fieldError(reason.replace(/`/g, '')) : null;
}

export function registerScheduleModal(app: App, deps: HandlerDeps): void {
  const opsDeps = scheduleOpsDeps(deps);
  app.view<SlackViewAction>({ callback_id: SCHEDULE_MODAL_CALLBACK_ID, type: 'view_submission' }, async ({ ack, body, view, client }) => {
    const userId = body.user.id;
    const log = deps.logger.child({ view: SCHEDULE_MODAL_CALLBACK_ID, user: userId });
    const form = readForm(view, deps);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });

    const work = (async (): Promise<OpResult | { refused: string }> => {
      const refused = await channelRefusal(userId, form.channel, deps, client, log);
      if (refused) return { refused };
      return executeScheduleOp(form.command, { userId, channel: form.channel }, opsDeps);
    })();
    const settled = work.catch((err: unknown) => {
      log.error({ err: errorSummary(err) }, 'schedule from the modal failed');
      return null;
    });
    // Slack waits 3 s for the ack: past the budget the modal says "working" and is updated after.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deps.scheduling.answerBudgetMs ?? ANSWER_BUDGET_MS)));
    const early = await Promise.race([settled, late]);
    clearTimeout(timer);
    if (early !== 'late' && early !== null && 'refused' in early) {
      return ack({ response_action: 'errors', errors: { [SCHEDULE_MODAL_FIELDS.channel]: early.refused } });
    }
    const answer = (r: OpResult | null): SlackMessage => r?.message ?? storeDown();
    if (early !== 'late') {
      await ack({ response_action: 'update', view: scheduleModalAnswer(answer(early)) });
    } else {
      await ack({ response_action: 'update', view: scheduleModalAnswer({ text: '⏳ Working on it…', blocks: [] }) });
      const done = await settled;
      const message = done !== null && 'refused' in done ? scheduleProblem(done.refused) : answer(done);
      await client.views.update({ view_id: view.id, view: scheduleModalAnswer(message) }).catch((err: unknown) => {
        log.warn({ err: errorSummary(err) }, 'could not update the add-schedule modal');
      });
    }
    const result = early === 'late' ? await settled : early;
    if (result && !('refused' in result)) {
      await refreshParent(client, result, log);
      // The Home tab behind the modal shows the new schedule.
      await publishHome(client, { ...deps.scheduling, logger: deps.logger }, userId).catch((err: unknown) => {
        log.warn({ err: errorSummary(err) }, 'could not republish the home tab');
      });
    }
  });
}
