// Erasing a deleted account's data (`accounts.purge`, docs/accounts.md). DELETE /v1/account only
// marks the account (`users.deleted_at`) and stops it; this removes its rows, in chunks of short
// transactions, so an account of 100,000 leads and millions of events never holds one transaction
// (and its locks, and the WAL it pins) for minutes.
//
// Every step deletes "what is left", so the purge is idempotent and resumable: a worker killed
// mid-purge, or a purge stopped after a number of chunks, starts again from the top and finds the
// finished steps empty. The order matters because of the counters kept by triggers:
//   1. per site: analytics events (`lead_analytics` has no foreign key to sites, and deleting a
//      lead would cascade to its events in one statement), their replay keys, then visitors —
//      before the leads, because a lead's deletion sets its visitors' lead_id to null, a per-row
//      trigger move in visitor_daily_counts;
//   2. leads, a chunk at a time: each cascades to its inquiries, reminders, activities, alerts,
//      webhook messages (and their deliveries and attempts) and reported contacts; the triggers
//      append −1 rows to lead_band_counts / lead_daily_counts / inquiry_daily_counts;
//   3. webhook messages left without a lead;
//   4. the last transaction: with the user's row and its sites locked (no new lead, visitor or held
//      inquiry can be written for them), whatever ingest wrote meanwhile, the held inquiries, the
//      counter rows of its sites and of the user (the −1 rows included, so nothing is left to sum
//      to 0 and no count is wrong), the sites (cascading to their daily rollups and listings) and
//      the user row (cascading to everything small that is left: sessions, keys, settings, stages,
//      endpoints, emails).
// The user row goes last, and only once the `account_deleted` email is no longer waiting to be sent
// (it is rendered from that row), or ACCOUNT_PURGE_EMAIL_WAIT_MS after the deletion at the latest.
import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { holdCounterCompactions } from '../analytics/lead-daily-counts.ts';
import { HOUR_MS } from '../shared/time.ts';
import { INGEST_SITE_CACHE_TTL_MS } from '../sites/resolve-ingest-site.ts';

/** Rows per chunk for events, replay keys and visitors (one short statement each). */
export const ACCOUNT_PURGE_CHUNK_ROWS = 5_000;
/** Leads per chunk: each cascades to its inquiries, reminders, activities and messages. */
export const ACCOUNT_PURGE_LEAD_CHUNK = 500;
/** How long the last step waits for the `account_deleted` email before erasing the row it needs anyway. */
export const ACCOUNT_PURGE_EMAIL_WAIT_MS = 24 * HOUR_MS;
/**
 * How long after the deletion the last step (sites and user row) waits at least: another API process
 * may answer a beacon or inquiry from its cached copy of a site for up to INGEST_SITE_CACHE_TTL_MS
 * (plus a margin for a request already past the lookup); its insert of a visitor or event would fail
 * on the missing site (a 5xx) if the site were gone already. What it writes meanwhile, the last step erases.
 */
export const ACCOUNT_PURGE_SITE_CACHE_WAIT_MS = INGEST_SITE_CACHE_TTL_MS + 5_000;

/**
 * Whether the deleted account `userId` (an SQL expression) still has rows the chunked steps erase:
 * analytics events, replay keys or visitors of its sites, leads, webhook messages. An index probe
 * each; a run that finds none skips straight to the last step (a purge only waiting for its notice
 * costs one query), and the sweep wakes accounts with data left before those only waiting.
 */
function accountDataLeft(userId: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`(
    exists (select 1 from leads where user_id = ${userId})
    or exists (select 1 from webhook_messages where user_id = ${userId})
    or exists (select 1 from sites s where s.user_id = ${userId} and (
      exists (select 1 from lead_analytics a where a.site_id = s.site_id)
      or exists (select 1 from lead_analytics_keys k where k.site_id = s.site_id)
      or exists (select 1 from visitors v where v.site_id = s.site_id))))`;
}

