// The CLI's early DNS lookup (src/cli/early-lookup.ts): started only where the check would look
// the name up, and the check's lookup of that name is the one already under way. Names here
// resolve from /etc/hosts (localhost): no query leaves the machine.
import { describe, expect, it } from 'vitest';
import { startLookup } from '../src/cli/early-lookup.js';

describe('early lookup', () => {
  it('starts nothing for an address, input that is no target, or one the check refuses before DNS', () => {
    expect(startLookup('127.0.0.1:8443', undefined)).toBeUndefined();
    expect(startLookup('[::1]:443', undefined)).toBeUndefined();
    expect(startLookup('bad host', undefined)).toBeUndefined();
    expect(startLookup('localhost:443', 'not a name!')).toBeUndefined();
  });

  it("answers the check's lookup of the target's name with the one started early", async () => {
    const lookup = startLookup('https://localhost:8443/path', undefined);
    expect(lookup).toBeDefined();
    const first = lookup?.('localhost');
    expect(lookup?.('localhost')).toBe(first);
    const addresses = (await first) ?? [];
    expect(addresses.map((a) => a.address)).toContain('127.0.0.1');
  });
});
