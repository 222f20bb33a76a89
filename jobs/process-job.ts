// One job: post the parent message, run the check with throttled progress, turn the parent into
// the verdict and post the diagnosis in its thread; or, where the bot may not post, answer
// through the response_url. Every step is recorded in the job so a rerun after a stall resumes.
import type { CheckResult } from '../src/types.js';
import type { Logger } from '../src/log.js';
import { errorSummary, slackErrorCode } from '../src/errors.js';
import type { SlackMessage } from '../src/format/slack/blocks.js';
import { divider, section } from '../src/format/slack/blocks.js';
import { toMessages } from '../src/format/slack/split.js';
import { displayInput, displayLabel, errorCause, notifyLine, resultThreadBlocks, verdictFallback } from '../src/format/slack-result.js';
import { changesSince } from '../src/format/slack-changes.js';
import { verdictOf } from '../src/verdict.js';
import type { ResultRef } from '../src/format/slack/actions.js';
import { explainBlocks, topExplanation, type ExplanationView } from '../src/format/slack-explain.js';
import {
  failureMessage, fallbackHint, fallbackMessages, pendingMessage, progressMessage, threadMessages, verdictMessage,
} from '../src/format/slack-messages.js';
import type { CheckJobData, DeliveryState, JobOutcome, StoredJob } from './queue.js';
import { FALLBACK_ERRORS, type SlackOut } from './slack-out.js';
import { createThrottle } from './throttle.js';
import type { MessageClaims } from '../src/limits/claims.js';
import { HostBusyError } from '../src/limits/host-semaphore.js';
import type { CheckRunner } from './check-runner.js';
import type { UndeliveredStore } from '../src/limits/undelivered.js';

export type ExplainFn = (text: string, result?: CheckResult) => ExplanationView;

export interface JobContext {
  /** The one check runner (policy, deadline, trust anchors, per-host slot): jobs/check-runner.ts. */
  runner: CheckRunner;
  explain: ExplainFn;
  out: SlackOut;
  logger: Logger;
  /** Minimum time between two progress updates of the parent message. */
  progressIntervalMs: number;
  /** OpenSSL's output beside the most severe diagnoses (TLSCHECK_EVIDENCE); off when unset. */
  evidence?: boolean;
  // --- Hardening (src/limits): all optional, so a bare context still works (tests, the CLI). ---
  /** Idempotency keys: the parent and each message of a job go out at most once, even across overlapping runs. */
  claims?: MessageClaims;
  /** Where a result goes when Slack would not take it, so it is shown later instead of lost. */
  undelivered?: UndeliveredStore;
  /** A stored job by id: a Re-run compares its result with the one it was pressed under. Unset: no comparison. */
  storedJob?: (jobId: string) => Promise<StoredJob | null>;
}

/** The parts of a BullMQ job this needs; tests pass a plain object. */
export interface JobHandle {
  id: string;
  data: CheckJobData;
  /** Whether a failure now is final (no retry follows). */
  isLastAttempt: boolean;
  save(data: CheckJobData): Promise<void>;
  signal?: AbortSignal;
  /** When the job was queued (BullMQ's timestamp); default now. A host busy past the runner's limit gives up. */
  createdAt?: number;
}

