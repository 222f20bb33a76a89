// What the listeners are given: the queue, the target parser and address policy, the engine's
// explain, and the scheduling services (createApp builds those it is not given).
import type { Logger } from '../src/log.js';
import type { SlashLimits } from '../src/limits/index.js';
import { checkRefusal } from '../src/limits/gate.js';
import type { AddressPolicyLike, ParseTargetFn } from '../src/target/check-target.js';
import type { CheckQueue } from '../jobs/queue.js';
import type { ExplainFn } from '../jobs/process-job.js';
import type { MetricJson } from '../jobs/metrics.js';
import type { ScheduleOpsDeps, SchedulingParts } from '../jobs/schedule-ops.js';

export interface AppDeps {
  queue: CheckQueue;
  parseTarget: ParseTargetFn;
  policy: AddressPolicyLike;
  explain: ExplainFn;
  logger: Logger;
  /** Recurring checks; createApp builds them from the config when not given. */
  scheduling?: ScheduleServices;
  /** Hardening: rate limits; createApp builds them when the config has limits. (Undelivered results come with `scheduling`.) */
  limits?: SlashLimits;
  /** `npm start`: the workers' process's metrics, added to this process's /metrics. */
  workerMetrics?: () => Promise<MetricJson>;
}

export type ScheduleServices = SchedulingParts & {
  /** How long a schedule command may work before the ack goes out without its answer. */
  answerBudgetMs?: number;
};

/** What the listeners get once createApp has filled in the scheduling services. */
export type HandlerDeps = AppDeps & {
  scheduling: ScheduleServices;
  /** Work that can follow an ack waits for this: every ack of a burst leaves first (handlers/ack-order.ts). */
  afterAcks: () => Promise<void>;
};

/** The scheduling service's dependencies, from the listeners'. */
export const scheduleOpsDeps = (deps: HandlerDeps): ScheduleOpsDeps & { answerBudgetMs?: number } => ({
  ...deps.scheduling,
  parseTarget: deps.parseTarget,
  policy: deps.policy,
  logger: deps.logger,
  // One gate for every path to a check: the slash command's rate limits.
  ...(deps.limits ? { gate: (who: { user: string; channel: string }) => checkRefusal(deps.limits!, who, deps.logger) } : {}),
});
