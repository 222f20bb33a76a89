// Per-host slots keyed by the address a check probes (jobs/check-runner.ts): the worker's real
// check resolves once, takes the slot of that address, then probes exactly it. Names pointing at
// one server share its slots. DNS is a fake lookup; the only sockets go to 127.0.0.1.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidTargetError, runCheck, type CheckOptions } from '../src/check.js';
import type { ResolvedTarget } from '../src/probe/context.js';
import type { LookupFn } from '../src/target/index.js';
import type { CheckResult } from '../src/types.js';
import { createAddressedCheck, type HoldSlot, type SlotRef } from '../jobs/check-runner.js';
import type { CheckFn } from '../jobs/check-runner.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { baseResult } from './helpers/slack-fixtures.js';
import { finalsIn, startStack } from './hardening-stack.js';

/** A resolver that answers from a table and counts the questions. */
function fakeDns(table: Record<string, string[]>): { lookup: LookupFn; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (host) => {
      asked.push(host);
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  };
}

/** A hold that records the slots asked for and what ran inside them. */
function recordingHold(): { hold: HoldSlot; slots: SlotRef[]; inside: string[] } {
  const slots: SlotRef[] = [];
  const inside: string[] = [];
  return {
    slots,
    inside,
    hold: async (slot, run) => {
      slots.push(slot);
      inside.push(`enter ${slot.key}`);
      try {
        return await run();
      } finally {
        inside.push(`leave ${slot.key}`);
      }
    },
  };
}

const POLICY: CheckOptions = { enforcePolicy: true, allowCidrs: ['127.0.0.0/8', '::1/128'], timeoutMs: 2_000 };

const cannedProbe = (log: string[] = []) => async (target: ResolvedTarget): Promise<CheckResult> => {
  log.push(`probe ${target.ip}`);
  return baseResult({ target: { host: target.host, port: target.port, ip: target.ip, sni: target.sni } });
};

describe('createAddressedCheck', () => {
  it('resolves once and probes inside the slot of the address, labelled with the name', async () => {
    const dns = fakeDns({ 'one.example': ['127.0.0.1', '::1'] });
    const h = recordingHold();
    const result = await createAddressedCheck({ lookup: dns.lookup, probe: cannedProbe(h.inside) })('One.Example:8443', POLICY, h.hold);
    expect(dns.asked).toEqual(['one.example']);
    expect(h.slots).toEqual([{ key: '127.0.0.1', label: 'one.example (127.0.0.1)' }]);
    expect(h.inside).toEqual(['enter 127.0.0.1', 'probe 127.0.0.1', 'leave 127.0.0.1']);
    expect(result.target).toMatchObject({ host: 'one.example', port: 8443, ip: '127.0.0.1' });
  });

  it('keys an address typed as such by itself, without DNS', async () => {
    const dns = fakeDns({});
    const h = recordingHold();
    const check = createAddressedCheck({ lookup: dns.lookup, probe: cannedProbe() });
    await check('127.0.0.9:443', POLICY, h.hold);
    await check('[::1]:443', POLICY, h.hold);
    expect(dns.asked).toEqual([]);
    expect(h.slots).toEqual([{ key: '127.0.0.9', label: '127.0.0.9' }, { key: '::1', label: '::1' }]);
  });

  it('answers a refused address exactly as runCheck does, holding no slot', async () => {
    const h = recordingHold();
    const ours = await createAddressedCheck()('10.0.0.1:443', { enforcePolicy: true, symptom: 'handshake failure' }, h.hold);
    const theirs = await runCheck('10.0.0.1:443', { enforcePolicy: true, symptom: 'handshake failure' });
    expect(ours.error?.code).toBe('blocked');
    expect({ ...ours, durationMs: 0 }).toEqual({ ...theirs, durationMs: 0 });
    expect(h.slots).toEqual([]);
  });

  it('a name that resolves to a refused address, or not at all, is answered without a slot after one lookup', async () => {
    const dns = fakeDns({ 'inside.example': ['93.184.216.34', '10.0.0.5'] });
    const h = recordingHold();
    const check = createAddressedCheck({ lookup: dns.lookup, probe: cannedProbe(h.inside) });
    const blocked = await check('inside.example', POLICY, h.hold);
    expect(blocked.error).toMatchObject({ code: 'blocked', message: expect.stringContaining("Refusing 'inside.example', which resolves to a private address") });
    const missing = await check('missing.example', POLICY, h.hold);
    expect(missing.error).toMatchObject({ code: 'dns', message: expect.stringContaining('no such host') });
    expect(dns.asked).toEqual(['inside.example', 'missing.example']);
    expect(h.slots).toEqual([]);
    expect(h.inside).toEqual([]);
    await expect(check('not a target', POLICY, h.hold)).rejects.toBeInstanceOf(InvalidTargetError);
  });

  it('with the real probes, connects to the address resolved, never to the name', async () => {
    // A port with nothing listening on loopback: the probes get "refused" from 127.0.0.1.
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as net.AddressInfo;
    await new Promise((r) => srv.close(r));
    const dns = fakeDns({ 'nowhere.example': ['127.0.0.1'] });
    const h = recordingHold();
    const result = await createAddressedCheck({ lookup: dns.lookup })(`nowhere.example:${port}`, POLICY, h.hold);
    expect(dns.asked).toEqual(['nowhere.example']);
    expect(h.slots.map((s) => s.key)).toEqual(['127.0.0.1']);
    // 'nowhere.example' does not resolve for real: had a probe looked it up, this would be a DNS error.
    expect(result.target).toMatchObject({ host: 'nowhere.example', ip: '127.0.0.1', port });
    expect(result.error?.code).toBe('refused');
  });
});

