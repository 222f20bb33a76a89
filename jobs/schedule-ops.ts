// The scheduling service: what the schedule commands and buttons do, once. Change the store,
// then bring BullMQ in line (syncScheduler/removeScheduler are called from here and from
// reconcile at start-up only, never from workers, so two upserts of one scheduler cannot race).
// The slash command, the Schedule daily button and the Home/alert buttons all come through here
// and differ only in how they answer.
import type { Logger } from '../src/log.js';
import { estimateNextRun } from '../src/schedule/cadence.js';
import type { ScheduleCommand } from '../src/schedule/command.js';
import { nextRuns, removeScheduler, runNow, schedulerId, syncScheduler } from '../src/schedule/engine.js';
import { historyKey, type ResultHistory } from '../src/schedule/history.js';
import type { Actor, Schedule } from '../src/schedule/model.js';
import type { NewSchedule, ScheduleStore } from '../src/schedule/store.js';
import { section, type SlackMessage as Message } from '../src/format/slack/blocks.js';
import type { ParentState } from '../src/format/slack-schedule-card.js';
import { LIST_PAGE_SIZE, buildScheduleList } from '../src/format/slack-list.js';
import { pageOf } from '../src/format/slack/pages.js';
import {
  pausedReply, removedReply, resumedReply, runQueuedReply, scheduledReply, scheduleProblem,
} from '../src/format/slack-schedule-replies.js';
import type { ScheduleQueue } from './scheduling.js';
import { updateParent, type ChatClient } from './schedule-post.js';
import { errorSummary } from '../src/errors.js';
import type { UndeliveredEntry, UndeliveredStore } from '../src/limits/undelivered.js';
import type { UserDirectory } from './slack-users.js';
import { checkTarget, type AddressPolicyLike, type ParseTargetFn } from '../src/target/check-target.js';

/** The scheduling services the handlers use (createApp builds them from the config). */
export interface SchedulingParts {
  store: ScheduleStore;
  history: ResultHistory;
  queue: ScheduleQueue;
  users: UserDirectory;
  /** One-off results Slack would not take: listed by `/tlscheck list`, forgotten on Re-run. */
  undelivered?: UndeliveredReader;
  now?: () => number;
}

export type UndeliveredReader = Pick<UndeliveredStore, 'list' | 'listAll' | 'remove'>;

export interface ScheduleOpsDeps extends SchedulingParts {
  parseTarget: ParseTargetFn;
  policy: AddressPolicyLike;
  logger: Logger;
  /**
   * The one-off checks' rate gate (src/limits/gate.ts): null to go ahead, else the refusal text.
   * Every op that can start a check (create, re-time, resume, Run now) and pause (so pause/resume
   * pairs cannot be spammed) is charged to the user and to the schedule's channel.
   */
  gate?: (who: { user: string; channel: string }) => Promise<string | null>;
}

/** The commands, plus what only buttons do. */
export type ScheduleOp = ScheduleCommand | { kind: 'run'; id: string };

export interface OpRequest {
  userId: string;
  /** Where it was asked; '' from the App Home (ids work from anywhere). */
  channel: string;
}

export interface OpResult {
  /** The answer for the person who asked. */
  message: Message;
  /** The schedule's parent card to rewrite afterwards (best effort, after the answer). */
  parent?: { schedule: Schedule; state: ParentState };
}

const answer = (message: Message, parent?: OpResult['parent']): OpResult => (parent ? { message, parent } : { message });
const problem = (text: string): OpResult => ({ message: scheduleProblem(text) });

