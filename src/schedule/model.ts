// The schedule record and the rules about it that need no Redis: ids, who may change what.

import { randomInt } from 'node:crypto';

export interface Schedule {
  id: string;
  /** Slack channel the alerts go to. */
  channel: string;
  /** Canonical "host:port" ("[2001:db8::1]:443" for IPv6), as parseTarget reads it back. */
  target: string;
  /** Only when it differs from the host, so `example.com` and `example.com sni example.com` are one schedule. */
  sni?: string;
  every?: number;
  pattern?: string;
  tz?: string;
  /** Slack user id. */
  createdBy: string;
  createdAt: number;
  paused: boolean;
  /** statusOf() (src/verdict.ts) of the last result: ok | info | warning | error | critical | unreachable. */
  lastStatus?: string;
  lastRunAt?: number;
  daysLeft?: number;
  /** Alerts that could not be posted in a row (bot removed from the channel, channel archived). */
  undelivered?: number;
  /** ts of the channel message whose thread holds this schedule's alerts (one per target and channel). */
  parentTs?: string;
}

/** Who asks: Slack user id, and whether Slack (is_admin/is_owner) or TLSCHECK_ADMINS says admin. */
export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export type Verb = 'pause' | 'resume' | 'remove' | 'change';

/**
 * Anyone may add a schedule; only its creator or an admin may pause, resume, remove or re-time it.
 * Returns the refusal to show, or null when allowed.
 */
export function refusal(schedule: Pick<Schedule, 'id' | 'target' | 'createdBy'>, actor: Actor, verb: Verb): string | null {
  if (actor.isAdmin || actor.userId === schedule.createdBy) return null;
  return `Only <@${schedule.createdBy}>, who created schedule ${schedule.id} (${schedule.target}), or a workspace admin can ${verb} it.`;
}

// No 0/o, 1/l/i: ids get read aloud and retyped from screenshots.
const ID_LETTERS = 'abcdefghjkmnpqrstuvwxyz';
const ID_CHARS = `${ID_LETTERS}23456789`;
export const ID_LENGTH = 6;

/**
 * Short, lowercase, never ':' (BullMQ scheduler ids) and never all digits (BullMQ reserves
 * numeric job ids, and a number reads like a port): the first character is always a letter.
 */
export function newScheduleId(): string {
  let id = ID_LETTERS[randomInt(ID_LETTERS.length)] ?? 'a';
  while (id.length < ID_LENGTH) id += ID_CHARS[randomInt(ID_CHARS.length)] ?? 'a';
  return id;
}

/** What a user may type as an id: ours, or any longer safe token an older version made. */
export function looksLikeScheduleId(text: string): boolean {
  return /^[a-z0-9_-]{3,40}$/i.test(text) && !/^\d+$/.test(text);
}

/** Identity of a schedule within a channel: the same target and SNI twice is one schedule. */
export function targetIdentity(target: string, sni: string | undefined): string {
  return sni ? `${target}|${sni}` : target;
}
