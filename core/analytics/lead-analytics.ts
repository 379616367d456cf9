import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgCount } from '../db/pg-values.ts';
import type { AnalyticsQuery, LeadAnalytics, SpeedToLead } from './analytics-schemas.ts';
import { resolveRange, resolveSiteIds, scopedInquiries } from './analytics-summary.ts';

/** Speed-to-lead thresholds: answered within 5 minutes, within 1 hour. */
export const FAST_ANSWER_SECONDS = 5 * 60;
export const HOUR_ANSWER_SECONDS = 60 * 60;
/** The pipeline stage whose position (and later ones, unless lost) counts as an appointment. */
export const APPOINTMENT_STAGE_KEY = 'appointment_set';
/** Logged activities that count as an appointment whatever the stage. */
export const APPOINTMENT_ACTIVITY_TYPES = ['meeting', 'showing'] as const;

type SpeedRow = { leads: string; contacted: string; median: string | number | null; within5m: string; within1h: string };

function toSpeed(r: SpeedRow | undefined): SpeedToLead {
  const leads = pgCount(r?.leads);
  const share = (n: string | undefined) => (leads ? Math.round((pgCount(n) / leads) * 10_000) / 10_000 : null);
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
 * and over the range; and the funnel of the leads created in the range. Small reads: inquiries
 * through inquiries_site_created_index, leads through leads_user_created_funnel_index (index-only), first inquiries
 * through leads_user_first_inquiry_index, the realtor's meetings and showings once.
 *
 * Speed-to-lead counts a lead on the day of its first inquiry ever (one in the range whose lead
 * had none before); a contact logged before that inquiry counts as answered at once (0 s).
 */
export async function getLeadAnalytics({ em, tenant, query, now }: { em: EntityManager; tenant: Tenant; query: AnalyticsQuery; now: Date }): Promise<LeadAnalytics> {
  const range = resolveRange(query, now);
  const siteIds = await resolveSiteIds({ em, tenant, site: query.site });
  const { start, end } = range;
  const inquiries = scopedInquiries({ tenant, siteIds, site: query.site, start, end });
  const leadsInRange = sql`select l.lead_id, l.site_id, l.created_at, l.first_contacted_at, l.stage_id from leads l
    where ${ownedBy(tenant, 'l')} ${query.site ? sql`and l.site_id = ${query.site}` : sql``} and l.created_at >= ${start} and l.created_at < ${end}`;
  const day = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD')`);

  return em.transactional(async (tem) => {
    const q = db(tem);
    // Leads whose first inquiry ever came in the range (on the site asked for), with their response
    // time in seconds (null: not contacted): leads.first_inquiry_at, kept by triggers on inquiries
    // (first-inquiry.ts), read index-only through leads_user_first_inquiry_index.
    const firsts = sql`
      select l.first_inquiry_at as created_at,
        case when l.first_contacted_at is null then null else greatest(0, extract(epoch from l.first_contacted_at - l.first_inquiry_at)) end as seconds
      from leads l
      where ${ownedBy(tenant, 'l')} and l.first_inquiry_at >= ${start} and l.first_inquiry_at < ${end}
        ${query.site ? sql`and l.first_inquiry_site_id = ${query.site}` : sql``}`;
    const speedCols = sql`count(*) as leads, count(f.seconds) as contacted,
      percentile_cont(0.5) within group (order by f.seconds) as median,
      count(*) filter (where f.seconds <= ${FAST_ANSWER_SECONDS}) as within5m,
      count(*) filter (where f.seconds <= ${HOUR_ANSWER_SECONDS}) as within1h`;
    // Per day and (the row whose day is null) over the whole range, in one pass over the first inquiries.
    const speed = await sql<SpeedRow & { day: string | null }>`
      select ${day('f.created_at')} as day, ${speedCols} from (${firsts}) f group by grouping sets ((1), ())`.execute(q);
    const speedPerDay = speed.rows.filter((r) => r.day !== null);
    const speedAll = speed.rows.find((r) => r.day === null);

    // The range's leads in one pass: per day, per site, and (the empty grouping set) the funnel —
    // how far each lead got. Meetings and showings: the realtor's few such activities, read once
    // (lead_activities_user_type_occurred_index) and hashed, rather than a probe per lead.
    const leadDay = day('x.created_at');
    const leadRows = await sql<{ kind: 'day' | 'site' | 'all'; day: string | null; site_id: string | null; leads: string; contacted: string; appointment: string; closed: string }>`
      with appt as (
        select position from pipeline_stages s where ${ownedBy(tenant, 's')} and s.key = ${APPOINTMENT_STAGE_KEY}
      ), first_stage as (
        select stage_id from pipeline_stages s where ${ownedBy(tenant, 's')} order by position, stage_id limit 1
      ), x as (
        select x.lead_id, x.site_id, x.created_at, x.first_contacted_at, st.position, st.outcome,
          x.lead_id in (select a.lead_id from lead_activities a where ${ownedBy(tenant, 'a')} and a.type = any(${[...APPOINTMENT_ACTIVITY_TYPES]}::text[])) as met
        from (${leadsInRange}) x
        left join pipeline_stages st on st.stage_id = coalesce(x.stage_id, (select stage_id from first_stage))
      )
      select case when grouping(${leadDay}) = 0 then 'day' when grouping(x.site_id) = 0 then 'site' else 'all' end as kind,
        ${leadDay} as day, x.site_id, count(*) as leads,
        count(*) filter (where first_contacted_at is not null) as contacted,
        count(*) filter (where outcome = 'won' or met or (outcome is distinct from 'lost' and position >= (select position from appt))) as appointment,
        count(*) filter (where outcome = 'won') as closed
      from x group by grouping sets ((${leadDay}), (x.site_id), ())`.execute(q);
    // The range's inquiries in one pass: per day, per site, per source.
    const inquiryDay = day('x.created_at');
    const inquiryRows = await sql<{ kind: 'day' | 'site' | 'source'; day: string | null; site_id: string | null; source: string | null; n: string }>`
      select case when grouping(${inquiryDay}) = 0 then 'day' when grouping(x.site_id) = 0 then 'site' else 'source' end as kind,
        ${inquiryDay} as day, x.site_id, x.source, count(*) as n
      from (${inquiries}) x group by grouping sets ((${inquiryDay}), (x.site_id), (x.source))`.execute(q);

    const leadsPerDay = leadRows.rows.filter((r) => r.kind === 'day');
    const f = leadRows.rows.find((r) => r.kind === 'all');
    const inquiriesPerDay = inquiryRows.rows.filter((r) => r.kind === 'day');
    const perSource = inquiryRows.rows.filter((r) => r.kind === 'source')
      .map((r) => ({ source: r.source as string, inquiries: pgCount(r.n) }))
      .sort((a, b) => b.inquiries - a.inquiries || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
    // Per site: the sites with leads or inquiries in the range, named and ordered in SQL (the
    // name's collation breaks ties, as before).
    const bySite = new Map<string | null, { leads: number; inquiries: number }>();
    const siteRow = (id: string | null) => bySite.get(id) ?? bySite.set(id, { leads: 0, inquiries: 0 }).get(id) as { leads: number; inquiries: number };
    for (const r of leadRows.rows) if (r.kind === 'site') siteRow(r.site_id).leads = pgCount(r.leads);
    for (const r of inquiryRows.rows) if (r.kind === 'site') siteRow(r.site_id).inquiries = pgCount(r.n);
    const entries = [...bySite.entries()];
    const perSite = entries.length === 0 ? { rows: [] } : await sql<{ site_id: string | null; name: string | null; leads: string; inquiries: string }>`
      select x.site_id, s.name, x.leads, x.inquiries
      from unnest(${entries.map(([id]) => id)}::uuid[], ${entries.map(([, v]) => v.leads)}::bigint[], ${entries.map(([, v]) => v.inquiries)}::bigint[]) as x(site_id, leads, inquiries)
      left join sites s on s.site_id = x.site_id
      order by 4 desc, 3 desc, s.name nulls last`.execute(q);
    const visitors = await q
      .selectFrom('visitors')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('site_id', '=', sql<string>`any(${siteIds}::uuid[])`)
      .where('first_seen_at', '>=', start.toISOString())
      .where('first_seen_at', '<', end.toISOString())
      .executeTakeFirst();

    const days = new Map<string, LeadAnalytics['perDay'][number]>();
    const at = (d: string) => {
      const row = days.get(d) ?? { day: d, leads: 0, inquiries: 0, speed: toSpeed(undefined) };
      days.set(d, row);
      return row;
    };
    for (const r of leadsPerDay) at(r.day as string).leads = pgCount(r.leads);
    for (const r of inquiriesPerDay) at(r.day as string).inquiries = pgCount(r.n);
    for (const r of speedPerDay) at(r.day as string).speed = toSpeed(r);
    return {
      from: range.from,
      to: range.to,
      site: query.site ?? null,
      perDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
      speed: toSpeed(speedAll),
      perSite: perSite.rows.map((r) => ({ siteId: r.site_id, name: r.name, leads: pgCount(r.leads), inquiries: pgCount(r.inquiries) })),
      perSource,
      funnel: {
        visitors: pgCount(visitors?.n), leads: pgCount(f?.leads), contacted: pgCount(f?.contacted), appointment: pgCount(f?.appointment), closed: pgCount(f?.closed),
      },
    };
  }, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
}