export async function processJob(job: JobHandle, ctx: JobContext): Promise<JobOutcome> {
  const log = ctx.logger.child({ jobId: job.id, kind: job.data.kind, target: job.data.input, channel: job.data.channel });
  const state: CheckJobData = { ...job.data };
  const save = async (patch: DeliveryState): Promise<void> => {
    Object.assign(state, patch);
    await job.save(state);
  };
  try {
    await openParent(state, job.id, ctx, save, log);
    const result = state.result ?? (await runCheck(state, ctx, job));
    if (!state.result) await save({ result });
    // A refusal by the address policy is the requester's alone (issue 15): what an internal name
    // points at is nobody else's business. A name that does not resolve (a typo, an internal
    // name) is theirs alone too: the channel learns nothing from it.
    const privateError = result.error?.code === 'blocked' || result.error?.code === 'dns' ? result.error.code : null;
    if (privateError && canTellPrivately(state)) {
      await refusePrivately(state, job.id, errorCause(result), ctx, privateError === 'dns');
      log.info({ checkError: privateError }, 'check not run; told the requester privately');
      return { verdict: verdictOf(result), messages: 1 };
    }
    const previous = state.previousJobId ? await previousResult(state, state.previousJobId, ctx, log) : undefined;
    const messages = reportMessages(state, result, job.id, ctx, log, previous);
    await deliver(state, job.id, messages, ctx, save);
    const verdict = verdictOf(result);
    log.info({ verdict, checkError: result.error?.code ?? null, messages: messages.length, mode: state.mode }, 'check reported');
    return { verdict, messages: messages.length };
  } catch (err) {
    // Not a failure: the worker puts the job back for later (see jobs/worker.ts).
    if (err instanceof HostBusyError && !err.final) throw err;
    if (err instanceof InvalidInput || err instanceof HostBusyError) {
      await deliverOne(state, failureMessage(labelOf(state), err.message), ctx);
      return null;
    }
    log.error({ err: errorSummary(err), lastAttempt: job.isLastAttempt }, 'job failed');
    if (job.isLastAttempt) {
      const told = await tellFailure(state, INTERNAL_ERROR_TEXT, ctx, log);
      if (state.result || !told) await keepUndelivered(state, job.id, lossOf(err), ctx, log);
    }
    throw err;
  }
}

class InvalidInput extends Error {}

/** What Slack answers a reply to a thread whose first message is gone. */
const THREAD_GONE: ReadonlySet<string> = new Set(['thread_not_found', 'message_not_found']);

/** Posts the "Checking…" parent, or decides on the response_url when the channel is closed to the bot. */
async function openParent(state: CheckJobData, jobId: string, ctx: JobContext, save: (p: DeliveryState) => Promise<void>, log: Logger): Promise<void> {
  if (state.mode) return;
  try {
    // A run that died after Slack took the parent but before the save finds its ts here.
    // In an incident thread (or under the result a Re-run was pressed on), the answer is a reply there.
    const pending = pendingMessage(labelOf(state), state.user, { again: Boolean(state.previousJobId) });
    const ts = await sendOnce(ctx, jobId, 'parent', async () => {
      if (!state.threadTs) return ctx.out.post(state.channel, pending);
      try {
        return await ctx.out.post(state.channel, pending, state.threadTs);
      } catch (err) {
        // The thread's first message was deleted meanwhile: the answer goes to the channel instead of being lost.
        if (!THREAD_GONE.has(slackErrorCode(err) ?? '')) throw err;
        log.info({ slackError: slackErrorCode(err) }, 'the thread to answer in is gone; answering at the top of the channel');
        state.threadTs = null;
        await save({});
        return ctx.out.post(state.channel, pending);
      }
    });
    if (!ts) throw new Error('the parent message has no ts');
    await save({ mode: 'thread', parentTs: ts, posted: 0 });
  } catch (err) {
    const code = slackErrorCode(err);
    if (!code || !FALLBACK_ERRORS.has(code) || !state.responseUrl) throw err;
    log.info({ slackError: code }, 'cannot post in channel; answering through response_url');
    await save({ mode: 'response_url', fallbackReason: code, posted: 0 });
  }
}

async function runCheck(state: CheckJobData, ctx: JobContext, job: JobHandle): Promise<CheckResult> {
  const { mode, parentTs } = state;
  const progress =
    mode === 'thread' && parentTs
      ? createThrottle<{ probe: string; done: number; total: number }>(
          (p) => ctx.out.update(state.channel, parentTs, progressMessage(labelOf(state), state.user, p)),
          ctx.progressIntervalMs,
        )
      : null;
  try {
    return await ctx.runner.run({
      input: state.input,
      sni: state.sni,
      symptom: state.symptom,
      evidence: ctx.evidence,
      onProgress: progress ? (e) => progress.push(e) : undefined,
      signal: job.signal,
      queuedAt: job.createdAt ?? Date.now(),
    });
  } catch (err) {
    // The handler validated the input; this only happens if the two parsers ever disagree.
    if (err instanceof Error && err.name === 'InvalidTargetError') throw new InvalidInput(err.message);
    throw err;
  } finally {
    await progress?.stop();
  }
}

