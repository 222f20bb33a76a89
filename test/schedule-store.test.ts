import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { DAY, HOUR } from '../src/schedule/cadence.js';
import { looksLikeScheduleId, newScheduleId, refusal } from '../src/schedule/model.js';
import { ScheduleStore, type NewSchedule, type Schedule } from '../src/schedule/store.js';
import { connect, deleteKeys, uniquePrefix } from './schedule-fixtures.js';

const prefix = uniquePrefix('store');
let redis: Redis;
let store: ScheduleStore;
let channelSeq = 0;

/** Each test gets its own channel, so tests do not see each other's schedules. */
function channel(): string {
  return `C${String(++channelSeq).padStart(6, '0')}`;
}

function input(ch: string, over: Partial<NewSchedule> = {}): NewSchedule {
  return { channel: ch, target: 'example.com:443', every: DAY, createdBy: 'U_ALICE', ...over };
}

async function created(s: NewSchedule, isAdmin = false): Promise<Schedule> {
  const r = await store.create(s, { isAdmin });
  if (!r.ok) throw new Error(r.error);
  return r.value.schedule;
}

const alice = { userId: 'U_ALICE', isAdmin: false };
const bob = { userId: 'U_BOB', isAdmin: false };
const admin = { userId: 'U_ADMIN', isAdmin: true };

