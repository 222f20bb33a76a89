// Where a scheduled alert goes: into the thread of the schedule's one parent message in its
// channel, so twenty watched servers are twenty cards, not a wall of alerts. The first alert
// (the baseline) posts the card; later ones update it to the current status and reply in its
// thread. Alerts that make things worse are also shown in the channel (reply_broadcast): a
// server going down should not wait for someone to open a thread.
import type { webApi } from '@slack/bolt';
import type { SlackMessage as Message } from '../src/format/slack/blocks.js';
import { buildScheduleParent, type ParentState } from '../src/format/slack-schedule-card.js';
import type { ChangeKind } from '../src/schedule/changes.js';
import type { Schedule } from '../src/schedule/model.js';
import type { PostContext } from '../src/schedule/run.js';
import type { ScheduleStore } from '../src/schedule/store.js';
import { withRetryAfter } from './slack-out.js';
import { slackErrorCode } from '../src/errors.js';

export type ChatClient = Pick<webApi.WebClient, 'chat'>;

/** Changes worth a line in the channel itself; the rest stay in the thread. */
const LOUD_CHANGES: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['problem-new', 'unreachable']);

/** Pure: whether this alert is also shown in the channel. Expiry warnings count: they need action. */
export function shouldBroadcast(ctx: Pick<PostContext, 'changes' | 'warnings'>): boolean {
  if (ctx.changes.some((c) => c.kind === 'baseline')) return false;
  return ctx.warnings.length > 0 || ctx.changes.some((c) => LOUD_CHANGES.has(c.kind));
}

/** Slack's answers when the parent is gone (deleted by someone) rather than the channel closed. */
const PARENT_GONE: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'thread_not_found']);

// The worker's WebClient hands 429s back instead of sleeping whatever Retry-After says
// (jobs/slack-out.ts): an alert waits a sane one out (withRetryAfter), since a lost alert is not retried.
async function postMessage(client: ChatClient, channel: string, msg: Message, opts: { threadTs?: string; broadcast?: boolean } = {}): Promise<string> {
  const common = { channel, text: msg.text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false };
  const res = await withRetryAfter(() =>
    client.chat.postMessage(opts.threadTs ? { ...common, thread_ts: opts.threadTs, reply_broadcast: opts.broadcast === true } : common),
  );
  if (!res.ts) throw new Error('chat.postMessage returned no ts');
  return res.ts;
}

/** Rewrites the card; throws what Slack answered. */
export async function updateParent(client: ChatClient, schedule: Schedule, state: ParentState): Promise<void> {
  if (!schedule.parentTs) return;
  const msg = buildScheduleParent(schedule, state);
  const ts = schedule.parentTs;
  await withRetryAfter(() => client.chat.update({ channel: schedule.channel, ts, text: msg.text, blocks: msg.blocks }));
}

/**
 * The `post` of runScheduledCheck. Reads the schedule again for the parent ts and the status the
 * run just recorded. Throws when the channel is closed to the bot: the run then counts the alert
 * as undelivered (shown in `/tlscheck list` and the Home tab).
 */
export function createAlertPoster(client: ChatClient, store: ScheduleStore) {
  return async (channel: string, message: Message, ctx: PostContext): Promise<void> => {
    const schedule = (await store.get(ctx.schedule.id)) ?? ctx.schedule;
    const state: ParentState = { kind: 'status', at: ctx.checkedAt };
    let parentTs = schedule.parentTs;
    if (parentTs) {
      try {
        await updateParent(client, schedule, state);
      } catch (err) {
        const code = slackErrorCode(err);
        if (!code || !PARENT_GONE.has(code)) throw err;
        parentTs = undefined;
      }
    }
    if (!parentTs) {
      parentTs = await postMessage(client, channel, buildScheduleParent(schedule, state));
      await store.recordParent(schedule.id, parentTs);
    }
    await postMessage(client, channel, message, { threadTs: parentTs, broadcast: shouldBroadcast(ctx) });
  };
}