/**
 * The result a Re-run was pressed under: null when it is gone (results are kept for a day) or
 * belongs to another conversation (a forged button must not bring another channel's result here).
 */
async function previousResult(state: CheckJobData, jobId: string, ctx: JobContext, log: Logger): Promise<CheckResult | null> {
  if (!ctx.storedJob) return null;
  try {
    const stored = await ctx.storedJob(jobId);
    return stored?.data.channel === state.channel ? stored.result : null;
  } catch (err) {
    log.warn({ err: errorSummary(err) }, 'could not read the previous result; reporting without a comparison');
    return null;
  }
}

/**
 * Everything to send after the parent: the verdict (replacing the parent) and the thread. A
 * Re-run (`previous` defined) says what changed since the result it was pressed under, and
 * repeats the diagnosis only when something did.
 */
function reportMessages(state: CheckJobData, result: CheckResult, jobId: string, ctx: JobContext, log: Logger, previous?: CheckResult | null): SlackMessage[] {
  const ref: ResultRef = { jobId, input: state.input, sni: state.sni };
  const explained = state.kind === 'explain' && state.symptom ? explainSafely(state.symptom, result, ctx, log) : null;
  const quote = state.source !== 'mention' && state.source !== 'shortcut';
  // The result's own most likely cause follows in full (resultThreadBlocks): not twice.
  const omitDiagnosis = result.diagnoses?.[0]?.id;
  const explainPart = explained ? [...explainBlocks(state.symptom ?? '', explained, result, { quote, omitDiagnosis }), divider()] : [];
  const explainedLine = explained ? topExplanation(explained) : null;
  const changes = previous !== undefined ? changesSince(previous, result) : null;
  if (state.mode === 'thread') {
    const verdict = verdictMessage(result, { ref, user: state.user, explained: explainedLine });
    // chat.update notifies nobody: the first threaded reply mentions the requester (notifyLine).
    const mention = mentionOf(state.user);
    if (changes) {
      // The verdict is the reply just above: this one says only what is new, and notifies.
      const lead = section(`${mention ? `${mention} ` : ''}*${changes.headline}*${changes.blocks.length ? ':' : ''}`);
      const rest = changes.changed ? [...explainPart, ...resultThreadBlocks(result)] : explainPart;
      const thread = toMessages([lead, ...changes.blocks, ...(rest.length ? [divider(), ...rest] : [])], `What changed for ${displayLabel(result)}`);
      const [first, ...others] = thread;
      if (!first) return [verdict];
      return [verdict, { ...first, text: `${mention ? `${mention} ` : ''}${verdictFallback(result)} (${changes.headline})` }, ...others];
    }
    const notify = mention ? [section(`${mention} ${notifyLine(result)}`)] : [];
    const thread = explained
      ? toMessages([...notify, ...explainPart, ...resultThreadBlocks(result)], `Explanation and diagnosis for ${displayLabel(result)}`)
      : threadMessages(result, notify);
    const [first, ...rest] = thread;
    if (!first || !mention) return [verdict, ...thread];
    return [verdict, { ...first, text: `${mention} ${verdictFallback(result)} (${first.text})` }, ...rest];
  }
  const changePart = changes ? [section(`*${changes.headline}*${changes.blocks.length ? ':' : ''}`), ...changes.blocks, divider()] : [];
  return fallbackMessages(result, { ref, user: state.user, explained: explainedLine }, fallbackHint(state.channel, state.fallbackReason ?? 'not_in_channel'), [...changePart, ...explainPart]);
}

/** `<@U…>` for a Slack user id, else null (a schedule or a test has no person to mention). */
const mentionOf = (user: string | undefined): string | null => (user && /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : null);

function explainSafely(symptom: string, result: CheckResult, ctx: JobContext, log: Logger): ExplanationView | null {
  try {
    return ctx.explain(symptom, result);
  } catch (err) {
    // The check result is still worth posting without the explanation.
    log.error({ err: errorSummary(err) }, 'explain failed');
    return null;
  }
}

