// A local stand-in for Slack: the Web API (reached through SLACK_API_URL) and response_urls, on
// 127.0.0.1 only. It records every call, answers like Slack, and fails on demand (platform
// errors such as not_in_channel, 429 with Retry-After, HTTP 500). Plus request signing, so tests
// talk to the app exactly as Slack does.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** The bearer token sent, so tests can check which token was used. */
  token: string | null;
  at: number;
  /** What the stand-in answered (e.g. the ts of a posted message). */
  response?: Record<string, unknown>;
}

export interface ResponsePost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

/** A file sent through files.uploadV2: its metadata, the bytes posted to its upload URL, where it was shared. */
export interface UploadedFile {
  id: string;
  filename: string;
  /** The length files.getUploadURLExternal was told. */
  length: number;
  /** What arrived at the upload URL (null until it did). */
  content: string | null;
  /** Set by files.completeUploadExternal. */
  title?: string;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  completed: boolean;
}

export type Failure = { error: string } | { status: 429; retryAfter: number } | { status: number };

export interface SlackStandin {
  /** http://127.0.0.1:PORT/api/ — the value for SLACK_API_URL. */
  apiUrl: string;
  origin: string;
  /** A response_url on the stand-in; posts to it are recorded under `id`. */
  responseUrl(id: string): string;
  calls: RecordedCall[];
  responses: ResponsePost[];
  /** Files uploaded the way files.uploadV2 does it (getUploadURLExternal, POST, completeUploadExternal). */
  files: UploadedFile[];
  callsOf(method: string): RecordedCall[];
  /** The next `times` calls of `method` fail this way. */
  failNext(method: string, failure: Failure, times?: number): void;
  /**
   * Every chat.* and conversations.info call to `channel` answers { ok: false, error } (e.g. a
   * channel the bot is not in); with `chatOnly`, conversations.info still answers ok (the bot was
   * removed after the schedule was made).
   */
  closeChannel(channel: string, error: string, opts?: { chatOnly?: boolean }): void;
  /** Undoes closeChannel. */
  openChannel(channel: string): void;
  /** From now on `method` answers what `answer` returns for the call's arguments (users.info, users.conversations…). */
  answerWith(method: string, answer: (args: Record<string, unknown>) => Record<string, unknown>): void;
  /** The next `times` posts to response URLs answer with this HTTP status. */
  failResponseUrl(status: number, times?: number): void;
  /** Polls until `probe` returns a truthy value; rejects with `what` after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
  reset(): void;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  // The WebClient posts forms, with arrays and objects (blocks) JSON-encoded inside.
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export async function startSlackStandin(): Promise<SlackStandin> {
  const calls: RecordedCall[] = [];
  const responses: ResponsePost[] = [];
  const failures = new Map<string, Failure[]>();
  const closedChannels = new Map<string, { error: string; chatOnly: boolean }>();
  const custom = new Map<string, (args: Record<string, unknown>) => Record<string, unknown>>();
  let responseFailures: number[] = [];
  const files: UploadedFile[] = [];
  let origin = '';
  let tsCounter = 0;
  const nextTs = (): string => `1700000000.${String(++tsCounter).padStart(6, '0')}`;

  const reply = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof args.channel === 'string' ? args.channel : typeof args.channel_id === 'string' ? args.channel_id : undefined;
    const closed = channel ? closedChannels.get(channel) : undefined;
    const posts = method.startsWith('chat.') || method === 'files.completeUploadExternal';
    if (closed && (posts || (method === 'conversations.info' && !closed.chatOnly))) return { ok: false, error: closed.error };
    const own = custom.get(method);
    if (own) return own(args);
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://standin.slack.test/', team: 'Standin', user: 'tlscheck', team_id: 'T0STANDIN', user_id: 'U0BOT', bot_id: 'B0BOT' };
      case 'chat.postMessage':
        return { ok: true, channel, ts: nextTs(), message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.publish':
        return { ok: true, view: { id: 'V0HOME' } };
      case 'files.getUploadURLExternal': {
        // Slack's answer: where to POST the bytes, and the file's id. Here the URL is the stand-in's own.
        const id = `F${String(files.length + 1).padStart(6, '0')}`;
        if (typeof args.filename !== 'string' || !args.filename) return { ok: false, error: 'invalid_arguments' };
        files.push({ id, filename: args.filename, length: Number(args.length), content: null, completed: false });
        return { ok: true, upload_url: `${origin}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const listed = (Array.isArray(args.files) ? args.files : []) as { id?: string; title?: string }[];
        const done: Record<string, unknown>[] = [];
        for (const f of listed) {
          const file = files.find((x) => x.id === f.id);
          // Slack refuses to complete a file whose bytes never arrived.
          if (!file || file.content === null) return { ok: false, error: 'file_not_found' };
          Object.assign(file, { title: f.title, channel, threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : undefined, completed: true });
          if (typeof args.initial_comment === 'string') file.initialComment = args.initial_comment;
          done.push({ id: file.id, title: f.title ?? file.filename, name: file.filename });
        }
        return { ok: true, files: done };
      }
      default:
        return { ok: true };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: Record<string, unknown>;
      try {
        body = url.pathname.startsWith('/upload/') ? {} : parseBody(raw, req.headers['content-type']);
      } catch {
        reply(res, 400, { ok: false, error: 'invalid_json' });
        return;
      }
      const api = /^\/api\/([\w.]+)$/.exec(url.pathname);
      if (api?.[1]) {
        const method = api[1];
        const auth = req.headers.authorization;
        const call: RecordedCall = { method, args: body, token: auth?.startsWith('Bearer ') ? auth.slice(7) : null, at: Date.now() };
        calls.push(call);
        const failure = failures.get(method)?.shift();
        if (failure && 'error' in failure) return reply(res, 200, (call.response = { ok: false, error: failure.error }));
        if (failure && failure.status === 429 && 'retryAfter' in failure) {
          return reply(res, 429, (call.response = { ok: false, error: 'ratelimited' }), { 'retry-after': String(failure.retryAfter) });
        }
        if (failure) return reply(res, failure.status, (call.response = { ok: false, error: 'fatal_error' }));
        return reply(res, 200, (call.response = answer(method, body)));
      }
      const upload = /^\/upload\/(F\d+)$/.exec(url.pathname);
      if (upload?.[1]) {
        const file = files.find((f) => f.id === upload[1]);
        if (!file) return reply(res, 404, { ok: false, error: 'file_not_found' });
        // The WebClient posts the bytes as multipart/form-data (one part); read it back as a form.
        const form = new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } });
        form
          .formData()
          .then(async (data) => {
            const part = [...data.values()][0];
            file.content = part === undefined ? null : typeof part === 'string' ? part : await part.text();
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(`OK - ${file.content?.length ?? 0}`);
          })
          .catch(() => reply(res, 400, { ok: false, error: 'invalid_form_data' }));
        return;
      }
      const hook = /^\/response\/([\w-]+)$/.exec(url.pathname);
      if (hook?.[1]) {
        responses.push({ id: hook[1], body, at: Date.now() });
        const status = responseFailures.shift();
        if (status) return reply(res, status, { ok: false });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      reply(res, 404, { ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${origin}/api/`,
    origin,
    responseUrl: (id) => `${origin}/response/${id}`,
    calls,
    responses,
    files,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, failure, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    closeChannel(channel, error, opts = {}) {
      closedChannels.set(channel, { error, chatOnly: opts.chatOnly === true });
    },
    openChannel(channel) {
      closedChannels.delete(channel);
    },
    answerWith(method, answer) {
      custom.set(method, answer);
    },
    failResponseUrl(status, times = 1) {
      responseFailures = [...responseFailures, ...Array<number>(times).fill(status)];
    },
    async waitFor(probe, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const v = probe();
        if (v) return v;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    reset() {
      calls.length = 0;
      responses.length = 0;
      failures.clear();
      closedChannels.clear();
      custom.clear();
      files.length = 0;
      responseFailures = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Signed requests, as Slack sends them

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedResponse {
  status: number;
  text: string;
  json: Record<string, unknown> | null;
  /** Time from sending the request to the full response: the ack time Slack measures. */
  ms: number;
}

