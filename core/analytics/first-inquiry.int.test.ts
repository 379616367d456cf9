// leads.first_inquiry_at / first_inquiry_site_id against real Postgres: after any sequence of
// inquiry inserts (single and multi-row, earlier and later), deletes and site deletions, each lead
// holds the time and site of its earliest inquiry (ties: lowest inquiry_id), or nulls without one.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeInquiries, makeLeads, makeRealtor, makeSite } from '#test/factories.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** Each of the leads' stored first inquiry, and the one computed from inquiries. */
async function expectFirstsMatch(leadIds: string[]) {
  const stored = await server.pool.query(`select lead_id, first_inquiry_at::text as at, first_inquiry_site_id as site from leads where lead_id = any($1) order by lead_id`, [leadIds]);
  const computed = await server.pool.query(`
    select l.lead_id, f.created_at::text as at, f.site_id as site from leads l
    left join lateral (select created_at, site_id from inquiries i where i.lead_id = l.lead_id order by created_at, inquiry_id limit 1) f on true
    where l.lead_id = any($1) order by l.lead_id`, [leadIds]);
  expect(stored.rows).toEqual(computed.rows);
}

describe('leads.first_inquiry_at', () => {
  it('follows inserts, earlier inquiries, deletes and a site deletion', async () => {
    const realtor = await makeRealtor(server);
    const site = (await makeSite(realtor)).siteId;
    const [a, b] = await makeLeads(server, [{ userId: realtor.userId }, { userId: realtor.userId }]);
    await expectFirstsMatch([a, b]);
    const [late] = await makeInquiries(server, [{ leadId: a, siteId: site, createdAt: '2026-03-02T10:00:00.000001Z' }]);
    await makeInquiries(server, [{ leadId: a, createdAt: '2026-03-05T10:00:00Z' }, { leadId: b, siteId: site, createdAt: '2026-03-01T00:00:00Z' }]);
    await expectFirstsMatch([a, b]);
    const [early] = await makeInquiries(server, [{ leadId: a, createdAt: '2026-02-01T00:00:00Z' }]);
    expect((await server.pool.query(`select first_inquiry_at::text as at, first_inquiry_site_id as site from leads where lead_id = $1`, [a])).rows[0])
      .toEqual({ at: '2026-02-01 00:00:00+00', site: null });
    await server.pool.query(`delete from inquiries where inquiry_id = $1`, [early]);
    await expectFirstsMatch([a, b]);
    expect((await server.pool.query(`select first_inquiry_site_id as site from leads where lead_id = $1`, [a])).rows[0].site).toBe(site);
    await server.pool.query(`delete from sites where site_id = $1`, [site]);
    await expectFirstsMatch([a, b]);
    await server.pool.query(`delete from inquiries where lead_id = $1`, [a]);
    await expectFirstsMatch([a, b]);
    expect((await server.pool.query(`select first_inquiry_at from leads where lead_id = $1`, [a])).rows[0].first_inquiry_at).toBeNull();
    expect(late).toBeTruthy();
  });

  it('equals the earliest inquiry after any sequence of writes (property)', async () => {
    const realtor = await makeRealtor(server);
    const sites = [(await makeSite(realtor)).siteId, (await makeSite(realtor)).siteId];
    const leads = await makeLeads(server, [{ userId: realtor.userId }, { userId: realtor.userId }, { userId: realtor.userId }]);
    const when = fc.integer({ min: 0, max: 4 }).map((m) => new Date(Date.UTC(2026, 4, 1, 12, m)).toISOString());
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), rows: fc.array(fc.record({ lead: fc.nat(2), site: fc.constantFrom<number | null>(0, 1, null), at: when }), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
      await server.pool.query(`delete from inquiries where lead_id = any($1)`, [leads]);
      for (const o of ops) {
        if (o.kind === 'insert') {
          await makeInquiries(server, o.rows.map((r) => ({ leadId: leads[r.lead], siteId: r.site === null ? null : sites[r.site], createdAt: r.at })));
        } else {
          const { rows } = await server.pool.query<{ inquiry_id: string }>(`select inquiry_id from inquiries where lead_id = any($1) order by inquiry_id`, [leads]);
          if (rows.length) await server.pool.query(`delete from inquiries where inquiry_id = $1`, [rows[o.pick % rows.length].inquiry_id]);
        }
      }
      await expectFirstsMatch(leads);
    }), { numRuns: 60 });
  });
});
