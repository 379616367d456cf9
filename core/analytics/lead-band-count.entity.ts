import { defineEntity, p, type InferEntity, type TriggerDef } from '@mikro-orm/postgresql';

/** `lead_band_counts.site_id` of leads without a site (an index key column cannot be null-safe-joined cheaply). */
export const NO_SITE_ID = '00000000-0000-0000-0000-000000000000';

/**
 * How many leads each realtor has per site and score band, as signed deltas: triggers on `leads`
 * (migration Migration20261129121557) add +1/−1 rows in the same statement that creates, deletes
 * or re-bands a lead — whatever the write path (scoring, ingest, imports, merges, account
 * deletion) — so a count is `sum(n)` over a few rows instead of a scan over every lead. Appending
 * never waits on another transaction's row lock (no hot counter row, no deadlock between
 * rescoring batches). `compactLeadBandCounts` (the `analytics.rollup` job) folds each key's rows
 * into one `compacted` row. No foreign keys: an account deletion's cascade appends the −1 rows of
 * its leads after the user row is gone; the key then sums to 0 and compaction drops it.
 */
export const LeadBandCountSchema = defineEntity({
  name: 'LeadBandCount',
  tableName: 'lead_band_counts',
  properties: {
    countId: p.bigint('number').primary().autoincrement(),
    userId: p.uuid(),
    /** NO_SITE_ID for leads without a site. */
    siteId: p.uuid(),
    scoreBand: p.string().length(10),
    n: p.bigint('number'),
    compacted: p.boolean().default(false),
  },
  indexes: [
    { name: 'lead_band_counts_key_index', expression: 'create index "lead_band_counts_key_index" on "lead_band_counts" ("user_id", "site_id", "score_band") include ("n")' },
    { name: 'lead_band_counts_pending_index', expression: 'create index "lead_band_counts_pending_index" on "lead_band_counts" ("user_id", "site_id", "score_band") where not "compacted"' },
  ],
});
export type LeadBandCount = InferEntity<typeof LeadBandCountSchema>;

const site = (row: string) => `coalesce(${row}.site_id, '${NO_SITE_ID}')`;
/**
 * The triggers on `leads` that keep lead_band_counts (created by migration Migration20261129121557,
 * declared on LeadSchema so the schema diff knows them). Inserts and deletes: once per statement,
 * grouped over the transition table (a bulk load or an account deletion appends a few rows, not
 * one per lead). Updates: per row, only when score_band, user_id or site_id changes. `enable
 * always`: they also fire under session_replication_role = replica (bulk loads).
 */
export const LEAD_BAND_COUNT_TRIGGERS: TriggerDef[] = [
  {
    name: 'lead_band_counts_insert', timing: 'after', events: ['insert'], forEach: 'statement',
    expression: `create function lead_band_counts_add() returns trigger language plpgsql as $$ begin
  insert into lead_band_counts (user_id, site_id, score_band, n) select user_id, ${site('new_leads')}, score_band, count(*) from new_leads group by 1, 2, 3;
  return null; end $$;
create trigger lead_band_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_band_counts_add();
alter table leads enable always trigger lead_band_counts_insert;`,
  },
  {
    name: 'lead_band_counts_delete', timing: 'after', events: ['delete'], forEach: 'statement',
    expression: `create function lead_band_counts_remove() returns trigger language plpgsql as $$ begin
  insert into lead_band_counts (user_id, site_id, score_band, n) select user_id, ${site('old_leads')}, score_band, -count(*) from old_leads group by 1, 2, 3;
  return null; end $$;
create trigger lead_band_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_band_counts_remove();
alter table leads enable always trigger lead_band_counts_delete;`,
  },
  {
    name: 'lead_band_counts_update', timing: 'after', events: ['update'], forEach: 'row',
    expression: `create function lead_band_counts_move() returns trigger language plpgsql as $$ begin
  insert into lead_band_counts (user_id, site_id, score_band, n) values (old.user_id, ${site('old')}, old.score_band, -1), (new.user_id, ${site('new')}, new.score_band, 1);
  return null; end $$;
create trigger lead_band_counts_update after update of score_band, user_id, site_id on leads for each row
  when (old.score_band is distinct from new.score_band or old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id)
  execute function lead_band_counts_move();
alter table leads enable always trigger lead_band_counts_update;`,
  },
];
