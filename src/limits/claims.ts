// Idempotency keys for the messages of a job: "job J, message K" is sent at most once, even when
// two runs of the same job overlap (a worker stalled past its lock and BullMQ handed the job to
// another) or a run resumes after its worker died. Before sending, a run claims the key; after,
// it marks it done with Slack's ts. A claim whose sender died is taken over, at once when its
// process stopped heartbeating, else when the claim expires: the one message that was in flight
// at the crash may then go out again, nothing else can.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';

/** A sender that has not finished by then is taken for dead: a Slack call with all its retries ends well before. */
export const CLAIM_PENDING_MS = 90_000;
/** The record outlives the job's stored result (a day). */
export const CLAIM_TTL_S = 2 * 24 * 3600;

// KEYS: the job's claim hash. ARGV: message key, run id, pending ms.
// Answers {'send'} (this run sends), {'done', ts} (already sent) or {'wait', ms, owner} (another run is sending).
const BEGIN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local state, a, b = string.match(cur, '^(%a+):([^:]*):?(.*)$')
  if state == 'done' then return { 'done', a } end
  if state == 'pending' and a ~= ARGV[2] and tonumber(b) > now then return { 'wait', tonumber(b) - now, a } end
end
redis.call('HSET', KEYS[1], ARGV[1], 'pending:' .. ARGV[2] .. ':' .. (now + tonumber(ARGV[3])))
redis.call('EXPIRE', KEYS[1], ${CLAIM_TTL_S})
return { 'send' }
`;

// Releases only this run's own pending claim (after a failed send), so a retry may send.
const ABANDON = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, 8 + #ARGV[2]) == 'pending:' .. ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

// KEYS: the job's claim hash, the owner's heartbeat. ARGV: message key, owner run id, my run id, pending ms.
// Takes over a pending claim whose owner's process no longer heartbeats.
const TAKE_OVER = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or string.sub(cur, 1, 8 + #ARGV[2]) ~= 'pending:' .. ARGV[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], 'pending:' .. ARGV[3] .. ':' .. (now + tonumber(ARGV[4])))
return 1
`;

/** A process heartbeats this often; one silent for HEARTBEAT_TTL_MS is taken for dead. */
const HEARTBEAT_MS = 3_000;
const HEARTBEAT_TTL_MS = 10_000;

export interface MessageClaims {
  /**
   * Runs `send` unless message `key` of `jobId` was sent already; returns the message's ts (as
   * `send` returned it, or as recorded by the run that sent it) and whether this call sent it.
   */
  once(jobId: string, key: string, send: () => Promise<string | undefined>): Promise<{ sent: boolean; ts: string | undefined }>;
  /** Stops the heartbeat (a process that stops here is taken for dead by other runs soon after). */
  stop(): Promise<void>;
}

export interface ClaimOptions {
  prefix: string;
  pendingMs?: number;
  /** How often a run waiting on another run's claim looks again. */
  pollMs?: number;
}

export function createMessageClaims(redis: RedisClient, opts: ClaimOptions): MessageClaims {
  const runId = randomUUID().replace(/-/g, '');
  const pendingMs = opts.pendingMs ?? CLAIM_PENDING_MS;
  const pollMs = opts.pollMs ?? 250;
  const keyOf = (jobId: string): string => `${opts.prefix}:sent:${jobId}`;
  const aliveKey = (run: string): string => `${opts.prefix}:alive:${run}`;
  // The heartbeat is what lets a rerun after a crash take over at once instead of waiting out pendingMs.
  const beat = (): void => void redis.set(aliveKey(runId), '1', 'PX', HEARTBEAT_TTL_MS).catch(() => undefined);
  beat();
  const heart = setInterval(beat, HEARTBEAT_MS);
  heart.unref();
  return {
    async once(jobId, key, send) {
      const hash = keyOf(jobId);
      for (;;) {
        const [state, value, owner] = (await redis.eval(BEGIN, 1, hash, key, runId, pendingMs)) as [string, string | number | undefined, string | undefined];
        if (state === 'done') return { sent: false, ts: value === '' || value === undefined ? undefined : String(value) };
        if (state === 'wait') {
          const took = owner ? await redis.eval(TAKE_OVER, 2, hash, aliveKey(owner), key, owner, runId, pendingMs) : 0;
          if (took !== 1) {
            await new Promise((r) => setTimeout(r, Math.min(pollMs, Number(value) || pollMs)));
            continue;
          }
        }
        let ts: string | undefined;
        try {
          ts = await send();
        } catch (err) {
          await redis.eval(ABANDON, 1, hash, key, runId).catch(() => undefined);
          throw err;
        }
        // ts values ("1700000000.000001") hold no ':', so the record stays parseable.
        await redis.hset(hash, key, `done:${ts ?? ''}`);
        return { sent: true, ts };
      }
    },
    async stop() {
      clearInterval(heart);
      await redis.del(aliveKey(runId)).catch(() => undefined);
    },
  };
}
