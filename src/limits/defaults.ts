// The limits' settings and their defaults, in one place: src/config.ts reads them from the
// environment (TLSCHECK_RATE_*, TLSCHECK_HOST_CONCURRENCY, TLSCHECK_CHECK_TIMEOUT_MS).

export interface LimitsConfig {
  /** Checks one Slack user may request per minute. */
  userPerMin: number;
  /** Checks one conversation may request per minute, whoever asks. */
  channelPerMin: number;
  /** Checks of one target host running at once, across every worker. */
  hostConcurrency: number;
  /** Deadline of one check requested from Slack; unset, it follows the round trip (src/check.ts). */
  checkTimeoutMs?: number;
}

export const DEFAULT_LIMITS: Readonly<LimitsConfig> = {
  userPerMin: 10,
  channelPerMin: 30,
  hostConcurrency: 2,
};

/** Longest `/tlscheck` text accepted; an error message pasted for `explain` fits with room to spare. */
export const MAX_COMMAND_TEXT = 4_000;
/** Largest job a handler queues (JSON bytes): target, error text, ids and response_url. */
export const MAX_JOB_REQUEST_BYTES = 16 * 1024;

/**
 * Schedules with their own /metrics series (two each) by default: 2,000 series, a size Prometheus
 * takes in its stride; past it, the most urgent keep theirs and totals cover the rest (jobs/metrics.ts).
 */
export const DEFAULT_METRICS_MAX_SCHEDULES = 1_000;
