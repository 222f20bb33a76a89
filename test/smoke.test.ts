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
});
