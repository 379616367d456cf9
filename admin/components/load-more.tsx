// The foot of a cursor-paged list: the "load more" button while there is a next page (`end`
// once there is none), and the error of the last attempt to load one.
import type { ComponentChildren } from 'preact';
import type { CursorList } from '../use-cursor-list.ts';
import { Button } from './button.tsx';

export function LoadMore({ list, label = 'Load more', size, end }: {
  list: Pick<CursorList<unknown>, 'nextCursor' | 'loadingMore' | 'moreError' | 'loadMore'>;
  label?: string;
  size?: 'sm' | 'md';
  /** Shown instead of the button at the end of the list. */
  end?: ComponentChildren;
}) {
  return (
    <>
      {list.nextCursor ? (
        <Button variant="secondary" size={size} onClick={list.loadMore} loading={list.loadingMore} busyLabel="Loading…">
          {label}
        </Button>
      ) : (
        end
      )}
      {list.moreError && (
        <p class="field-error" role="alert">
          {list.moreError}
        </p>
      )}
    </>
  );
}
