// Schedules in Redis. One hash per schedule (fields, so a run's status update and a pause never
// overwrite each other), a sorted set per channel (ordered by creation), a hash per channel from
// target+SNI to id (one schedule per target and SNI in a channel), a set of ids per creator (App
// Home reads a user's schedules without reading everyone's: issue 19), and a set of all ids for
// reconcile(). Creation and removal are Lua scripts, so the per-channel limit and the
// one-per-target rule hold under concurrent commands.
//
// Key layout under the prefix (default "{tlscheck}:"; keep a {hash tag} in it for Redis Cluster,
// since the scripts touch several keys):
//   schedule:<id>                  hash
//   schedules:channel:<channel>    zset id → createdAt
//   schedules:target:<channel>     hash targetIdentity → id
//   schedules:creator:<user>       set of ids the user created
//   schedules:all                  set of ids
//   schedules:lock:<name>          reconcile lock

import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import { describeCadence } from './cadence.js';
import { newScheduleId, refusal, targetIdentity, type Actor, type Schedule } from './model.js';

export type { Actor, Schedule } from './model.js';

export type { RedisClient } from '../redis.js';

export const DEFAULT_PREFIX = '{tlscheck}:';
export const DEFAULT_MAX_PER_CHANNEL = 50;

export interface StoreOptions {
  prefix?: string;
  maxPerChannel?: number;
  now?: () => number;
  newId?: () => string;
}

/** What a caller gives to create a schedule; the store fills in the rest. */
export type NewSchedule = Pick<Schedule, 'channel' | 'target' | 'sni' | 'every' | 'pattern' | 'tz' | 'createdBy'>;

export type StoreError = { ok: false; code: 'not-found' | 'forbidden' | 'limit' | 'ambiguous'; error: string };
export type StoreResult<T> = { ok: true; value: T } | StoreError;

/** created: a new schedule; updated: same target+SNI existed, cadence changed or it was resumed; unchanged: nothing to do. */
export type CreateOutcome = 'created' | 'updated' | 'unchanged';

export interface RunRecord {
  lastStatus: string;
  lastRunAt: number;
  /** Omit when there was no certificate (unreachable): the last known value stays. */
  daysLeft?: number;
}

const CREATE = `
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {'exists', existing} end
local count = redis.call('ZCARD', KEYS[2])
if count >= tonumber(ARGV[3]) then return {'limit', tostring(count)} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {'collision', ARGV[2]} end
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
-- Order of creation, even for two creates in the same millisecond.
local score = tonumber(ARGV[4])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if top[2] and tonumber(top[2]) >= score then score = tonumber(top[2]) + 1 end
redis.call('ZADD', KEYS[2], score, ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[2])
return {'created', ARGV[2]}
`;

// Writes only to a schedule that still exists: a run finishing after a removal must not
// resurrect a half record. ARGV[1] = number of field/value pairs, then the pairs, then fields to drop.
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n)) end
for i = 2 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return 1
`;

const INCREMENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
`;

const REMOVE = `
redis.call('DEL', KEYS[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
return 1
`;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const CADENCE_FIELDS = ['every', 'pattern', 'tz'] as const;

