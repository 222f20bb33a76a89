// Answers asked for from inside a conversation rather than by slash command: an `@tlscheck host`
// mention (handlers/events/app-mention.ts) and the "Explain this TLS error" message shortcut
// (handlers/shortcuts/explain-tls-error.ts). The answer goes in the thread the question came from;
// anything only the asker should see (refusals, usage) goes to them alone. A check goes through
// the same gate (rate limits, size caps: handlers/reply.ts → src/limits/gate.ts) and the same queue
// and check runner (jobs/check-runner.ts) as `/tlscheck`.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import { errorSummary, slackErrorCode } from '../src/errors.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { mentionUser } from '../src/format/slack/blocks.js';
import { usageError } from '../src/format/slack-help.js';
import { explainMessages } from '../src/format/slack-explain.js';
import { capPosts } from '../src/format/slack-messages.js';
import { checkRefusal } from '../src/limits/gate.js';
import { checkTarget } from '../src/target/check-target.js';
import { FALLBACK_ERRORS } from '../jobs/slack-out.js';
import type { CheckRequest } from '../jobs/queue.js';
import type { HandlerDeps } from './deps.js';
import { enqueue, tell, type Responder } from './reply.js';

/** Where the question was asked and by whom. */
export interface IncidentAsk {
  channel: string;
  user: string;
  /** The thread to answer in: the message's thread, or the message itself at the top level. */
  threadTs: string;
  /** The shortcut's; an @mention has none (private answers then go by chat.postEphemeral). */
  responseUrl: string | null;
  source: 'mention' | 'shortcut';
}

/** Tells only `user`, in the conversation and thread: for events, which carry no response_url. */
export function ephemeralIn(client: webApi.WebClient, ask: Pick<IncidentAsk, 'channel' | 'user' | 'threadTs'>): Responder {
  return (m) => {
    const blocks = 'blocks' in m && Array.isArray(m.blocks) ? { blocks: m.blocks as SlackMessage['blocks'] } : {};
    return client.chat.postEphemeral({ channel: ask.channel, user: ask.user, thread_ts: ask.threadTs, text: m.text ?? '', ...blocks });
  };
}

/** Only the asker sees it. */
export const tellAsker = (respond: Responder, msg: SlackMessage): Promise<unknown> => tell(respond, msg);

/** Queues a check (or an explain with a live check) whose answer goes in the asker's thread. */
export async function checkInThread(
  ask: IncidentAsk,
  what: { target: string; sni: string | null; symptom: string | null },
  deps: HandlerDeps,
  respond: Responder,
  log: Logger,
): Promise<boolean> {
  const target = checkTarget(what.target, what.sni, deps.parseTarget, deps.policy);
  if (!target.ok) {
    await tellAsker(respond, usageError(target.problem));
    return false;
  }
  const req: CheckRequest = {
    kind: what.symptom ? 'explain' : 'check',
    input: target.input,
    sni: target.sni,
    symptom: what.symptom,
    channel: ask.channel,
    user: ask.user,
    responseUrl: ask.responseUrl,
    threadTs: ask.threadTs,
    source: ask.source,
  };
  // The same caps and rate limits as the slash command (enqueue applies both).
  return enqueue(req, deps, respond, log);
}

/** Explains error text without a live check, in the asker's thread (privately where the bot cannot post). */
export async function explainInThread(ask: IncidentAsk, text: string, deps: HandlerDeps, client: webApi.WebClient, respond: Responder, log: Logger): Promise<void> {
  // It posts in the channel on someone's behalf: the slash command's rate limits apply.
  const refusal = deps.limits ? await checkRefusal(deps.limits, { user: ask.user, channel: ask.channel }, log) : null;
  if (refusal) {
    await tellAsker(respond, { text: refusal, blocks: [] });
    return;
  }
  let messages: SlackMessage[];
  try {
    messages = explainMessages(text, deps.explain(text), undefined, { quote: false });
  } catch (err) {
    log.error({ err: errorSummary(err) }, 'explain failed');
    await tellAsker(respond, usageError('Sorry, I could not analyse that error text (an internal error, logged).'));
    return;
  }
  try {
    for (const [i, msg] of messages.entries()) {
      // The first reply names the asker, so the answer notifies them.
      const text = i === 0 ? `${mentionUser(ask.user)} ${msg.text}` : msg.text;
      await client.chat.postMessage({ channel: ask.channel, thread_ts: ask.threadTs, text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false });
    }
  } catch (err) {
    const code = slackErrorCode(err);
    if (!code || !FALLBACK_ERRORS.has(code)) throw err;
    log.info({ slackError: code }, 'cannot post the explanation in the thread; answering privately');
    for (const msg of capPosts(messages, 'the explanation', 'tlscheck explain "<error>"')) await tellAsker(respond, msg);
  }
}
