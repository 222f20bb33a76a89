// The one place that reads the environment (and `.env`). Everything else receives a Config, so
// tests build one in memory and nothing else can drift from what was validated at start.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as dotenvConfig } from 'dotenv';
import { z } from 'zod';
import { parseCidr } from './target/ip.js';
import { DEFAULT_LIMITS, DEFAULT_METRICS_MAX_SCHEDULES, type LimitsConfig } from './limits/defaults.js';
import { hashTag, parseClusterNodes, type RedisNode } from './redis.js';

export type Role = 'app' | 'worker';

export interface Config {
  slack: {
    botToken: string;
    /** Only the HTTP receiver needs it; undefined in a worker or in Socket Mode without one. */
    signingSecret: string | undefined;
    /** Set: Socket Mode. Unset: HTTP receiver on `port`. */
    appToken: string | undefined;
    /** Web API base, e.g. a local stand-in; always ends with '/'. Undefined: Slack's own. */
    apiUrl: string | undefined;
  };
  redisUrl: string;
  /**
   * Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); set, every connection is a cluster one
   * (src/redis.ts) and redisUrl only lends credentials and TLS. Optional so configs built in code
   * need not name it.
   */
  redisClusterNodes?: RedisNode[];
  /** Addresses the Slack bot may check despite the private/loopback policy. */
  allowCidrs: string[];
  concurrency: number;
  port: number;
  logLevel: LogLevel;
  /** BullMQ key prefix; hash-tagged so every key of a queue lands on one Redis Cluster slot. */
  queuePrefix: string;
  /**
   * Slack user ids allowed to pause or remove anyone's schedule, besides Slack's own workspace
   * admins and owners. loadConfig always sets this and the next; they are optional so configs
   * built in code (tests, other entry points) need not name them.
   */
  admins?: string[];
  /** Schedules one channel may hold (default 50). */
  maxSchedulesPerChannel?: number;
  /** Rate limits, per-host concurrency and the check deadline (src/limits); loadConfig always sets it. */
  limits?: LimitsConfig;
  /** `npm run worker`: port of its GET /healthz and /metrics; unset, it serves none. */
  healthPort?: number;
  /** TLSCHECK_METRICS_MAX_SCHEDULES: schedules with their own /metrics series (jobs/metrics.ts); loadConfig sets it. */
  metricsMaxSchedules?: number;
  /** Run `openssl s_client` beside the most severe diagnoses (src/evidence). loadConfig sets it; unset counts as off. */
  evidence?: boolean;
  /** TLSCHECK_OCSP_FETCH=true: checks ask the certificate's OCSP responder (a third party) when nothing is stapled. Off by default. */
  ocspFetch?: boolean;
  /** TLSCHECK_CA_FILE: private trust anchors (PEM) for every check the bot runs, as the CLI's --ca. */
  ca?: string[];
  /** The absolute path of that bundle (OpenSSL's evidence gets it as -CAfile). */
  caFile?: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every variable the app reads, with what it is for: `.env.example` and the README mirror this. */
export const ENV_VARS = [
  'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES',
  'TLSCHECK_ALLOW_CIDRS', 'TLSCHECK_CONCURRENCY', 'PORT', 'LOG_LEVEL', 'TLSCHECK_QUEUE_PREFIX',
  'TLSCHECK_ADMINS', 'TLSCHECK_MAX_SCHEDULES_PER_CHANNEL',
  'TLSCHECK_RATE_USER_PER_MIN', 'TLSCHECK_RATE_CHANNEL_PER_MIN', 'TLSCHECK_HOST_CONCURRENCY', 'TLSCHECK_CHECK_TIMEOUT_MS',
  'TLSCHECK_HEALTH_PORT', 'TLSCHECK_METRICS_MAX_SCHEDULES',
  'TLSCHECK_EVIDENCE',
  'TLSCHECK_OCSP_FETCH',
  'TLSCHECK_CA_FILE',
] as const;

export const DEFAULT_MAX_SCHEDULES_PER_CHANNEL = 50;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A whole-number variable with a default and a range; the message names the variable and the range, never the value. */
/** Unset stays undefined: the caller has a better default than a fixed number (the check's deadline follows the round trip). */
function optionalWholeNumber(name: string, min: number, max: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : Number(s)))
    .refine((n) => n === undefined || (Number.isInteger(n) && n >= min && n <= max), `${name} must be a whole number from ${min} to ${max}`);
}

function wholeNumber(name: string, fallback: number, min: number, max: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === undefined || s === '' ? fallback : Number(s)))
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, `${name} must be a whole number from ${min} to ${max}`);
}

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

