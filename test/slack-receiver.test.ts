// The HTTP receiver refuses what Bolt's own let through (issue 15, item 5): each attack is sent
// first and must be refused without reaching a listener, and a real request still works after it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, ReceiverEvent } from '@slack/bolt';
import { createLogger } from '../src/log.js';
import { DEFAULT_BODY_LIMIT, MAX_FUTURE_SEC, SlackHttpReceiver, parseBody } from '../handlers/receiver.js';
import { sendSigned, sendSlashCommand, slackSignature } from './helpers/slack-standin.js';

const SECRET = 'receiver-test-secret';
const events: ReceiverEvent[] = [];
const seen = new Set<string>();
let receiver: SlackHttpReceiver;
let url: string;
let port: number;

beforeAll(async () => {
  receiver = new SlackHttpReceiver({
    signingSecret: SECRET,
    logger: createLogger('silent'),
    firstSeen: async (sig) => !seen.has(sig) && Boolean(seen.add(sig)),
    routes: { '/healthz': (_req, res) => void res.writeHead(200).end('ok') },
  });
  // A stand-in for Bolt: records what reaches the listeners and acknowledges at once.
  receiver.init({ processEvent: async (e: ReceiverEvent) => { events.push(e); await e.ack(); } } as unknown as App);
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  port = (server.address() as { port: number }).port;
  url = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await receiver?.stop();
});

const form = (payload: string): string => new URLSearchParams({ payload }).toString();

describe('Slack HTTP receiver', () => {
  it('answers a signed payload=null (and JSON null) with 400, and keeps serving', async () => {
    const before = events.length;
    expect((await sendSigned(url, SECRET, form('null'), 'application/x-www-form-urlencoded')).status).toBe(400);
    expect((await sendSigned(url, SECRET, 'null', 'application/json')).status).toBe(400);
    expect((await sendSigned(url, SECRET, '[1,2]', 'application/json')).status).toBe(400);
    expect((await sendSigned(url, SECRET, form('{not json'), 'application/x-www-form-urlencoded')).status).toBe(400);
    expect(events.length).toBe(before);
    expect((await sendSlashCommand(url, SECRET, { text: 'example.com' })).status).toBe(200);
    expect(events.length).toBe(before + 1);
  });

  it('refuses an unsigned body from its headers, before reading it', async () => {
    // Headers promise 4 MB and no body is ever sent: an answer proves the body was not awaited.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/slack/events', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(4 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(401);
  });

  it('refuses a body over the limit with 413, signed or not', async () => {
    const big = JSON.stringify({ type: 'event_callback', pad: 'x'.repeat(DEFAULT_BODY_LIMIT) });
    expect((await sendSigned(url, SECRET, big, 'application/json')).status).toBe(413);
  });

  it('refuses a forged signature and a stale or future timestamp; accepts small clock drift', async () => {
    const before = events.length;
    const now = Math.floor(Date.now() / 1000);
    expect((await sendSlashCommand(url, SECRET, { text: 'a.example' }, { signature: `v0=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await sendSlashCommand(url, SECRET, { text: 'a.example' }, { timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await sendSlashCommand(url, SECRET, { text: 'a.example' }, { timestamp: now + 24 * 3600 })).status).toBe(401);
    expect((await sendSlashCommand(url, SECRET, { text: 'a.example' }, { timestamp: now + MAX_FUTURE_SEC + 5 })).status).toBe(401);
    expect(events.length).toBe(before);
    expect((await sendSlashCommand(url, SECRET, { text: 'a.example' }, { timestamp: now + 20 })).status).toBe(200);
    expect(events.length).toBe(before + 1);
  });

  it('runs a replayed signed request once', async () => {
    const before = events.length;
    const body = new URLSearchParams({ command: '/tlscheck', text: 'replay.example', user_id: 'U1', channel_id: 'C1' }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = slackSignature(SECRET, timestamp, body);
    for (let i = 0; i < 3; i++) {
      expect((await sendSigned(url, SECRET, body, 'application/x-www-form-urlencoded', { timestamp, signature })).status).toBe(200);
    }
    expect(events.length).toBe(before + 1);
  });

  it('runs an event once when Slack retries it (newly signed, same event_id)', async () => {
    const before = events.length;
    const event = (n: number): string =>
      JSON.stringify({ type: 'event_callback', event_id: 'Ev0RETRY1', event_time: n, event: { type: 'app_mention', user: 'U1', channel: 'C1', text: '<@UBOT> retry.example', ts: '1.0' } });
    const now = Math.floor(Date.now() / 1000);
    // Each retry has its own timestamp, hence its own signature: the replay guard alone lets it in.
    for (let i = 0; i < 3; i++) {
      const res = await sendSigned(url, SECRET, event(i), 'application/json', { timestamp: now + i });
      expect(res.status).toBe(200);
    }
    expect(events.length).toBe(before + 1);
    // Another event is not mistaken for a retry.
    expect((await sendSigned(url, SECRET, event(9).replace('Ev0RETRY1', 'Ev0OTHER2'), 'application/json')).status).toBe(200);
    expect(events.length).toBe(before + 2);
  });

  it('answers the URL verification challenge and serves its GET routes', async () => {
    const res = await sendSigned(url, SECRET, JSON.stringify({ type: 'url_verification', challenge: 'abc' }), 'application/json');
    expect(res.json).toEqual({ challenge: 'abc' });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });

  it('parses only objects', () => {
    expect(parseBody('a=1&b=2', 'application/x-www-form-urlencoded')).toEqual({ a: '1', b: '2' });
    expect(parseBody(form('{"type":"block_actions"}'), 'application/x-www-form-urlencoded')).toEqual({ type: 'block_actions' });
    expect(parseBody('"text"', 'application/json')).toBeNull();
    expect(parseBody(form('7'), undefined)).toBeNull();
  });
});