export interface SignOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Overrides the computed signature (a forged request). */
  signature?: string;
}

export async function sendSigned(url: string, secret: string, body: string, contentType: string, opts: SignOptions = {}): Promise<SignedResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json, ms };
}

export interface SlashFields {
  text: string;
  channel_id?: string;
  user_id?: string;
  response_url?: string;
  channel_name?: string;
}

/** A `/tlscheck` slash command as Slack posts it (form-encoded). */
export function sendSlashCommand(url: string, secret: string, fields: SlashFields, opts: SignOptions = {}): Promise<SignedResponse> {
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0STANDIN',
    team_domain: 'standin',
    channel_id: fields.channel_id ?? 'C0CHECKS',
    channel_name: fields.channel_name ?? 'checks',
    user_id: fields.user_id ?? 'U0ALICE',
    user_name: 'alice',
    command: '/tlscheck',
    text: fields.text,
    api_app_id: 'A0TLSCHECK',
    response_url: fields.response_url ?? 'https://hooks.slack.com/commands/T0/1/unused',
    trigger_id: '1.2.3',
  }).toString();
  return sendSigned(url, secret, body, 'application/x-www-form-urlencoded', opts);
}

export interface ButtonClick {
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
  user?: string;
}

/** A button press (block_actions), as Slack posts it: form field `payload` holding JSON. */
export function sendButton(url: string, secret: string, click: ButtonClick, opts: SignOptions = {}): Promise<SignedResponse> {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: click.user ?? 'U0ALICE', username: 'alice', team_id: 'T0STANDIN' },
    api_app_id: 'A0TLSCHECK',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: click.messageTs, channel_id: click.channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: click.channel, name: 'checks' },
    message: { type: 'message', ts: click.messageTs, text: 'verdict', blocks: [] },
    response_url: click.responseUrl,
    actions: [{ type: 'button', action_id: click.actionId, block_id: 'tlscheck_result_actions', value: click.value, text: { type: 'plain_text', text: 'x' }, action_ts: String(Date.now() / 1000) }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSigned(url, secret, body, 'application/x-www-form-urlencoded', opts);
}

