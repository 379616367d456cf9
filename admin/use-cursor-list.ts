// A keyset-paginated list ({items, nextCursor} pages) with "Load more" (admin/cursor-pager.ts):
// the first page loads whenever `key` changes (filters), further pages are appended without
// duplicates, `refresh()` loads every page shown again in place (timers, focus, live events), and
// an answer overtaken by a newer key or refresh is dropped.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from './api-client.ts';
import { type CursorListState, createCursorPager, type CursorPager, initialCursorListState } from './cursor-pager.ts';

export interface CursorList<T> extends CursorListState<T> {
  /** Appends the next page (does nothing at the end or while a page is loading). */
  loadMore(): Promise<void>;
  /** Starts over at the first page (a retry after the first page failed). */
  reload(): void;
  /** Loads again as many pages as are shown and swaps them in: what "Load more" brought stays. */
  refresh(): void;
}

/**
 * `useCursorList(key, (cursor, signal) => api.list(filters, cursor, { signal }), (item) => item.id)`.
 * `key` names what is listed (the filters): a change starts over at the first page. Something
 * that only means "the data may have changed" calls `refresh()` instead of changing the key.
 * An item can move between two pages (a score changes); `idOf` keeps it from showing twice.
 */
export function useCursorList<T>(key: string, load: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>, idOf: (item: T) => string): CursorList<T> {
  const [state, setState] = useState<CursorListState<T>>(initialCursorListState);
  // The pager outlives renders; it calls the latest `load` (a closure over this render's filters).
  const latest = useRef({ load, idOf, key });
  latest.current = { load, idOf, key };
  const pager = useRef<CursorPager | null>(null);
  pager.current ??= createCursorPager<T>({
    load: (cursor, signal) => latest.current.load(cursor, signal),
    idOf: (item) => latest.current.idOf(item),
    onChange: setState,
  });

  useEffect(() => pager.current?.reset(key), [key]);
  useEffect(() => () => pager.current?.dispose(), []);

  const p = pager.current;
  return { ...state, loadMore: p.loadMore, reload: () => p.reset(latest.current.key), refresh: p.refresh };
}
