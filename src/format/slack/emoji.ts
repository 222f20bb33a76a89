// Every emoji tlscheck shows in Slack, in one convention: Unicode, which renders the same in
// mrkdwn, in plain_text headers and in notification fallback text (a :shortcode: shows as typed
// in a push notification).
import type { Severity } from '../../types.js';
import type { Status, Verdict } from '../../verdict.js';

export const SEVERITY_EMOJI: Record<Severity, string> = {
  ok: '✅',
  info: 'ℹ️',
  warning: '⚠️',
  error: '❌',
  critical: '🛑',
};

export const VERDICT_EMOJI: Record<Verdict, string> = { pass: '✅', warn: '⚠️', fail: '❌' };

/** A schedule's last status, plus the states a schedule line shows. */
const STATUS_EMOJI: Record<Status | 'paused' | 'unknown', string> = {
  ...SEVERITY_EMOJI,
  unreachable: '🔌',
  paused: '⏸️',
  unknown: '❔',
};

/** A status as stored (a string read back from Redis): unknown words get the unknown emoji. */
export function statusEmoji(status: string | undefined): string {
  return (STATUS_EMOJI as Record<string, string>)[status ?? 'unknown'] ?? STATUS_EMOJI.unknown;
}

/** Everything else the views say with an emoji, by meaning. */
export const EMOJI = {
  checking: '🔎',
  rerun: '🔁',
  working: '⏳',
  usage: '⚠️',
  refused: '⛔',
  failed: '❌',
  hint: '💡',
  cut: '✂️',
  schedule: '📅',
  removed: '🗑️',
  resumed: '▶️',
  runNow: '🔍',
  expiry: '⏳',
  undelivered: '📭',
  likely: '🟡',
  ruledOut: '✖️',
  possible: '❔',
} as const;
