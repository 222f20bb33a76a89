// The Block Kit subset tlscheck posts, Slack's limits as data, and a validator the splitter and
// the tests share. Pure: no Slack client here.

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface SectionBlock {
  type: 'section';
  text?: MrkdwnText;
  fields?: MrkdwnText[];
  block_id?: string;
}
export interface HeaderBlock {
  type: 'header';
  text: PlainText;
  block_id?: string;
}
export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}
export interface ContextBlock {
  type: 'context';
  elements: MrkdwnText[];
  block_id?: string;
}
export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
}
export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ButtonElement[];
}
export type Block = SectionBlock | HeaderBlock | DividerBlock | ContextBlock | ActionsBlock;

/** A message ready for chat.postMessage / chat.update / response_url. */
export interface SlackMessage {
  /** Notification and accessibility fallback; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
}

/**
 * Slack's documented limits (docs.slack.dev, Block Kit reference). `messageChars` is ours, not
 * Slack's: a budget that keeps one message readable and far from msg_too_long.
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
  messageChars: 12_000,
} as const;

export const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text });
export const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text) });
export const fieldsSection = (fields: string[]): SectionBlock => ({ type: 'section', fields: fields.map(mrkdwn) });
export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text) });
export const divider = (): DividerBlock => ({ type: 'divider' });
export const context = (...lines: string[]): ContextBlock => ({ type: 'context', elements: lines.map(mrkdwn) });

/**
 * Escapes text that came from a server or a user, so a certificate subject or Server header
 * cannot ping `<!channel>` or forge a link.
 */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code for untrusted text: escaped, and backticks cannot close the span early. */
export function code(text: string): string {
  return `\`${esc(text).replace(/`/g, "'")}\``;
}

/** A fenced block for untrusted text; triple backticks inside are broken up. */
export function codeBlock(text: string): string {
  return `\`\`\`${esc(text).replace(/```/g, '`\u200b``')}\`\`\``;
}

/** Characters a block contributes to a message, for the per-message budget. */
export function blockChars(block: Block): number {
  switch (block.type) {
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0);
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

/** Every limit a block breaks, in words; empty when Slack will accept it. */
export function blockViolations(block: Block): string[] {
  const out: string[] = [];
  const over = (what: string, len: number, max: number): void => {
    if (len > max) out.push(`${what} is ${len} characters (max ${max})`);
  };
  if ('block_id' in block && block.block_id !== undefined) over('block_id', block.block_id.length, SLACK_LIMITS.blockId);
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
      for (const e of block.elements) {
        over('button text', e.text.text.length, SLACK_LIMITS.buttonText);
        over('button value', e.value.length, SLACK_LIMITS.buttonValue);
        over('action_id', e.action_id.length, SLACK_LIMITS.actionId);
      }
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
