import { defineEntity, p, type InferEntity, type TriggerDef } from '@mikro-orm/postgresql';
import { NO_SITE_ID } from './lead-band-count.entity.ts';

/** `lead_daily_counts.stage_id` of leads without a stage (they read as the realtor's first stage). */
export const NO_STAGE_ID = NO_SITE_ID;

/**
 * Daily rollups of leads and inquiries for `GET /v1/analytics/leads` (lead-analytics.ts), kept
 * like lead_band_counts (lead-band-count.entity.ts): signed delta rows appended by triggers in the
 * statement that writes the lead or inquiry — whatever the write path (ingest, inquiries, the
 * admin, imports, merges, erasure, account deletion, a deleted site or stage) — and folded into one
 * `compacted` row per key by the `analytics.rollup` job (compactLeadDailyCounts). Append-only: no
 * transaction waits on another's counter row. No foreign keys (an account deletion's cascade
 * appends its −1 rows after the owner's rows are gone; such keys sum to 0 and compaction drops
 * them). A reader sums a key's rows: equal to counting the leads / inquiries in the same snapshot.
 * Rows are keyed by the UTC hour (`date_trunc('hour', …, 'UTC')`), not a day: a reader groups the
 * hours into the days of whatever time zone it is asked for (analytics-summary.ts, `localDay`).
 *
 * `lead_daily_counts`: leads per realtor, site (NO_SITE_ID: none), UTC hour of `created_at`, stage
 * (NO_STAGE_ID: none) and whether contacted (`first_contacted_at` set) — the leads per day and
 * site and the funnel; the stage's position and outcome are joined when read, so renaming or
 * reordering stages needs no rewrite.
 */
export const LeadDailyCountSchema = defineEntity({
  name: 'LeadDailyCount',
  tableName: 'lead_daily_counts',
  properties: {
    countId: p.bigint('number').primary().autoincrement(),
    userId: p.uuid(),
    siteId: p.uuid(),
    hour: p.datetime(),
    stageId: p.uuid(),
    contacted: p.boolean(),
    n: p.bigint('number'),
    compacted: p.boolean().default(false),
  },
  indexes: [
    { name: 'lead_daily_counts_user_hour_index', expression: 'create index "lead_daily_counts_user_hour_index" on "lead_daily_counts" ("user_id", "hour") include ("site_id", "stage_id", "contacted", "n")' },
    { name: 'lead_daily_counts_pending_index', expression: 'create index "lead_daily_counts_pending_index" on "lead_daily_counts" ("user_id") where not "compacted"' },
  ],
});
export type LeadDailyCount = InferEntity<typeof LeadDailyCountSchema>;

/**
 * `speed_daily_counts`: speed-to-lead counts per realtor, site of the first inquiry (NO_SITE_ID:
 * none) and UTC hour of the lead's first inquiry (`leads.first_inquiry_at`): leads, contacted, and
 * answered within 5 minutes / 1 hour (the seconds from first inquiry to first contact, 0 when the
 * contact came first — the same expression lead-analytics.ts documents).
 */
export const SpeedDailyCountSchema = defineEntity({
  name: 'SpeedDailyCount',
  tableName: 'speed_daily_counts',
  properties: {
    countId: p.bigint('number').primary().autoincrement(),
    userId: p.uuid(),
    siteId: p.uuid(),
    hour: p.datetime(),
    leads: p.bigint('number'),
    contacted: p.bigint('number'),
    within5m: p.bigint('number').fieldName('within_5m'),
    within1h: p.bigint('number').fieldName('within_1h'),
    compacted: p.boolean().default(false),
  },
  indexes: [
    { name: 'speed_daily_counts_user_hour_index', expression: 'create index "speed_daily_counts_user_hour_index" on "speed_daily_counts" ("user_id", "hour") include ("site_id", "leads", "contacted", "within_5m", "within_1h")' },
    { name: 'speed_daily_counts_pending_index', expression: 'create index "speed_daily_counts_pending_index" on "speed_daily_counts" ("user_id") where not "compacted"' },
  ],
});
export type SpeedDailyCount = InferEntity<typeof SpeedDailyCountSchema>;

/**
 * `inquiry_daily_counts`: inquiries per site, UTC hour of `created_at` and source. Only inquiries
 * with a site: the site names its realtor, so no other row is needed to attribute one (inquiries
 * added by hand without a site are few and read raw through inquiries_manual_created_index).
 */
