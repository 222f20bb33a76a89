// tlscheck's Block Kit vocabulary, for every Slack surface (result, explain, help, schedule card and
// alert, Home, list): the block shapes (@slack/types, narrowed to what we emit), escaping,
// Slack's limits as data, and a validator. Builders never cut text: a view's message leaves
// either through toMessages() (slack/split.ts: spread over blocks and messages, nothing lost) or
// through oneMessage() (clamped to the limits, for surfaces that are one message by design).
// Pure: no Slack client here.
import type {
  ActionsBlock as KitActions, Button as KitButton, ContextBlock as KitContext, DividerBlock, HeaderBlock, HomeView as KitHomeView,
  MrkdwnElement, PlainTextElement, SectionBlock as KitSection,
} from '@slack/types';
import type { ActionId } from './actions.js';

export type { DividerBlock, HeaderBlock, MrkdwnElement, PlainTextElement };

/** A button: always an action id from slack/actions.ts and a value. */
export type ButtonElement = Omit<KitButton, 'action_id' | 'value' | 'text'> & { action_id: ActionId; value: string; text: PlainTextElement };
/** A section of mrkdwn text, or fields, with at most a button beside it. */
export type SectionBlock = Omit<KitSection, 'text' | 'fields' | 'accessory'> & { text?: MrkdwnElement; fields?: MrkdwnElement[]; accessory?: ButtonElement };
export type ContextBlock = Omit<KitContext, 'elements'> & { elements: MrkdwnElement[] };
export type ActionsBlock = Omit<KitActions, 'elements'> & { elements: ButtonElement[] };
/** The blocks tlscheck posts: each one is a @slack/types KnownBlock. */
export type Block = SectionBlock | HeaderBlock | DividerBlock | ContextBlock | ActionsBlock;

/** A message ready for chat.postMessage / chat.update / response_url / ack. */
export interface SlackMessage {
  /** Notification and accessibility fallback; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
}

export type HomeView = Omit<KitHomeView, 'blocks'> & { blocks: Block[]; callback_id: string };

/**
 * Slack's documented limits (docs.slack.dev, Block Kit reference). `messageChars` and
 * `fallbackText` are ours, not Slack's: budgets that keep one message readable and far from
 * msg_too_long.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerHomeView: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionElements: 25,
  actionId: 255,
  blockId: 255,
  contextElements: 10,
  contextText: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  messageChars: 12_000,
  fallbackText: 3000,
} as const;

// --- Escaping: every text that came from a server or a user goes through one of these. ----------

/**
 * Escapes mrkdwn's control characters, so a certificate subject, a Server header or a pasted
 * error cannot ping `<!channel>` or forge a link.
 */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * esc() for a message the bot composed around user input (a usage error, a schedule refusal),
 * keeping the one mention the bot writes there itself: a schedule's creator in "Only <@U…>, who
 * created schedule …" (src/schedule/model.ts). Anchored on that phrase, so a quoted word of the
 * user's (the parsers quote one word at a time) can never come back to life.
 */
export function escComposed(text: string): string {
  return esc(text).replace(/Only &lt;@([UW][A-Z0-9_]+)&gt;, who created schedule /g, 'Only <@$1>, who created schedule ');
}

/** Inline code for untrusted text: escaped, and a backtick inside cannot close the span early. */
export function code(text: string): string {
  return `\`${esc(text).replace(/`/g, "'")}\``;
}

/**
 * A fenced block for untrusted text; triple backticks inside are broken up. With `max`, cut to
 * fit in that many characters before fencing, so the closing fence is never lost.
 */
