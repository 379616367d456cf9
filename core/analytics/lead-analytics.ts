import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import { notFound } from '../errors.ts';
import { firstStageOf } from '../leads/lead-json.ts';
import type { AnalyticsQuery, LeadAnalytics, SpeedToLead } from './analytics-schemas.ts';
import { localDay, resolveRange } from './analytics-summary.ts';
import { NO_SITE_ID } from './lead-band-count.entity.ts';
import { NO_STAGE_ID } from './lead-daily-count.entity.ts';

/** Speed-to-lead thresholds: answered within 5 minutes, within 1 hour. */
export const FAST_ANSWER_SECONDS = 5 * 60;
export const HOUR_ANSWER_SECONDS = 60 * 60;
/** The pipeline stage whose position (and later ones, unless lost) counts as an appointment. */
export const APPOINTMENT_STAGE_KEY = 'appointment_set';
/** Logged activities that count as an appointment whatever the stage. */
export const APPOINTMENT_ACTIVITY_TYPES = ['meeting', 'showing'] as const;

type SpeedRow = { leads: string | number; contacted: string | number; median: string | number | null; within5m: string | number; within1h: string | number };

function toSpeed(r: SpeedRow | undefined): SpeedToLead {
  const leads = pgCount(r?.leads);
  const share = (n: string | number | undefined) => (leads ? Math.round((pgCount(n) / leads) * 10_000) / 10_000 : null);
  return {
    leads,
    contacted: pgCount(r?.contacted),
    medianSeconds: r?.median === null || r?.median === undefined ? null : Math.round(Number(r.median)),
    within5m: share(r?.within5m),
    within1h: share(r?.within1h),
  };
}

/**
 * `GET /v1/analytics/leads`: leads and inquiries per day, per site and per source; speed-to-lead
 * (first inquiry → first logged contact, `leads.first_contacted_at`) per day of the first inquiry
 * and over the range; and the funnel of the leads created in the range.
 *
 * ONE statement (one round trip, one snapshot, no BEGIN/COMMIT), reading the daily rollups that
 * triggers keep in the statements writing leads and inquiries (lead-daily-count.entity.ts): a
 * range's counts cost a few rows per day, not a row per lead (visitors too: visitor_daily_counts,
 * kept by triggers on visitors). Only what cannot be summed is read
 * from the leads: the median response times (the contacted first inquiries of the range, index-only
 * through leads_user_first_inquiry_index), and the leads with a logged meeting or showing whose
 * stage does not already count them as an appointment (the realtor's few such activities).
 *
 * Speed-to-lead counts a lead on the day of its first inquiry ever (one in the range whose lead
 * had none before); a contact logged before that inquiry counts as answered at once (0 s).
 */
