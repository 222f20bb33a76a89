// pino with redaction: tokens, signing secrets and response URLs (which let anyone post to a
// channel for 30 minutes) never reach the logs, whatever object a caller hands over.
import { pino, type DestinationStream, type Logger } from 'pino';
import { LogLevel as SlackLogLevel, type Logger as SlackLogger } from '@slack/bolt';
import { redactLine } from './log-redact.js';

export type { Logger } from 'pino';
export { CENSOR, SECRET_KEYS } from './log-redact.js';

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      // On the finished line, so bindings and serialized errors are covered too (src/log-redact.ts).
      hooks: { streamWrite: redactLine },
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous by default: lines stay in order and the last ones survive process.exit.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

// Tokens can also hide in free text (an error message quoting a URL or header).
const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;
const HOOK_PATTERN = /https:\/\/hooks\.slack\.com\/[^\s"')]+/g;

export function scrubText(text: string): string {
  return text.replace(TOKEN_PATTERN, 'xox?-[redacted]').replace(HOOK_PATTERN, 'https://hooks.slack.com/[redacted]');
}

function toSlackLevel(level: string): SlackLogLevel {
  if (level === 'debug' || level === 'trace') return SlackLogLevel.DEBUG;
  if (level === 'info') return SlackLogLevel.INFO;
  if (level === 'warn') return SlackLogLevel.WARN;
  return SlackLogLevel.ERROR;
}

/** Bolt and the WebClient log through this, so their lines get the same redaction and format. */
export function slackLogger(base: Logger, component: string): SlackLogger {
  let log = base.child({ component });
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...msg: unknown[]): void => {
    log[level](msg.map((m) => (m instanceof Error ? scrubText(m.message) : scrubText(typeof m === 'string' ? m : safeJson(m)))).join(' '));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // LOG_LEVEL decides; Bolt sets its own default level on any logger it is given, which
    // would otherwise turn a silent logger chatty.
    setLevel: () => undefined,
    getLevel: () => toSlackLevel(log.level),
    setName: (name) => {
      log = base.child({ component: name });
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