export function codeBlock(text: string, max?: number): string {
  const body = esc(text).replace(/```/g, '`\u200b``');
  return `\`\`\`${max === undefined ? body : truncate(body, Math.max(1, max - 6))}\`\`\``;
}

/** Cuts to max characters, ending in an ellipsis; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A user or channel mention; ids are Slack's own, escaped all the same. */
export const mentionUser = (id: string): string => `<@${esc(id)}>`;
export const mentionChannel = (id: string): string => `<#${esc(id)}>`;

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

/**
 * The notification/screen-reader text of a mrkdwn line: bold markers and backticks go, a date
 * becomes its UTC fallback. A cron expression's own asterisks stay: a bold marker hugs a word.
 */
export function plainText(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/\*([^*\s](?:[^*]*[^*\s])?)\*/g, '$1')
    .replace(/`/g, '');
}

// --- Builders ----------------------------------------------------------------------------------

export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });

/** A section of mrkdwn; `blockId` names it, `accessory` puts one button at its right. */
export function section(text: string, opts: { blockId?: string; accessory?: ButtonElement } = {}): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(text) };
  if (opts.blockId !== undefined) block.block_id = opts.blockId;
  if (opts.accessory) block.accessory = opts.accessory;
  return block;
}
export const fieldsSection = (fields: string[]): SectionBlock => ({ type: 'section', fields: fields.map(mrkdwn) });
/** plain_text with emoji: Unicode emoji render in a header as anywhere else. */
export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text) });
export const divider = (): DividerBlock => ({ type: 'divider' });
export const context = (...lines: string[]): ContextBlock => ({ type: 'context', elements: lines.map(mrkdwn) });
export const actions = (elements: ButtonElement[], blockId?: string): ActionsBlock =>
  blockId === undefined ? { type: 'actions', elements } : { type: 'actions', block_id: blockId, elements };

export function button(text: string, actionId: ActionId, value: string, style?: 'primary' | 'danger'): ButtonElement {
  // Values are ids and targets, far below the limit: over it is a bug, not a long input.
  if (value.length > SLACK_LIMITS.buttonValue) throw new RangeError(`button value is ${value.length} characters (max ${SLACK_LIMITS.buttonValue})`);
  const b: ButtonElement = { type: 'button', text: plain(truncate(text, SLACK_LIMITS.buttonText)), action_id: actionId, value };
  if (style) b.style = style;
  return b;
}

/** A button that asks "are you sure?" first (Remove). */
export function withConfirm(b: ButtonElement, title: string, text: string, yes: string): ButtonElement {
  const p = (t: string, max: number): PlainTextElement => ({ type: 'plain_text', text: truncate(t, max) });
  return {
    ...b,
    confirm: {
      title: p(title, SLACK_LIMITS.confirmTitle),
      text: p(text, SLACK_LIMITS.confirmText),
      confirm: p(yes, SLACK_LIMITS.confirmButton),
      deny: p('Cancel', SLACK_LIMITS.confirmButton),
      style: 'danger',
    },
  };
}

/** Packs lines into as few sections as the text limit allows; an overlong line is cut. */
export function packLines(lines: readonly string[], max: number = SLACK_LIMITS.sectionText): string[] {
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

// --- Surfaces that are one message (or one view) by design -------------------------------------

/** The block cut to Slack's per-block limits (text truncated, extra elements dropped). */
export function clampBlock(block: Block): Block {
  switch (block.type) {
    case 'section': {
      const out: SectionBlock = { ...block };
      if (block.text) out.text = mrkdwn(truncate(block.text.text, SLACK_LIMITS.sectionText));
      if (block.fields) out.fields = block.fields.slice(0, SLACK_LIMITS.sectionFields).map((f) => mrkdwn(truncate(f.text, SLACK_LIMITS.fieldText)));
      if (block.block_id !== undefined) out.block_id = truncate(block.block_id, SLACK_LIMITS.blockId);
      return out;
    }
    case 'header':
      return { ...block, text: plain(truncate(block.text.text, SLACK_LIMITS.headerText)) };
    case 'context':
      return { ...block, elements: block.elements.slice(0, SLACK_LIMITS.contextElements).map((e) => mrkdwn(truncate(e.text, SLACK_LIMITS.contextText))) };
    case 'actions':
      return { ...block, elements: block.elements.slice(0, SLACK_LIMITS.actionElements) };
    case 'divider':
      return block;
  }
}

/** A one-message surface: blocks clamped, fallback text escaped-as-given and bounded. */
export function oneMessage(text: string, blocks: readonly Block[]): SlackMessage {
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks: blocks.map(clampBlock) };
}

// --- Validation (the splitter and the tests share it) ----------------------------------------

/** Characters a block contributes to a message, for the per-message budget. */
export function blockChars(block: Block): number {
  switch (block.type) {
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0) + (block.accessory?.text.text.length ?? 0);
    case 'header':
      return block.text.text.length;
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    case 'actions':
      return block.elements.reduce((n, e) => n + e.text.text.length + e.value.length, 0);
    case 'divider':
      return 0;
  }
}

function buttonViolations(e: ButtonElement, over: (what: string, len: number, max: number) => void): void {
  over('button text', e.text.text.length, SLACK_LIMITS.buttonText);
  over('button value', e.value.length, SLACK_LIMITS.buttonValue);
  over('action_id', e.action_id.length, SLACK_LIMITS.actionId);
}

/** Every limit a block breaks, in words; empty when Slack will accept it. */
export function blockViolations(block: Block): string[] {
  const out: string[] = [];
  const over = (what: string, len: number, max: number): void => {
    if (len > max) out.push(`${what} is ${len} characters (max ${max})`);
  };
  if (block.block_id !== undefined) over('block_id', block.block_id.length, SLACK_LIMITS.blockId);
  switch (block.type) {
    case 'section':
      if (!block.text && !block.fields?.length) out.push('section has neither text nor fields');
      if (block.text) {
        over('section text', block.text.text.length, SLACK_LIMITS.sectionText);
        if (block.text.text.length === 0) out.push('section text is empty');
      }
      if (block.fields) {
        if (block.fields.length > SLACK_LIMITS.sectionFields) out.push(`section has ${block.fields.length} fields (max ${SLACK_LIMITS.sectionFields})`);
        for (const f of block.fields) over('field', f.text.length, SLACK_LIMITS.fieldText);
      }
      if (block.accessory) buttonViolations(block.accessory, over);
      break;
    case 'header':
      over('header', block.text.text.length, SLACK_LIMITS.headerText);
      break;
    case 'context':
      if (block.elements.length > SLACK_LIMITS.contextElements) out.push(`context has ${block.elements.length} elements (max ${SLACK_LIMITS.contextElements})`);
      for (const e of block.elements) over('context text', e.text.length, SLACK_LIMITS.contextText);
      break;
    case 'actions':
      if (block.elements.length > SLACK_LIMITS.actionElements) out.push(`actions has ${block.elements.length} elements (max ${SLACK_LIMITS.actionElements})`);
      for (const e of block.elements) buttonViolations(e, over);
      break;
    case 'divider':
      break;
  }
  return out;
}

/** Every limit a message breaks; `maxBlocks` is 100 for a Home tab view. */
export function messageViolations(blocks: readonly Block[], maxBlocks: number = SLACK_LIMITS.blocksPerMessage): string[] {
  const out = blocks.flatMap((b, i) => blockViolations(b).map((v) => `block ${i}: ${v}`));
  if (blocks.length > maxBlocks) out.push(`${blocks.length} blocks (max ${maxBlocks})`);
  return out;
}
