// The Bolt app factory: HTTP receiver at POST /slack/events (signatures verified by Bolt, stale
// timestamps refused), or Socket Mode when an app token is configured.
import { App } from '@slack/bolt';
import type { Config } from '../src/config.js';
import { slackLogger } from '../src/log.js';
import { SLACK_REQUEST_TIMEOUT_MS, SLACK_RETRY } from '../jobs/slack-out.js';
import { registerActions } from './actions.js';
import { registerHome } from './home.js';
import { registerSlashCommand, type SlashDeps } from './slash.js';

export type AppDeps = SlashDeps;

export interface ListenOptions {
  port?: number;
  /** Default: all interfaces (production); tests pass 127.0.0.1. */
  host?: string;
}

export interface RunningApp {
  app: App;
  /** Starts the HTTP server (resolving to its port) or the Socket Mode connection (port null). */
  start(listen?: ListenOptions): Promise<{ port: number | null }>;
  stop(): Promise<void>;
}

export const EVENTS_PATH = '/slack/events';

export function createApp(config: Pick<Config, 'slack' | 'port'>, deps: AppDeps): RunningApp {
  const log = deps.logger.child({ component: 'app' });
  const socketMode = config.slack.appToken !== undefined;
  const common = {
    token: config.slack.botToken,
    logger: slackLogger(deps.logger, 'bolt'),
    clientOptions: { slackApiUrl: config.slack.apiUrl, retryConfig: SLACK_RETRY, timeout: SLACK_REQUEST_TIMEOUT_MS },
  };
  const app = socketMode
    ? new App({ ...common, socketMode: true, appToken: config.slack.appToken, signingSecret: config.slack.signingSecret })
    : new App({
        ...common,
        signingSecret: config.slack.signingSecret,
        endpoints: [EVENTS_PATH],
        // For load balancers and orchestrators; carries no data.
        customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); } }],
      });

  registerSlashCommand(app, deps);
  registerActions(app, deps);
  registerHome(app, deps.logger);
  app.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'unhandled error in a listener');
  });

  return {
    app,
    async start(listen = {}) {
      if (socketMode) {
        await app.start();
        log.info('connected in Socket Mode');
        return { port: null };
      }
      const server = await app.start({ port: listen.port ?? config.port, host: listen.host });
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : null;
      log.info({ port, path: EVENTS_PATH }, 'listening for Slack requests');
      return { port };
    },
    async stop() {
      await app.stop();
    },
  };
}
