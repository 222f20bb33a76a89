import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLines } from './helpers/log-lines.js';
import { ConfigError, ENV_VARS, loadConfig } from '../src/config.js';
import { createLogger, scrubText, slackLogger } from '../src/log.js';
import { readFileSync } from 'node:fs';
import { localhostCert, tempDir } from './helpers/servers.js';
import { createCheckRunner } from '../jobs/check-runner.js';
import type { CheckOptions } from '../src/check.js';
import { baseResult } from './helpers/slack-fixtures.js';

const BASE = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'shh-secret' };

function configError(env: Record<string, string | undefined>, role: 'app' | 'worker' = 'app'): string {
  try {
    loadConfig({ env, dotenvPath: false, role });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ env: BASE, dotenvPath: false });
    expect(c).toEqual({
      slack: { botToken: 'xoxb-1-abc', signingSecret: 'shh-secret', appToken: undefined, apiUrl: undefined },
      redisUrl: 'redis://127.0.0.1:6379',
      allowCidrs: [],
      concurrency: 4,
      port: 3000,
      logLevel: 'info',
      queuePrefix: '{tlscheck}',
      admins: [],
      maxSchedulesPerChannel: 50,
      metricsMaxSchedules: 1000,
      limits: { userPerMin: 10, channelPerMin: 30, hostConcurrency: 2, checkTimeoutMs: undefined },
      evidence: true,
      ocspFetch: false,
    });
  });

  it('turns the OpenSSL evidence off with TLSCHECK_EVIDENCE=off, and refuses other words', () => {
    expect(loadConfig({ env: { ...BASE, TLSCHECK_EVIDENCE: 'off' }, dotenvPath: false }).evidence).toBe(false);
    expect(loadConfig({ env: { ...BASE, TLSCHECK_EVIDENCE: 'ON' }, dotenvPath: false }).evidence).toBe(true);
    expect(() => loadConfig({ env: { ...BASE, TLSCHECK_EVIDENCE: 'sometimes' }, dotenvPath: false })).toThrow(/TLSCHECK_EVIDENCE must be on or off/);
  });

  it('asks OCSP responders only when TLSCHECK_OCSP_FETCH=true', () => {
    expect(loadConfig({ env: { ...BASE, TLSCHECK_OCSP_FETCH: 'true' }, dotenvPath: false }).ocspFetch).toBe(true);
    expect(loadConfig({ env: { ...BASE, TLSCHECK_OCSP_FETCH: 'false' }, dotenvPath: false }).ocspFetch).toBe(false);
    expect(configError({ ...BASE, TLSCHECK_OCSP_FETCH: 'yes' })).toContain('TLSCHECK_OCSP_FETCH must be true or false');
  });

  it('reads the schedule admins and the per-channel limit, naming bad entries without echoing them', () => {
    const c = loadConfig({ env: { ...BASE, TLSCHECK_ADMINS: ' U0ADMIN1, W0ADMIN2 ', TLSCHECK_MAX_SCHEDULES_PER_CHANNEL: '3' }, dotenvPath: false });
    expect(c.admins).toEqual(['U0ADMIN1', 'W0ADMIN2']);
    expect(c.maxSchedulesPerChannel).toBe(3);
    const msg = configError({ ...BASE, TLSCHECK_ADMINS: 'U0OK,xoxb-pasted-here', TLSCHECK_MAX_SCHEDULES_PER_CHANNEL: '0' });
    expect(msg).toContain('TLSCHECK_ADMINS: entry 2 is not a Slack user id');
    expect(msg).toContain('TLSCHECK_MAX_SCHEDULES_PER_CHANNEL must be a whole number from 1 to 1000');
    expect(msg).not.toContain('xoxb-pasted-here');
  });

  it('names the missing bot token', () => {
    expect(configError({ SLACK_SIGNING_SECRET: 'x' })).toMatch(/SLACK_BOT_TOKEN is missing/);
  });

  it('names the missing signing secret in HTTP mode only', () => {
    expect(configError({ SLACK_BOT_TOKEN: 'xoxb-1' })).toMatch(/SLACK_SIGNING_SECRET is missing/);
    expect(loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, dotenvPath: false }).slack.appToken).toBe('xapp-1');
    expect(loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1' }, dotenvPath: false, role: 'worker' }).slack.signingSecret).toBeUndefined();
  });

  it('lists every problem at once and never echoes a value', () => {
    const msg = configError({
      SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot',
      SLACK_SIGNING_SECRET: 'x',
      SLACK_APP_TOKEN: 'wrong-app-token',
      TLSCHECK_CONCURRENCY: '0',
      PORT: 'http',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'localhost:6379',
      TLSCHECK_ALLOW_CIDRS: '10.0.0.1/8,nonsense',
    });
    for (const v of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'TLSCHECK_CONCURRENCY', 'PORT', 'LOG_LEVEL', 'REDIS_URL', 'TLSCHECK_ALLOW_CIDRS']) {
      expect(msg).toContain(v);
    }
    expect(msg).toContain('did you mean 10.0.0.0/8');
    expect(msg).not.toContain('xoxp-user-token-not-a-bot');
    expect(msg).not.toContain('wrong-app-token');
  });

  it('parses the allow-list and normalises the API URL', () => {
    const c = loadConfig({
      env: { ...BASE, TLSCHECK_ALLOW_CIDRS: ' 127.0.0.0/8, fd00::/8 ', SLACK_API_URL: 'http://127.0.0.1:9/api', TLSCHECK_CONCURRENCY: '12', LOG_LEVEL: 'DEBUG' },
      dotenvPath: false,
    });
    expect(c.allowCidrs).toEqual(['127.0.0.0/8', 'fd00::/8']);
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(c.concurrency).toBe(12);
    expect(c.logLevel).toBe('debug');
  });

  it('reads .env, with the real environment winning, and leaves process.env alone', () => {
    const dir = tempDir();
    const file = join(dir, '.env');
    writeFileSync(file, 'SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file-secret\nPORT=4000\nTLSCHECK_UNRELATED=1\n');
    const c = loadConfig({ env: { PORT: '5000' }, dotenvPath: file });
    expect(c.slack.botToken).toBe('xoxb-from-file');
    expect(c.port).toBe(5000);
    expect(process.env.TLSCHECK_UNRELATED).toBeUndefined();
  });

  it('.env.example documents every variable the app reads', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const v of ENV_VARS) expect(example).toMatch(new RegExp(`^#?\\s*${v}=`, 'm'));
  });
});