// Messages name the variable but never echo its value: a mistyped token is still a secret.
const schema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'SLACK_BOT_TOKEN is missing (the bot token, xoxb-…, from OAuth & Permissions)' })
    .trim()
    .min(1, 'SLACK_BOT_TOKEN is empty (the bot token, xoxb-…, from OAuth & Permissions)')
    .refine((s) => s.startsWith('xoxb-'), 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine(
    (s) => s === undefined || s.startsWith('xapp-'),
    'SLACK_APP_TOKEN must be an app-level token starting with xapp- (or unset for HTTP mode)',
  ),
  SLACK_API_URL: optionalText
    .refine((s) => s === undefined || /^https?:\/\/[^\s]+$/.test(s), 'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/')
    .transform((s) => (s === undefined || s.endsWith('/') ? s : `${s}/`)),
  REDIS_URL: optionalText
    .refine((s) => s === undefined || /^rediss?:\/\//.test(s), 'REDIS_URL must start with redis:// or rediss://')
    .transform((s) => s ?? 'redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const parsed = parseClusterNodes(s);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: `REDIS_CLUSTER_NODES: ${parsed.error} (comma-separated seed nodes such as 10.0.0.1:6379,10.0.0.2:6379)` });
      return z.NEVER;
    }
    return parsed.nodes.length > 0 ? parsed.nodes : undefined;
  }),
  TLSCHECK_ALLOW_CIDRS: optionalText
    .transform((s) => (s ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''))
    .superRefine((list, ctx) => {
      for (const entry of list) {
        const parsed = parseCidr(entry);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `TLSCHECK_ALLOW_CIDRS: '${entry}': ${parsed.error} (comma-separated CIDRs such as 10.0.0.0/8,fd00::/8)` });
      }
    }),
  TLSCHECK_CONCURRENCY: optionalText
    .transform((s) => (s === undefined ? 4 : Number(s)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, 'TLSCHECK_CONCURRENCY must be a whole number from 1 to 100'),
  PORT: optionalText
    .transform((s) => (s === undefined ? 3000 : Number(s)))
    .refine((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'PORT must be a port number (0-65535)'),
  LOG_LEVEL: optionalText
    .transform((s) => (s ?? 'info').toLowerCase())
    .refine((s): s is LogLevel => (LOG_LEVELS as readonly string[]).includes(s), `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`),
  TLSCHECK_QUEUE_PREFIX: optionalText
    .transform((s) => s ?? '{tlscheck}')
    .refine((s) => !/\s/.test(s), 'TLSCHECK_QUEUE_PREFIX must not contain spaces'),
  TLSCHECK_ADMINS: optionalText
    .transform((s) => (s ?? '').split(',').map((u) => u.trim()).filter((u) => u !== ''))
    .superRefine((list, ctx) => {
      // Ids, not names: names change and are not unique. The entry is named by position, not
      // echoed, like every other value here (a token pasted into the wrong variable is still one).
      list.forEach((id, i) => {
        if (!/^[UW][A-Z0-9]{2,}$/.test(id)) ctx.addIssue({ code: 'custom', message: `TLSCHECK_ADMINS: entry ${i + 1} is not a Slack user id (comma-separated ids such as U012ABCDEF: profile → ⋮ → Copy member ID)` });
      });
    }),
  TLSCHECK_MAX_SCHEDULES_PER_CHANNEL: optionalText
    .transform((s) => (s === undefined ? DEFAULT_MAX_SCHEDULES_PER_CHANNEL : Number(s)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 1000, 'TLSCHECK_MAX_SCHEDULES_PER_CHANNEL must be a whole number from 1 to 1000'),
  TLSCHECK_RATE_USER_PER_MIN: wholeNumber('TLSCHECK_RATE_USER_PER_MIN', DEFAULT_LIMITS.userPerMin, 1, 10_000),
  TLSCHECK_RATE_CHANNEL_PER_MIN: wholeNumber('TLSCHECK_RATE_CHANNEL_PER_MIN', DEFAULT_LIMITS.channelPerMin, 1, 10_000),
  TLSCHECK_HOST_CONCURRENCY: wholeNumber('TLSCHECK_HOST_CONCURRENCY', DEFAULT_LIMITS.hostConcurrency, 1, 50),
  TLSCHECK_CHECK_TIMEOUT_MS: optionalWholeNumber('TLSCHECK_CHECK_TIMEOUT_MS', 1_000, 60_000),
  TLSCHECK_HEALTH_PORT: optionalText
    .transform((s) => (s === undefined ? undefined : Number(s)))
    .refine((n) => n === undefined || (Number.isInteger(n) && n >= 0 && n <= 65535), 'TLSCHECK_HEALTH_PORT must be a port number (0-65535)'),
  TLSCHECK_METRICS_MAX_SCHEDULES: wholeNumber('TLSCHECK_METRICS_MAX_SCHEDULES', DEFAULT_METRICS_MAX_SCHEDULES, 0, 100_000),
  TLSCHECK_EVIDENCE: optionalText
    .transform((s) => (s ?? 'on').toLowerCase())
    .refine((s) => ['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'].includes(s), 'TLSCHECK_EVIDENCE must be on or off')
    .transform((s) => ['on', 'true', '1', 'yes'].includes(s)),
  TLSCHECK_OCSP_FETCH: optionalText
    .refine((s) => s === undefined || s === 'true' || s === 'false', 'TLSCHECK_OCSP_FETCH must be true or false')
    .transform((s) => s === 'true'),
  TLSCHECK_CA_FILE: optionalText,
});

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The PEM bundle of TLSCHECK_CA_FILE, read once at start. Every certificate in it must parse: a
 * bad bundle stops the process naming the file, rather than every check quietly distrusting the CA.
 */
export function readCaBundle(file: string): { ca: string[]; caFile: string } {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  - TLSCHECK_CA_FILE ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) {
    throw new ConfigError(`Invalid configuration:\n  - TLSCHECK_CA_FILE ${path} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
  certs.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  - TLSCHECK_CA_FILE ${path}: certificate ${i + 1} of ${certs.length} does not parse (${(err as Error).message})`);
    }
  });
  return { ca: certs, caFile: path };
}

