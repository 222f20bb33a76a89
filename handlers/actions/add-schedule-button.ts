// "Add schedule" on the App Home tab: opens the modal (src/format/slack-schedule-modal.ts). Its
// submission is handled in handlers/views/schedule-modal.ts.
import type { Buttons } from './buttons.js';
import { errorSummary } from '../../src/errors.js';
import { ACTION_IDS } from '../../src/format/slack/actions.js';
import { addScheduleModal } from '../../src/format/slack-schedule-modal.js';
import type { HandlerDeps } from '../deps.js';

export function registerAddScheduleButton(buttons: Buttons, deps: HandlerDeps): void {
  buttons.on(ACTION_IDS.scheduleAdd, async ({ ack, body, client }) => {
    await ack();
    try {
      // The trigger id is valid for 3 s: the modal opens before anything else.
      await client.views.open({ trigger_id: body.trigger_id, view: addScheduleModal() });
    } catch (err) {
      deps.logger.warn({ user: body.user.id, err: errorSummary(err) }, 'could not open the add-schedule modal');
    }
  });
}
