// The daily rollups of lead analytics against real Postgres: lead_daily_counts, speed_daily_counts,
// inquiry_daily_counts and visitor_daily_counts (kept by triggers on leads, inquiries and visitors,
// folded by compaction) always equal the same counts taken from the leads, inquiries and visitors —
// after leads created, contacted, moved through stages and sites, erased; inquiries added (which
// moves a lead's first inquiry) and deleted; visitors created, linked and seen earlier; a site or an
// account deleted; in any order (property). The migration's backfill gives the same rows.
import type { EntityManager } from '@mikro-orm/postgresql';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INQUIRY_SOURCES } from '#core/shared/enums.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeInquiries, makeLead, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import { Migration20261203140000 } from '../../migrations/Migration20261203140000.ts';
import { compactLeadDailyCounts } from './lead-daily-counts.ts';

let server: TestServer;
const em = () => server.orm.em.fork() as EntityManager;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const NONE = '00000000-0000-0000-0000-000000000000';
const seconds = (x: string) => `case when ${x}.first_contacted_at is null then null else greatest(0, extract(epoch from ${x}.first_contacted_at - ${x}.first_inquiry_at)) end`;

/** Each rollup summed per key (zero sums dropped) next to the same figures counted from the base tables. */
const PAIRS: { name: string; by: 'users' | 'sites'; rollup: string; raw: string }[] = [
  {
    name: 'leads per hour, site, stage, contacted', by: 'users',
    rollup: `select user_id, site_id, hour, stage_id, contacted, sum(n)::int as n from lead_daily_counts where user_id = any($1) group by 1, 2, 3, 4, 5 having sum(n) <> 0`,
    raw: `select user_id, coalesce(site_id, '${NONE}') as site_id, date_trunc('hour', created_at, 'UTC') as hour, coalesce(stage_id, '${NONE}') as stage_id,
      first_contacted_at is not null as contacted, count(*)::int as n from leads where user_id = any($1) group by 1, 2, 3, 4, 5`,
  },
  {
    name: 'first inquiries per hour and site: leads, contacted, within 5 min / 1 h', by: 'users',
    rollup: `select user_id, site_id, hour, sum(leads)::int as leads, sum(contacted)::int as contacted, sum(within_5m)::int as w5, sum(within_1h)::int as w1
      from speed_daily_counts where user_id = any($1) group by 1, 2, 3 having sum(leads) <> 0 or sum(contacted) <> 0 or sum(within_5m) <> 0 or sum(within_1h) <> 0`,
    raw: `select user_id, coalesce(first_inquiry_site_id, '${NONE}') as site_id, date_trunc('hour', first_inquiry_at, 'UTC') as hour, count(*)::int as leads,
      count(first_contacted_at)::int as contacted, (count(*) filter (where ${seconds('l')} <= 300))::int as w5, (count(*) filter (where ${seconds('l')} <= 3600))::int as w1
      from leads l where user_id = any($1) and first_inquiry_at is not null group by 1, 2, 3`,
  },
  {
    name: 'inquiries per site, hour, source', by: 'sites',
    rollup: `select site_id, hour, source, sum(n)::int as n from inquiry_daily_counts where site_id = any($1) group by 1, 2, 3 having sum(n) <> 0`,
    raw: `select site_id, date_trunc('hour', created_at, 'UTC') as hour, source, count(*)::int as n from inquiries where site_id = any($1) group by 1, 2, 3`,
  },
  {
    name: 'visitors and linked leads per site and hour', by: 'sites',
    rollup: `select site_id, hour, sum(visitors)::int as visitors, sum(leads)::int as leads from visitor_daily_counts where site_id = any($1) group by 1, 2 having sum(visitors) <> 0 or sum(leads) <> 0`,
    raw: `select site_id, date_trunc('hour', first_seen_at, 'UTC') as hour, count(*)::int as visitors, count(lead_id)::int as leads from visitors where site_id = any($1) group by 1, 2`,
  },
];

const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

async function expectRollupsMatch(users: string[], sites: string[]) {
  for (const p of PAIRS) {
    const ids = p.by === 'users' ? users : sites;
    const rollup = await server.pool.query(p.rollup, [ids]);
    const raw = await server.pool.query(p.raw, [ids]);
    expect(sorted(rollup.rows), p.name).toEqual(sorted(raw.rows));
  }
}

