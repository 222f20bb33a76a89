// The slash command answered by a global middleware (handlers/commands/index.ts): /tlscheck is
// answered there and goes no further; every other request (another command, a button, an event)
// is passed on to Bolt's listeners.
import { describe, expect, it, vi } from 'vitest';
import type { AnyMiddlewareArgs, AllMiddlewareArgs, App, Middleware } from '@slack/bolt';
import { registerCommands } from '../handlers/commands/index.js';
import type { HandlerDeps } from '../handlers/deps.js';
import { createLogger } from '../src/log.js';

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

function middleware(): Middleware<AnyMiddlewareArgs> {
  const used: Middleware<AnyMiddlewareArgs>[] = [];
  // `/tlscheck help` needs nothing but the logger: no queue, limits or Redis.
  const use = ((m: Middleware<AnyMiddlewareArgs>) => { used.push(m); }) as unknown as App['use'];
  registerCommands({ use }, { logger: createLogger('silent') } as unknown as HandlerDeps);
  expect(used).toHaveLength(1);
  return used[0]!;
}

const argsOf = (extra: Record<string, unknown>): { args: Args; ack: ReturnType<typeof vi.fn>; next: ReturnType<typeof vi.fn> } => {
  const ack = vi.fn(() => Promise.resolve());
  const next = vi.fn(() => Promise.resolve());
  return { args: { ack, next, body: {}, ...extra } as unknown as Args, ack, next };
};

describe('the /tlscheck middleware', () => {
  it('answers /tlscheck itself and does not pass it on to the listeners', async () => {
    const { args, ack, next } = argsOf({ command: { command: '/tlscheck', text: 'help', user_id: 'U1', channel_id: 'C1' } });
    await middleware()(args);
    expect(next).not.toHaveBeenCalled();
    expect(ack).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(ack.mock.calls[0])).toContain('/tlscheck');
  });

  it('passes another slash command on, unanswered', async () => {
    const { args, ack, next } = argsOf({ command: { command: '/othercommand', text: 'help', user_id: 'U1', channel_id: 'C1' } });
    await middleware()(args);
    expect(next).toHaveBeenCalledTimes(1);
    expect(ack).not.toHaveBeenCalled();
  });

  it('passes buttons and events on', async () => {
    const mw = middleware();
    for (const extra of [{ action: { action_id: 'tlscheck_rerun', type: 'button' } }, { event: { type: 'app_mention', text: 'hi' } }]) {
      const { args, ack, next } = argsOf(extra);
      await mw(args);
      expect(next).toHaveBeenCalledTimes(1);
      expect(ack).not.toHaveBeenCalled();
    }
  });
});
