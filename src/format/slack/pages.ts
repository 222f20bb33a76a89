// Pages of a long list (`/tlscheck list`, the Home tab): which slice a page shows, and the
// Previous / Next buttons under it. A page past the end shows the last one, so a button pressed
// after schedules were removed still lands somewhere. Pure.
import { actions, button, type ActionsBlock } from './blocks.js';
import type { ActionId } from './actions.js';

export interface Page {
  /** 1-based, clamped to [1, pages]. */
  page: number;
  pages: number;
  /** Index of the page's first item. */
  offset: number;
  size: number;
  total: number;
}

export function pageOf(total: number, requested: number, size: number): Page {
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.floor(requested) || 1), pages);
  return { page, pages, offset: (page - 1) * size, size, total };
}

/** "26-50 of 200": what the page shows. */
export function pageRange(p: Page): string {
  const last = Math.min(p.total, p.offset + p.size);
  return p.total === 0 ? '0' : `${p.offset + 1}-${last} of ${p.total}`;
}

/** Previous / Next (only those that lead somewhere); null on a single page. */
export function pageButtons(p: Page, actionId: ActionId, blockId: string): ActionsBlock | null {
  if (p.pages <= 1) return null;
  const elements = [];
  if (p.page > 1) elements.push(button(`‹ Previous (${p.page - 1}/${p.pages})`, actionId, String(p.page - 1)));
  if (p.page < p.pages) elements.push(button(`Next (${p.page + 1}/${p.pages}) ›`, actionId, String(p.page + 1)));
  return actions(elements, blockId);
}
