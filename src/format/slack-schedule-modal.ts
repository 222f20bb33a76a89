// The "Add schedule" modal opened from the App Home tab: a target, an interval and the channel
// that gets the alerts. Its submission (handlers/views/) goes through the same schedule-create
// gate as `/tlscheck schedule`; the answer replaces the form in the same modal.
import type { InputBlock, ModalView } from '@slack/types';
import { clampBlock, plain, type SlackMessage } from './slack/blocks.js';

/** The modal's callback id: the view_submission listener matches on it. */
export const SCHEDULE_MODAL_CALLBACK_ID = 'tlscheck_schedule_modal';

/** block_id = action_id of each input, so a submission reads `values[id][id]`. */
export const SCHEDULE_MODAL_FIELDS = { target: 'sched_target', interval: 'sched_interval', channel: 'sched_channel' } as const;

/** The intervals offered, as the words `/tlscheck schedule` reads (the command's own cadences). */
export const MODAL_INTERVALS: ReadonlyArray<{ value: string; label: string; words: string }> = [
  { value: '15m', label: 'Every 15 minutes', words: 'every 15m' },
  { value: '1h', label: 'Every hour', words: 'every 1h' },
  { value: '6h', label: 'Every 6 hours', words: 'every 6h' },
  { value: 'daily', label: 'Daily', words: 'daily' },
  { value: 'weekly', label: 'Weekly', words: 'weekly' },
];

const DEFAULT_INTERVAL = 'daily';

function input(id: string, label: string, element: InputBlock['element'], hint?: string): InputBlock {
  const block: InputBlock = { type: 'input', block_id: id, label: plain(label), element };
  if (hint) block.hint = plain(hint);
  return block;
}

export function addScheduleModal(): ModalView {
  const options = MODAL_INTERVALS.map((i) => ({ text: plain(i.label), value: i.value }));
  const initial = options.find((o) => o.value === DEFAULT_INTERVAL);
  return {
    type: 'modal',
    callback_id: SCHEDULE_MODAL_CALLBACK_ID,
    title: plain('Add a TLS schedule'),
    submit: plain('Schedule'),
    close: plain('Cancel'),
    blocks: [
      input(SCHEDULE_MODAL_FIELDS.target, 'Server', {
        type: 'plain_text_input', action_id: SCHEDULE_MODAL_FIELDS.target, max_length: 300,
        placeholder: plain('example.com or example.com:8443'),
      }, 'A public host name or address, with a port if not 443.'),
      input(SCHEDULE_MODAL_FIELDS.interval, 'How often', {
        type: 'static_select', action_id: SCHEDULE_MODAL_FIELDS.interval, options, ...(initial ? { initial_option: initial } : {}),
      }),
      input(SCHEDULE_MODAL_FIELDS.channel, 'Channel for the alerts', {
        type: 'conversations_select', action_id: SCHEDULE_MODAL_FIELDS.channel,
        filter: { include: ['public', 'private'], exclude_bot_users: true },
      }, 'A channel you are in. In a private one, /invite @tlscheck first.'),
    ],
  };
}

/** The answer (created, refused, or "working on it") in place of the form; the blocks are the reply's, already escaped. */
export function scheduleModalAnswer(message: SlackMessage): ModalView {
  return {
    type: 'modal',
    callback_id: SCHEDULE_MODAL_CALLBACK_ID,
    title: plain('Add a TLS schedule'),
    close: plain('Close'),
    blocks: (message.blocks.length > 0 ? message.blocks : [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: message.text } }]).map(clampBlock),
  };
}