export const InquiryDailyCountSchema = defineEntity({
  name: 'InquiryDailyCount',
  tableName: 'inquiry_daily_counts',
  properties: {
    countId: p.bigint('number').primary().autoincrement(),
    siteId: p.uuid(),
    hour: p.datetime(),
    source: p.string().length(20),
    n: p.bigint('number'),
    compacted: p.boolean().default(false),
  },
  indexes: [
    { name: 'inquiry_daily_counts_site_hour_index', expression: 'create index "inquiry_daily_counts_site_hour_index" on "inquiry_daily_counts" ("site_id", "hour") include ("source", "n")' },
    { name: 'inquiry_daily_counts_pending_index', expression: 'create index "inquiry_daily_counts_pending_index" on "inquiry_daily_counts" ("site_id") where not "compacted"' },
  ],
});
export type InquiryDailyCount = InferEntity<typeof InquiryDailyCountSchema>;

/**
 * `visitor_daily_counts`: visitors per site and UTC hour of `first_seen_at`, and how many of them
 * are linked to a lead — the conversion of the summary and the top of the lead funnel. Kept by
 * triggers on `visitors` (ingest's upsert appends one grouped row per site and hour for the
 * visitors it creates; its updates fire the row trigger only when a visitor's first hour moves).
 */
export const VisitorDailyCountSchema = defineEntity({
  name: 'VisitorDailyCount',
  tableName: 'visitor_daily_counts',
  properties: {
    countId: p.bigint('number').primary().autoincrement(),
    siteId: p.uuid(),
    hour: p.datetime(),
    visitors: p.bigint('number'),
    leads: p.bigint('number'),
    compacted: p.boolean().default(false),
  },
  indexes: [
    { name: 'visitor_daily_counts_site_hour_index', expression: 'create index "visitor_daily_counts_site_hour_index" on "visitor_daily_counts" ("site_id", "hour") include ("visitors", "leads")' },
    { name: 'visitor_daily_counts_pending_index', expression: 'create index "visitor_daily_counts_pending_index" on "visitor_daily_counts" ("site_id") where not "compacted"' },
  ],
});
export type VisitorDailyCount = InferEntity<typeof VisitorDailyCountSchema>;

/** The UTC hour an instant falls in: the key of every row here, so a reader can count the days of any time zone. */
const hour = (col: string) => `date_trunc('hour', ${col}, 'UTC')`;
const orNone = (col: string) => `coalesce(${col}, '${NO_SITE_ID}')`;
/** Seconds from the first inquiry to the first contact (0 when the contact came first); null when not contacted (greatest() would turn a null into 0). */
export const speedSeconds = (row: string) =>
  `case when ${row}.first_contacted_at is null then null else greatest(0, extract(epoch from ${row}.first_contacted_at - ${row}.first_inquiry_at)) end`;
/** A lead's speed-to-lead vector (leads, contacted, within 5 min, within 1 h), times `sign`. */
const speedVector = (row: string, sign: string) =>
  `${sign}1, ${sign}(${row}.first_contacted_at is not null)::int, ${sign}(coalesce(${speedSeconds(row)} <= 300, false))::int, ${sign}(coalesce(${speedSeconds(row)} <= 3600, false))::int`;

const leadRows = (table: string, sign: '' | '-') => `
  insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n)
  select user_id, ${orNone('site_id')}, ${hour('created_at')}, ${orNone('stage_id')}, first_contacted_at is not null, ${sign}count(*) from ${table} group by 1, 2, 3, 4, 5;
  insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
  select x.user_id, ${orNone('x.first_inquiry_site_id')}, ${hour('x.first_inquiry_at')}, ${sign}count(*), ${sign}count(x.first_contacted_at),
    ${sign}count(*) filter (where ${speedSeconds('x')} <= 300), ${sign}count(*) filter (where ${speedSeconds('x')} <= 3600)
  from ${table} x where x.first_inquiry_at is not null group by 1, 2, 3;`;

/**
 * The triggers on `leads` (declared on LeadSchema; created by migration Migration20261129133312).
 * Inserts and deletes: once per statement, grouped over the transition table. Updates: per row,
 * only when a column of either rollup's key changes (rescoring's updates never fire them). `enable
 * always`: bulk loads under session_replication_role = replica keep them.
 */