export async function executeScheduleOp(op: ScheduleOp, req: OpRequest, deps: ScheduleOpsDeps): Promise<OpResult> {
  const now = deps.now ?? Date.now;
  switch (op.kind) {
    case 'schedule':
      return schedule(op, req, deps, now());
    case 'list': {
      // One page: its hashes and next runs only, however many schedules the channel holds.
      const page = pageOf(await deps.store.countByChannel(req.channel), op.page ?? 1, LIST_PAGE_SIZE);
      const [schedules, undelivered] = await Promise.all([
        deps.store.pageByChannel(req.channel, page.offset, page.size),
        page.page === 1 ? undeliveredIn(req.channel, deps) : Promise.resolve([]),
      ]);
      const next = await nextRuns(deps.queue, schedules.map((s) => s.id));
      return answer(buildScheduleList({ channel: req.channel, schedules, page, now: now(), nextRuns: next, maxPerChannel: deps.store.maxPerChannel, undelivered }));
    }
    case 'unschedule': {
      const found = await deps.store.resolve(req.channel, { id: op.ref, target: op.target, sni: op.sni });
      if (!found.ok) return problem(found.error);
      const removed = await deps.store.remove(found.value.id, await actorFor(found.value, req.userId, deps));
      if (!removed.ok) return problem(await outsiderSafe(removed, found.value, req, deps));
      await removeScheduler(deps.queue, removed.value.id);
      await deps.history.clear(historyKey(removed.value));
      return answer(removedReply(removed.value), { schedule: removed.value, state: { kind: 'removed', by: req.userId, at: now() } });
    }
    case 'pause':
    case 'resume': {
      const current = await deps.store.get(op.id);
      if (!current) return problem(`No schedule '${op.id}'. See /tlscheck list.`);
      const refused = await gated(deps, req.userId, current.channel);
      if (refused) return refused;
      const actor = await actorFor(current, req.userId, deps);
      const changed = op.kind === 'pause' ? await deps.store.pause(op.id, actor) : await deps.store.resume(op.id, actor);
      if (!changed.ok) return problem(await outsiderSafe(changed, current, req, deps));
      await syncScheduler(deps.queue, changed.value);
      const reply = op.kind === 'pause' ? pausedReply(changed.value) : resumedReply(changed.value);
      return answer(reply, { schedule: changed.value, state: { kind: op.kind === 'pause' ? 'paused' : 'resumed', by: req.userId, at: now() } });
    }
    case 'run': {
      // Someone in the schedule's channel may run it: a check changes nothing but the history.
      // In a channel the button must be in the schedule's own; from the App Home (no channel)
      // the presser must be a member of it (the same list the Home tab is built from).
      const current = await deps.store.get(op.id);
      if (!current) return problem(`No schedule '${op.id}': it was removed. See /tlscheck list.`);
      // Same answer as an unknown id: a schedule of another channel is not named to outsiders.
      if (!(await seenFrom(current, req, deps))) return problem(notHere(op.id));
      if (current.paused) return problem(`Schedule ${op.id} (${current.target}) is paused: resume it first (/tlscheck resume ${op.id}).`);
      const refused = await gated(deps, req.userId, current.channel);
      if (refused) return refused;
      await runNow(deps.queue, current.id, req.userId);
      return answer(runQueuedReply(current));
    }
  }
}

async function schedule(op: Extract<ScheduleOp, { kind: 'schedule' }>, req: OpRequest, deps: ScheduleOpsDeps, now: number): Promise<OpResult> {
  if (!req.channel) return problem('Schedules belong to a channel: run `/tlscheck schedule` in the channel that should get the alerts.');
  // The same address policy as a one-off check: a literal private address is refused now, a
  // name after DNS on every run (the worker enforces the policy).
  const target = checkTarget(op.target, op.sni ?? null, deps.parseTarget, deps.policy);
  if (!target.ok) return problem(target.problem);
  // Creating or re-timing runs a check at once: charged like a one-off check.
  const refused = await gated(deps, req.userId, req.channel);
  if (refused) return refused;
  const input: NewSchedule = { channel: req.channel, target: op.target, createdBy: req.userId };
  if (op.sni !== undefined) input.sni = op.sni;
  if (op.every !== undefined) input.every = op.every;
  if (op.pattern !== undefined) input.pattern = op.pattern;
  if (op.tz !== undefined) input.tz = op.tz;
  // Ask Slack whether the user is an admin only when the answer matters: re-timing someone
  // else's schedule. Almost every create is new or the user's own.
  let created = await deps.store.create(input, { isAdmin: false });
  if (!created.ok && created.code === 'forbidden' && (await deps.users.isAdmin(req.userId))) {
    created = await deps.store.create(input, { isAdmin: true });
  }
  if (!created.ok) return problem(created.error);
  const { schedule: s, outcome } = created.value;
  // 'unchanged' still repairs a scheduler that is missing (a Redis hiccup between the store
  // write and the upsert on an earlier try), so asking again always fixes it.
  if (outcome !== 'unchanged' || (!s.paused && !(await deps.queue.getJobScheduler(schedulerId(s.id))))) {
    await syncScheduler(deps.queue, s);
  }
  const firstRun = s.pattern !== undefined ? estimateNextRun(s, now) : now;
  return answer(scheduledReply(s, outcome, firstRun, now));
}

