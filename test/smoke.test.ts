import { describe, expect, it } from 'vitest';
import { createLimiter } from '../src/probe/context.js';

describe('createLimiter', () => {
  it('never runs more than max tasks at once', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const task = async (): Promise<number> => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return 1;
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => limit(task)));
    expect(results).toHaveLength(10);
    expect(peak).toBe(3);
  });

  it('starts urgent waiters before earlier ordinary ones, and a freed slot goes to a waiter, not a newcomer', async () => {
    const limit = createLimiter(1);
    const started: string[] = [];
    let active = 0;
    let peak = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const task = (name: string, wait?: Promise<void>) => async (): Promise<void> => {
      started.push(name);
      active++;
      peak = Math.max(peak, active);
      await wait;
      active--;
    };
    const first = limit(task('first', gate));
    const queued = [limit(task('plain-1')), limit(task('plain-2')), limit(task('urgent'), { urgent: true })];
    open();
    await first;
    // Arrives after the slot was freed, before the waiter it went to has started.
    const late = limit(task('late'));
    await Promise.all([...queued, late]);
    expect(started).toEqual(['first', 'urgent', 'plain-1', 'plain-2', 'late']);
    expect(peak).toBe(1);
  });
});
