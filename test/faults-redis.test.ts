// Redis down (a private redis-server on another loopback port, killed and restarted; the machine's
// Redis is never touched): a slash command gets a clear ephemeral answer within Slack's 3 s, the
// process does not crash, and service is normal once Redis is back, including a job that was
// running when Redis died.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_DOWN_TEXT } from '../src/limits/gate.js';
import { startSlackStandin, type SlackStandin } from './helpers/slack-standin.js';
import { startPrivateRedis, type PrivateRedis } from '../bench/soak/private-redis.mjs';
import { fakeCheck, finalsIn, parentsIn, startStack, watchProcessProblems, type Stack } from './hardening-stack.js';

let slack: SlackStandin;
let redis: PrivateRedis;
let stack: Stack;
const problems = watchProcessProblems();

beforeAll(async () => {
  slack = await startSlackStandin();
  redis = await startPrivateRedis();
  const check = fakeCheck(0);
  stack = await startStack({
    slack,
    redisUrl: redis.url,
    // The running-job case needs a check that outlives the outage.
    worker: { check: async (input, opts) => (input.startsWith('during') ? fakeCheck(2_500)(input, opts) : check(input, opts)) },
  });
}, 30_000);

afterAll(async () => {
  await stack?.close();
  await redis?.close();
  await slack?.close();
}, 30_000);

/** A user trying again until the bot takes the check (bounded). */
async function commandUntilAccepted(text: string, channel: string): Promise<number> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const res = await stack.command(text, { channel });
    if (String(res.json?.text).startsWith('🔎')) return attempt;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the bot never took the check again');
}

describe('Redis down', () => {
  it('works before the outage', async () => {
    expect((await stack.command('before.example', { channel: 'C0RBEFORE' })).json?.text).toMatch(/^🔎/);
    await slack.waitFor(() => finalsIn(slack, 'C0RBEFORE')[0], 'verdict before the outage');
  });

  it('answers a slash command with a clear ephemeral error in time, and does not crash', async () => {
    await redis.stop();
    for (const channel of ['C0RDOWN1', 'C0RDOWN2']) {
      const res = await stack.command('during-outage.example', { channel });
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3_000);
      expect(res.json).toEqual({ response_type: 'ephemeral', text: QUEUE_DOWN_TEXT });
    }
    // Answers that need no Redis still work.
    expect(JSON.stringify((await stack.command('help')).json)).toContain('/tlscheck explain');
    await new Promise((r) => setTimeout(r, 500));
    expect(problems).toEqual([]);
    expect(parentsIn(slack, 'C0RDOWN1')).toHaveLength(0);
  }, 20_000);

  it('serves normally once Redis is back', async () => {
    await redis.start();
    const attempts = await commandUntilAccepted('after.example', 'C0RAFTER');
    expect(attempts).toBeLessThanOrEqual(20);
    const verdict = await slack.waitFor(() => finalsIn(slack, 'C0RAFTER')[0], 'verdict after the outage', 15_000);
    expect(String(verdict.args.text)).toMatch(/^❌ after\.example:443: /);
    expect(parentsIn(slack, 'C0RAFTER')).toHaveLength(1);
    expect(problems).toEqual([]);
  }, 30_000);

  it('a job running when Redis dies is reported once after Redis comes back', async () => {
    const completed: string[] = [];
    stack.worker?.worker.on('completed', (job) => completed.push(job.data.channel));
    expect((await stack.command('during.example', { channel: 'C0RMID' })).json?.text).toMatch(/^🔎/);
    await slack.waitFor(() => parentsIn(slack, 'C0RMID')[0], 'the parent of the running job');
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await redis.start();
    const verdict = await slack.waitFor(() => finalsIn(slack, 'C0RMID')[0], 'the verdict of the interrupted job', 20_000);
    expect(String(verdict.args.text)).toMatch(/^❌ during\.example:443: /);
    // The job is done (its posts all made): nothing more can come of it.
    await slack.waitFor(() => completed.includes('C0RMID'), 'the job to complete', 20_000);
    expect(parentsIn(slack, 'C0RMID')).toHaveLength(1);
    expect(finalsIn(slack, 'C0RMID')).toHaveLength(1);
    expect(problems).toEqual([]);
  }, 40_000);
});
