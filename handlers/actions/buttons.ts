// Every button of the app behind one Bolt listener. Bolt runs every registered listener's
// middleware for every request it gets, slash commands included, each step a spread of the
// request's arguments and a promise: the eleven button listeners cost each slash command's ack
// 0.13 ms of CPU before the command's own listener ran (bench/ack-cpu.mjs); one listener that
// looks the action id up costs one step.
import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
export type ButtonListener = (args: ButtonArgs) => Promise<void>;

export interface Buttons {
  /** The listener of one action id; each id has one. */
  on(actionId: string, listener: ButtonListener): void;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Registers what `register` adds as one Bolt action listener, matching only those action ids. */
export function registerButtons(app: Pick<App, 'action'>, register: (buttons: Buttons) => void): void {
  const listeners = new Map<string, ButtonListener>();
  register({
    on(actionId, listener) {
      if (listeners.has(actionId)) throw new Error(`two listeners for the button ${actionId}`);
      listeners.set(actionId, listener);
    },
  });
  if (listeners.size === 0) return;
  // Anchored: a button whose id merely contains a known one is not ours.
  const ids = new RegExp(`^(?:${[...listeners.keys()].map(escapeRegExp).join('|')})$`);
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: ids }, async (args) => {
    await listeners.get(args.action.action_id)?.(args);
  });
}