/**
 * Thread mode: message 0 replaces the parent, the rest go in its thread. Fallback mode: each
 * message is one response_url post. `posted` counts what is done, so a rerun skips it.
 */
async function deliver(state: CheckJobData, jobId: string, messages: SlackMessage[], ctx: JobContext, save: (p: DeliveryState) => Promise<void>): Promise<void> {
  for (let i = state.posted ?? 0; i < messages.length; i++) {
    const msg = messages[i];
    if (!msg) continue;
    await sendOnce(ctx, jobId, `m${i}`, async () => {
      if (state.mode === 'thread' && state.parentTs) {
        if (i === 0) return replaceParent(state, msg, ctx, save);
        return ctx.out.post(state.channel, msg, state.threadTs ?? state.parentTs);
      } else if (state.responseUrl) {
        // Help promises it: in a channel the bot is not in, only the person who asked sees the answer.
        await ctx.out.respond(state.responseUrl, msg, 'ephemeral');
      }
      return undefined;
    });
    await save({ posted: i + 1 });
  }
}

/**
 * The verdict replaces the "Checking…" parent. If someone deleted the parent (message_not_found),
 * the verdict is posted anew and the thread goes under it: the result is never lost to a deletion.
 */
async function replaceParent(state: CheckJobData, msg: SlackMessage, ctx: JobContext, save: (p: DeliveryState) => Promise<void>): Promise<undefined> {
  if (!state.parentTs) return undefined;
  try {
    await ctx.out.update(state.channel, state.parentTs, msg);
  } catch (err) {
    if (slackErrorCode(err) !== 'message_not_found') throw err;
    const ts = await ctx.out.post(state.channel, msg, state.threadTs ?? undefined);
    if (ts) await save({ parentTs: ts });
  }
  return undefined;
}

async function deliverOne(state: CheckJobData, msg: SlackMessage, ctx: JobContext): Promise<void> {
  if (state.mode === 'thread' && state.parentTs) await ctx.out.update(state.channel, state.parentTs, msg);
  else if (state.responseUrl) await ctx.out.respond(state.responseUrl, msg, 'ephemeral');
}

export const REFUSED_PRIVATELY_TEXT = 'not checked: the reason was sent privately to whoever asked.';

/** A response_url (slash command, button, shortcut) or a user to send an ephemeral message to (an @mention). */
const canTellPrivately = (state: CheckJobData): boolean => Boolean(state.responseUrl || mentionOf(state.user));

/** Only the requester sees it: through the response_url, else chat.postEphemeral in the conversation (and thread). */
async function tellRequester(state: CheckJobData, msg: SlackMessage, ctx: JobContext): Promise<void> {
  if (state.responseUrl) await ctx.out.respond(state.responseUrl, msg, 'ephemeral');
  else if (mentionOf(state.user)) await ctx.out.ephemeral(state.channel, state.user, msg, state.threadTs ?? undefined);
}

/**
 * Tells the requester alone why the check did not run. The channel's "Checking…" line then says
 * only that (`removeParent`: it is deleted, leaving the channel nothing; kept if that fails).
 */
async function refusePrivately(state: CheckJobData, jobId: string, reason: string, ctx: JobContext, removeParent = false): Promise<void> {
  await sendOnce(ctx, jobId, 'refused', async () => {
    await tellRequester(state, failureMessage(labelOf(state), reason), ctx);
    return undefined;
  });
  if (state.mode === 'thread' && state.parentTs) {
    const parentTs = state.parentTs;
    await sendOnce(ctx, jobId, 'm0', async () => {
      if (removeParent) {
        try {
          await ctx.out.remove(state.channel, parentTs);
          return undefined;
        } catch (err) {
          ctx.logger.warn({ err: errorSummary(err) }, 'could not delete the Checking… message; saying the reason went privately');
        }
      }
      await ctx.out.update(state.channel, parentTs, failureMessage(labelOf(state), REFUSED_PRIVATELY_TEXT));
      return undefined;
    });
  }
}

/** The target as people read it: Unicode for an internationalised name, and the SNI when it is another name. */
const labelOf = (state: Pick<CheckJobData, 'input' | 'sni'>): string => displayInput(state.input, state.sni);

