// The HTTP receiver for Slack's requests. Bolt's own HTTPReceiver reads a body of any signature
// up to its limit before checking it, accepts timestamps from the future, runs a replayed request
// again, and throws on a signed `payload=null`; this one refuses each before any listener runs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ListenOptions } from 'node:net';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../src/log.js';
import type { AckOrder } from './ack-order.js';

/** Slack's own window for a request's timestamp (its docs: "more than five minutes" is a replay). */
export const MAX_AGE_SEC = 5 * 60;
/** A request stamped later than this is refused: clocks drift by seconds, not by a day. */
export const MAX_FUTURE_SEC = 60;
/**
 * Slack's largest bodies are block_actions payloads, which carry the whole message the button
 * sits on: 50 blocks of up to 3,000 characters, form-encoded (up to 3 bytes per character).
 */
export const DEFAULT_BODY_LIMIT = 640 * 1024;
/** Bodies read at once; past it a request is refused, so unsigned floods cannot hold memory. */
export const DEFAULT_MAX_READING = 32;
/** Slack's event retries come within minutes; an hour covers them with room to spare. */
export const EVENT_RETRY_WINDOW_SEC = 3_600;
/** Slack gives up after 3 s; a listener that never acks is answered just after. */
const ACK_TIMEOUT_MS = 3_100;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Path of Slack's requests (default /slack/events). */
  path?: string;
  bodyLimit?: number;
  maxReading?: number;
  /**
   * Records a key (a request's signature, or an event's id); resolves false if it was seen before
   * (a replay, a retry). Shared by every web replica through Redis; keeps a key for `ttlSec`.
   */
  firstSeen: (key: string, ttlSec: number) => Promise<boolean>;
  /** GET routes beside Slack's (health, metrics). */
  routes?: Record<string, RouteHandler>;
  now?: () => number;
  /** Told of every Slack request from its arrival until its answer, so that work after acks can wait for them. */
  ackOrder?: Pick<AckOrder, 'begin' | 'end'>;
}

export type Refusal = { status: number; reason: string };

/** Header checks that need no body: a request failing them is refused before it is read. */
export function refuseHeaders(headers: IncomingMessage['headers'], nowSec: number, limit: number): Refusal | null {
  const signature = headers['x-slack-signature'];
  const stamp = headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/.test(signature)) return { status: 401, reason: 'missing or malformed signature' };
  if (typeof stamp !== 'string' || !/^\d{1,12}$/.test(stamp)) return { status: 401, reason: 'missing or malformed timestamp' };
  const age = nowSec - Number(stamp);
  if (age > MAX_AGE_SEC) return { status: 401, reason: 'stale timestamp' };
  if (-age > MAX_FUTURE_SEC) return { status: 401, reason: 'timestamp in the future' };
  const length = Number(headers['content-length'] ?? 0);
  if (length > limit) return { status: 413, reason: 'body too large' };
  return null;
}

export function validSignature(secret: string, stamp: string, body: Buffer, signature: string): boolean {
  const mac = createHmac('sha256', secret).update(`v0:${stamp}:`).update(body).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return given.length === mac.length && timingSafeEqual(given, mac);
}