describe('logger', () => {
  it('redacts tokens, secrets and response URLs at any depth it is given them', () => {
    const { lines, stream } = captureLines();
    const log = createLogger('info', stream);
    log.info({ token: 'xoxb-1', slack: { botToken: 'xoxb-2', signingSecret: 's3' }, job: { data: { responseUrl: 'https://hooks.slack.com/x' } } }, 'hello');
    const out = lines.join('');
    expect(out).toContain('hello');
    expect(out).not.toMatch(/xoxb-1|xoxb-2|s3"|hooks\.slack\.com\/x/);
    expect(out).toContain('[redacted]');
  });

  it('scrubs tokens out of free text passed through the Bolt adapter', () => {
    const { lines, stream } = captureLines();
    const bolt = slackLogger(createLogger('debug', stream), 'bolt');
    bolt.warn('request failed with token xoxb-123-456-abc to', 'https://hooks.slack.com/commands/T/1/2');
    const out = lines.join('');
    expect(out).toContain('request failed');
    expect(out).not.toContain('xoxb-123-456-abc');
    expect(out).not.toContain('/commands/T/1/2');
    expect(scrubText('xapp-1-A-2')).toBe('xox?-[redacted]');
  });
});

describe('TLSCHECK_CA_FILE', () => {
  it('reads the PEM bundle once at start and hands it to every check the runner makes, as --ca does', async () => {
    const pair = localhostCert();
    const c = loadConfig({ env: { ...BASE, TLSCHECK_CA_FILE: pair.certFile }, dotenvPath: false });
    expect(c.ca).toHaveLength(1);
    expect(c.ca?.[0]).toContain('-----BEGIN CERTIFICATE-----');
    expect(c.caFile).toBe(pair.certFile);
    expect(loadConfig({ env: BASE, dotenvPath: false }).ca).toBeUndefined();

    const seen: CheckOptions[] = [];
    const runner = createCheckRunner({ check: async (_i, o) => (seen.push(o), baseResult()), allowCidrs: [], ca: c.ca, caFile: c.caFile });
    await runner.run({ input: 'example.com:443', sni: null, evidence: true, queuedAt: Date.now() });
    expect(seen[0]?.ca).toEqual(c.ca);
    expect(seen[0]?.evidence).toEqual({ caFile: pair.certFile });
  });

  it('stops with a message naming the file when it is missing, holds no certificate or a broken one', () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.pem');
    expect(configError({ ...BASE, TLSCHECK_CA_FILE: missing })).toContain(`TLSCHECK_CA_FILE ${missing} cannot be read (ENOENT)`);
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    expect(configError({ ...BASE, TLSCHECK_CA_FILE: empty })).toContain(`TLSCHECK_CA_FILE ${empty} holds no PEM certificate`);
    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, `${localhostCert().cert}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    expect(configError({ ...BASE, TLSCHECK_CA_FILE: broken })).toContain(`TLSCHECK_CA_FILE ${broken}: certificate 2 of 2 does not parse`);
  });
});