describe('the worker with address-keyed slots', () => {
  let slack: SlackStandin;
  beforeAll(async () => {
    slack = await startSlackStandin();
  });
  afterAll(async () => {
    await slack?.close();
  });

  it('runs one check at a time of two names of one server (limit 1), while another server goes on', async () => {
    const dns = fakeDns({ 'one.example': ['127.0.0.1'], 'two.example': ['127.0.0.1'], 'other.example': ['127.0.0.2'] });
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    let otherOverlapped = false;
    // The first probe of 127.0.0.1 and the other server's probe wait for each other: both run at
    // once, or (if slots were not per address) neither finishes and the test times out.
    let otherStarted = (): void => undefined;
    const otherRunning = new Promise<void>((r) => (otherStarted = r));
    let oneStarted = (): void => undefined;
    const oneRunning = new Promise<void>((r) => (oneStarted = r));
    let first = true;
    const slowProbe = async (target: ResolvedTarget): Promise<CheckResult> => {
      const n = (running.get(target.ip) ?? 0) + 1;
      running.set(target.ip, n);
      peak.set(target.ip, Math.max(peak.get(target.ip) ?? 0, n));
      if (target.ip === '127.0.0.2') {
        await oneRunning;
        otherOverlapped ||= (running.get('127.0.0.1') ?? 0) > 0;
        otherStarted();
      } else if (first) {
        first = false;
        oneStarted();
        await otherRunning;
      } else {
        // Long enough for the waiting jobs to try for the slot meanwhile.
        await new Promise((r) => setTimeout(r, 50));
      }
      running.set(target.ip, (running.get(target.ip) ?? 1) - 1);
      return baseResult({ target: { host: target.host, port: target.port, ip: target.ip, sni: target.sni } });
    };
    // The fake's plain form must never run: the worker takes the two-step form when there is one.
    const check: CheckFn = Object.assign(async () => {
      throw new Error('the worker called the one-step check');
    }, { atAddress: createAddressedCheck({ lookup: dns.lookup, probe: slowProbe }) });
    const stack = await startStack({
      slack,
      limits: { hostConcurrency: 1, userPerMin: 100, channelPerMin: 100 },
      worker: { check, hostWait: { inPlaceMs: 3_000, delayMs: 200 } },
      // Room for all five at once: the three that wait for 127.0.0.1 wait in place.
      concurrency: 5,
    });
    try {
      const jobs: [string, string][] = [['one.example', 'C0ADDR1'], ['two.example', 'C0ADDR2'], ['one.example', 'C0ADDR3'], ['two.example', 'C0ADDR4']];
      for (const [target, channel] of jobs) await stack.command(target, { channel });
      await stack.command('other.example', { channel: 'C0ADDRX' });
      const channels = [...jobs.map(([, c]) => c), 'C0ADDRX'];
      await slack.waitFor(() => channels.every((c) => finalsIn(slack, c).length === 1), 'five verdicts', 20_000);
      expect(peak.get('127.0.0.1')).toBe(1);
      expect(otherOverlapped).toBe(true);
      expect(dns.asked.filter((h) => h !== 'other.example')).toHaveLength(4);
    } finally {
      await stack.close();
    }
  }, 30_000);
});
