// Previous / Next under `/tlscheck list` (the ephemeral list is replaced by the page asked for)
// and on the Home tab (the tab is republished at that page). Value = the page number.
import type { Buttons } from './buttons.js';
import { errorSummary } from '../../src/errors.js';
import { ACTION_IDS, decodePage } from '../../src/format/slack/actions.js';
import { publishHome } from '../../jobs/home-tab.js';
import { executeScheduleOp, storeDown } from '../../jobs/schedule-ops.js';
import { scheduleOpsDeps, type HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export function registerPageButtons(buttons: Buttons, deps: HandlerDeps): void {
  const opsDeps = scheduleOpsDeps(deps);
  buttons.on(ACTION_IDS.listPage, async ({ ack, body, action, respond }) => {
    await ack();
    const page = decodePage(action.value) ?? 1;
    const channel = body.channel?.id ?? '';
    let message;
    try {
      message = (await executeScheduleOp({ kind: 'list', page }, { userId: body.user.id, channel }, opsDeps)).message;
    } catch (err) {
      deps.logger.error({ action: ACTION_IDS.listPage, channel, err: errorSummary(err) }, 'could not list schedules');
      message = storeDown();
    }
    await respond({ ...ephemeral(message), replace_original: true });
  });
  buttons.on(ACTION_IDS.homePage, async ({ ack, body, action, client }) => {
    await ack();
    const userId = body.user.id;
    try {
      await publishHome(client, { ...deps.scheduling, logger: deps.logger }, userId, undefined, decodePage(action.value) ?? 1);
    } catch (err) {
      deps.logger.warn({ action: ACTION_IDS.homePage, user: userId, err: errorSummary(err) }, 'could not republish the home tab');
    }
  });
}