/** The body Bolt expects: an object, whatever the content type. Anything else is a 400. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> | null {
  try {
    if (contentType?.startsWith('application/json')) return asObject(JSON.parse(raw));
    const form = Object.fromEntries(new URLSearchParams(raw));
    if ('payload' in form) return asObject(JSON.parse(form.payload ?? ''));
    return form;
  } catch {
    return null;
  }
}

const asObject = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined || body === '') {
    res.writeHead(status).end();
  } else if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  } else {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private server: Server | undefined;
  private reading = 0;
  private readonly opts: Required<Omit<ReceiverOptions, 'routes' | 'ackOrder'>> & Pick<ReceiverOptions, 'ackOrder'> & { routes: Record<string, RouteHandler> };

  constructor(opts: ReceiverOptions) {
    this.opts = {
      path: '/slack/events',
      bodyLimit: DEFAULT_BODY_LIMIT,
      maxReading: DEFAULT_MAX_READING,
      routes: {},
      now: Date.now,
      ...opts,
    };
  }

  init(app: App): void {
    this.app = app;
  }

  /** Listens (port 0: any free one); resolves to the server. */
  start(listen: ListenOptions): Promise<Server> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Slack request failed');
        send(res, 500);
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen, () => resolve(server));
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && this.opts.routes[path]) return void (await this.opts.routes[path](req, res));
    if (path !== this.opts.path) return send(res, 404);
    if (req.method !== 'POST') return send(res, 405);
    this.countUntilAnswered(res);
    const log = this.opts.logger;
    const refusal = refuseHeaders(req.headers, Math.floor(this.opts.now() / 1000), this.opts.bodyLimit);
    if (refusal) {
      log.info({ status: refusal.status, reason: refusal.reason }, 'Slack request refused');
      req.resume();
      return send(res, refusal.status);
    }
    if (this.reading >= this.opts.maxReading) {
      log.warn({ reading: this.reading }, 'Slack request refused: too many bodies being read at once');
      req.resume();
      return send(res, 503);
    }
    this.reading++;
    let raw: Buffer | null;
    try {
      raw = await readBody(req, this.opts.bodyLimit);
    } finally {
      this.reading--;
    }
    if (!raw) return send(res, 413);
    const signature = req.headers['x-slack-signature'] as string;
    if (!validSignature(this.opts.signingSecret, req.headers['x-slack-request-timestamp'] as string, raw, signature)) {
      log.info('Slack request refused: signature mismatch');
      return send(res, 401);
    }
    const body = parseBody(raw.toString('utf8'), req.headers['content-type']);
    if (!body) {
      log.info('Slack request refused: body is not an object');
      return send(res, 400);
    }
    if (body.type === 'url_verification') return send(res, 200, { challenge: body.challenge });
    if (body.ssl_check !== undefined) return send(res, 200);
    // A signature covers the timestamp and the body, so the same one twice is the same request:
    // run once; the copy is acknowledged, so a replayer learns nothing.
    if (!(await this.firstSeen(`sig:${signature.slice(3, 35)}`))) {
      log.warn('Slack request refused: replayed signature');
      return send(res, 200);
    }
    // Slack retries an event it thinks was not acknowledged (up to three times, the last about
    // five minutes later), newly signed: its event_id is what stays the same. An @mention retried
    // must not run its check twice.
    if (body.type === 'event_callback' && typeof body.event_id === 'string' && !(await this.firstSeen(`event:${body.event_id}`, EVENT_RETRY_WINDOW_SEC))) {
      log.info({ eventId: body.event_id, retry: req.headers['x-slack-retry-num'] }, 'Slack event retry acknowledged; it already ran');
      return send(res, 200);
    }
    await this.dispatch(req, res, body);
  }

  private countUntilAnswered(res: ServerResponse): void {
    const order = this.opts.ackOrder;
    if (!order) return;
    order.begin();
    let counted = true;
    const end = (): void => {
      if (!counted) return;
      counted = false;
      order.end();
    };
    res.once('finish', end);
    res.once('close', end);
  }

  /** Redis trouble must not stop the bot answering; nothing can be queued then anyway. */
  private async firstSeen(key: string, ttlSec = MAX_AGE_SEC + MAX_FUTURE_SEC): Promise<boolean> {
    try {
      return await this.opts.firstSeen(key, ttlSec);
    } catch (err) {
      this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'replay guard unavailable (Redis); request let through');
      return true;
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const app = this.app;
    if (!app) return send(res, 503);
    let acked = false;
    const timer = setTimeout(() => {
      if (acked) return;
      acked = true;
      this.opts.logger.warn('no listener acknowledged a Slack request in time');
      send(res, 404);
    }, ACK_TIMEOUT_MS);
    const event: ReceiverEvent = {
      body,
      retryNum: numberHeader(req, 'x-slack-retry-num'),
      retryReason: stringHeader(req, 'x-slack-retry-reason'),
      // eslint-disable-next-line @typescript-eslint/require-await -- Bolt's ack contract is async; this one answers synchronously.
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        clearTimeout(timer);
        send(res, 200, response);
      },
    };
    try {
      await app.processEvent(event);
    } catch (err) {
      clearTimeout(timer);
      this.opts.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'a listener failed');
      if (!acked) {
        acked = true;
        send(res, 500);
      }
    }
  }
}

const stringHeader = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
};
const numberHeader = (req: IncomingMessage, name: string): number | undefined => {
  const v = Number(stringHeader(req, name));
  return Number.isInteger(v) ? v : undefined;
};