const INTERNAL_ERROR_TEXT = 'tlscheck could not finish this check (an internal error, logged). Try again in a minute.';
export const ABANDONED_TEXT = 'tlscheck could not finish this check: the worker running it stopped more than once. Try again in a minute.';

/** The user must not be left with "Checking…" forever when the job gives up. True when Slack took the notice. */
async function tellFailure(state: CheckJobData, reason: string, ctx: JobContext, log: Logger): Promise<boolean> {
  // A verdict already shown stays: the notice would replace the one thing that did get through.
  if (state.mode === 'thread' && (state.posted ?? 0) > 0) return true;
  try {
    await deliverOne(state, failureMessage(labelOf(state), reason), ctx);
    return true;
  } catch (err) {
    log.warn({ err: errorSummary(err) }, 'could not report the failure to Slack');
    return false;
  }
}

// --- Hardening: idempotent sends and undelivered results ----------------------------------------
/** Sends under the job's idempotency key for this message when claims are configured. */
async function sendOnce(ctx: JobContext, jobId: string, key: string, send: () => Promise<string | undefined>): Promise<string | undefined> {
  if (!ctx.claims) return send();
  return (await ctx.claims.once(jobId, key, send)).ts;
}

/** Why a result is kept instead of shown: the entry's reason, and what an unchecked entry says. */
interface Loss {
  reason: string;
  unchecked: string;
}

const lossOf = (err: unknown): Loss => {
  const { message, slackError } = errorSummary(err);
  return { reason: slackError ?? message, unchecked: 'not checked (Slack could not be reached)' };
};

const ABANDONED: Loss = { reason: 'the worker running it stopped more than once', unchecked: 'not checked (the worker running it stopped more than once)' };

/** Slack would not take the result (or even the failure notice): keep it where `/tlscheck list` shows it. */
async function keepUndelivered(state: CheckJobData, jobId: string, loss: Loss, ctx: JobContext, log: Logger): Promise<void> {
  const verdict = state.result ? verdictOf(state.result) : null;
  log.error({ undelivered: true, verdict, reason: loss.reason }, 'result not delivered to Slack; kept for /tlscheck list');
  if (!ctx.undelivered) return;
  try {
    await ctx.undelivered.add({
      jobId,
      channel: state.channel,
      user: state.user,
      input: state.input,
      sni: state.sni,
      verdict,
      summary: state.result ? verdictFallback(state.result) : `${state.input}: ${loss.unchecked}`,
      reason: loss.reason.slice(0, 200),
      at: new Date().toISOString(),
    });
  } catch (e) {
    // The failed job still holds the result for a week; say loudly that the list missed it.
    log.error({ err: errorSummary(e) }, 'could not record the undelivered result');
  }
}

/**
 * A job BullMQ failed itself: its runs kept dying (the worker process crashed or hung past its
 * lock, more than maxStalledCount times), so no run of processJob is left to say so. Turns its
 * "Checking…" parent into a notice (unless a verdict is already shown) and keeps the entry for
 * `/tlscheck list`. Once per job, whichever process hears of it first: under a claim.
 */
export async function reportAbandoned(job: { id: string; data: CheckJobData }, ctx: JobContext): Promise<void> {
  const state = job.data;
  const log = ctx.logger.child({ jobId: job.id, kind: state.kind, target: state.input, channel: state.channel });
  const report = async (): Promise<undefined> => {
    log.error({ mode: state.mode ?? null, posted: state.posted ?? 0 }, 'job abandoned by the queue: its worker stopped more than once');
    await tellFailure(state, ABANDONED_TEXT, ctx, log);
    await keepUndelivered(state, job.id, ABANDONED, ctx, log);
    return undefined;
  };
  try {
    await sendOnce(ctx, job.id, 'abandoned', report);
  } catch (err) {
    // Only the claim itself can fail here (Redis): the report catches its own Slack errors.
    log.error({ err: errorSummary(err) }, 'could not report the abandoned job');
  }
}
// --- end hardening -------------------------------------------------------------------------------
