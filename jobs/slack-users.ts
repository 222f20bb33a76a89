// Who a Slack user is, as far as schedules care: an admin (workspace admin or owner per
// users.info, or listed in TLSCHECK_ADMINS) and which channels they are in (users.conversations,
// for the App Home). Answers are cached briefly: a button press republishes the Home, and
// Slack rate-limits these methods. A failed lookup counts as "not an admin" and "no channels":
// authorization fails closed.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import { errorSummary } from '../src/errors.js';

export interface UserDirectory {
  isAdmin(userId: string): Promise<boolean>;
  /** Channels the user is in (public, and private ones the bot shares). */
  channelsOf(userId: string): Promise<string[]>;
}

export interface DirectoryOptions {
  /** TLSCHECK_ADMINS. */
  admins?: readonly string[];
  ttlMs?: number;
  /** A failure is cached for less, so a transient error does not stick. */
  failureTtlMs?: number;
  logger: Logger;
  now?: () => number;
}

/** The part of the WebClient used; tests pass a fake. */
export type DirectoryClient = Pick<webApi.WebClient, 'users'>;

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_FAILURE_TTL_MS = 30_000;
/** users.conversations pages of this size, at most this many: a user in 5,000 channels is rare. */
const PAGE_SIZE = 1000;
const MAX_PAGES = 5;
/** Entries kept per cache before the oldest go: bounds memory in a huge workspace. */
const MAX_ENTRIES = 10_000;

export function createUserDirectory(client: DirectoryClient, opts: DirectoryOptions): UserDirectory {
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? DEFAULT_TTL_MS;
  const failureTtl = opts.failureTtlMs ?? DEFAULT_FAILURE_TTL_MS;
  const configured = new Set(opts.admins ?? []);
  const log = opts.logger.child({ component: 'slack-users' });

  const cached = <T>(name: string, load: (userId: string) => Promise<T>, fallback: T): ((userId: string) => Promise<T>) => {
    const entries = new Map<string, { value: Promise<T>; until: number }>();
    return (userId) => {
      const hit = entries.get(userId);
      if (hit && hit.until > now()) return hit.value;
      const entry: { value: Promise<T>; until: number } = { value: Promise.resolve(fallback), until: now() + ttl };
      entry.value = (async (): Promise<T> => {
        try {
          return await load(userId);
        } catch (err) {
          log.warn({ user: userId, err: errorSummary(err) }, `${name} failed`);
          entry.until = now() + failureTtl;
          return fallback;
        }
      })();
      entries.delete(userId);
      entries.set(userId, entry);
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      return entry.value;
    };
  };

  const slackAdmin = cached('users.info', async (userId) => {
    const res = await client.users.info({ user: userId });
    return Boolean(res.user?.is_admin || res.user?.is_owner || res.user?.is_primary_owner);
  }, false);

  const channels = cached('users.conversations', async (userId) => {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await client.users.conversations({ user: userId, types: 'public_channel,private_channel', exclude_archived: true, limit: PAGE_SIZE, cursor });
      for (const c of res.channels ?? []) if (c.id) out.push(c.id);
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return out;
  }, [] as string[]);

  return {
    // The configured list needs no Slack call, so it is asked first.
    isAdmin: async (userId) => configured.has(userId) || slackAdmin(userId),
    channelsOf: channels,
  };
}