export interface PurgeProgress {
  /** True once the user row is gone; false when stopped early (`maxChunks`) or waiting for the email. */
  done: boolean;
  /** Set when the data is erased but the user row waits for the `account_deleted` email. */
  waitingForEmail?: boolean;
  /** Set when the data is erased but the sites may still be cached by other API processes (ACCOUNT_PURGE_SITE_CACHE_WAIT_MS). */
  waitingForSiteCaches?: boolean;
  /** Time since the deletion by the `now` clock (ms), for an account still there and deleted. */
  sinceDeletionMs?: number;
  chunks: number;
  events: number;
  visitors: number;
  leads: number;
}

/**
 * Erases what is left of the deleted account `userId`. Does nothing for an account that is not
 * deleted (or not there any more). `maxChunks` stops after that many chunk transactions (tests;
 * a later call resumes); `onChunk` is told after each.
 */
export async function purgeDeletedAccount({ em, userId, now, chunkRows = ACCOUNT_PURGE_CHUNK_ROWS, leadChunk = ACCOUNT_PURGE_LEAD_CHUNK, maxChunks = Infinity, onChunk }: {
  em: EntityManager;
  userId: string;
  now: () => Date;
  /** Default ACCOUNT_PURGE_CHUNK_ROWS. */
  chunkRows?: number;
  /** Default ACCOUNT_PURGE_LEAD_CHUNK. */
  leadChunk?: number;
  maxChunks?: number;
  onChunk?: (progress: PurgeProgress) => void | Promise<void>;
}): Promise<PurgeProgress> {
  const progress: PurgeProgress = { done: false, chunks: 0, events: 0, visitors: 0, leads: 0 };
  const user = await db(em).selectFrom('users').select(['deleted_at', accountDataLeft(sql`${userId}::uuid`).as('data_left')]).where('user_id', '=', userId).executeTakeFirst();
  if (!user || user.deleted_at === null) return { ...progress, done: user === undefined };
  const sinceDeletionMs = now().getTime() - Date.parse(pgTimeToIsoStrict(user.deleted_at));
  progress.sinceDeletionMs = sinceDeletionMs;

  /** Runs `step` until it deletes nothing; false when `maxChunks` stopped it. */
  const repeat = async (what: 'events' | 'visitors' | 'leads' | null, step: () => Promise<number>): Promise<boolean> => {
    for (;;) {
      if (progress.chunks >= maxChunks) return false;
      const n = await step();
      progress.chunks++;
      if (what) progress[what] += n;
      await onChunk?.(progress);
      if (n === 0) return true;
    }
  };

  // Nothing left for the chunked steps (a run waiting for the notice or the sites' cache window):
  // no walk of every step again, only the last step's checks.
  const sites = user.data_left ? await db(em).selectFrom('sites').select('site_id').where('user_id', '=', userId).orderBy('site_id').execute() : [];
  for (const { site_id: siteId } of sites) {
    // By the (site_id, event_date) index; the key is (analytic_id, event_date) across partitions.
    const events = () => sql`
      delete from lead_analytics where (analytic_id, event_date) in (
        select analytic_id, event_date from lead_analytics where site_id = ${siteId}::uuid limit ${chunkRows})`.execute(db(em)).then(count);
    const keys = () => sql`
      delete from lead_analytics_keys where (site_id, client_event_id) in (
        select site_id, client_event_id from lead_analytics_keys where site_id = ${siteId}::uuid limit ${chunkRows})`.execute(db(em)).then(count);
    const visitors = () => sql`
      delete from visitors where (site_id, visitor_id) in (
        select site_id, visitor_id from visitors where site_id = ${siteId}::uuid limit ${chunkRows})`.execute(db(em)).then(count);
    if (!(await repeat('events', events)) || !(await repeat(null, keys)) || !(await repeat('visitors', visitors))) return progress;
  }

  const leads = () => sql`
    delete from leads where lead_id in (select lead_id from leads where user_id = ${userId}::uuid limit ${leadChunk})`.execute(db(em)).then(count);
  // Messages without a lead (webhook.test, lead.deleted); each cascades to its deliveries and attempts.
  const messages = () => sql`
    delete from webhook_messages where message_id in (select message_id from webhook_messages where user_id = ${userId}::uuid limit ${leadChunk})`.execute(db(em)).then(count);
  if (user.data_left) {
    if (!(await repeat('leads', leads))) return progress;
    if (!(await repeat(null, messages))) return progress;
  }
  if (progress.chunks >= maxChunks) return progress;

  const pendingEmail = await db(em)
    .selectFrom('notifications')
    .select('notification_id')
    .where('user_id', '=', userId)
    .where('kind', '=', 'account_deleted')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pendingEmail && sinceDeletionMs < ACCOUNT_PURGE_EMAIL_WAIT_MS) return { ...progress, waitingForEmail: true };
  if (sinceDeletionMs < ACCOUNT_PURGE_SITE_CACHE_WAIT_MS) return { ...progress, waitingForSiteCaches: true };

  await em.transactional(async (tem) => {
    const q = db(tem);
    // First (before any row lock: a compaction never waits for one of ours while holding its own):
    // no counter compaction runs while this deletes the account's counter rows, or one could
    // re-insert a summed row this delete does not see (holdCounterCompactions).
    await holdCounterCompactions(tem);
    // Lock order as everywhere: the user, then its rows. A writer holding a key-share lock on
    // either (a lead or visitor being inserted) finishes first; one arriving later waits, then
    // fails on the missing key.
    const still = await q.selectFrom('users').select('user_id').where('user_id', '=', userId).where('deleted_at', 'is not', null).forUpdate().executeTakeFirst();
    if (!still) return;
    const siteIds = (await q.selectFrom('sites').select('site_id').where('user_id', '=', userId).orderBy('site_id').forUpdate().execute()).map((s) => s.site_id);
    if (siteIds.length) {
      // What ingest in another API process (its site cache lags ≤ 5 s) wrote after step 1.
      await q.deleteFrom('lead_analytics').where('site_id', 'in', siteIds).execute();
      await q.deleteFrom('lead_analytics_keys').where('site_id', 'in', siteIds).execute();
      await q.deleteFrom('visitors').where('site_id', 'in', siteIds).execute();
    }
    await q.deleteFrom('leads').where('user_id', '=', userId).execute();
    await q.deleteFrom('filtered_inquiries').where('user_id', '=', userId).execute();
    if (siteIds.length) {
      await q.deleteFrom('visitor_daily_counts').where('site_id', 'in', siteIds).execute();
      await q.deleteFrom('inquiry_daily_counts').where('site_id', 'in', siteIds).execute();
    }
    await q.deleteFrom('lead_band_counts').where('user_id', '=', userId).execute();
    await q.deleteFrom('lead_daily_counts').where('user_id', '=', userId).execute();
    await q.deleteFrom('speed_daily_counts').where('user_id', '=', userId).execute();
    await q.deleteFrom('sites').where('user_id', '=', userId).execute();
    await q.deleteFrom('users').where('user_id', '=', userId).execute();
  });
  progress.chunks++;
  await onChunk?.(progress);
  return { ...progress, done: true };
}

/**
 * Deleted accounts still in Postgres, what the purge sweep wakes: those with data left to erase
 * first, then those only waiting for their notice or their sites' cache window (cheap runs), oldest
 * deletion first within each — so accounts stuck on an undeliverable notice (SMTP down, for up to
 * ACCOUNT_PURGE_EMAIL_WAIT_MS) never keep a newer deletion's erasure out of the `limit`.
 */
export async function findPendingAccountPurges(em: EntityManager, { limit }: { limit: number }): Promise<string[]> {
  const rows = await db(em)
    .selectFrom('users as u')
    .select('u.user_id')
    .where('u.deleted_at', 'is not', null)
    .orderBy(accountDataLeft(sql.ref('u.user_id')), 'desc')
    .orderBy('u.deleted_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id);
}

function count(result: { numAffectedRows?: bigint }): number {
  return Number(result.numAffectedRows ?? 0n);
}
