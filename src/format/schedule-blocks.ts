// Block Kit pieces shared by the schedule alert, list and App Home builders. The shapes are the
// subset these builders emit: assignable to @slack/types' KnownBlock and to the Slack layer's
// Block (src/format/slack-blocks.ts), so the handlers can post them or append them to their own
// blocks. Every text goes through a limit here, so no caller can exceed one by accident.

export const LIMITS = {
  sectionText: 3000,
  headerText: 150,
  contextText: 3000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  messageBlocks: 50,
  viewBlocks: 100,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Notification fallback text: Slack takes 40k, but nobody reads past this. */
  fallbackText: 3000,
} as const;

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export interface ButtonElement {
  type: 'button';
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: {
    title: { type: 'plain_text'; text: string };
    text: { type: 'plain_text'; text: string };
    confirm: { type: 'plain_text'; text: string };
    deny: { type: 'plain_text'; text: string };
    style?: 'primary' | 'danger';
  };
}

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean }; block_id?: string }
  | { type: 'section'; text: MrkdwnText; block_id?: string; accessory?: ButtonElement }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'actions'; elements: ButtonElement[]; block_id?: string };

export interface Message {
  /** Notification and screen-reader text. */
  text: string;
  blocks: Block[];
}

export interface HomeView {
  type: 'home';
  callback_id?: string;
  blocks: Block[];
}

/** Cuts to max characters, ending in an ellipsis; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Slack mrkdwn treats &, < and > as control characters: server-supplied text must be escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that survives any content: backticks inside would end it early. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;
}

/** A fenced block, cut before fencing so the closing fence is never lost. */
export function codeBlock(text: string, max: number): string {
  return `\`\`\`${truncate(escapeMrkdwn(text).replace(/```/g, "'''"), Math.max(1, max - 6))}\`\`\``;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true } };
}

/** A section; `accessory` puts one button at its right, e.g. Re-run beside a line. */
export function section(mrkdwn: string, blockId?: string, accessory?: ButtonElement): Block {
  const block: Block = { type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.sectionText) } };
  if (blockId) block.block_id = truncate(blockId, LIMITS.blockId);
  if (accessory) block.accessory = accessory;
  return block;
}

export function context(...mrkdwn: string[]): Block {
  return {
    type: 'context',
    elements: mrkdwn.slice(0, LIMITS.contextElements).map((t) => ({ type: 'mrkdwn', text: truncate(t, LIMITS.contextText) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): ButtonElement {
  if (value.length > LIMITS.buttonValue) throw new Error(`Button value over ${LIMITS.buttonValue} characters`);
  const b: ButtonElement = {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: true },
    action_id: actionId,
    value,
  };
  if (style) b.style = style;
  return b;
}

export function withConfirm(b: ButtonElement, title: string, text: string, yes: string): ButtonElement {
  const plain = (t: string, max: number) => ({ type: 'plain_text' as const, text: truncate(t, max) });
  return {
    ...b,
    confirm: {
      title: plain(title, LIMITS.confirmTitle),
      text: plain(text, LIMITS.confirmText),
      confirm: plain(yes, LIMITS.confirmButton),
      deny: plain('Cancel', LIMITS.confirmButton),
      style: 'danger',
    },
  };
}

export const STATUS_EMOJI: Record<string, string> = {
  ok: ':white_check_mark:',
  info: ':information_source:',
  warning: ':warning:',
  error: ':x:',
  critical: ':rotating_light:',
  unreachable: ':electric_plug:',
  paused: ':double_vertical_bar:',
  unknown: ':grey_question:',
};

export function statusEmoji(status: string | undefined): string {
  return STATUS_EMOJI[status ?? 'unknown'] ?? STATUS_EMOJI.unknown!;
}

/** A date Slack shows in each reader's own time zone, with a UTC fallback for old clients. */
export function slackDate(ms: number): string {
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** "in 42 min", "3 h ago", "now". */
export function relative(ms: number, now: number): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  if (abs < 60_000) return 'now';
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min']];
  const [size, label] = units.find(([u]) => abs >= u) ?? [60_000, 'min'];
  const n = Math.round(abs / size);
  return diff > 0 ? `in ${n} ${label}` : `${n} ${label} ago`;
}

/** Packs lines into as few sections as the 3000-character limit allows; an overlong line is cut. */
export function packLines(lines: readonly string[], max: number = LIMITS.sectionText): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current === '') current = line;
    else if (current.length + 1 + line.length <= max) current += `\n${line}`;
    else {
      out.push(current);
      current = line;
    }
  }
  if (current !== '') out.push(current);
  return out;
}