export class ScheduleStore {
  readonly prefix: string;
  readonly maxPerChannel: number;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly redis: RedisClient, opts: StoreOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
    this.maxPerChannel = opts.maxPerChannel ?? DEFAULT_MAX_PER_CHANNEL;
    this.now = opts.now ?? Date.now;
    this.newId = opts.newId ?? newScheduleId;
  }

  private key = {
    schedule: (id: string) => `${this.prefix}schedule:${id}`,
    channel: (channel: string) => `${this.prefix}schedules:channel:${channel}`,
    byTarget: (channel: string) => `${this.prefix}schedules:target:${channel}`,
    all: () => `${this.prefix}schedules:all`,
    creator: (user: string) => `${this.prefix}schedules:creator:${user}`,
    lock: (name: string) => `${this.prefix}schedules:lock:${name}`,
  };

  /**
   * Adds a schedule, or, when the channel already has one for this target and SNI, updates its
   * cadence and resumes it (asking again means "watch this"). Changing someone else's schedule
   * follows the same rule as pausing it: creator or admin.
   */
  async create(input: NewSchedule, opts: { isAdmin?: boolean } = {}): Promise<StoreResult<{ schedule: Schedule; outcome: CreateOutcome }>> {
    if ((input.every === undefined) === (input.pattern === undefined)) {
      throw new Error('A schedule needs exactly one of every and pattern');
    }
    const identity = targetIdentity(input.target, input.sni);
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = this.newId();
      const createdAt = this.now();
      const record: Schedule = { ...input, id, createdAt, paused: false };
      const reply = (await this.redis.eval(
        CREATE, 5,
        this.key.byTarget(input.channel), this.key.channel(input.channel), this.key.all(), this.key.schedule(id), this.key.creator(input.createdBy),
        identity, id, String(this.maxPerChannel), String(createdAt), ...toFields(record),
      )) as [string, string];
      const [status, value] = reply;
      if (status === 'created') return { ok: true, value: { schedule: record, outcome: 'created' } };
      if (status === 'limit') {
        return {
          ok: false,
          code: 'limit',
          error: `This channel already has ${value} schedules, the most allowed (${this.maxPerChannel}). Remove one with /tlscheck unschedule <id> first.`,
        };
      }
      if (status === 'exists') return this.updateExisting(value, input, opts.isAdmin ?? false);
      // 'collision': a fresh id was taken; draw another.
    }
    throw new Error('Could not find a free schedule id');
  }

  private async updateExisting(id: string, input: NewSchedule, isAdmin: boolean): Promise<StoreResult<{ schedule: Schedule; outcome: CreateOutcome }>> {
    const current = await this.get(id);
    if (!current) {
      // A pointer left by a crash between writes: drop it and start over. (Its creator is not
      // known any more; a creator set's stale id is dropped when that user's list is read.)
      await this.dropIndexes(id, input.channel, targetIdentity(input.target, input.sni), input.createdBy);
      return this.create(input, { isAdmin });
    }
    const same = CADENCE_FIELDS.every((f) => current[f] === input[f]);
    if (same && !current.paused) return { ok: true, value: { schedule: current, outcome: 'unchanged' } };
    const denied = refusal(current, { userId: input.createdBy, isAdmin }, 'change');
    if (denied) return { ok: false, code: 'forbidden', error: `${input.target} is already scheduled here as ${id} (${describeCadence(current)}). ${denied}` };
    const next: Schedule = { ...current, paused: false, every: input.every, pattern: input.pattern, tz: input.tz };
    for (const f of CADENCE_FIELDS) if (next[f] === undefined) delete next[f];
    const set: Record<string, string> = { paused: '0' };
    const drop: string[] = [];
    for (const f of CADENCE_FIELDS) {
      const v = input[f];
      if (v === undefined) drop.push(f);
      else set[f] = String(v);
    }
    await this.update(id, set, drop);
    return { ok: true, value: { schedule: next, outcome: 'updated' } };
  }

  async get(id: string): Promise<Schedule | null> {
    const raw = await this.redis.hgetall(this.key.schedule(id));
    return fromFields(raw);
  }

  /** The channel's schedules, oldest first. */
  async listByChannel(channel: string): Promise<Schedule[]> {
    const ids = await this.redis.zrange(this.key.channel(channel), 0, -1);
    return this.getMany(ids);
  }

  /** How many schedules the channel holds (one ZCARD, for a page's "n of m"). */
  async countByChannel(channel: string): Promise<number> {
    return this.redis.zcard(this.key.channel(channel));
  }

  /**
   * One page of the channel's schedules, oldest first: reads only that page's hashes, so a list
   * stays as fast with hundreds of schedules in the channel as with ten.
   */
  async pageByChannel(channel: string, offset: number, limit: number): Promise<Schedule[]> {
    if (limit <= 0) return [];
    const ids = await this.redis.zrange(this.key.channel(channel), Math.max(0, offset), Math.max(0, offset) + limit - 1);
    return this.getMany(ids);
  }

  /** Schedules of several channels (the App Home shows the user's channels), grouped in the order given. */
  async listByChannels(channels: readonly string[]): Promise<Schedule[]> {
    const lists = await Promise.all([...new Set(channels)].map((c) => this.listByChannel(c)));
    return lists.flat();
  }

  /** The schedules `user` created, in any channel, oldest id first. */
  async listByCreator(user: string): Promise<Schedule[]> {
    return this.listForUser(user, []);
  }

  /**
   * What App Home shows a user: the schedules of the channels they are in and those they created
   * (they may change those). Reads the channels' sorted sets and the user's creator set in one
   * round trip, then only those hashes, so the cost follows the user's schedules, not everyone's.
   */
  async listForUser(user: string, channels: readonly string[]): Promise<Schedule[]> {
    const unique = [...new Set(channels)];
    const pipeline = this.redis.pipeline();
    pipeline.smembers(this.key.creator(user));
    for (const c of unique) pipeline.zrange(this.key.channel(c), 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    const ids = new Set<string>();
    const created = new Set<string>();
    replies.forEach(([err, value], i) => {
      if (err) throw err;
      for (const id of value as string[]) {
        ids.add(id);
        if (i === 0) created.add(id);
      }
    });
    const schedules = await this.getMany([...ids].sort());
    const inChannels = new Set(unique);
    const kept = schedules.filter((s) => inChannels.has(s.channel) || s.createdBy === user);
    // A creator-set entry whose schedule is gone or was created by someone else (a crash between
    // writes, a hand edit): dropped now, so the set does not grow with removed ids.
    const found = new Map(schedules.map((s) => [s.id, s]));
    const stale = [...created].filter((id) => found.get(id)?.createdBy !== user);
    if (stale.length > 0) await this.redis.srem(this.key.creator(user), ...stale);
    return kept;
  }

  /**
   * Adds every schedule to its creator's set: the migration for schedules created before the
   * sets existed, run by reconcile() at start-up. Idempotent (SADD), one pipelined round trip.
   */
  async indexCreators(schedules: readonly Schedule[]): Promise<void> {
    if (schedules.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const s of schedules) pipeline.sadd(this.key.creator(s.createdBy), s.id);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  /** Every schedule, for reconcile(). */
  async listAll(): Promise<Schedule[]> {
    const ids = await this.redis.smembers(this.key.all());
    return this.getMany(ids.sort());
  }

  private async getMany(ids: readonly string[]): Promise<Schedule[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key.schedule(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: Schedule[] = [];
    for (const [err, raw] of replies) {
      if (err) throw err;
      const s = fromFields(raw as Record<string, string>);
      if (s) out.push(s);
    }
    return out;
  }

  /**
   * Finds what `unschedule <ref>` means in a channel: an id first (from any channel: ids are
   * unique and App Home buttons carry them), else the channel's schedule for that target; with
   * no SNI given and several SNIs scheduled for the target, asks which.
   */
  async resolve(channel: string, ref: { id?: string; target?: string; sni?: string }): Promise<StoreResult<Schedule>> {
    if (ref.id) {
      const byId = await this.get(ref.id);
      if (byId) return { ok: true, value: byId };
    }
    if (ref.target) {
      const exact = await this.redis.hget(this.key.byTarget(channel), targetIdentity(ref.target, ref.sni));
      if (exact) {
        const s = await this.get(exact);
        if (s) return { ok: true, value: s };
      }
      if (ref.sni === undefined) {
        const matches = (await this.listByChannel(channel)).filter((s) => s.target === ref.target);
        if (matches.length === 1 && matches[0]) return { ok: true, value: matches[0] };
        if (matches.length > 1) {
          return { ok: false, code: 'ambiguous', error: `${ref.target} is scheduled ${matches.length} times here with different SNI: give the id (${matches.map((m) => m.id).join(', ')}).` };
        }
      }
    }
    const what = ref.id && ref.target ? `${ref.id}` : ref.id ?? ref.target ?? '?';
    return { ok: false, code: 'not-found', error: `No schedule '${what}' in this channel. See /tlscheck list.` };
  }

  async remove(id: string, actor: Actor): Promise<StoreResult<Schedule>> {
    const found = await this.authorized(id, actor, 'remove');
    if (!found.ok) return found;
    const s = found.value;
    await this.dropIndexes(id, s.channel, targetIdentity(s.target, s.sni), s.createdBy);
    return found;
  }

  private async dropIndexes(id: string, channel: string, identity: string, creator: string): Promise<void> {
    await this.redis.eval(
      REMOVE, 5,
      this.key.schedule(id), this.key.byTarget(channel), this.key.channel(channel), this.key.all(), this.key.creator(creator),
      id, identity,
    );
  }

  pause(id: string, actor: Actor): Promise<StoreResult<Schedule>> {
    return this.setPaused(id, actor, true);
  }

  resume(id: string, actor: Actor): Promise<StoreResult<Schedule>> {
    return this.setPaused(id, actor, false);
  }

  private async setPaused(id: string, actor: Actor, paused: boolean): Promise<StoreResult<Schedule>> {
    const found = await this.authorized(id, actor, paused ? 'pause' : 'resume');
    if (!found.ok) return found;
    const updated = await this.update(id, { paused: paused ? '1' : '0' }, []);
    if (!updated) return notFound(id);
    return { ok: true, value: { ...found.value, paused } };
  }

  private async authorized(id: string, actor: Actor, verb: 'pause' | 'resume' | 'remove'): Promise<StoreResult<Schedule>> {
    const s = await this.get(id);
    if (!s) return notFound(id);
    const denied = refusal(s, actor, verb);
    if (denied) return { ok: false, code: 'forbidden', error: denied };
    return { ok: true, value: s };
  }

  /** After each scheduled run (worker side). No-op when the schedule was removed meanwhile. */
  async recordRun(id: string, run: RunRecord): Promise<boolean> {
    const set: Record<string, string> = { lastStatus: run.lastStatus, lastRunAt: String(run.lastRunAt) };
    if (run.daysLeft !== undefined) set.daysLeft = String(run.daysLeft);
    return this.update(id, set, []);
  }

  /** After posting an alert: a failure counts up (shown in the list), a success clears the count. */
  async recordDelivery(id: string, delivered: boolean): Promise<boolean> {
    if (delivered) return this.update(id, {}, ['undelivered']);
    return (await this.redis.eval(INCREMENT, 1, this.key.schedule(id), 'undelivered')) === 1;
  }

  /** The message alerts thread under; a new one replaces a parent that was deleted. No-op once removed. */
  async recordParent(id: string, ts: string): Promise<boolean> {
    return this.update(id, { parentTs: ts }, []);
  }

  private async update(id: string, set: Record<string, string>, drop: readonly string[]): Promise<boolean> {
    const pairs = Object.entries(set).flat();
    const done = await this.redis.eval(UPDATE, 1, this.key.schedule(id), String(pairs.length / 2), ...pairs, ...drop);
    return done === 1;
  }

  /**
   * A best-effort mutex (SET NX PX) so two app replicas starting together do not reconcile at
   * once. Returns the release function, or null when someone else holds it.
   */
  async tryLock(name: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const token = randomUUID();
    const key = this.key.lock(name);
    const got = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (got !== 'OK') return null;
    return async () => {
      await this.redis.eval(UNLOCK, 1, key, token);
    };
  }
}

function notFound(id: string): StoreError {
  return { ok: false, code: 'not-found', error: `No schedule '${id}'. See /tlscheck list.` };
}

const NUMBER_FIELDS = ['every', 'createdAt', 'lastRunAt', 'daysLeft', 'undelivered'] as const;
const TEXT_FIELDS = ['sni', 'pattern', 'tz', 'lastStatus', 'parentTs'] as const;

function toFields(s: Schedule): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    out.push(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return out;
}

function fromFields(raw: Record<string, string> | null | undefined): Schedule | null {
  if (!raw || raw.id === undefined || raw.channel === undefined || raw.target === undefined) return null;
  const s: Schedule = {
    id: raw.id,
    channel: raw.channel,
    target: raw.target,
    createdBy: raw.createdBy ?? '',
    createdAt: Number(raw.createdAt ?? 0),
    paused: raw.paused === '1',
  };
  for (const f of NUMBER_FIELDS) if (raw[f] !== undefined && raw[f] !== '') s[f] = Number(raw[f]);
  for (const f of TEXT_FIELDS) if (raw[f] !== undefined && raw[f] !== '') s[f] = raw[f];
  return s;
}
