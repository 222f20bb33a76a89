// Issue 15: names whose DNS never answers cannot take more than DNS_CONCURRENCY of libuv's pool
// threads in a worker; the checks behind them end at their own deadline instead of hanging.
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check.js';
import { boundedLookup, DNS_CONCURRENCY, WORKER_LOOKUP } from '../src/limits/dns.js';
import type { LookupFn } from '../src/target/index.js';
import { createCheckRunner } from '../jobs/check-runner.js';

describe('bounded DNS per worker', () => {
  it('runs at most N lookups at once; a stuck name holds its permit, an answer frees one in order', async () => {
    const pending = new Map<string, (a: Awaited<ReturnType<LookupFn>>) => void>();
    const started: string[] = [];
    const inner: LookupFn = (host) => new Promise((resolve) => {
      started.push(host);
      pending.set(host, resolve);
    });
    const lookup = boundedLookup(inner, 2);
    const all = Array.from({ length: 10 }, (_, i) => lookup(`stuck-${i}.example`));
    expect(lookup.stats()).toEqual({ running: 2, waiting: 8 });
    expect(started).toEqual(['stuck-0.example', 'stuck-1.example']);
    pending.get('stuck-0.example')?.([{ address: '192.0.2.1', family: 4 }]);
    await expect(all[0]).resolves.toEqual([{ address: '192.0.2.1', family: 4 }]);
    // The next in line got the freed permit, and still only two run.
    await Promise.resolve();
    expect(started).toEqual(['stuck-0.example', 'stuck-1.example', 'stuck-2.example']);
    expect(lookup.stats()).toEqual({ running: 2, waiting: 7 });
  });

  it('the runner resolves through its bounded lookup: ten names that never answer use two resolver calls, and a check behind them ends at its deadline', async () => {
    let calls = 0;
    const never: LookupFn = () => {
      calls++;
      return new Promise(() => undefined);
    };
    const lookup = boundedLookup(never, 2);
    const runner = createCheckRunner({ check: runCheck, allowCidrs: [], timeoutMs: 200, lookup });
    const results = await Promise.all(Array.from({ length: 11 }, (_, i) => runner.run({ input: `tarpit-${i}.example:443`, sni: null, queuedAt: Date.now() })));
    expect(calls).toBe(2);
    for (const r of results) expect(r.error).toMatchObject({ code: 'dns', message: expect.stringMatching(/took longer than the check's deadline/) });
  });

  it('the workers share one bound per process', () => {
    expect(DNS_CONCURRENCY).toBeLessThan(4);
    expect(WORKER_LOOKUP.stats()).toEqual({ running: 0, waiting: 0 });
  });
});
