// The state machine behind useCursorList, without Preact: a keyset-paginated list ({items,
// nextCursor} pages) that starts over at the first page for a new key, appends a page on "Load
// more", and refreshes in place. A refresh (a timer, the tab's focus, a live event, an action
// that changes the list) walks again as many pages as are shown and swaps them in at once, so
// what "Load more" brought stays on screen and rows that moved between pages show once.
//
// Guarantees (admin/cursor-pager.test.ts):
// - an answer is applied only if no reset or refresh started after it was asked for;
// - a refresh started while "Load more" is in flight walks that page too (the click is not lost);
// - "Load more" clicked while a refresh is in flight makes the refresh walk one page further.
import { errorMessage, type Page } from './api-client.ts';

export interface CursorListState<T> {
  /** The key the items were asked for (the previous key's items stay while a new key loads). */
  key: string;
  items: T[];
  nextCursor: string | null;
  /** The first page of a new key (or a reload) is loading. */
  loading: boolean;
  /** A refresh in place is loading (the items shown stay until it answers). */
  refreshing: boolean;
  /** Loading the first page or refreshing failed (the items, if any, are from before). */
  error: Error | null;
  loadingMore: boolean;
  moreError: string | null;
}

export type LoadPage<T> = (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;

export function initialCursorListState<T>(): CursorListState<T> {
  return { key: '', items: [], nextCursor: null, loading: true, refreshing: false, error: null, loadingMore: false, moreError: null };
}

/**
 * Loads pages from the first one until `wantedPages()` pages are in (read after each page, so it
 * can grow while the walk runs) or the list ends; an item on two pages (it moved while the walk
 * ran) is kept once, where it came first.
 */
export async function walkPages<T>(load: LoadPage<T>, idOf: (item: T) => string, wantedPages: () => number, signal: AbortSignal): Promise<Page<T> & { pages: number }> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await load(cursor, signal);
    for (const item of page.items) {
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      items.push(item);
    }
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < wantedPages());
  return { items, nextCursor: cursor, pages };
}

export interface CursorPager {
  /** Starts over at the first page for `key` (a new key, or a retry after an error). */
  reset(key: string): void;
  /** Loads again every page shown, replacing them in one go; nothing is dropped from view meanwhile. */
  refresh(): void;
  /** Appends the next page (nothing at the end, or while a new key's first page loads). */
  loadMore(): Promise<void>;
  /** Drops every answer still to come (the component went away). */
  dispose(): void;
}

export function createCursorPager<T>({ load, idOf, onChange }: {
  load: LoadPage<T>;
  idOf: (item: T) => string;
  onChange(state: CursorListState<T>): void;
}): CursorPager {
  let state = initialCursorListState<T>();
  /** Pages the items came from. */
  let pages = 0;
  /** Pages the running walk (reset or refresh) goes to. */
  let wanted = 0;
  let walk: AbortController | null = null;
  let more: AbortController | null = null;
  let disposed = false;

  const set = (patch: Partial<CursorListState<T>>) => {
    state = { ...state, ...patch };
    if (!disposed) onChange(state);
  };
  const toError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

  const startWalk = async (kind: 'reset' | 'refresh') => {
    walk?.abort();
    // A "Load more" in flight is folded into a refresh (its page is walked again) and dropped by a reset.
    const folded = kind === 'refresh' && more !== null;
    more?.abort();
    more = null;
    const controller = new AbortController();
    walk = controller;
    wanted = kind === 'reset' ? 1 : Math.max(pages, 1) + (folded ? 1 : 0);
    try {
      const answer = await walkPages(load, idOf, () => wanted, controller.signal);
      if (walk !== controller) return;
      walk = null;
      pages = answer.pages;
      set({ items: answer.items, nextCursor: answer.nextCursor, loading: false, refreshing: false, error: null, loadingMore: false, moreError: null });
    } catch (err) {
      if (walk !== controller) return;
      walk = null;
      set({ loading: false, refreshing: false, error: toError(err), loadingMore: false });
    }
  };

  return {
    reset(key) {
      set({ key, loading: true, refreshing: false, error: null, loadingMore: false, moreError: null });
      void startWalk('reset');
    },
    refresh() {
      // A new key's first page is on its way: it is as fresh as a refresh would be.
      if (state.loading) return;
      set({ refreshing: true });
      void startWalk('refresh');
    },
    async loadMore() {
      if (!state.nextCursor || state.loadingMore || state.loading) return;
      if (walk) {
        // A refresh is walking the pages shown: let it walk one more.
        wanted++;
        set({ loadingMore: true, moreError: null });
        return;
      }
      const controller = new AbortController();
      more = controller;
      set({ loadingMore: true, moreError: null });
      try {
        const page = await load(state.nextCursor, controller.signal);
        if (more !== controller) return;
        more = null;
        pages++;
        const seen = new Set(state.items.map(idOf));
        set({ items: [...state.items, ...page.items.filter((item) => !seen.has(idOf(item)))], nextCursor: page.nextCursor, loadingMore: false });
      } catch (err) {
        if (more !== controller) return;
        more = null;
        set({ loadingMore: false, moreError: errorMessage(err) });
      }
    },
    dispose() {
      disposed = true;
      walk?.abort();
      more?.abort();
    },
  };
}