export interface LoadOptions {
  /** Defaults to process.env. Values here win over `.env`. */
  env?: Record<string, string | undefined>;
  /** Path of the dotenv file; defaults to ./.env; false skips it (tests). */
  dotenvPath?: string | false;
  role?: Role;
}

/** Reads and validates the configuration; throws ConfigError listing every problem at once. */
export function loadConfig({ env = process.env, dotenvPath, role = 'app' }: LoadOptions = {}): Config {
  const merged: Record<string, string | undefined> = { ...readDotenv(dotenvPath), ...env };
  const picked = Object.fromEntries(ENV_VARS.map((k) => [k, merged[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n${parsed.error.issues.map((i) => `  - ${i.message}`).join('\n')}`);
  }
  const v = parsed.data;
  // A cluster runs a multi-key script only when all its keys hash to one slot; the prefix's hash tag is what does that.
  if (v.REDIS_CLUSTER_NODES && hashTag(v.TLSCHECK_QUEUE_PREFIX) === null) {
    throw new ConfigError(
      'Invalid configuration:\n  - TLSCHECK_QUEUE_PREFIX needs a Redis Cluster hash tag such as {tlscheck} when REDIS_CLUSTER_NODES is set (every key must land on one slot)',
    );
  }
  // Socket Mode authenticates with the app token; only the HTTP receiver verifies signatures.
  if (role === 'app' && v.SLACK_APP_TOKEN === undefined && v.SLACK_SIGNING_SECRET === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  - SLACK_SIGNING_SECRET is missing (Basic Information → Signing Secret); it is required in HTTP mode, i.e. when SLACK_APP_TOKEN is unset',
    );
  }
  return {
    slack: {
      botToken: v.SLACK_BOT_TOKEN,
      signingSecret: v.SLACK_SIGNING_SECRET,
      appToken: v.SLACK_APP_TOKEN,
      apiUrl: v.SLACK_API_URL,
    },
    redisUrl: v.REDIS_URL,
    ...(v.REDIS_CLUSTER_NODES ? { redisClusterNodes: v.REDIS_CLUSTER_NODES } : {}),
    allowCidrs: v.TLSCHECK_ALLOW_CIDRS,
    concurrency: v.TLSCHECK_CONCURRENCY,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    queuePrefix: v.TLSCHECK_QUEUE_PREFIX,
    admins: v.TLSCHECK_ADMINS,
    maxSchedulesPerChannel: v.TLSCHECK_MAX_SCHEDULES_PER_CHANNEL,
    limits: {
      userPerMin: v.TLSCHECK_RATE_USER_PER_MIN,
      channelPerMin: v.TLSCHECK_RATE_CHANNEL_PER_MIN,
      hostConcurrency: v.TLSCHECK_HOST_CONCURRENCY,
      checkTimeoutMs: v.TLSCHECK_CHECK_TIMEOUT_MS,
    },
    ...(v.TLSCHECK_HEALTH_PORT !== undefined ? { healthPort: v.TLSCHECK_HEALTH_PORT } : {}),
    metricsMaxSchedules: v.TLSCHECK_METRICS_MAX_SCHEDULES,
    evidence: v.TLSCHECK_EVIDENCE,
    ocspFetch: v.TLSCHECK_OCSP_FETCH,
    ...(v.TLSCHECK_CA_FILE ? readCaBundle(v.TLSCHECK_CA_FILE) : {}),
  };
}

function readDotenv(path: string | false | undefined): Record<string, string> {
  if (path === false) return {};
  const file = resolve(path ?? '.env');
  if (!existsSync(file)) return {};
  // Parsed into a private object: process.env stays as the operator set it.
  const into: Record<string, string> = {};
  const out = dotenvConfig({ path: file, quiet: true, processEnv: into });
  if (out.error) throw new ConfigError(`Could not read ${file}: ${out.error.message}`);
  return into;
}
