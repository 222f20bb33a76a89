// Work after an ack waits until no request read by the receiver has waited for its own ack for a
// quiet gap (handlers/ack-order.ts), then all of it resumes together; a steady stream cannot hold
// it past the bound.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App, ReceiverEvent } from '@slack/bolt';
import { createLogger } from '../src/log.js';
import { ACK_QUIET_MS, createAckOrder, immediateAckOrder } from '../handlers/ack-order.js';
import { SlackHttpReceiver } from '../handlers/receiver.js';
import { sendSlashCommand } from './helpers/slack-standin.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Resolves on the next check phase: what ran before it, ran in the turn before. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** With fake timers: `work` is still held `ms` - 1 from now, and released at `ms`. */
async function releasedAfter(ms: number, work: Promise<unknown>, done: () => boolean): Promise<void> {
  vi.advanceTimersByTime(ms - 1);
  await nextTurn();
  expect(done()).toBe(false);
  vi.advanceTimersByTime(1);
  await work;
  expect(done()).toBe(true);
}

describe('ack order', () => {
  it('holds work while a request waits for its ack, then releases all of it in one callback', async () => {
    // No quiet gap: the release itself (the gap is below).
    const order = createAckOrder(200, 0);
    const released: string[] = [];
    order.begin();
    order.begin();
    const a = order.afterAcks().then(() => released.push('a'));
    const b = order.afterAcks().then(() => released.push('b'));
    await nextTurn();
    expect(released).toEqual([]);
    order.end();
    await nextTurn();
    expect(released).toEqual([]);
    order.end();
    // Released on setImmediate (the acks of this turn leave first): by the next check phase, both.
    let seen: string[] = [];
    setImmediate(() => (seen = [...released]));
    await Promise.all([a, b]);
    await nextTurn();
    expect(seen).toEqual(['a', 'b']);
  });

  it('with no quiet gap, releases on the next check phase when no request waits for an ack', async () => {
    for (const order of [createAckOrder(200, 0), immediateAckOrder()]) {
      let done = false;
      void order.afterAcks().then(() => (done = true));
      expect(done).toBe(false);
      await nextTurn();
      await nextTurn();
      expect(done).toBe(true);
    }
  });

  it('waits for a quiet gap after the last ack; a request arriving in the gap starts it again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const order = createAckOrder(200);
    let done = false;
    order.begin();
    const work = order.afterAcks().then(() => (done = true));
    order.end();
    vi.advanceTimersByTime(ACK_QUIET_MS - 1);
    await nextTurn();
    expect(done).toBe(false);
    // The burst's next request comes before the gap is over: nothing is released while it waits.
    order.begin();
    vi.advanceTimersByTime(ACK_QUIET_MS * 2);
    await nextTurn();
    expect(done).toBe(false);
    order.end();
    await releasedAfter(ACK_QUIET_MS, work, () => done);
  });

  it('releases work asked for with no request waiting after the quiet gap, or at the bound if requests keep coming in the gaps', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const quietOrder = createAckOrder(200);
    let quietDone = false;
    await releasedAfter(ACK_QUIET_MS, quietOrder.afterAcks().then(() => (quietDone = true)), () => quietDone);

    const order = createAckOrder(200);
    let releasedAt: number | null = null;
    let now = 0;
    void order.afterAcks().then(() => (releasedAt = now));
    // A request every half gap, each answered at once: never a whole gap without one, for 300 ms.
    const step = ACK_QUIET_MS / 2;
    for (now = step; now <= 300; now += step) {
      order.begin();
      order.end();
      vi.advanceTimersByTime(step);
      await nextTurn();
    }
    expect(releasedAt).toBe(200);
  });

  it('releases after the bound when requests keep arriving', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const order = createAckOrder(200);
    order.begin();
    let done = false;
    await releasedAfter(200, order.afterAcks().then(() => (done = true)), () => done);
  });

  it('is told by the receiver of each Slack request from its arrival to its answer', async () => {
    const counts: string[] = [];
    let pending = 0;
    const receiver = new SlackHttpReceiver({
      signingSecret: 'order-secret',
      logger: createLogger('silent'),
      firstSeen: () => Promise.resolve(true),
      ackOrder: { begin: () => counts.push(`begin ${++pending}`), end: () => counts.push(`end ${--pending}`) },
    });
    receiver.init({
      processEvent: async (e: ReceiverEvent) => {
        counts.push('listener');
        await e.ack();
      },
    } as unknown as App);
    const server = await receiver.start({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`;
      expect((await sendSlashCommand(url, 'order-secret', { text: 'example.com' })).status).toBe(200);
      // A refused request is counted too, and only once although both 'finish' and 'close' fire.
      expect((await sendSlashCommand(url, 'wrong-secret', { text: 'example.com' })).status).toBe(401);
      await vi.waitFor(() => expect(counts).toEqual(['begin 1', 'listener', 'end 0', 'begin 1', 'end 0']));
    } finally {
      await receiver.stop();
    }
  });
});
