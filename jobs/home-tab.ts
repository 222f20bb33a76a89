// The App Home tab's data and its publication: the schedules of the user's channels (last
// status, next run, days to certificate expiry), the undelivered results they may see, then the
// usage (src/format/slack-home.ts). Published by the app_home_opened listener, after each
// schedule button pressed there, and by the schedule worker after a Run now.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import { errorSummary } from '../src/errors.js';
import type { Block } from '../src/format/slack/blocks.js';
import { appHomeView, homePage, usageOnlyHomeView } from '../src/format/slack-home.js';
import { nextRuns, type SchedulerQueue } from '../src/schedule/engine.js';
import type { Schedule } from '../src/schedule/model.js';
import type { ScheduleStore } from '../src/schedule/store.js';
import type { UndeliveredEntry, UndeliveredStore } from '../src/limits/undelivered.js';
import type { UserDirectory } from './slack-users.js';

export interface HomeDeps {
  store: ScheduleStore;
  queue: SchedulerQueue;
  users: UserDirectory;
  logger: Logger;
  /** When given, the tab also lists one-off results Slack would not take (src/limits/undelivered.ts). */
  undelivered?: Pick<UndeliveredStore, 'listAll'>;
  now?: () => number;
}

export type ViewsClient = Pick<webApi.WebClient, 'views'>;

/** Newest undelivered results read for one Home tab: plenty for the few lines it shows. */
const UNDELIVERED_READ = 200;

const byChannelThenAge = (a: Schedule, b: Schedule): number => a.channel.localeCompare(b.channel) || a.createdAt - b.createdAt;

/**
 * The user's schedules: those in channels they are in, and any they created (they may change
 * those). Read by channel and by creator, never the whole store (issue 19).
 */
export async function homeSchedules(deps: Pick<HomeDeps, 'store' | 'users'>, userId: string): Promise<Schedule[]> {
  const channels = await deps.users.channelsOf(userId);
  const mine = await deps.store.listForUser(userId, channels);
  return mine.sort(byChannelThenAge);
}

/**
 * Undelivered results the user may see: of channels they are in, or asked for by them. One read
 * of the operator-wide list (capped) instead of one per channel; the channel list is the
 * directory's cached answer homeSchedules used. Decoration: a Redis error leaves the part out.
 */
export async function homeUndelivered(deps: Pick<HomeDeps, 'undelivered' | 'users' | 'logger'>, userId: string): Promise<UndeliveredEntry[]> {
  if (!deps.undelivered) return [];
  try {
    const [channels, all] = await Promise.all([deps.users.channelsOf(userId), deps.undelivered.listAll(UNDELIVERED_READ)]);
    const theirs = new Set(channels);
    return all.filter((e) => theirs.has(e.channel) || e.user === userId);
  } catch (err) {
    deps.logger.warn({ user: userId, err: errorSummary(err) }, 'could not read the undelivered results for the home tab');
    return [];
  }
}

/** `page` (from 1) is the page of schedules to show; past the end, the last one. */
export async function publishHome(client: ViewsClient, deps: HomeDeps, userId: string, notice?: readonly Block[], page = 1): Promise<void> {
  const [all, isAdmin, undelivered] = await Promise.all([homeSchedules(deps, userId), deps.users.isAdmin(userId), homeUndelivered(deps, userId)]);
  const { page: shown, slice: schedules } = homePage(all, page);
  const next = await nextRuns(deps.queue, schedules.map((s) => s.id));
  const view = appHomeView({ userId, isAdmin, schedules, page: shown, nextRuns: next, now: (deps.now ?? Date.now)(), notice, undelivered });
  await client.views.publish({ user_id: userId, view });
}

/** The tab with the usage only: when the schedules cannot be read, it is still never blank. */
export async function publishUsageOnly(client: ViewsClient, userId: string): Promise<void> {
  await client.views.publish({ user_id: userId, view: usageOnlyHomeView() });
}
