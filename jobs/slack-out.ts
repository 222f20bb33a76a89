// How the worker talks to Slack: the Web API (a WebClient with a retry policy sized for a job)
// and the slash command's response_url for channels it cannot post in.
// @slack/web-api through Bolt's re-export: Bolt is the declared dependency.
import { webApi } from '@slack/bolt';
import type { Config } from '../src/config.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { slackLogger, type Logger } from '../src/log.js';

/**
 * A call must finish in seconds, not the default thirty minutes of retries: three retries with
 * backoff. A 429: the app's client (Bolt's) waits its Retry-After; the workers' client
 * (createWebClient) hands it back instead (rejectRateLimitedCalls), and withRetryAfter waits out
 * only a sane one.
 */
export const SLACK_RETRY: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000, randomize: true };
/** One Web API request; a hung connection must not hold a worker slot. */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;

export function createWebClient(config: Pick<Config, 'slack'>, logger: Logger): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: SLACK_RETRY,
    timeout: SLACK_REQUEST_TIMEOUT_MS,
    logger: slackLogger(logger, 'slack-web'),
    // Hardening: 429s come back to createSlackOut, which waits a sane Retry-After and refuses an
    // absurd one; the client itself would sleep whatever Slack (or a proxy) says, holding the job.
    rejectRateLimitedCalls: true,
  });
}

// --- Hardening: bounded Retry-After ------------------------------------------------------------
/** The longest Retry-After a job waits out in place; a longer one fails the attempt, which the queue retries later. */
export const MAX_RETRY_AFTER_S = 30;
/** 429s in a row one call waits out before failing its attempt (or, for an alert, counting it undelivered). */
export const RATE_LIMIT_WAITS = 3;

/** Seconds Slack asked to wait, for a rate-limited call of a client with rejectRateLimitedCalls. */
export function retryAfterOf(err: unknown): number | null {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  return e?.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? e.retryAfter : null;
}

/**
 * Runs a Web API call of a client with rejectRateLimitedCalls, waiting out up to RATE_LIMIT_WAITS
 * 429s in a row whose Retry-After is at most MAX_RETRY_AFTER_S; anything else is thrown as is.
 * One helper for every worker path (check results, scheduled alerts): the bound is a policy, not
 * a detail of one caller.
 */
export async function withRetryAfter<T>(call: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited++) {
    try {
      return await call();
    } catch (err) {
      const seconds = retryAfterOf(err);
      if (seconds === null || seconds > MAX_RETRY_AFTER_S || waited >= RATE_LIMIT_WAITS) throw err;
      await sleep(Math.max(1, seconds) * 1000);
    }
  }
}
// --- end hardening -------------------------------------------------------------------------------


/** Errors that mean "this conversation is closed to the bot", where the response_url still works. */
export const FALLBACK_ERRORS: ReadonlySet<string> = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'access_denied']);

export interface SlackOut {
  post(channel: string, msg: SlackMessage, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, msg: SlackMessage): Promise<void>;
  respond(responseUrl: string, msg: SlackMessage, visibility: 'in_channel' | 'ephemeral'): Promise<void>;
  /** Only `user` sees it (chat.postEphemeral): for requests without a response_url (an @mention). */
  ephemeral(channel: string, user: string, msg: SlackMessage, threadTs?: string): Promise<void>;
  /** Deletes one of the bot's own messages (chat.delete). */
  remove(channel: string, ts: string): Promise<void>;
}

export function createSlackOut(client: webApi.WebClient, apiUrl: string | undefined): SlackOut {
  return {
    async post(channel, msg, threadTs) {
      const res = await withRetryAfter(() =>
        client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks, thread_ts: threadTs, unfurl_links: false, unfurl_media: false }),
      );
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    },
    async update(channel, ts, msg) {
      await withRetryAfter(() => client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks }));
    },
    async respond(responseUrl, msg, visibility) {
      await postToResponseUrl(responseUrl, { ...msg, response_type: visibility, replace_original: false }, apiUrl);
    },
    async remove(channel, ts) {
      await withRetryAfter(() => client.chat.delete({ channel, ts }));
    },
    async ephemeral(channel, user, msg, threadTs) {
      await withRetryAfter(() => client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks, thread_ts: threadTs }));
    },
  };
}

/**
 * A response_url comes from a verified Slack request, but it rests in Redis until a worker reads
 * it: only Slack's hook hosts (or the configured API stand-in's origin) are ever posted to.
 */
export function isTrustedResponseUrl(url: string, apiUrl: string | undefined): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'https:' && (u.hostname === 'hooks.slack.com' || u.hostname === 'hooks.slack-gov.com')) return true;
  if (!apiUrl) return false;
  return u.origin === new URL(apiUrl).origin;
}

const RESPONSE_URL_ATTEMPTS = 3;

export async function postToResponseUrl(url: string, body: object, apiUrl: string | undefined): Promise<void> {
  if (!isTrustedResponseUrl(url, apiUrl)) throw new Error('refusing to post to a response_url outside Slack');
  let last: unknown;
  for (let attempt = 1; attempt <= RESPONSE_URL_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(SLACK_REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.ok) return;
      // 4xx other than 429 will not get better (expired or used up: 5 posts in 30 minutes).
      if (res.status !== 429 && res.status < 500) throw new ResponseUrlError(`response_url answered ${res.status}: ${text.slice(0, 200)}`);
      last = new Error(`response_url answered ${res.status}`);
      const retryAfter = Number(res.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : 500 * attempt);
    } catch (err) {
      if (err instanceof ResponseUrlError) throw err;
      last = err;
      await sleep(500 * attempt);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

class ResponseUrlError extends Error {
  override name = 'ResponseUrlError';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
