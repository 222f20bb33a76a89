import type { App, MessageShortcut } from '@slack/bolt';
import type { HandlerDeps } from '../deps.js';
import { EXPLAIN_SHORTCUT_ID, explainTlsError } from './explain-tls-error.js';

export function registerShortcuts(app: App, deps: HandlerDeps): void {
  app.shortcut<MessageShortcut>({ callback_id: EXPLAIN_SHORTCUT_ID, type: 'message_action' }, explainTlsError(deps));
}
