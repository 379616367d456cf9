import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { LISTING_IMAGE_PROP, LISTING_TITLE_PROP } from '../events/event-schemas.ts';
import { LISTING_TITLE_MAX_CHARS } from '../shared/field-limits.ts';

/** The `analytics_rollup_state` row of the events rollup. */
export const EVENTS_ROLLUP = 'events';

/**
 * How far behind the database clock the watermark stays (and behind the start of the oldest open
 * transaction). An event's `received_at` is `now()` of the transaction that writes it (ingest's
 * eventInsertCtes), so no transaction still open can commit an event below the start of the
 * oldest open transaction: the cutoff is exact without a lag. The lag is a margin (a transaction
 * that has just begun but is not yet shown in pg_stat_activity; a writer that sets `received_at`
 * some other way). Until 2026-11-30 `received_at` was the request's arrival, and a request that
 * waited longer than this before its transaction began (the batcher's queue, the pool, a lock)
 * committed below the watermark and was never counted. The summary reads everything after the
 * watermark raw, so the lag costs a few thousand raw rows per query on a busy site, never a wrong count.
 */
export const ROLLUP_LAG_MS = 15_000;
/** Period of the scheduled `analytics.rollup` job. */
export const ROLLUP_EVERY_MS = 5_000;
/** Events per rollup transaction: the backfill of a large table runs in chunks of this size. */
export const ROLLUP_CHUNK_EVENTS = 200_000;
/** One run stops starting new chunks after this long (the next scheduled run continues). */
export const ROLLUP_RUN_BUDGET_MS = 20_000;

export interface RollupResult {
  /** Another run held the watermark; this one did nothing. */
  busy: boolean;
  /** Events counted into analytics_daily by this run. */
  events: number;
  chunks: number;
  /** The watermark after this run (ISO), null when busy. */
  watermark: string | null;
  /** The watermark reached the cutoff (nothing older than the lag is left raw). */
  caughtUp: boolean;
}

/**
 * `analytics.rollup`: adds the events received since the watermark to `analytics_daily` (per
 * site, UTC day of `event_date`, event type, listing), `analytics_daily_totals` (per site, UTC
 * hour of `event_date` and type: the days of any time zone are counted from those) and
 * `analytics_listing_weeks` (page views per listing and ISO week) and upserts the `listings` they name, then
 * moves the watermark — all in one transaction per chunk, so a counted event and the watermark
 * that excludes it from the raw tail commit together.
 *
 * - **Runs twice or at once**: each chunk locks the state row `for update skip locked`; a run
 *   that finds it locked returns `busy` and changes nothing, and a run never re-counts a range
 *   below the watermark it read under the lock. So a day is never counted twice.
 * - **Late events** (an offline queue replaying yesterday, clamped to 24 h by ingest) are picked
 *   up by their `received_at` and added to the rows of their `event_date`'s day and hour.
 * - **Uncommitted events**: the cutoff is the earlier of now and the start of the oldest open
 *   transaction in this database, minus ROLLUP_LAG_MS; an event's `received_at` is its writing
 *   transaction's start (`now()`), so a transaction still writing events cannot commit rows
 *   below the watermark (see ROLLUP_LAG_MS).
 * - **Backfill**: the first runs after the migration start at the epoch and walk the table in
 *   chunks of `chunkEvents` (by the `lead_analytics_received_index`), `budgetMs` per run.
 *
 * Events deleted after they were counted (a lead deleted, retention dropping a month) stay in
 * the rollup: analytics history outlives raw events.
 */
export async function rollupEvents({ em, lagMs = ROLLUP_LAG_MS, upTo, chunkEvents = ROLLUP_CHUNK_EVENTS, budgetMs = ROLLUP_RUN_BUDGET_MS, clock = () => Date.now() }: {
  em: EntityManager;
  lagMs?: number;
  /** Roll up no further than this instant (never past the lag-based cutoff): tests replaying a timeline. */
  upTo?: Date;
  chunkEvents?: number;
  budgetMs?: number;
  /** For the run budget only; the cutoff uses the database clock, like `received_at`. */
  clock?: () => number;
}): Promise<RollupResult> {
  const started = clock();
  const result: RollupResult = { busy: false, events: 0, chunks: 0, watermark: null, caughtUp: false };
  for (;;) {
    const chunk = await em.transactional((tem) => rollupChunk(tem, lagMs, upTo ?? null, chunkEvents));
    if (chunk === 'busy') return { ...result, busy: result.chunks === 0 };
    result.watermark = chunk.watermark;
    if (chunk.events > 0 || chunk.moved) result.chunks++;
    result.events += chunk.events;
    if (chunk.caughtUp) return { ...result, caughtUp: true };
    if (clock() - started >= budgetMs) return result;
  }
}