beforeAll(() => {
  redis = connect();
  store = new ScheduleStore(redis, { prefix, maxPerChannel: 5 });
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('schedule ids', () => {
  it('are short, never contain ":" and are never all digits', () => {
    for (let i = 0; i < 2000; i++) {
      const id = newScheduleId();
      expect(id).toMatch(/^[a-z][a-z2-9]{5}$/);
      expect(looksLikeScheduleId(id)).toBe(true);
    }
    expect(looksLikeScheduleId('123456')).toBe(false);
    expect(looksLikeScheduleId('ab:cd')).toBe(false);
  });
});

describe('authorization rule', () => {
  const s = { id: 'k7p2qx', target: 'example.com:443', createdBy: 'U_ALICE' };
  it('lets the creator and admins change a schedule, and refuses others clearly', () => {
    expect(refusal(s, alice, 'pause')).toBeNull();
    expect(refusal(s, admin, 'remove')).toBeNull();
    expect(refusal(s, bob, 'remove')).toBe('Only <@U_ALICE>, who created schedule k7p2qx (example.com:443), or a workspace admin can remove it.');
  });
});

describe('ScheduleStore', () => {
  it('creates, gets and lists', async () => {
    const ch = channel();
    const r = await store.create(input(ch, { pattern: '0 9 * * 1-5', tz: 'Europe/Berlin', every: undefined }));
    expect(r.ok && r.value.outcome).toBe('created');
    if (!r.ok) return;
    const s = r.value.schedule;
    expect(s).toMatchObject({ channel: ch, target: 'example.com:443', pattern: '0 9 * * 1-5', tz: 'Europe/Berlin', createdBy: 'U_ALICE', paused: false });
    expect(s.every).toBeUndefined();
    expect(await store.get(s.id)).toEqual(s);
    expect(await store.listByChannel(ch)).toEqual([s]);
    expect(await store.get('nosuch')).toBeNull();
  });

  it('keeps one schedule per target and SNI in a channel: asking again updates it', async () => {
    const ch = channel();
    const first = await created(input(ch));
    const again = await store.create(input(ch));
    expect(again).toEqual({ ok: true, value: { schedule: first, outcome: 'unchanged' } });

    const retimed = await store.create(input(ch, { every: HOUR }));
    expect(retimed.ok && retimed.value.outcome).toBe('updated');
    expect(retimed.ok && retimed.value.schedule.id).toBe(first.id);
    expect(await store.get(first.id)).toMatchObject({ id: first.id, every: HOUR });

    // Switching to cron drops `every`.
    await store.create(input(ch, { every: undefined, pattern: '0 6 * * *' }));
    const cron = await store.get(first.id);
    expect(cron?.pattern).toBe('0 6 * * *');
    expect(cron?.every).toBeUndefined();

    // Another SNI, or another channel, is another schedule.
    const other = await created(input(ch, { sni: 'www.example.com' }));
    expect(other.id).not.toBe(first.id);
    const elsewhere = await created(input(channel()));
    expect(elsewhere.id).not.toBe(first.id);
    expect((await store.listByChannel(ch)).map((s) => s.id)).toEqual([first.id, other.id]);
  });

  it('asking again for a paused schedule resumes it', async () => {
    const ch = channel();
    const s = await created(input(ch));
    await store.pause(s.id, alice);
    const again = await store.create(input(ch));
    expect(again.ok && again.value.outcome).toBe('updated');
    expect((await store.get(s.id))?.paused).toBe(false);
  });

  it("refuses to re-time someone else's schedule unless admin", async () => {
    const ch = channel();
    const s = await created(input(ch));
    const r = await store.create(input(ch, { createdBy: 'U_BOB', every: HOUR }));
    expect(r).toEqual({ ok: false, code: 'forbidden', error: expect.stringMatching(/already scheduled here as .* Only <@U_ALICE>/) });
    expect((await store.get(s.id))?.every).toBe(DAY);
    // The same cadence is no change, so nobody is refused.
    expect((await store.create(input(ch, { createdBy: 'U_BOB' }))).ok).toBe(true);
    const byAdmin = await store.create(input(ch, { createdBy: 'U_ADMIN', every: HOUR }), { isAdmin: true });
    expect(byAdmin.ok).toBe(true);
    // The creator stays the creator.
    expect(await store.get(s.id)).toMatchObject({ every: HOUR, createdBy: 'U_ALICE' });
  });

  it('enforces the per-channel maximum with a clear message', async () => {
    const ch = channel();
    for (let i = 0; i < 5; i++) await created(input(ch, { target: `h${i}.example:443` }));
    const r = await store.create(input(ch, { target: 'h5.example:443' }));
    expect(r).toEqual({ ok: false, code: 'limit', error: 'This channel already has 5 schedules, the most allowed (5). Remove one with /tlscheck unschedule <id> first.' });
    // Updating an existing one is still fine at the limit.
    expect((await store.create(input(ch, { target: 'h0.example:443', every: HOUR }))).ok).toBe(true);
  });

  it('holds the limit and the one-per-target rule under concurrent creates', async () => {
    const ch = channel();
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => store.create(input(ch, { target: `c${i}.example:443` }))));
    expect(many.filter((r) => r.ok)).toHaveLength(5);
    expect(many.filter((r) => !r.ok && r.code === 'limit')).toHaveLength(7);

    const ch2 = channel();
    const same = await Promise.all(Array.from({ length: 8 }, () => store.create(input(ch2))));
    expect(same.every((r) => r.ok)).toBe(true);
    expect(await store.listByChannel(ch2)).toHaveLength(1);
  });

  it('draws another id when one is taken', async () => {
    const ch = channel();
    const taken = await created(input(ch));
    const ids = [taken.id, 'zfresh'];
    const s2 = new ScheduleStore(redis, { prefix, newId: () => ids.shift() ?? 'zz' });
    const r = await s2.create(input(ch, { target: 'other.example:443' }));
    expect(r.ok && r.value.schedule.id).toBe('zfresh');
  });

  it('pause, resume and remove: creator and admins only', async () => {
    const ch = channel();
    const s = await created(input(ch));

    const refused = await store.pause(s.id, bob);
    expect(refused).toEqual({ ok: false, code: 'forbidden', error: expect.stringContaining('Only <@U_ALICE>') });
    expect((await store.get(s.id))?.paused).toBe(false);

    expect(await store.pause(s.id, alice)).toMatchObject({ ok: true, value: { paused: true } });
    expect((await store.get(s.id))?.paused).toBe(true);
    expect(await store.resume(s.id, admin)).toMatchObject({ ok: true, value: { paused: false } });
    expect((await store.get(s.id))?.paused).toBe(false);

    expect((await store.remove(s.id, bob)).ok).toBe(false);
    expect(await store.remove(s.id, alice)).toMatchObject({ ok: true, value: { id: s.id } });
    expect(await store.get(s.id)).toBeNull();
    expect(await store.listByChannel(ch)).toEqual([]);
    expect((await store.listAll()).some((x) => x.id === s.id)).toBe(false);
    expect(await store.pause(s.id, alice)).toEqual({ ok: false, code: 'not-found', error: `No schedule '${s.id}'. See /tlscheck list.` });

    // After removal the target can be scheduled again, as a new schedule.
    const again = await created(input(ch));
    expect(again.id).not.toBe(s.id);
  });

  it('lists several channels in the order given', async () => {
    const [a, b, c] = [channel(), channel(), channel()];
    const sa = await created(input(a));
    const sb1 = await created(input(b, { target: 'one.example:443' }));
    const sb2 = await created(input(b, { target: 'two.example:443' }));
    expect((await store.listByChannels([b, c, a, b])).map((s) => s.id)).toEqual([sb1.id, sb2.id, sa.id]);
    const all = (await store.listAll()).map((s) => s.id);
    expect(all).toEqual(expect.arrayContaining([sa.id, sb1.id, sb2.id]));
  });

  it('reads a channel a page at a time, oldest first, and counts it', async () => {
    const ch = channel();
    const made: Schedule[] = [];
    for (let i = 0; i < 5; i++) made.push(await created(input(ch, { target: `p${i}.example:443` })));
    expect(await store.countByChannel(ch)).toBe(5);
    expect((await store.pageByChannel(ch, 0, 2)).map((s) => s.id)).toEqual([made[0]?.id, made[1]?.id]);
    expect((await store.pageByChannel(ch, 4, 2)).map((s) => s.id)).toEqual([made[4]?.id]);
    expect(await store.pageByChannel(ch, 5, 2)).toEqual([]);
    expect(await store.pageByChannel(ch, 0, 0)).toEqual([]);
    expect(await store.countByChannel(channel())).toBe(0);
  });

  it('resolves unschedule references by id, target and SNI', async () => {
    const ch = channel();
    const plain = await created(input(ch, { target: 'a.example:443' }));
    const sni1 = await created(input(ch, { target: '192.0.2.1:443', sni: 'x.example' }));
    const sni2 = await created(input(ch, { target: '192.0.2.1:443', sni: 'y.example' }));

    expect(await store.resolve(ch, { id: plain.id })).toMatchObject({ ok: true, value: { id: plain.id } });
    expect(await store.resolve(ch, { id: 'a.example', target: 'a.example:443' })).toMatchObject({ ok: true, value: { id: plain.id } });
    expect(await store.resolve(ch, { target: '192.0.2.1:443', sni: 'y.example' })).toMatchObject({ ok: true, value: { id: sni2.id } });
    const ambiguous = await store.resolve(ch, { target: '192.0.2.1:443' });
    expect(ambiguous).toEqual({ ok: false, code: 'ambiguous', error: expect.stringContaining(`${sni1.id}, ${sni2.id}`) });
    expect(await store.resolve(ch, { target: 'nope.example:443' })).toMatchObject({ ok: false, code: 'not-found' });
    // Targets resolve only within the channel asked from.
    expect(await store.resolve(channel(), { target: 'a.example:443' })).toMatchObject({ ok: false, code: 'not-found' });
  });

  it('records runs and deliveries, and never resurrects a removed schedule', async () => {
    const ch = channel();
    const s = await created(input(ch));
    expect(await store.recordRun(s.id, { lastStatus: 'warning', lastRunAt: 1_700_000_000_000, daysLeft: 12 })).toBe(true);
    expect(await store.recordDelivery(s.id, false)).toBe(true);
    expect(await store.recordDelivery(s.id, false)).toBe(true);
    expect(await store.get(s.id)).toMatchObject({ lastStatus: 'warning', lastRunAt: 1_700_000_000_000, daysLeft: 12, undelivered: 2 });
    // An outage keeps the last known days.
    await store.recordRun(s.id, { lastStatus: 'unreachable', lastRunAt: 1_700_000_100_000 });
    expect(await store.get(s.id)).toMatchObject({ lastStatus: 'unreachable', daysLeft: 12 });
    await store.recordDelivery(s.id, true);
    expect((await store.get(s.id))?.undelivered).toBeUndefined();

    await store.remove(s.id, alice);
    expect(await store.recordRun(s.id, { lastStatus: 'ok', lastRunAt: 1 })).toBe(false);
    expect(await store.recordDelivery(s.id, false)).toBe(false);
    expect(await redis.exists(`${prefix}schedule:${s.id}`)).toBe(0);
  });

  it('lock: one holder at a time, released by its holder', async () => {
    const release = await store.tryLock('test', 5000);
    expect(release).not.toBeNull();
    expect(await store.tryLock('test', 5000)).toBeNull();
    await release?.();
    const again = await store.tryLock('test', 5000);
    expect(again).not.toBeNull();
    await again?.();
  });

  it('keeps all its keys under the prefix', async () => {
    const keys = await redis.keys(`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
  });
});
