// Spreads content over as many blocks and messages as Slack's limits require. Nothing is ever
// dropped: long text is wrapped (code fences closed and reopened), long messages continue in
// the next one with a "part i of n" marker.
import {
  SLACK_LIMITS, blockChars, context, esc, fieldsSection, section,
  type Block, type ContextBlock, type SectionBlock, type SlackMessage,
} from './blocks.js';

const FENCE = '```';
/** "```\n" before a chunk and "\n```" after it, when a code block spans the cut. */
const FENCE_RESERVE = 2 * (FENCE.length + 1);

function fenceCount(line: string): number {
  return line.split(FENCE).length - 1;
}

/**
 * Moves a cut back to before an entity (&amp;) or a link (<url|label>) it would break, as long
 * as that keeps at least half a piece: a broken entity shows as garbage, a broken link as text.
 */
function avoidMarkup(text: string, cut: number, max: number): number {
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp >= 0 && cut - amp < 8 && !text.slice(amp, cut).includes(';') && /^&[#a-z0-9]*;/i.test(text.slice(amp, amp + 10))) {
    cut = amp;
  }
  const open = text.lastIndexOf('<', cut - 1);
  if (open >= max / 2 && open > text.lastIndexOf('>', cut - 1) && text.indexOf('>', cut) >= 0) cut = open;
  return cut;
}

/** Cuts one line into pieces of at most `max`, preferring spaces, never inside a surrogate pair or a run of backticks. */
function breakLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    while (cut > 1 && rest[cut - 1] === '`') cut--;
    cut = avoidMarkup(rest, cut, max);
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** Splits text into chunks of at most `max` characters, at line breaks where it can. */
export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const budget = max - FENCE_RESERVE;
  if (budget < 16) throw new RangeError(`splitText: max ${max} leaves no room for content`);
  const lines = text.split('\n').flatMap((l) => breakLine(l, budget));
  const chunks: string[] = [];
  let cur: string[] = [];
  let curLen = 0;
  let openAtStart = false;
  let inFence = false;
  const flush = (closeFence: boolean): void => {
    // A chunk must not end on the fence that opens a code block: that line moves to the next chunk.
    const last = cur[cur.length - 1];
    let carried: string | undefined;
    if (closeFence && inFence && cur.length > 1 && last !== undefined && fenceCount(last) % 2 === 1 && last.trim().startsWith(FENCE)) {
      carried = cur.pop();
      inFence = false;
    }
    let body = cur.join('\n');
    if (openAtStart) body = `${FENCE}\n${body}`;
    if (closeFence && inFence) body = `${body}\n${FENCE}`;
    chunks.push(body);
    openAtStart = inFence;
    cur = [];
    curLen = 0;
    if (carried !== undefined) push(carried);
  };
  const push = (line: string): void => {
    cur.push(line);
    curLen += (cur.length > 1 ? 1 : 0) + line.length;
    if (fenceCount(line) % 2 === 1) inFence = !inFence;
  };
  for (const line of lines) {
    if (cur.length > 0 && curLen + 1 + line.length > budget) flush(true);
    push(line);
  }
  if (cur.length > 0) flush(false);
  return chunks;
}

const textSections = (text: string): SectionBlock[] => splitText(text, SLACK_LIMITS.sectionText).map((t) => section(t));

function fitSection(block: SectionBlock): Block[] {
  const out: Block[] = [];
  if (block.text) {
    const parts = textSections(block.text.text);
    if (block.block_id !== undefined && parts[0]) parts[0].block_id = block.block_id;
    if (block.accessory && parts[0]) parts[0].accessory = block.accessory;
    out.push(...parts);
  }
  const fields = block.fields ?? [];
  let group: string[] = [];
  const flushGroup = (): void => {
    if (group.length > 0) out.push(fieldsSection(group));
    group = [];
  };
  for (const f of fields) {
    if (f.text.length > SLACK_LIMITS.fieldText) {
      flushGroup();
      out.push(...textSections(f.text));
      continue;
    }
    group.push(f.text);
    if (group.length === SLACK_LIMITS.sectionFields) flushGroup();
  }
  flushGroup();
  return out;
}

function fitContext(block: ContextBlock): Block[] {
  const out: Block[] = [];
  let group: string[] = [];
  const flushGroup = (): void => {
    if (group.length > 0) out.push(context(...group));
    group = [];
  };
  for (const e of block.elements) {
    if (e.text.length > SLACK_LIMITS.contextText) {
      flushGroup();
      out.push(...textSections(e.text));
      continue;
    }
    group.push(e.text);
    if (group.length === SLACK_LIMITS.contextElements) flushGroup();
  }
  flushGroup();
  return out;
}

/** One block as one or more blocks that each respect Slack's per-block limits. */
export function fitBlock(block: Block): Block[] {
  switch (block.type) {
    case 'section':
      return fitSection(block);
    case 'header':
      // A header is plain text limited to 150: a longer title becomes a bold section instead of being cut.
      return block.text.text.length <= SLACK_LIMITS.headerText ? [block] : textSections(`*${esc(block.text.text)}*`);
    case 'context':
      return fitContext(block);
    case 'actions': {
      const out: Block[] = [];
      for (let i = 0; i < block.elements.length; i += SLACK_LIMITS.actionElements) {
        out.push({ ...block, block_id: i === 0 ? block.block_id : undefined, elements: block.elements.slice(i, i + SLACK_LIMITS.actionElements) });
      }
      return out;
    }
    case 'divider':
      return [block];
  }
}

export interface PaginateOptions {
  maxBlocks?: number;
  maxChars?: number;
  /** Adds a "part i of n" line to every page when there is more than one. Default true. */
  markParts?: boolean;
}

/** Splits blocks into pages that each fit one message. */
export function paginate(blocks: readonly Block[], opts: PaginateOptions = {}): Block[][] {
  const markParts = opts.markParts ?? true;
  const maxBlocks = (opts.maxBlocks ?? SLACK_LIMITS.blocksPerMessage) - (markParts ? 1 : 0);
  const maxChars = opts.maxChars ?? SLACK_LIMITS.messageChars;
  const pages: Block[][] = [];
  let page: Block[] = [];
  let chars = 0;
  for (const block of blocks.flatMap(fitBlock)) {
    const n = blockChars(block);
    if (page.length > 0 && (page.length + 1 > maxBlocks || chars + n > maxChars)) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    // A divider opening a continuation separates nothing.
    if (page.length === 0 && pages.length > 0 && block.type === 'divider') continue;
    page.push(block);
    chars += n;
  }
  if (page.length > 0 || pages.length === 0) pages.push(page);
  if (markParts && pages.length > 1) {
    pages.forEach((p, i) => p.push(context(`_Part ${i + 1} of ${pages.length}_`)));
  }
  return pages;
}

/** Pages as messages with a fallback text naming the part. */
export function toMessages(blocks: readonly Block[], text: string, opts: PaginateOptions = {}): SlackMessage[] {
  const pages = paginate(blocks, opts);
  return pages.map((b, i) => ({ text: pages.length > 1 ? `${text} (part ${i + 1} of ${pages.length})` : text, blocks: b }));
}
