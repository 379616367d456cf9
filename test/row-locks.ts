// Deterministic interleavings for race tests: a transaction of the test's own, on its own
// connection, holds row locks while requests run into them; Postgres then says who waits on whom
// (`pg_blocking_pids`), so a test waits for "blocked" rather than sleeping and hoping.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { TestServer } from './app.ts';

const POLL_MS = 20;
const BLOCKED_WITHIN_MS = 15_000;

export interface LockHolder {
  /** The holder's backend pid, as `pg_blocking_pids` names it. */
  pid: number;
  /** Rolls the transaction back (whoever waits goes on) and closes the connection; safe to call twice. */
  release(): Promise<void>;
  /** Commits the transaction instead (its writes land, whoever waits goes on) and closes the connection. */
  commit(): Promise<void>;
}

/** Begins a transaction on a new connection and runs `statement` in it (e.g. `select … for update`), holding its locks until `release()`. */
export async function holdRowLocks(server: TestServer, statement: string, params: unknown[] = []): Promise<LockHolder> {
  const client = new pg.Client({ connectionString: server.config.DATABASE_URL });
  await client.connect();
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    await client.query('rollback').catch(() => undefined);
    await client.end();
  };
  const commit = async () => {
    if (!open) throw new Error('the holder has already ended its transaction');
    open = false;
    try {
      await client.query('commit');
    } finally {
      await client.end();
    }
  };
  try {
    await client.query('begin');
    const { rows } = await client.query(statement, params);
    if (rows.length === 0) throw new Error(`the holder locked no row: ${statement}`);
    const pid: number = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
    return { pid, release, commit };
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * Waits until a backend waits on a lock `blockerPid` holds, and returns that backend's pid. Fails
 * at once if `request` (the one expected to block) ends first, with what it answered.
 * The backend is any blocked one but those in `besides`: when several requests queue on the same
 * holder, pass the pids already returned for the others, or this answers at once with one of them
 * while `request` may not have reached the lock yet. `transitive`: also a backend queued behind
 * another waiter — two waiters of one row whose lock modes conflict with each other (FOR SHARE and
 * FOR NO KEY UPDATE) queue one behind the other, and `pg_blocking_pids` names the one ahead.
 */
export async function waitUntilBlockedBy(server: TestServer, blockerPid: number, request: Promise<unknown>, { besides = [], transitive = false }: {
  /** Backends not to answer (already returned for other requests); default none. */
  besides?: number[];
  /** Count a backend waiting on another waiter of `blockerPid` too; default false (directly blocked only). */
  transitive?: boolean;
} = {}): Promise<number> {
  let ended: { answer: unknown } | undefined;
  request.then((answer) => { ended = { answer }; }, (err: unknown) => { ended = { answer: String(err) }; });
  const deadline = Date.now() + BLOCKED_WITHIN_MS;
  const blocked = transitive
    ? `with recursive queued(pid) as (
         select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
         union
         select a.pid from pg_stat_activity a join queued q on q.pid = any(pg_blocking_pids(a.pid))
       ) select pid from queued where pid <> all($2::int[]) limit 1`
    : 'select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid)) and pid <> all($2::int[]) limit 1';
  for (;;) {
    const [row] = await server.sql<{ pid: number }>(blocked, [blockerPid, besides]);
    if (row) return row.pid;
    if (ended) throw new Error(`the request ended before it blocked on backend ${blockerPid}: ${JSON.stringify(ended.answer).slice(0, 300)}`);
    if (Date.now() > deadline) throw new Error(`no backend blocked on backend ${blockerPid} within ${BLOCKED_WITHIN_MS} ms`);
    await sleep(POLL_MS);
  }
}

/**
 * One interleaving, made deterministic: sends `first` and waits until it blocks on `holder`; sends
 * `second` and waits until it blocks on `first`; then releases the holder and returns both
 * answers. `first` is thereby caught mid-transaction holding whatever it locked before `holder`'s
 * rows, and `second` runs into exactly those locks.
 */
export async function sendQueuedBehind<A, B>(server: TestServer, holder: LockHolder, first: () => Promise<A>, second: () => Promise<B>): Promise<{ first: A; second: B }> {
  try {
    const firstAnswer = first();
    const firstPid = await waitUntilBlockedBy(server, holder.pid, firstAnswer);
    const secondAnswer = second();
    await waitUntilBlockedBy(server, firstPid, secondAnswer);
    await holder.release();
    return { first: await firstAnswer, second: await secondAnswer };
  } finally {
    await holder.release();
  }
}

/**
 * Sends every request while `holder` holds its lock, waits until that many backends of the
 * server's database wait on a lock (`pg_blocking_pids`), then releases the holder and returns the
 * answers in order: requests that would otherwise race by luck all meet at the lock at once.
 */
export async function sendAllBlocked<T>(server: TestServer, holder: LockHolder, requests: Array<() => Promise<T>>): Promise<T[]> {
  try {
    const sent = requests.map((r) => r());
    const deadline = Date.now() + BLOCKED_WITHIN_MS;
    for (;;) {
      const [{ n }] = await server.sql<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and cardinality(pg_blocking_pids(pid)) > 0',
      );
      if (n === requests.length) break;
      if (Date.now() > deadline) throw new Error(`${n} of ${requests.length} requests blocked within ${BLOCKED_WITHIN_MS} ms`);
      await sleep(POLL_MS);
    }
    await holder.release();
    return await Promise.all(sent);
  } finally {
    await holder.release();
  }
}
