// The cursor list behind every "Load more" in the admin: a refresh keeps the pages shown, and
// answers arriving out of order never undo a newer one. The list is an in-memory keyset over an
// array; each request waits until the test lets it answer, so interleavings are chosen, not timed.
import { describe, expect, it } from 'vitest';
import type { Page } from './api-client.ts';
import { createCursorPager, type CursorListState, walkPages } from './cursor-pager.ts';

const PAGE_SIZE = 2;

interface Row {
  id: string;
}

/** A list server over `rows` (read when each request answers): cursor = id of the last row sent. */
function createServer(initial: string[]) {
  let rows: Row[] = initial.map((id) => ({ id }));
  const waiting: Array<{ cursor: string | null; answer(): void; fail(err: Error): void }> = [];
  const pageAfter = (cursor: string | null): Page<Row> => {
    const start = cursor === null ? 0 : rows.findIndex((r) => r.id === cursor) + 1;
    const items = rows.slice(start, start + PAGE_SIZE);
    return { items, nextCursor: start + PAGE_SIZE < rows.length ? items[items.length - 1].id : null };
  };
  return {
    set(ids: string[]) {
      rows = ids.map((id) => ({ id }));
    },
    load(cursor: string | null, signal: AbortSignal): Promise<Page<Row>> {
      return new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        waiting.push({ cursor, answer: () => resolve(pageAfter(cursor)), fail: reject });
      });
    },
    /** Cursors of the requests waiting for an answer, oldest first. */
    get pending() {
      return waiting.map((w) => w.cursor);
    },
    /** Answers the oldest waiting request (or fails it), then lets the pager react. */
    async answer(err?: Error) {
      const next = waiting.shift();
      if (!next) throw new Error('no request is waiting');
      if (err) next.fail(err);
      else next.answer();
      await flush();
    },
    async answerAll() {
      while (waiting.length) await this.answer();
    },
  };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setUp(initial: string[]) {
  const server = createServer(initial);
  let state: CursorListState<Row> | null = null;
  const pager = createCursorPager<Row>({ load: (c, s) => server.load(c, s), idOf: (r) => r.id, onChange: (s) => (state = s) });
  const shown = () => state?.items.map((r) => r.id);
  const current = () => {
    if (!state) throw new Error('no state yet');
    return state;
  };
  return { server, pager, shown, current };
}

describe('a refresh keeps what "Load more" brought', () => {
  it('walks as many pages as are shown, with what changed meanwhile', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    pager.reset('k');
    await server.answerAll();
    void pager.loadMore();
    await server.answerAll();
    expect(shown()).toEqual(['a', 'b', 'c', 'd']);

    server.set(['new', 'a', 'c', 'd', 'e', 'f', 'g']); // one arrived first, b went away
    pager.refresh();
    expect(current().refreshing).toBe(true);
    expect(shown()).toEqual(['a', 'b', 'c', 'd']); // nothing leaves the screen while it loads
    expect(server.pending).toEqual([null]);
    await server.answerAll();
    expect(shown()).toEqual(['new', 'a', 'c', 'd']);
    expect(current()).toMatchObject({ nextCursor: 'd', refreshing: false, loading: false });
  });

  it('shows a row that moved down past the cursor while the walk ran once, where it came first', async () => {
    const server = createServer(['a', 'b', 'c', 'd']);
    const walked = walkPages<Row>((c, s) => server.load(c, s), (r) => r.id, () => 2, new AbortController().signal);
    await server.answer(); // a, b
    server.set(['b', 'c', 'a', 'd']); // a's score fell: it is now after the cursor (b)
    await server.answer(); // c, a
    expect((await walked).items.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('stops at the end of the list when rows went away', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c', 'd', 'e']);
    pager.reset('k');
    await server.answerAll();
    void pager.loadMore();
    await server.answerAll();
    void pager.loadMore();
    await server.answerAll();
    expect(shown()).toEqual(['a', 'b', 'c', 'd', 'e']);

    server.set(['a', 'b']);
    pager.refresh();
    await server.answerAll();
    expect(shown()).toEqual(['a', 'b']);
    expect(current().nextCursor).toBeNull();
  });

  it('folds a "Load more" in flight into the refresh', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c', 'd', 'e', 'f']);
    pager.reset('k');
    await server.answerAll();
    void pager.loadMore(); // page 2 asked, not answered
    expect(server.pending).toEqual(['b']);
    pager.refresh();
    expect(current().loadingMore).toBe(true);
    await server.answerAll(); // the old page-2 request was aborted; the walk asks pages 1 and 2
    expect(shown()).toEqual(['a', 'b', 'c', 'd']);
    expect(current()).toMatchObject({ loadingMore: false, nextCursor: 'd' });
  });

  it('walks one page further for a "Load more" clicked during the refresh', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c', 'd', 'e', 'f']);
    pager.reset('k');
    await server.answerAll();
    pager.refresh();
    void pager.loadMore();
    expect(current().loadingMore).toBe(true);
    expect(server.pending).toEqual([null]); // no second request beside the walk
    await server.answerAll();
    expect(shown()).toEqual(['a', 'b', 'c', 'd']);
    expect(current().loadingMore).toBe(false);
  });

  it('keeps the rows shown when the refresh fails, and says so', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c']);
    pager.reset('k');
    await server.answerAll();
    void pager.loadMore();
    await server.answerAll();
    pager.refresh();
    await server.answer(new Error('offline'));
    expect(shown()).toEqual(['a', 'b', 'c']);
    expect(current()).toMatchObject({ refreshing: false, nextCursor: null });
    expect(current().error?.message).toBe('offline');
  });
});

describe('answers that arrive late are dropped', () => {
  it('a new key starts over at the first page, and the previous key\'s page 2 does not land on it', async () => {
    const { server, pager, shown, current } = setUp(['a', 'b', 'c', 'd']);
    pager.reset('band=hot');
    await server.answerAll();
    void pager.loadMore();
    pager.reset('band=warm');
    expect(current()).toMatchObject({ key: 'band=warm', loading: true, loadingMore: false });
    server.set(['w', 'x', 'y']);
    await server.answerAll();
    expect(shown()).toEqual(['w', 'x']);
  });

  it('of two refreshes, the later one wins', async () => {
    const { server, pager, shown } = setUp(['a', 'b']);
    pager.reset('k');
    await server.answerAll();
    pager.refresh();
    server.set(['n', 'a', 'b']);
    pager.refresh();
    await server.answerAll();
    expect(shown()).toEqual(['n', 'a']);
  });

  it('a refresh while a new key\'s first page loads asks nothing more', async () => {
    const { server, pager } = setUp(['a', 'b']);
    pager.reset('k');
    pager.refresh();
    expect(server.pending).toEqual([null]);
  });
});
