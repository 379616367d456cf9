import type { EntityManager } from '@mikro-orm/postgresql';
import { type RawBuilder, sql } from 'kysely';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { dropAnalyticsPartitionsBefore } from '../events/analytics-partitions.ts';
import type { Logger } from '../logger.ts';
import type { SiteSettings } from './site.entity.ts';
import { DAY_MS } from '../shared/time.ts';

/** Days a replay key (`lead_analytics_keys`) is kept after its event was received. */
export const ANALYTICS_KEY_RETENTION_DAYS = 35;
/** Rows one delete statement removes (short transactions, no long locks). */
export const RETENTION_BATCH_ROWS = 5000;
/**
 * Full batches each step of a retention run deletes at most: the sites' rows, the rows of deleted
 * sites and the replay keys have a budget each (the next run, an hour later, continues). A
 * statement that deleted less than a full batch finished its site and is not counted.
 */
export const RETENTION_MAX_BATCHES = 200;

/** Months a site keeps its analytics events. */
export function retentionMonthsOf(settings: Partial<SiteSettings> | null | undefined, config: Pick<Config, 'EVENT_RETENTION_MONTHS'>): number {
  return settings?.retentionMonths ?? config.EVENT_RETENTION_MONTHS;
}

/** `now` minus `months` calendar months (UTC; the day clamps to the target month's last). */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export interface RetentionResult {
  /** Whole month partitions dropped (older than every site's retention). */
  droppedPartitions: string[];
  /** Rows deleted one site at a time (a site with a shorter retention than the oldest partition's). */
  deletedEvents: number;
  /** Rows of sites that no longer exist (written after the site's delete). */
  deletedOrphanEvents: number;
  /** Replay keys purged. */
  deletedKeys: number;
  /** True when a step stopped at its RETENTION_MAX_BATCHES full batches with rows possibly left (the next run continues). */
  more: boolean;
}

/**
 * Applies every site's event retention (`maintenance.retention`, hourly):
 * 1. drops the month partitions that end before the longest retention of any site (the
 *    default's when it is the longest): no row in them is kept by anyone;
 * 2. deletes, per site, the rows older than that site's retention, RETENTION_BATCH_ROWS at a time
 *    (through lead_analytics_site_date_index; `event_date <` prunes the newer partitions);
 * 3. deletes the rows of sites that no longer exist (`lead_analytics` has no foreign key to sites:
 *    deleteSite deletes a site's rows, and this catches any written after it);
 * 4. purges replay keys older than ANALYTICS_KEY_RETENTION_DAYS.
 * Steps 2–4 each delete at most `maxBatches` full batches per run (see RETENTION_MAX_BATCHES), so
 * each always runs. Step 2 visits the sites in site_id order and stops at its budget: while the
 * first sites have a backlog of more than `maxBatches × batchRows` rows, later sites wait for a
 * later run (the backlog shrinks by that much an hour; a site with nothing due costs no budget).
 * Sites' own data only; the worker acts for no tenant, each site's rows are addressed by its id.
 */
export async function applyEventRetention({ em, config, now, batchRows = RETENTION_BATCH_ROWS, maxBatches = RETENTION_MAX_BATCHES, log }: {
  em: EntityManager;
  config: Pick<Config, 'EVENT_RETENTION_MONTHS'>;
  now: Date;
  /** Rows per delete statement; default RETENTION_BATCH_ROWS. */
  batchRows?: number;
  /** Full batches per step and run; default RETENTION_MAX_BATCHES. */
  maxBatches?: number;
  /** Where a month partition left for the next run (its lock stayed taken) is reported. */
  log?: Logger;
}): Promise<RetentionResult> {
  const sites = await db(em).selectFrom('sites').select(['site_id', 'settings']).orderBy('site_id').execute();
  const months = sites.map((s) => retentionMonthsOf(s.settings as Partial<SiteSettings> | null, config));
  const longest = Math.max(config.EVENT_RETENTION_MONTHS, ...months);
  const droppedPartitions = await dropAnalyticsPartitionsBefore(em, monthsBefore(now, longest), { log });

  // Each step has a budget of its own, so a backlog in one (a site with months of rows to delete)
  // never keeps the later steps from running. A budget is spent only by statements that deleted
  // a full batch (work that may continue): a site with nothing due costs one statement that finds
  // nothing, and never the budget — otherwise the first maxBatches sites (in site_id order, the
  // same every run) would spend it on every run and no later site, key or orphan would be purged.
  let more = false;
  /** Runs `statement` (a delete of at most `batchRows` rows) until it deletes fewer or `budget` runs out (then `more`); returns the rows deleted. */
  const deleteInBatches = async (statement: () => RawBuilder<unknown>, budget: { left: number }): Promise<number> => {
    let deleted = 0;
    for (;;) {
      const n = Number((await statement().execute(db(em))).numAffectedRows ?? 0);
      deleted += n;
      if (n < batchRows) return deleted;
      if (--budget.left <= 0) {
        more = true;
        return deleted;
      }
    }
  };
  /** Deletes the site's rows before `cutoff` (all with null). */
  const deleteRows = (siteId: string, cutoff: string | null, budget: { left: number }): Promise<number> =>
    deleteInBatches(() => sql`
      delete from lead_analytics where (analytic_id, event_date) in (
        select analytic_id, event_date from lead_analytics
        where site_id = ${siteId}::uuid and (${cutoff}::timestamptz is null or event_date < ${cutoff}::timestamptz)
        limit ${batchRows})`, budget);

  let deletedEvents = 0;
  const siteBudget = { left: maxBatches };
  for (const [i, site] of sites.entries()) {
    if (siteBudget.left <= 0) break;
    deletedEvents += await deleteRows(site.site_id, monthsBefore(now, months[i]).toISOString(), siteBudget);
  }

  let deletedOrphanEvents = 0;
  const orphanBudget = { left: maxBatches };
  for (const siteId of await siteIdsWithoutSite(em)) {
    if (orphanBudget.left <= 0) break;
    deletedOrphanEvents += await deleteRows(siteId, null, orphanBudget);
  }

  const keyCutoff = new Date(now.getTime() - ANALYTICS_KEY_RETENTION_DAYS * DAY_MS).toISOString();
  const deletedKeys = await deleteInBatches(() => sql`
    delete from lead_analytics_keys where (site_id, client_event_id) in (
      select site_id, client_event_id from lead_analytics_keys where received_at < ${keyCutoff}::timestamptz limit ${batchRows})`, { left: maxBatches });
  return { droppedPartitions, deletedEvents, deletedOrphanEvents, deletedKeys, more };
}

/**
 * The site ids `lead_analytics` holds rows of whose site no longer exists. Each distinct site id
 * is found with one probe of lead_analytics_site_date_index per partition (a skip scan: a
 * recursive walk from one id to the next), not by reading the rows.
 */
async function siteIdsWithoutSite(em: EntityManager): Promise<string[]> {
  const { rows } = await sql<{ site_id: string }>`
    with recursive ids(site_id) as (
      (select site_id from lead_analytics order by site_id limit 1)
      union all
      select (select a.site_id from lead_analytics a where a.site_id > ids.site_id order by a.site_id limit 1) from ids where ids.site_id is not null
    )
    select ids.site_id from ids where ids.site_id is not null and not exists (select 1 from sites s where s.site_id = ids.site_id)`.execute(db(em));
  return rows.map((r) => r.site_id);
}