export async function getLeadAnalytics({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: AnalyticsQuery; now: Date }): Promise<LeadAnalytics> {
  const range = resolveRange(query, now);
  const { start, end, sqlTimeZone: tz } = range;
  const site = query.site ?? null;
  // The counters' hours in the range; each counts on its day in the range's time zone.
  const hours = sql`c.hour >= ${start} and c.hour < ${end}`;
  const day = (col: string) => localDay(sql.ref(col), tz);
  const onSite = (col: string) => (site ? sql`and ${sql.ref(col)} = ${site}::uuid` : sql``);
  // Whether a stage counts as an appointment (or later, not lost) / as closed; st = the stage row.
  const booked = sql`(st.outcome = 'won' or (st.outcome is distinct from 'lost' and st.position >= (select position from appt)))`;
  const dayText = (col: string) => sql`to_char(${sql.ref(col)}, 'YYYY-MM-DD')`;

  type Row = {
    ok: boolean;
    lead_days: { day: string; n: number }[] | null;
    funnel: { leads: number | null; contacted: number | null; appointment: number | null; closed: number | null };
    speed_days: { day: string; leads: number; contacted: number; within5m: number; within1h: number }[] | null;
    medians: { day: string | null; median: number | null }[] | null;
    inquiries: { day: string; site_id: string | null; source: string; n: number }[] | null;
    per_site: { site_id: string | null; name: string | null; leads: number; inquiries: number }[] | null;
    visitors: string;
  };
  const { rows } = await sql<Row>`
    with own as (
      select s.site_id from sites s where ${ownedBy(tenant, 's')}
    ), ids as (
      select coalesce(array_agg(site_id), '{}') as ids from own where ${site}::uuid is null or site_id = ${site}::uuid
    ), appt as (
      select position from pipeline_stages s where ${ownedBy(tenant, 's')} and s.key = ${APPOINTMENT_STAGE_KEY}
    ), first_stage as (
      select ${firstStageOf(ownedBy(tenant, 's'), sql`s.stage_id`)} as stage_id
    ), lc as (
      -- Leads created in the range per day, site, stage and contacted (lead_daily_counts).
      select ${day('c.hour')} as day, c.site_id, c.stage_id, c.contacted, sum(c.n) as n from lead_daily_counts c
      where ${ownedBy(tenant, 'c')} and ${hours} ${onSite('c.site_id')}
      group by 1, 2, 3, 4 having sum(c.n) <> 0
    ), lcs as (
      select lc.*, st.outcome, ${booked} as booked from lc
      left join pipeline_stages st on st.stage_id = case when lc.stage_id = ${NO_STAGE_ID}::uuid then (select stage_id from first_stage) else lc.stage_id end
    ), met as (
      -- Leads of the range with a logged meeting or showing whose stage does not already count.
      select count(*) as n from leads l
      left join pipeline_stages st on st.stage_id = coalesce(l.stage_id, (select stage_id from first_stage))
      where l.lead_id in (select a.lead_id from lead_activities a where ${ownedBy(tenant, 'a')} and a.type = any(${[...APPOINTMENT_ACTIVITY_TYPES]}::text[]))
        and ${ownedBy(tenant, 'l')} and l.created_at >= ${start} and l.created_at < ${end} ${onSite('l.site_id')}
        and not coalesce(${booked}, false)
    ), sp as (
      -- First inquiries of the range per day (speed_daily_counts).
      select ${day('c.hour')} as day, sum(c.leads) as leads, sum(c.contacted) as contacted, sum(c.within_5m) as within5m, sum(c.within_1h) as within1h
      from speed_daily_counts c where ${ownedBy(tenant, 'c')} and ${hours} ${onSite('c.site_id')}
      group by 1 having sum(c.leads) <> 0
    ), med as (
      -- Medians cannot be summed: the contacted first inquiries of the range, per day and overall.
      select ${day('l.first_inquiry_at')} as day,
        percentile_cont(0.5) within group (order by greatest(0, extract(epoch from l.first_contacted_at - l.first_inquiry_at))) as median
      from leads l
      where ${ownedBy(tenant, 'l')} and l.first_inquiry_at >= ${start} and l.first_inquiry_at < ${end} and l.first_contacted_at is not null ${onSite('l.first_inquiry_site_id')}
      group by grouping sets ((1), ())
    ), iq as (
      -- Inquiries per day, site and source: the sites' (inquiry_daily_counts), and for all sites
      -- those added by hand without one (raw, through inquiries_manual_created_index).
      select ${day('c.hour')} as day, c.site_id, c.source::text as source, sum(c.n) as n from inquiry_daily_counts c
      where c.site_id = any((select ids from ids)::uuid[]) and ${hours}
      group by 1, 2, 3 having sum(c.n) <> 0
      ${site ? sql`` : sql`union all
      select ${day('i.created_at')}, null, i.source::text, count(*) from inquiries i join leads l on l.lead_id = i.lead_id
      where i.site_id is null and ${ownedBy(tenant, 'l')} and i.created_at >= ${start} and i.created_at < ${end}
      group by 1, 3`}
    ), ps as (
      select x.site_id, sum(x.leads) as leads, sum(x.inquiries) as inquiries from (
        select nullif(site_id, ${NO_SITE_ID}::uuid) as site_id, n as leads, 0 as inquiries from lc
        union all select site_id, 0, n from iq
      ) x group by 1
    )
    select ${site}::uuid is null or exists (select 1 from own where site_id = ${site}::uuid) as ok,
      (select json_agg(json_build_object('day', ${dayText('d.day')}, 'n', d.n)) from (select day, sum(n) as n from lc group by 1) d) as lead_days,
      (select json_build_object('leads', sum(n), 'contacted', sum(n) filter (where contacted),
        'appointment', coalesce(sum(n) filter (where booked), 0) + (select n from met), 'closed', sum(n) filter (where outcome = 'won')) from lcs) as funnel,
      (select json_agg(json_build_object('day', ${dayText('sp.day')}, 'leads', leads, 'contacted', contacted, 'within5m', within5m, 'within1h', within1h)) from sp) as speed_days,
      (select json_agg(json_build_object('day', ${dayText('med.day')}, 'median', median)) from med) as medians,
      (select json_agg(json_build_object('day', ${dayText('iq.day')}, 'site_id', site_id, 'source', source, 'n', n)) from iq) as inquiries,
      (select json_agg(json_build_object('site_id', ps.site_id, 'name', s.name, 'leads', ps.leads, 'inquiries', ps.inquiries)
        order by ps.inquiries desc, ps.leads desc, s.name nulls last) from ps left join sites s on s.site_id = ps.site_id) as per_site,
      (select coalesce(sum(c.visitors), 0) from visitor_daily_counts c where c.site_id = any((select ids from ids)::uuid[]) and ${hours})::text as visitors`.execute(db(em));
  const r = rows[0];
  if (!r.ok) throw notFound('Site');

  const perDay = new Map<string, LeadAnalytics['perDay'][number]>();
  const at = (d: string) => {
    const row = perDay.get(d) ?? { day: d, leads: 0, inquiries: 0, speed: toSpeed(undefined) };
    perDay.set(d, row);
    return row;
  };
  for (const d of r.lead_days ?? []) at(d.day).leads = pgCount(d.n);
  const bySource = new Map<string, number>();
  for (const i of r.inquiries ?? []) {
    at(i.day).inquiries += pgCount(i.n);
    bySource.set(i.source, (bySource.get(i.source) ?? 0) + pgCount(i.n));
  }
  const medians = new Map((r.medians ?? []).map((m) => [m.day, m.median]));
  const total = { leads: 0, contacted: 0, median: medians.get(null) ?? null, within5m: 0, within1h: 0 };
  for (const d of r.speed_days ?? []) {
    at(d.day).speed = toSpeed({ ...d, median: medians.get(d.day) ?? null });
    total.leads += pgCount(d.leads);
    total.contacted += pgCount(d.contacted);
    total.within5m += pgCount(d.within5m);
    total.within1h += pgCount(d.within1h);
  }
  const perSource = [...bySource.entries()]
    .map(([source, inquiries]) => ({ source, inquiries }))
    .sort((a, b) => b.inquiries - a.inquiries || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const f = r.funnel;
  return {
    from: range.from,
    to: range.to,
    site,
    timeZone: range.timeZone,
    perDay: [...perDay.values()].sort((a, b) => a.day.localeCompare(b.day)),
    speed: toSpeed(total),
    perSite: (r.per_site ?? []).map((s) => ({ siteId: s.site_id, name: s.name, leads: pgCount(s.leads), inquiries: pgCount(s.inquiries) })),
    perSource,
    funnel: {
      visitors: pgCount(r.visitors), leads: pgCount(f.leads), contacted: pgCount(f.contacted), appointment: pgCount(f.appointment), closed: pgCount(f.closed),
    },
  };
}