export const LEAD_DAILY_COUNT_TRIGGERS: TriggerDef[] = [
  {
    name: 'lead_daily_counts_insert', timing: 'after', events: ['insert'], forEach: 'statement',
    expression: `create function lead_daily_counts_add() returns trigger language plpgsql as $$ begin${leadRows('new_leads', '')}
  return null; end $$;
create trigger lead_daily_counts_insert after insert on leads referencing new table as new_leads for each statement execute function lead_daily_counts_add();
alter table leads enable always trigger lead_daily_counts_insert;`,
  },
  {
    name: 'lead_daily_counts_delete', timing: 'after', events: ['delete'], forEach: 'statement',
    expression: `create function lead_daily_counts_remove() returns trigger language plpgsql as $$ begin${leadRows('old_leads', '-')}
  return null; end $$;
create trigger lead_daily_counts_delete after delete on leads referencing old table as old_leads for each statement execute function lead_daily_counts_remove();
alter table leads enable always trigger lead_daily_counts_delete;`,
  },
  {
    name: 'lead_daily_counts_update', timing: 'after', events: ['update'], forEach: 'row',
    expression: `create function lead_daily_counts_move() returns trigger language plpgsql as $$ begin
  if (old.user_id, old.site_id, ${hour('old.created_at')}, old.stage_id, old.first_contacted_at is null)
     is distinct from (new.user_id, new.site_id, ${hour('new.created_at')}, new.stage_id, new.first_contacted_at is null) then
    insert into lead_daily_counts (user_id, site_id, hour, stage_id, contacted, n) values
      (old.user_id, ${orNone('old.site_id')}, ${hour('old.created_at')}, ${orNone('old.stage_id')}, old.first_contacted_at is not null, -1),
      (new.user_id, ${orNone('new.site_id')}, ${hour('new.created_at')}, ${orNone('new.stage_id')}, new.first_contacted_at is not null, 1);
  end if;
  if (old.user_id, old.first_inquiry_site_id, old.first_inquiry_at, old.first_contacted_at)
     is distinct from (new.user_id, new.first_inquiry_site_id, new.first_inquiry_at, new.first_contacted_at) then
    if old.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
      values (old.user_id, ${orNone('old.first_inquiry_site_id')}, ${hour('old.first_inquiry_at')}, ${speedVector('old', '-')});
    end if;
    if new.first_inquiry_at is not null then
      insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h)
      values (new.user_id, ${orNone('new.first_inquiry_site_id')}, ${hour('new.first_inquiry_at')}, ${speedVector('new', '')});
    end if;
  end if;
  return null; end $$;
create trigger lead_daily_counts_update after update of user_id, site_id, created_at, stage_id, first_contacted_at, first_inquiry_at, first_inquiry_site_id on leads for each row
  when (old.user_id is distinct from new.user_id or old.site_id is distinct from new.site_id or old.created_at is distinct from new.created_at
    or old.stage_id is distinct from new.stage_id or old.first_contacted_at is distinct from new.first_contacted_at
    or old.first_inquiry_at is distinct from new.first_inquiry_at or old.first_inquiry_site_id is distinct from new.first_inquiry_site_id)
  execute function lead_daily_counts_move();
alter table leads enable always trigger lead_daily_counts_update;`,
  },
];

const inquiryRows = (table: string, sign: '' | '-') => `
  insert into inquiry_daily_counts (site_id, hour, source, n)
  select site_id, ${hour('created_at')}, source, ${sign}count(*) from ${table} where site_id is not null group by 1, 2, 3;`;

/**
 * The triggers on `inquiries` (declared on InquirySchema; same migration). Per statement over the
 * transition tables; an update subtracts the old rows and adds the new ones whose site, hour or
 * source changed (a deleted site sets its inquiries' site to null: they leave the rollup).
 */
