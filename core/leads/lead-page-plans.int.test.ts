import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeInquiries, makeLeads, makeUser } from '#test/factories.ts';
import { tenantOfUser } from '../accounts/tenant.ts';
import { getLeadTimeline } from './lead-timeline.ts';
import { getLead } from './leads.ts';
import { listLeads } from './list-leads.ts';

// One pooled connection: every prepared statement and its plan counters are on it.
const t = useTestOrm({ ormPoolMax: 1 });
const em = () => t.orm.em.fork() as EntityManager;

interface PreparedRow { name: string; statement: string; generic_plans: string; custom_plans: string }

async function prepared(prefix: string): Promise<PreparedRow[]> {
  const pool = await (t.orm.em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> }).getNativeClient();
  return (await pool.query<PreparedRow>(`select name, statement, generic_plans::text, custom_plans::text from pg_prepared_statements where name like $1 || '%'`, [prefix])).rows;
}

describe('the lead page and timeline statements', () => {
  let userId: string;
  let leadIds: string[];
  let siteId: string;
  beforeAll(async () => {
    ({ userId } = await makeUser(t));
    leadIds = await makeLeads(t, [{ userId, score: 100, name: 'Lead 0' }]);
    ({ rows: [{ site_id: siteId }] } = await t.pool.query<{ site_id: string }>(`insert into sites (site_id, user_id, name, public_key)
      values (gen_random_uuid(), $1, 'Plans', 'pk_plans_' || substr(md5(random()::text), 1, 16)) returning site_id`, [userId]));
    // Enough leads that a generic plan's guess for a bound LIMIT (a tenth of the rows) costs more
    // than a page: on a few dozen rows Postgres would take the generic plan either way. 20 of them
    // on a small site.
    await t.pool.query(`insert into leads (lead_id, user_id, name, score, score_band, site_id)
      select gen_random_uuid(), $1, 'Lead ' || n, n % 100, 'cold', case when n <= 20 then $2::uuid end from generate_series(1, 3000) n`, [userId, siteId]);
    // A long history for the first lead, for the same reason (a generic plan guesses a tenth of its events).
    await t.pool.query(`insert into lead_analytics (analytic_id, lead_id, event_type, event_date, site_id, visitor_id)
      select gen_random_uuid(), $1, 'page_view', now() - n * interval '1 second', $2, 'v-plans' from generate_series(1, 3000) n`, [leadIds[0], siteId]);
    await t.pool.query('analyze leads, lead_analytics');
  });

  it('an unfiltered page of a common size runs on one generic plan, another size is planned at every call, a site filter or a search is never prepared', async () => {
    const tenant = tenantOfUser(userId);
    for (let i = 0; i < 10; i++) {
      expect((await listLeads({ em: em(), tenant, filters: { sort: 'score' }, limit: 50 })).items).toHaveLength(50);
      expect((await listLeads({ em: em(), tenant, filters: { sort: 'score' }, limit: 37 })).items).toHaveLength(37);
      expect((await listLeads({ em: em(), tenant, filters: { sort: 'score', site: siteId }, limit: 50 })).items).toHaveLength(20);
      expect((await listLeads({ em: em(), tenant, filters: { sort: 'score', q: 'Lead 29' }, limit: 50 })).items).toHaveLength(50);
    }
    const rows = await prepared('porchlight_lead_page_');
    expect(rows.filter((r) => /search_text|"site_id" = \$/.test(r.statement))).toEqual([]);
    expect(rows).toHaveLength(2);
    const common = rows.find((r) => /limit 51\b/.test(r.statement));
    const other = rows.find((r) => !/limit 51\b/.test(r.statement));
    // Postgres tries the generic plan from the sixth call on and keeps it while it costs no more than the custom ones.
    expect(Number(common?.custom_plans)).toBeLessThanOrEqual(5);
    expect(Number(common?.generic_plans)).toBeGreaterThanOrEqual(1);
    expect([Number(other?.generic_plans), Number(other?.custom_plans)]).toEqual([0, 10]);
  });

  it('the timeline of a common page size runs on a generic plan too', async () => {
    const tenant = tenantOfUser(userId);
    for (let i = 0; i < 10; i++) expect((await getLeadTimeline({ em: em(), tenant, leadId: leadIds[0], limit: 25 })).items).toHaveLength(25);
    const rows = await prepared('porchlight_timeline_');
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].custom_plans)).toBeLessThanOrEqual(5);
    expect(Number(rows[0].generic_plans)).toBeGreaterThanOrEqual(1);
  });

  it('speed to lead counts from the earliest inquiry, whichever order the inquiries arrive in', async () => {
    const tenant = tenantOfUser(userId);
    const [leadId] = await makeLeads(t, [{ userId, score: 99, name: 'Speedy' }]);
    await t.pool.query(`update leads set first_contacted_at = '2026-11-30T10:10:00Z' where lead_id = $1`, [leadId]);
    await makeInquiries(t, [{ leadId, createdAt: '2026-11-30T10:05:00Z' }]);
    const speed = async () => ({
      page: (await listLeads({ em: em(), tenant, filters: { sort: 'score' }, limit: 50 })).items.find((l) => l.leadId === leadId)?.speedToLeadSeconds,
      lead: (await getLead({ em: em(), tenant, leadId })).speedToLeadSeconds,
    });
    expect(await speed()).toEqual({ page: 300, lead: 300 });
    // An earlier inquiry recorded later (an import, a replayed form) moves the start back.
    const [early] = await makeInquiries(t, [{ leadId, createdAt: '2026-11-30T10:00:00Z' }]);
    expect(await speed()).toEqual({ page: 600, lead: 600 });
    await t.pool.query('delete from inquiries where inquiry_id = $1', [early]);
    expect(await speed()).toEqual({ page: 300, lead: 300 });
  });
});