const notHere = (id: string): string => `No schedule '${id}' in this conversation. See /tlscheck list.`;

/** Whether the asker sees the schedule: asked in its channel, or from the App Home by a member of it. */
async function seenFrom(s: Schedule, req: OpRequest, deps: Pick<ScheduleOpsDeps, 'users'>): Promise<boolean> {
  if (req.channel !== '') return req.channel === s.channel;
  return (await deps.users.channelsOf(req.userId)).includes(s.channel);
}

/**
 * A refusal names the schedule's target and creator: said to someone outside its channel (an id
 * typed or forged elsewhere), it is the same answer as an unknown id instead (issue 15).
 */
async function outsiderSafe(refused: { code: string; error: string }, s: Schedule, req: OpRequest, deps: Pick<ScheduleOpsDeps, 'users'>): Promise<string> {
  if (refused.code !== 'forbidden' || (await seenFrom(s, req, deps))) return refused.error;
  return notHere(s.id);
}

/** The rate gate's refusal as an answer, or null to go ahead. */
async function gated(deps: Pick<ScheduleOpsDeps, 'gate'>, user: string, channel: string): Promise<OpResult | null> {
  const refusal = deps.gate ? await deps.gate({ user, channel }) : null;
  return refusal === null ? null : { message: { text: refusal, blocks: [section(refusal)] } };
}

/** The channel's undelivered results; on a Redis error the list still shows the schedules (logged). */
async function undeliveredIn(channel: string, deps: Pick<ScheduleOpsDeps, 'undelivered' | 'logger'>): Promise<UndeliveredEntry[]> {
  if (!deps.undelivered || !channel) return [];
  try {
    return await deps.undelivered.list(channel);
  } catch (err) {
    deps.logger.warn({ channel, err: errorSummary(err) }, 'could not read the undelivered results for /tlscheck list');
    return [];
  }
}

/** The Slack admin lookup only when the user is not the creator: their own schedule needs none. */
async function actorFor(s: Schedule, userId: string, deps: Pick<ScheduleOpsDeps, 'users'>): Promise<Actor> {
  return { userId, isAdmin: s.createdBy === userId ? false : await deps.users.isAdmin(userId) };
}

/** The result, or null (logged) when Redis or BullMQ failed: the caller answers storeDown(). */
export function settle(work: Promise<OpResult>, log: Logger): Promise<OpResult | null> {
  return work.catch((err: unknown) => {
    log.error({ err: errorSummary(err) }, 'schedule command failed');
    return null;
  });
}

export const storeDown = (): Message =>
  scheduleProblem('The schedule store (Redis) is not answering, so nothing was changed. Please try again in a minute.');

/** After the answer: the parent card shows pause/resume/removal. Decoration: failures are logged only. */
export async function refreshParent(client: ChatClient, result: OpResult | null, log: Logger): Promise<void> {
  if (!result?.parent) return;
  try {
    await updateParent(client, result.parent.schedule, result.parent.state);
  } catch (err) {
    log.info({ scheduleId: result.parent.schedule.id, err: errorSummary(err) }, 'could not update the schedule card');
  }
}