export const INQUIRY_DAILY_COUNT_TRIGGERS: TriggerDef[] = [
  {
    name: 'inquiry_daily_counts_insert', timing: 'after', events: ['insert'], forEach: 'statement',
    expression: `create function inquiry_daily_counts_add() returns trigger language plpgsql as $$ begin${inquiryRows('new_inquiries', '')}
  return null; end $$;
create trigger inquiry_daily_counts_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function inquiry_daily_counts_add();
alter table inquiries enable always trigger inquiry_daily_counts_insert;`,
  },
  {
    name: 'inquiry_daily_counts_delete', timing: 'after', events: ['delete'], forEach: 'statement',
    expression: `create function inquiry_daily_counts_remove() returns trigger language plpgsql as $$ begin${inquiryRows('old_inquiries', '-')}
  return null; end $$;
create trigger inquiry_daily_counts_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function inquiry_daily_counts_remove();
alter table inquiries enable always trigger inquiry_daily_counts_delete;`,
  },
  {
    name: 'inquiry_daily_counts_update', timing: 'after', events: ['update'], forEach: 'statement',
    expression: `create function inquiry_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into inquiry_daily_counts (site_id, hour, source, n)
  select site_id, hour, source, sum(n) from (
    select o.site_id, ${hour('o.created_at')} as hour, o.source, -1 as n from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where o.site_id is not null and (o.site_id, ${hour('o.created_at')}, o.source) is distinct from (w.site_id, ${hour('w.created_at')}, w.source)
    union all
    select w.site_id, ${hour('w.created_at')}, w.source, 1 from old_inquiries o join new_inquiries w on w.inquiry_id = o.inquiry_id
    where w.site_id is not null and (o.site_id, ${hour('o.created_at')}, o.source) is distinct from (w.site_id, ${hour('w.created_at')}, w.source)
  ) x group by 1, 2, 3 having sum(n) <> 0;
  return null; end $$;
create trigger inquiry_daily_counts_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function inquiry_daily_counts_move();
alter table inquiries enable always trigger inquiry_daily_counts_update;`,
  },
];

// An empty transition table returns at once: ingest's visitor upsert fires the insert trigger on
// every batch, and mostly inserts no visitor (Migration20261203190000).
const visitorRows = (table: string, sign: '' | '-') => `
  if not exists (select from ${table}) then return null; end if;
  insert into visitor_daily_counts (site_id, hour, visitors, leads)
  select site_id, ${hour('first_seen_at')}, ${sign}count(*), ${sign}count(lead_id) from ${table} group by 1, 2;`;

/**
 * The triggers on `visitors` (declared on VisitorSchema; same migration). Inserts and deletes:
 * per statement over the transition table (ingest's `insert … on conflict do update` lists only
 * the visitors it created). Updates: per row, only when the site, the UTC hour first seen or
 * whether a lead is linked changes — ingest's upserts move first_seen_at earlier only for an
 * event older than the visitor's first, so they almost never fire it.
 */
export const VISITOR_DAILY_COUNT_TRIGGERS: TriggerDef[] = [
  {
    name: 'visitor_daily_counts_insert', timing: 'after', events: ['insert'], forEach: 'statement',
    expression: `create function visitor_daily_counts_add() returns trigger language plpgsql as $$ begin${visitorRows('new_visitors', '')}
  return null; end $$;
create trigger visitor_daily_counts_insert after insert on visitors referencing new table as new_visitors for each statement execute function visitor_daily_counts_add();
alter table visitors enable always trigger visitor_daily_counts_insert;`,
  },
  {
    name: 'visitor_daily_counts_delete', timing: 'after', events: ['delete'], forEach: 'statement',
    expression: `create function visitor_daily_counts_remove() returns trigger language plpgsql as $$ begin${visitorRows('old_visitors', '-')}
  return null; end $$;
create trigger visitor_daily_counts_delete after delete on visitors referencing old table as old_visitors for each statement execute function visitor_daily_counts_remove();
alter table visitors enable always trigger visitor_daily_counts_delete;`,
  },
  {
    name: 'visitor_daily_counts_update', timing: 'after', events: ['update'], forEach: 'row',
    expression: `create function visitor_daily_counts_move() returns trigger language plpgsql as $$ begin
  insert into visitor_daily_counts (site_id, hour, visitors, leads) values
    (old.site_id, ${hour('old.first_seen_at')}, -1, -(old.lead_id is not null)::int),
    (new.site_id, ${hour('new.first_seen_at')}, 1, (new.lead_id is not null)::int);
  return null; end $$;
create trigger visitor_daily_counts_update after update of site_id, first_seen_at, lead_id on visitors for each row
  when (old.site_id is distinct from new.site_id or ${hour('old.first_seen_at')} is distinct from ${hour('new.first_seen_at')}
    or (old.lead_id is null) is distinct from (new.lead_id is null))
  execute function visitor_daily_counts_move();
alter table visitors enable always trigger visitor_daily_counts_update;`,
  },
];
