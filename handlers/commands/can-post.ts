// Before a schedule is created: can the bot post in this conversation at all? A schedule the bot
// cannot post in fails on every run (channel_not_found), so it is refused now, saying what to do.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import { errorSummary, slackErrorCode } from '../../src/errors.js';
import { FALLBACK_ERRORS } from '../../jobs/slack-out.js';

export type ConversationsClient = Pick<webApi.WebClient, 'conversations'>;

/**
 * null when the bot can post in `channel` (or Slack could not say: a lookup hiccup must not block
 * a create), else the refusal. conversations.info answers channel_not_found for a private channel
 * or a DM between people that the bot is not part of; a public channel is open to it through
 * chat:write.public.
 */
export async function cannotPostReason(client: ConversationsClient, channel: string, log: Logger): Promise<string | null> {
  try {
    const res = await client.conversations.info({ channel });
    const c = res.channel;
    if (c && c.is_member === false && (c.is_private === true || c.is_mpim === true)) return refusal(channel, 'not_in_channel');
    return null;
  } catch (err) {
    const code = slackErrorCode(err);
    if (code && FALLBACK_ERRORS.has(code)) return refusal(channel, code);
    log.warn({ err: errorSummary(err) }, 'could not tell whether the bot can post here; scheduling anyway');
    return null;
  }
}

function refusal(channel: string, slackError: string): string {
  if (channel.startsWith('D')) {
    return 'Not scheduled: I cannot post in this direct message, so every run would fail. ' +
      'Run `/tlscheck schedule …` in a channel that should get the alerts, after `/invite @tlscheck` there.';
  }
  return `Not scheduled: I cannot post in this channel (Slack says \`${slackError}\`), so every run would fail. ` +
    'Type `/invite @tlscheck` here, then schedule again.';
}