async function stagesOf(userId: string): Promise<string[]> {
  const { rows } = await server.pool.query<{ stage_id: string }>('select stage_id from pipeline_stages where user_id = $1 order by position', [userId]);
  return rows.map((r) => r.stage_id);
}

const at = (day: number, hour = 10, plusSeconds = 0) => new Date(Date.UTC(2026, 2, day, hour) + plusSeconds * 1000).toISOString();

describe('lead analytics rollups', () => {
  it('follow leads contacted, staged, moved and erased, inquiries added and deleted, visitors linked; compaction keeps the sums', async () => {
    const realtor = await makeRealtor(server);
    const other = await makeRealtor(server);
    const a = (await makeSite(realtor)).siteId;
    const b = (await makeSite(realtor)).siteId;
    const stages = await stagesOf(realtor.userId);
    const users = [realtor.userId, other.userId];
    const l1 = (await makeLead(server, { userId: realtor.userId, siteId: a, createdAt: at(1) })).leadId;
    const l2 = (await makeLead(server, { userId: realtor.userId, siteId: b, createdAt: at(1, 23) })).leadId;
    const l3 = (await makeLead(server, { userId: realtor.userId, siteId: null, createdAt: at(2) })).leadId;
    await makeLead(server, { userId: other.userId, createdAt: at(1) });
    await makeInquiries(server, [
      { leadId: l1, siteId: a, source: 'widget', createdAt: at(1) },
      { leadId: l2, siteId: b, source: 'widget', createdAt: at(2) },
      { leadId: l3, siteId: null, source: 'manual', createdAt: at(2) },
    ]);
    await makeVisitor(server, { siteId: a, visitorId: 'v1', firstSeenAt: at(1, 1) });
    await makeVisitor(server, { siteId: b, visitorId: 'v2', firstSeenAt: at(1, 2) });
    await expectRollupsMatch(users, [a, b]);

    // Contacted after 4 min (within 5 min), after 30 min; a stage; a visitor linked; seen earlier.
    await server.pool.query('update leads set first_contacted_at = $2 where lead_id = $1', [l1, at(1, 10, 240)]);
    await server.pool.query('update leads set first_contacted_at = $2, stage_id = $3 where lead_id = $1', [l2, at(2, 10, 1800), stages[2]]);
    await server.pool.query(`update visitors set lead_id = $1 where site_id = $2 and visitor_id = 'v1'`, [l1, a]);
    await server.pool.query(`update visitors set first_seen_at = $1 where site_id = $2 and visitor_id = 'v2'`, [at(0, 5), b]);
    await expectRollupsMatch(users, [a, b]);
    const speed = await server.pool.query(`select sum(leads)::int as leads, sum(contacted)::int as contacted, sum(within_5m)::int as w5, sum(within_1h)::int as w1
      from speed_daily_counts where user_id = $1`, [realtor.userId]);
    expect(speed.rows[0]).toEqual({ leads: 3, contacted: 2, w5: 1, w1: 2 });

    // An earlier inquiry moves l2's first inquiry to another day and site; an inquiry deleted.
    const [early] = await makeInquiries(server, [{ leadId: l2, siteId: a, source: 'api', createdAt: at(1, 8) }]);
    await expectRollupsMatch(users, [a, b]);
    await server.pool.query('delete from inquiries where inquiry_id = $1', [early]);
    await expectRollupsMatch(users, [a, b]);

    expect(await compactLeadDailyCounts({ em: em() })).toBeGreaterThan(0);
    await expectRollupsMatch(users, [a, b]);
    expect(await compactLeadDailyCounts({ em: em() })).toBe(0);

    // The lead erased (its inquiries go with it, its visitor is unlinked), a site deleted (its
    // leads and inquiries lose their site, its visitors go), a rolled-back change.
    await server.pool.query('delete from leads where lead_id = $1', [l1]);
    await expectRollupsMatch(users, [a, b]);
    await server.pool.query('delete from sites where site_id = $1', [b]);
    await expectRollupsMatch(users, [a, b]);
    const client = await server.pool.connect();
    try {
      await client.query('begin');
      await client.query('update leads set first_contacted_at = now(), stage_id = $2 where user_id = $1', [realtor.userId, stages[1]]);
      await client.query('delete from inquiries');
      await client.query('rollback');
    } finally {
      client.release();
    }
    await compactLeadDailyCounts({ em: em() });
    await expectRollupsMatch(users, [a, b]);
  });

  it('an account deletion leaves nothing once compacted', async () => {
    const realtor = await makeRealtor(server);
    const site = (await makeSite(realtor)).siteId;
    for (let i = 0; i < 6; i++) {
      const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: i % 2 ? site : null, createdAt: at(1 + i) });
      await makeInquiries(server, [{ leadId, siteId: i % 3 ? site : null, source: i % 3 ? 'widget' : 'manual', createdAt: at(1 + i, 12) }]);
      await makeVisitor(server, { siteId: site, visitorId: `v${i}`, leadId: i % 2 ? leadId : null, firstSeenAt: at(i) });
    }
    await server.pool.query('update leads set first_contacted_at = created_at + interval \'2 hours\' where user_id = $1', [realtor.userId]);
    await compactLeadDailyCounts({ em: em() });
    await server.pool.query('delete from users where user_id = $1', [realtor.userId]);
    await compactLeadDailyCounts({ em: em() });
    for (const [table, col, id] of [['lead_daily_counts', 'user_id', realtor.userId], ['speed_daily_counts', 'user_id', realtor.userId], ['inquiry_daily_counts', 'site_id', site], ['visitor_daily_counts', 'site_id', site]]) {
      const { rows } = await server.pool.query(`select 1 from ${table} where ${col} = $1`, [id]);
      expect(rows, table).toEqual([]);
    }
  });

  it('equal the counts from leads, inquiries and visitors after any sequence of writes and compactions (property)', async () => {
    const realtor = await makeRealtor(server);
    const sites = [(await makeSite(realtor)).siteId, (await makeSite(realtor)).siteId];
    const stages = await stagesOf(realtor.userId);
    const siteOf = fc.constantFrom<number | null>(0, 1, null);
    const when = fc.record({ day: fc.integer({ min: 1, max: 3 }), hour: fc.integer({ min: 0, max: 23 }) });
    const op = fc.oneof(
      fc.record({ kind: fc.constant('lead' as const), site: siteOf, when }),
      // Response times around the thresholds: 0, 5 min, 1 h and either side; negative = contacted before.
      fc.record({ kind: fc.constant('contact' as const), pick: fc.nat(), after: fc.constantFrom(-600, 0, 299, 300, 301, 3599, 3600, 3601, 7200) }),
      fc.record({ kind: fc.constant('stage' as const), pick: fc.nat(), stage: fc.option(fc.nat({ max: stages.length - 1 })) }),
      fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), site: siteOf }),
      fc.record({ kind: fc.constant('inquiry' as const), pick: fc.nat(), site: siteOf, when, source: fc.constantFrom(...INQUIRY_SOURCES) }),
      fc.record({ kind: fc.constant('uninquire' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('erase' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('visitor' as const), site: fc.constantFrom(0, 1), when }),
      fc.record({ kind: fc.constant('link' as const), pick: fc.nat(), lead: fc.nat() }),
      fc.record({ kind: fc.constant('seen' as const), pick: fc.nat(), when }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    let visitorNo = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 15 }), async (ops) => {
      await server.pool.query('delete from leads where user_id = $1', [realtor.userId]);
      await server.pool.query('delete from visitors where site_id = any($1)', [sites]);
      for (const o of ops) {
        const leads = (await server.pool.query<{ lead_id: string; created_at: Date }>('select lead_id, created_at from leads where user_id = $1 order by lead_id', [realtor.userId])).rows;
        const lead = 'pick' in o && leads.length ? leads[o.pick % leads.length] : null;
        const siteId = 'site' in o && o.site !== null ? sites[o.site] : null;
        if (o.kind === 'lead') {
          await makeLead(server, { userId: realtor.userId, siteId, createdAt: at(o.when.day, o.when.hour) });
        } else if (o.kind === 'contact' && lead) {
          // Relative to the lead's first inquiry when it has one, else to its creation.
          await server.pool.query(`update leads set first_contacted_at = coalesce(first_inquiry_at, created_at) + make_interval(secs => $2) where lead_id = $1`, [lead.lead_id, o.after]);
        } else if (o.kind === 'stage' && lead) {
          await server.pool.query('update leads set stage_id = $2 where lead_id = $1', [lead.lead_id, o.stage === null ? null : stages[o.stage]]);
        } else if (o.kind === 'move' && lead) {
          await server.pool.query('update leads set site_id = $2 where lead_id = $1', [lead.lead_id, siteId]);
        } else if (o.kind === 'inquiry' && lead) {
          await makeInquiries(server, [{ leadId: lead.lead_id, siteId, source: o.source, createdAt: at(o.when.day, o.when.hour) }]);
        } else if (o.kind === 'uninquire' && lead) {
          await server.pool.query('delete from inquiries where inquiry_id = (select inquiry_id from inquiries where lead_id = $1 order by created_at limit 1)', [lead.lead_id]);
        } else if (o.kind === 'erase' && lead) {
          await server.pool.query('delete from leads where lead_id = $1', [lead.lead_id]);
        } else if (o.kind === 'visitor') {
          await makeVisitor(server, { siteId: sites[o.site], visitorId: `p${visitorNo++}`, firstSeenAt: at(o.when.day, o.when.hour) });
        } else if (o.kind === 'link' || o.kind === 'seen') {
          const visitors = (await server.pool.query<{ site_id: string; visitor_id: string }>('select site_id, visitor_id from visitors where site_id = any($1) order by visitor_id', [sites])).rows;
          const v = visitors.length ? visitors[o.pick % visitors.length] : null;
          if (v && o.kind === 'link') {
            const to = leads.length ? leads[o.lead % leads.length].lead_id : null;
            await server.pool.query('update visitors set lead_id = $3 where site_id = $1 and visitor_id = $2', [v.site_id, v.visitor_id, to]);
          } else if (v && o.kind === 'seen') {
            // As ingest's upsert does: first seen only ever moves earlier.
            await server.pool.query('update visitors set first_seen_at = least(first_seen_at, $3) where site_id = $1 and visitor_id = $2', [v.site_id, v.visitor_id, at(o.when.day, o.when.hour)]);
          }
        } else if (o.kind === 'compact') {
          await compactLeadDailyCounts({ em: em() });
        }
      }
      await expectRollupsMatch([realtor.userId], sites);
    }), { numRuns: 20 });
  });

  it('the migration to hours rebuilds the rows of existing leads, inquiries and visitors', async () => {
    const realtor = await makeRealtor(server);
    const site = (await makeSite(realtor)).siteId;
    const stages = await stagesOf(realtor.userId);
    for (let i = 0; i < 8; i++) {
      const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: i % 3 ? site : null, createdAt: at(1 + (i % 3), i) });
      await makeInquiries(server, [{ leadId, siteId: i % 2 ? site : null, source: i % 2 ? 'widget' : 'manual', createdAt: at(1 + (i % 3), i + 1) }]);
      await server.pool.query(`update leads set first_contacted_at = first_inquiry_at + make_interval(secs => $2), stage_id = $3 where lead_id = $1`,
        [leadId, [60, 300, 1200, 3600, 9000][i % 5], i % 2 ? stages[i % stages.length] : null]);
      await makeVisitor(server, { siteId: site, visitorId: `b${i}`, leadId: i % 2 ? leadId : null, firstSeenAt: at(1 + (i % 3)) });
    }
    // The counters emptied, as the migration to hours empties them; then its own rebuild.
    await server.pool.query('truncate lead_daily_counts, speed_daily_counts, inquiry_daily_counts, visitor_daily_counts');
    const migration = new Migration20261203140000(server.orm.em.getDriver(), server.orm.config);
    await migration.up();
    const backfill = migration.getQueries().map(String).filter((q) => /^\s*insert into/i.test(q));
    expect(backfill).toHaveLength(4);
    for (const q of backfill) await server.pool.query(q);
    await expectRollupsMatch([realtor.userId], [site]);
    const { rows } = await server.pool.query<{ n: string }>('select count(*) as n from lead_daily_counts where user_id = $1 and not compacted', [realtor.userId]);
    expect(Number(rows[0].n)).toBe(0);
  });
});
