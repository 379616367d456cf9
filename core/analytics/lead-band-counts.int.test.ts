// Band counts against real Postgres: lead_band_counts (kept by triggers on leads, folded by
// compaction) always equals count(*) over the leads — per realtor, per site and per band — after
// creates, band changes, site moves, deletes, site and account deletion, in any order (property).
import type { EntityManager } from '@mikro-orm/postgresql';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantOfUser } from '#core/accounts/tenant.ts';
import { SCORE_BANDS, type ScoreBand } from '#core/shared/enums.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeLeads, makeRealtor, makeSite } from '#test/factories.ts';
import { compactLeadBandCounts, countLeadsPerBand } from './lead-band-counts.ts';

let server: TestServer;
const em = () => server.orm.em.fork() as EntityManager;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** The counts as the summary reads them, and counted from the leads. */
async function expectCountsMatch(userId: string, sites: string[]) {
  const tenant = tenantOfUser(userId);
  const raw = async (site?: string) => {
    const { rows } = await server.pool.query<{ score_band: ScoreBand; n: string }>(
      `select score_band, count(*)::text as n from leads where user_id = $1 ${site ? 'and site_id = $2' : ''} group by 1`, site ? [userId, site] : [userId]);
    const bands = { hot: 0, warm: 0, cold: 0 };
    for (const r of rows) bands[r.score_band] = Number(r.n);
    return bands;
  };
  expect(await countLeadsPerBand({ em: em(), tenant })).toEqual(await raw());
  for (const site of sites) expect(await countLeadsPerBand({ em: em(), tenant, site })).toEqual(await raw(site));
}

describe('lead band counts', () => {
  it('follow creates, band changes, site moves and deletes; compaction keeps the sums', async () => {
    const realtor = await makeRealtor(server);
    const other = await makeRealtor(server);
    const a = (await makeSite(realtor)).siteId;
    const b = (await makeSite(realtor)).siteId;
    const ids = await makeLeads(server, [
      { userId: realtor.userId, siteId: a, scoreBand: 'hot' }, { userId: realtor.userId, siteId: a, scoreBand: 'cold' },
      { userId: realtor.userId, siteId: b, scoreBand: 'warm' }, { userId: realtor.userId, siteId: null, scoreBand: 'hot' },
    ]);
    await makeLeads(server, [{ userId: other.userId, scoreBand: 'hot' }]);
    await expectCountsMatch(realtor.userId, [a, b]);
    expect(await countLeadsPerBand({ em: em(), tenant: tenantOfUser(realtor.userId) })).toEqual({ hot: 2, warm: 1, cold: 1 });
    expect(await countLeadsPerBand({ em: em(), tenant: tenantOfUser(other.userId) })).toEqual({ hot: 1, warm: 0, cold: 0 });

    // A multi-row update, an update that touches the band without changing it, a site move.
    await server.pool.query(`update leads set score_band = 'warm', score = 40 where lead_id = any($1)`, [ids.slice(0, 2)]);
    await server.pool.query(`update leads set score_band = score_band, name = 'Renamed' where lead_id = $1`, [ids[2]]);
    await server.pool.query(`update leads set site_id = $2 where lead_id = $1`, [ids[3], b]);
    await expectCountsMatch(realtor.userId, [a, b]);
    expect(await compactLeadBandCounts({ em: em() })).toBeGreaterThan(0);
    await expectCountsMatch(realtor.userId, [a, b]);
    expect(await compactLeadBandCounts({ em: em() })).toBe(0);

    // Site deletion sets the leads' site to null; deleting leads; a rollback changes nothing.
    await server.pool.query(`delete from sites where site_id = $1`, [a]);
    await server.pool.query(`delete from leads where lead_id = $1`, [ids[2]]);
    const client = await server.pool.connect();
    try {
      await client.query('begin');
      await client.query(`update leads set score_band = 'cold' where user_id = $1`, [realtor.userId]);
      await client.query('rollback');
    } finally {
      client.release();
    }
    await expectCountsMatch(realtor.userId, [a, b]);
  });

  it('an account deletion leaves nothing once compacted', async () => {
    const realtor = await makeRealtor(server);
    const site = (await makeSite(realtor)).siteId;
    await makeLeads(server, Array.from({ length: 20 }, (_, i) => ({ userId: realtor.userId, siteId: i % 2 ? site : null, scoreBand: SCORE_BANDS[i % 3] })));
    await compactLeadBandCounts({ em: em() });
    await server.pool.query(`delete from users where user_id = $1`, [realtor.userId]);
    expect(await countLeadsPerBand({ em: em(), tenant: tenantOfUser(realtor.userId) })).toEqual({ hot: 0, warm: 0, cold: 0 });
    await compactLeadBandCounts({ em: em() });
    const { rows } = await server.pool.query(`select 1 from lead_band_counts where user_id = $1`, [realtor.userId]);
    expect(rows).toEqual([]);
  });

  it('equal count(*) after any sequence of lead writes and compactions (property)', async () => {
    const realtor = await makeRealtor(server);
    const sites = [(await makeSite(realtor)).siteId, (await makeSite(realtor)).siteId];
    const band = fc.constantFrom(...SCORE_BANDS);
    const siteOf = fc.constantFrom<number | null>(0, 1, null);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), n: fc.integer({ min: 1, max: 4 }), band, site: siteOf }),
      fc.record({ kind: fc.constant('rescore' as const), pick: fc.nat(), band }),
      fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), site: siteOf }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      await server.pool.query(`delete from leads where user_id = $1`, [realtor.userId]);
      for (const o of ops) {
        const { rows } = await server.pool.query<{ lead_id: string }>(`select lead_id from leads where user_id = $1 order by lead_id`, [realtor.userId]);
        const target = 'pick' in o && rows.length ? rows[o.pick % rows.length].lead_id : null;
        if (o.kind === 'create') {
          await makeLeads(server, Array.from({ length: o.n }, () => ({ userId: realtor.userId, siteId: o.site === null ? null : sites[o.site], scoreBand: o.band })));
        } else if (o.kind === 'rescore' && target) {
          await server.pool.query(`update leads set score_band = $2 where lead_id = $1`, [target, o.band]);
        } else if (o.kind === 'move' && target) {
          await server.pool.query(`update leads set site_id = $2 where lead_id = $1`, [target, o.site === null ? null : sites[o.site]]);
        } else if (o.kind === 'delete' && target) {
          await server.pool.query(`delete from leads where lead_id = $1`, [target]);
        } else if (o.kind === 'compact') {
          await compactLeadBandCounts({ em: em() });
        }
      }
      await expectCountsMatch(realtor.userId, sites);
    }), { numRuns: 25 });
  });
});
