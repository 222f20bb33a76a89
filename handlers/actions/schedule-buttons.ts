// The schedule buttons: Run now, Pause, Resume and Remove, on the App Home tab and on the
// schedule's card and alerts in a channel (value = schedule id). On the Home tab the answer
// becomes a notice at the top of the republished tab (a view has no response_url); in a
// channel it is an ephemeral reply.
import type { Buttons } from './buttons.js';
import { errorSummary } from '../../src/errors.js';
import { ACTION_IDS, type ScheduleActionId } from '../../src/format/slack/actions.js';
import { scheduleProblem } from '../../src/format/slack-schedule-replies.js';
import { looksLikeScheduleId } from '../../src/schedule/model.js';
import { publishHome } from '../../jobs/home-tab.js';
import { executeScheduleOp, refreshParent, storeDown, type OpResult, type ScheduleOp } from '../../jobs/schedule-ops.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

const OPS: Record<ScheduleActionId, (id: string) => ScheduleOp> = {
  [ACTION_IDS.scheduleRun]: (id) => ({ kind: 'run', id }),
  [ACTION_IDS.schedulePause]: (id) => ({ kind: 'pause', id }),
  [ACTION_IDS.scheduleResume]: (id) => ({ kind: 'resume', id }),
  [ACTION_IDS.scheduleRemove]: (id) => ({ kind: 'unschedule', ref: id }),
};

export function registerScheduleButtons(buttons: Buttons, deps: HandlerDeps): void {
  const opsDeps = scheduleOpsDeps(deps);
  for (const [actionId, toOp] of Object.entries(OPS)) {
    buttons.on(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const userId = body.user.id;
      const log = deps.logger.child({ action: actionId, user: userId, channel: body.channel?.id });
      const id = action.value ?? '';
      let result: OpResult | null = null;
      if (looksLikeScheduleId(id)) {
        try {
          result = await executeScheduleOp(toOp(id), { userId, channel: body.channel?.id ?? '' }, opsDeps);
        } catch (err) {
          log.error({ err: errorSummary(err) }, 'schedule button failed');
        }
      }
      const message = result?.message ?? (looksLikeScheduleId(id) ? storeDown() : scheduleProblem('This button carries no schedule id; open the Home tab again.'));
      if (body.view?.type === 'home') {
        try {
          await publishHome(client, { ...deps.scheduling, logger: deps.logger }, userId, message.blocks);
        } catch (err) {
          log.warn({ err: errorSummary(err) }, 'could not republish the home tab');
        }
      } else {
        await respond({ ...ephemeral(message), replace_original: false });
      }
      await refreshParent(client, result, log);
    });
  }
}
