// A keyset-paginated list ({items, nextCursor} pages) with "Load more": the first page loads
// whenever `key` changes (filters, a reload), further pages are appended without duplicates, and
// an answer for a key that is no longer current is dropped.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, type Page } from './api-client.ts';

export interface CursorListState<T> {
  /** The key the items were asked for (the previous key's items stay while a new key loads). */
  key: string;
  items: T[];
  nextCursor: string | null;
  /** The first page is loading. */
  loading: boolean;
  /** Loading the first page failed (the items, if any, are from before). */
  error: Error | null;
  loadingMore: boolean;
  moreError: string | null;
}

export interface CursorList<T> extends CursorListState<T> {
  /** Appends the next page (does nothing at the end or while a page is loading). */
  loadMore(): Promise<void>;
  /** Loads the first page again. */
  reload(): void;
}

/**
 * `useCursorList(key, (cursor, signal) => api.list(filters, cursor, { signal }), (item) => item.id)`.
 * An item can move between two pages (a score changes); `idOf` keeps it from showing twice.
 */
export function useCursorList<T>(key: string, load: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>, idOf: (item: T) => string): CursorList<T> {
  const [state, setState] = useState<CursorListState<T>>({ key: '', items: [], nextCursor: null, loading: true, error: null, loadingMore: false, moreError: null });
  const [tick, setTick] = useState(0);
  const currentKey = useRef(key);
  currentKey.current = key;

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, key, loading: true, error: null, moreError: null }));
    load(null, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setState({ key, items: page.items, nextCursor: page.nextCursor, loading: false, error: null, loadingMore: false, moreError: null });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, loading: false, error: err instanceof Error ? err : new Error(String(err)) }));
      },
    );
    return () => controller.abort();
  }, [key, tick]);

  const loadMore = async () => {
    if (!state.nextCursor || state.loadingMore) return;
    const startedFor = key;
    setState((s) => ({ ...s, loadingMore: true, moreError: null }));
    try {
      const page = await load(state.nextCursor);
      if (currentKey.current !== startedFor) return;
      setState((s) => {
        const seen = new Set(s.items.map(idOf));
        return { ...s, items: [...s.items, ...page.items.filter((item) => !seen.has(idOf(item)))], nextCursor: page.nextCursor, loadingMore: false };
      });
    } catch (err) {
      if (currentKey.current !== startedFor) return;
      setState((s) => ({ ...s, loadingMore: false, moreError: errorMessage(err) }));
    }
  };

  return { ...state, loadMore, reload: () => setTick((n) => n + 1) };
}
