// What an error may say in a log line or to a user: its message (scrubbed) and, for a Slack Web
// API failure, Slack's error code. Error objects of HTTP clients can carry request headers
// (tokens), so nothing else of them is ever logged.
import { scrubText } from './log.js';

/** Slack's error code ("not_in_channel", …) of a failed Web API call, or null for anything else. */
export function slackErrorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : null;
}

/** Message and Slack error code only. */
export function errorSummary(err: unknown): { message: string; slackError?: string } {
  const message = scrubText(err instanceof Error ? err.message : String(err));
  const code = slackErrorCode(err);
  return code ? { message, slackError: code } : { message };
}