/** A button pressed on the App Home tab: the payload carries the view, not a message or response_url. */
export function sendHomeButton(url: string, secret: string, click: { actionId: string; value: string; user: string; blockId?: string }, opts: SignOptions = {}): Promise<SignedResponse> {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: click.user, username: click.user.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0TLSCHECK',
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: 'V0HOME' },
    trigger_id: `trigger-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    view: { id: 'V0HOME', type: 'home', callback_id: 'tlscheck_home', team_id: 'T0STANDIN', app_id: 'A0TLSCHECK', blocks: [], state: { values: {} }, hash: 'h1' },
    actions: [{ type: 'button', action_id: click.actionId, block_id: click.blockId ?? `sched_${click.value}`, value: click.value, text: { type: 'plain_text', text: 'x' }, action_ts: String(Date.now() / 1000) }],
  };
  return sendSigned(url, secret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
}

/** An Events API callback (e.g. app_home_opened), JSON as Slack posts it. */
export function sendEvent(url: string, secret: string, event: Record<string, unknown>, opts: SignOptions = {}): Promise<SignedResponse> {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0STANDIN',
    api_app_id: 'A0TLSCHECK',
    event,
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.random().toString(36).slice(2, 8)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0STANDIN', user_id: 'U0BOT', is_bot: true }],
  });
  return sendSigned(url, secret, body, 'application/json', opts);
}

export interface MessageShortcutPress {
  callbackId: string;
  channel: string;
  /** The message the shortcut was used on. */
  message: { ts: string; text: string; thread_ts?: string; user?: string };
  responseUrl: string;
  user?: string;
}

/** A message shortcut (message_action), as Slack posts it: form field `payload` holding JSON. */
export function sendMessageShortcut(url: string, secret: string, press: MessageShortcutPress, opts: SignOptions = {}): Promise<SignedResponse> {
  const payload = {
    type: 'message_action',
    token: 'legacy-verification-token',
    action_ts: String(Date.now() / 1000),
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: press.user ?? 'U0ALICE', name: 'alice', team_id: 'T0STANDIN' },
    channel: { id: press.channel, name: 'incident' },
    is_enterprise_install: false,
    callback_id: press.callbackId,
    trigger_id: '1.2.3',
    response_url: press.responseUrl,
    message_ts: press.message.ts,
    message: { type: 'message', user: press.message.user ?? 'U0BOB', ...press.message },
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSigned(url, secret, body, 'application/x-www-form-urlencoded', opts);
}
