// The lead list's ascending sorts (lowest score, oldest first) over real HTTP and Postgres: the
// same indexes as the descending sorts, read backwards. Keyset pages over heavy ties at several
// page sizes, a cursor of one direction refused by the other, another realtor's leads left out.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLead } from '#test/factories.ts';
import { makeTiedLeads, type RecordingClient, useLeadsApi, walkLeads } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('GET /v1/leads?sort=score_asc|created_asc', () => {
  let agent: RecordingClient;
  let userId: string;
  const N = 120;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    await makeTiedLeads(api.server, userId, N);
    const { userId: otherId } = await api.makeRealtor();
    await makeLead(api.server, { userId: otherId, score: 0, createdAt: '2000-01-01T00:00:00Z' });
  });

  for (const { sort, order } of [
    { sort: 'score_asc', order: 'score asc, lead_id asc' },
    { sort: 'created_asc', order: 'created_at asc, lead_id asc' },
  ] as const) {
    it(`walks all ${N} leads by ${sort} with many ties: no duplicates, no gaps, in order`, async () => {
      const expected = (await api.server.sql<{ lead_id: string }>(`select lead_id from leads where user_id = $1 order by ${order}`, [userId])).map((r) => r.lead_id);
      expect(expected).toHaveLength(N);
      for (const limit of [1, 13, 100]) {
        expect(await walkLeads(agent, `sort=${sort}`, limit), `limit ${limit}`).toEqual(expected);
      }
    });
  }

  it('refuses a cursor of the other direction (400) and an unknown sort (400)', async () => {
    const first = await agent.get('/v1/leads?sort=score&limit=2');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const crossed = await agent.get(`/v1/leads?sort=score_asc&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.error.code).toBe('validation_failed');
    const unknown = await agent.get('/v1/leads?sort=name_asc');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ path: 'sort' })]);
  });
});