async function rollupChunk(em: EntityManager, lagMs: number, upTo: Date | null, chunkEvents: number): Promise<'busy' | { events: number; watermark: string; moved: boolean; caughtUp: boolean }> {
  const q = db(em);
  const state = await sql<{ watermark: string }>`
    select watermark from analytics_rollup_state where name = ${EVENTS_ROLLUP} for update skip locked`.execute(q);
  if (!state.rows.length) {
    // Locked by a concurrent run — or missing (a database restored without it): recreate it at the epoch.
    const created = await sql`insert into analytics_rollup_state (name, watermark) values (${EVENTS_ROLLUP}, 'epoch') on conflict do nothing`.execute(q);
    return Number(created.numAffectedRows ?? 0) > 0 ? rollupChunk(em, lagMs, upTo, chunkEvents) : 'busy';
  }
  const from = state.rows[0].watermark;

  // Oldest open transaction of another client in this database (autovacuum and the like excluded).
  const cut = await sql<{ cutoff: string }>`
    select least(least(now(), coalesce((select min(xact_start) from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid() and xact_start is not null), now()))
      - make_interval(secs => ${lagMs / 1000}), ${upTo}::timestamptz) as cutoff`.execute(q);
  const cutoff = cut.rows[0].cutoff;

  // The chunk ends before the (chunkEvents+1)-th event after the watermark; events sharing one
  // received_at stay in one chunk (a whole group commit can carry one time).
  const nth = await sql<{ received_at: string }>`
    select received_at from lead_analytics where received_at >= ${from}::timestamptz and received_at < ${cutoff}::timestamptz
    order by received_at offset ${chunkEvents} limit 1`.execute(q);
  let to = cutoff;
  let caughtUp = true;
  if (nth.rows.length) {
    caughtUp = false;
    to = nth.rows[0].received_at;
    const same = await sql<{ later: boolean }>`select ${to}::timestamptz <= ${from}::timestamptz as later`.execute(q);
    if (same.rows[0].later) {
      const next = await sql<{ t: string | null }>`
        select min(received_at) as t from lead_analytics where received_at > ${from}::timestamptz and received_at < ${cutoff}::timestamptz`.execute(q);
      to = next.rows[0].t ?? cutoff;
    }
  }
  const moves = await sql<{ moves: boolean }>`select ${to}::timestamptz > ${from}::timestamptz as moves`.execute(q);
  if (!moves.rows[0].moves) return { events: 0, watermark: from, moved: false, caughtUp: true };

  const counted = await sql<{ n: string | null }>`
    with by_hour as (
      -- One pass over the chunk: per UTC hour (the totals), then per UTC day (the listings).
      select a.site_id, date_trunc('hour', a.event_date, 'UTC') as hour, a.event_type, coalesce(a.listing_ref, '') as listing_ref, s.user_id, count(*) as events
      from lead_analytics a join sites s on s.site_id = a.site_id
      where a.received_at >= ${from}::timestamptz and a.received_at < ${to}::timestamptz
      group by 1, 2, 3, 4, 5
    ), agg as (
      select site_id, (hour at time zone 'UTC')::date as day, event_type, listing_ref, user_id, sum(events) as events from by_hour group by 1, 2, 3, 4, 5
    ), added as (
      insert into analytics_daily as d (site_id, day, event_type, listing_ref, user_id, events)
      select site_id, day, event_type, listing_ref, user_id, events from agg
      on conflict (site_id, day, event_type, listing_ref) do update set events = d.events + excluded.events
    ), totals as (
      insert into analytics_daily_totals as t (site_id, hour, event_type, user_id, events)
      select site_id, hour, event_type, user_id, sum(events) from by_hour group by 1, 2, 3, 4
      on conflict (site_id, hour, event_type) do update set events = t.events + excluded.events
    ), weeks as (
      insert into analytics_listing_weeks as w (site_id, week, listing_ref, user_id, views)
      select site_id, date_trunc('week', day::timestamp)::date, listing_ref, user_id, sum(events) from agg
      where event_type = 'page_view' and listing_ref <> '' group by 1, 2, 3, 4
      on conflict (site_id, week, listing_ref) do update set views = w.views + excluded.views
    ) select sum(events) as n from agg`.execute(q);

  // Listings named by these events: first/last seen, and the latest title, URL and photo the
  // tracker captured on a page view of the listing (props; plain text already checked on ingest):
  // `listingTitle` if a site sends one, else the page's `title` (the tracker sends data-listing-title there).
  // "Latest" is by the page view's own time, kept per value (`title_seen_at`, …): comparing the
  // chunk's last_seen_at, the newest event of any type, let an offline replay of an old page view
  // that came with a fresh save_listing overwrite a newer title.
  await sql`
    insert into listings as l (listing_id, user_id, site_id, listing_ref, title, url, image_url, title_seen_at, url_seen_at, image_seen_at, first_seen_at, last_seen_at)
    select gen_random_uuid(), s.user_id, x.site_id, x.listing_ref, x.title, x.url, x.image_url, x.title_seen_at, x.url_seen_at, x.image_seen_at, x.first_seen_at, x.last_seen_at
    from (
      select a.site_id, a.listing_ref, min(a.event_date) as first_seen_at, max(a.event_date) as last_seen_at,
        left((array_agg(v.title order by a.event_date desc) filter (where v.title is not null))[1], ${LISTING_TITLE_MAX_CHARS}::int) as title,
        max(a.event_date) filter (where v.title is not null) as title_seen_at,
        (array_agg(v.url order by a.event_date desc) filter (where v.url is not null))[1] as url,
        max(a.event_date) filter (where v.url is not null) as url_seen_at,
        (array_agg(v.image_url order by a.event_date desc) filter (where v.image_url is not null))[1] as image_url,
        max(a.event_date) filter (where v.image_url is not null) as image_seen_at
      from lead_analytics a
      cross join lateral (select
        case when a.event_type = 'page_view' then coalesce(nullif(trim(a.props->>${LISTING_TITLE_PROP}), ''), nullif(trim(a.props->>'title'), '')) end as title,
        case when a.event_type = 'page_view' then a.page_url end as url,
        case when a.event_type = 'page_view' and a.props->>${LISTING_IMAGE_PROP} ~ '^https?://' and length(a.props->>${LISTING_IMAGE_PROP}) <= 2048 then a.props->>${LISTING_IMAGE_PROP} end as image_url) v
      where a.received_at >= ${from}::timestamptz and a.received_at < ${to}::timestamptz and a.listing_ref is not null
      group by a.site_id, a.listing_ref
    ) x join sites s on s.site_id = x.site_id
    on conflict (site_id, listing_ref) do update set
      title = case when l.title_seen_at is null or excluded.title_seen_at >= l.title_seen_at then coalesce(excluded.title, l.title) else l.title end,
      url = case when l.url_seen_at is null or excluded.url_seen_at >= l.url_seen_at then coalesce(excluded.url, l.url) else l.url end,
      image_url = case when l.image_seen_at is null or excluded.image_seen_at >= l.image_seen_at then coalesce(excluded.image_url, l.image_url) else l.image_url end,
      title_seen_at = greatest(l.title_seen_at, excluded.title_seen_at),
      url_seen_at = greatest(l.url_seen_at, excluded.url_seen_at),
      image_seen_at = greatest(l.image_seen_at, excluded.image_seen_at),
      first_seen_at = least(l.first_seen_at, excluded.first_seen_at),
      last_seen_at = greatest(l.last_seen_at, excluded.last_seen_at),
      updated_at = now()`.execute(q);

  const moved = await sql<{ watermark: string }>`
    update analytics_rollup_state set watermark = ${to}::timestamptz, updated_at = now() where name = ${EVENTS_ROLLUP} returning watermark`.execute(q);
  return { events: Number(counted.rows[0]?.n ?? 0), watermark: moved.rows[0].watermark, moved: true, caughtUp };
}
