// The realtor's lead list over real HTTP and Postgres: keyset pages over heavy ties (every sort,
// every page size), filters and search. Assertions read both the HTTP answer and the rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { type LeadSeed, makeLead } from '#test/factories.ts';
import { makeTiedLeads, type RecordingClient, useLeadsApi, walkLeads } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('GET /v1/leads — keyset pages', () => {
  let agent: RecordingClient;
  let userId: string;
  const N = 250;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    await makeTiedLeads(api.server, userId, N);
  });

  const sorts = [
    { sort: 'score', order: 'score desc, lead_id desc' },
    { sort: 'created', order: 'created_at desc, lead_id desc' },
    { sort: 'last_activity', order: 'last_activity_at desc nulls last, lead_id desc' },
  ] as const;

  for (const { sort, order } of sorts) {
    it(`walks all ${N} leads sorted by ${sort} with many ties: no duplicates, no gaps, in order, at every page size`, async () => {
      const expected = (await api.server.sql<{ lead_id: string }>(`select lead_id from leads where user_id = $1 order by ${order}`, [userId])).map((r) => r.lead_id);
      expect(expected).toHaveLength(N);
      for (const limit of [1, 7, 50, 83, 100]) {
        const ids = await walkLeads(agent, `sort=${sort}`, limit);
        expect(new Set(ids).size, `limit ${limit}: duplicates`).toBe(ids.length);
        expect(ids, `limit ${limit}`).toEqual(expected);
      }
    });
  }

  it('sorts by score by default, and the page items carry the lead fields', async () => {
    const res = await agent.get('/v1/leads');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(50);
    expect(typeof res.body.nextCursor).toBe('string');
    const scores = res.body.items.map((l: { score: number }) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(Object.keys(res.body.items[0]).sort()).toEqual(
      ['contactInfo', 'createdAt', 'email', 'lastActivityAt', 'leadId', 'name', 'phone', 'score', 'scoreBand', 'scoreBreakdown', 'scoredAt', 'siteId', 'status', 'updatedAt',
        'firstContactedAt', 'lastContactedAt', 'nextFollowUpAt', 'speedToLeadSeconds', 'stage', 'importId'].sort(),
    );
    expect(res.body.items[0].createdAt).toMatch(/^2026-01-01T10:00:00\.123Z$/);
  });

  it('a lead inserted mid-walk neither duplicates nor hides the rows already promised', async () => {
    const first = await agent.get('/v1/leads?sort=score&limit=60');
    const seen = first.body.items.map((l: { leadId: string }) => l.leadId);
    // A new top-scored lead sorts before the cursor: it must not push earlier rows into the next page.
    const { leadId: newcomer } = await makeLead(api.server, { userId, score: 99, scoreBand: 'hot' });
    const rest = [];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const res = await agent.get(`/v1/leads?sort=score&limit=60&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...res.body.items.map((l: { leadId: string }) => l.leadId));
      cursor = res.body.nextCursor;
    }
    const all = [...seen, ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(N);
    expect(all).not.toContain(newcomer);
    await api.server.sql('delete from leads where lead_id = $1', [newcomer]);
  });

  it('walks a filtered list (band, status) with a cursor and returns exactly the matching rows', async () => {
    for (const [query, where] of [
      ['band=warm', "score_band = 'warm'"],
      ['band=hot&sort=created', "score_band = 'hot'"],
      ['status=qualified&sort=last_activity', "status = 'qualified'"],
      ['band=cold&status=new', "score_band = 'cold' and status = 'new'"],
    ] as const) {
      const sort = /sort=(\w+)/.exec(query)?.[1] ?? 'score';
      const order = sorts.find((s) => s.sort === sort)!.order;
      const expected = (await api.server.sql<{ lead_id: string }>(`select lead_id from leads where user_id = $1 and ${where} order by ${order}`, [userId])).map((r) => r.lead_id);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(await walkLeads(agent, query, 9), query).toEqual(expected);
    }
  });

  it('a cursor from one sort is refused (400) by another', async () => {
    const page = await agent.get('/v1/leads?sort=score&limit=5');
    const res = await agent.get(`/v1/leads?sort=created&cursor=${page.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'cursor' }] });
  });
});

describe('GET /v1/leads — filters and search', () => {
  let agent: RecordingClient;
  let userId: string;
  let siteA: string;
  let siteB: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    siteA = await api.makeSite(agent, 'Oak Realty');
    siteB = await api.makeSite(agent, 'Maple Homes');
    const seeds: Record<string, Omit<LeadSeed, 'userId'>> = {
      percent: { name: '100% Pure Homes', email: 'pure@example.com', siteId: siteA, score: 70, scoreBand: 'hot', status: 'contacted' },
      underscore: { name: 'snake_case buyer', email: 'snake@example.com', siteId: siteA, score: 30, scoreBand: 'warm' },
      obrien: { name: "Siobhán O'Brien", email: 'obrien@corp.example', siteId: siteB, score: 65, scoreBand: 'hot', status: 'qualified' },
      quoted: { name: 'Say "hi" Smith', email: 'quoted@example.com', phone: '+15550100199', siteId: siteB, score: 10 },
      backslash: { name: 'Back\\slash', email: 'back@corp.example', phone: '5550100777', score: 26, scoreBand: 'warm', status: 'lost' },
      plain: { name: 'Percy Underwood', email: 'percy@example.com', phone: '4420794609', score: 5 },
    };
    for (const [key, seed] of Object.entries(seeds)) ids[key] = (await makeLead(api.server, { userId, ...seed })).leadId;
  });

  async function names(query: string): Promise<string[]> {
    const res = await agent.get(`/v1/leads?${query}`);
    expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.items.map((l: { leadId: string }) => Object.entries(ids).find(([, id]) => id === l.leadId)?.[0] ?? l.leadId).sort();
  }

  it('filters by band, status and site, alone and together; empty parameters mean no filter', async () => {
    expect(await names('band=hot')).toEqual(['obrien', 'percent']);
    expect(await names('band=warm')).toEqual(['backslash', 'underscore']);
    expect(await names('band=cold')).toEqual(['plain', 'quoted']);
    expect(await names('status=lost')).toEqual(['backslash']);
    expect(await names('status=client')).toEqual([]);
    expect(await names(`site=${siteA}`)).toEqual(['percent', 'underscore']);
    expect(await names(`site=${siteB}&band=hot`)).toEqual(['obrien']);
    expect(await names(`site=${siteB}&band=hot&status=new`)).toEqual([]);
    expect(await names('band=&status=&site=&q=')).toHaveLength(6);
  });

  it('searches name, email and phone case-insensitively', async () => {
    expect(await names('q=pure')).toEqual(['percent']);
    expect(await names('q=PERCY')).toEqual(['plain']);
    expect(await names('q=corp.example')).toEqual(['backslash', 'obrien']);
    expect(await names('q=siobh%C3%A1n')).toEqual(['obrien']);
    // Phones are stored as digits: a formatted query matches by its digits.
    expect(await names(`q=${encodeURIComponent('(555) 010-0199')}`)).toEqual(['quoted']);
    expect(await names('q=0100777')).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent('+1555')}`)).toEqual(['quoted']);
  });

  it('treats % _ \\ quotes and SQL as literal text', async () => {
    expect(await names(`q=${encodeURIComponent('%')}`)).toEqual(['percent']);
    expect(await names(`q=${encodeURIComponent('0% P')}`)).toEqual(['percent']);
    expect(await names(`q=${encodeURIComponent('_')}`)).toEqual(['underscore']);
    expect(await names(`q=${encodeURIComponent('\\')}`)).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent('k\\s')}`)).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent("o'brien")}`)).toEqual(['obrien']);
    expect(await names(`q=${encodeURIComponent('"hi"')}`)).toEqual(['quoted']);
    expect(await names(`q=${encodeURIComponent("'; delete from leads; --")}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('?')}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('$1')}`)).toEqual([]);
    expect((await api.server.sql('select 1 from leads where user_id = $1', [userId])).length).toBe(6);
  });

  it('combines search with filters and pages through the matches', async () => {
    expect(await names('q=example&band=hot')).toEqual(['obrien', 'percent']);
    expect(await names(`q=example&site=${siteB}`)).toEqual(['obrien', 'quoted']);
    const page1 = await agent.get('/v1/leads?q=example&limit=4');
    expect(page1.body.items).toHaveLength(4);
    const page2 = await agent.get(`/v1/leads?q=example&limit=4&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('matches a term within one field, never across two; a formatted phone query matches phones only by its digits', async () => {
    // The search joins the fields with U+001F: "Grace" + "hopper@…" must not make "gracehopper".
    const { client: other, userId: otherId } = await api.makeRealtor();
    const seeded: Record<string, string> = {};
    for (const [key, seed] of Object.entries({
      grace: { name: 'Grace', email: 'hopper@navy.example', phone: '+12025550143' },
      mailDigits: { name: 'Ada', email: 'ada2025550143@example.com' },
      upper: { name: 'ÉLODIE MARTIN', email: 'EM@Example.COM' },
    })) seeded[key] = (await makeLead(api.server, { userId: otherId, ...seed })).leadId;
    const found = async (q: string) => {
      const res = await other.get(`/v1/leads?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      return res.body.items.map((l: { leadId: string }) => Object.entries(seeded).find(([, id]) => id === l.leadId)?.[0]).sort();
    };
    expect(await found('gracehopper')).toEqual([]);
    expect(await found('grace hopper')).toEqual([]);
    expect(await found('navy.example+1')).toEqual([]);
    // The digits of "(202) 555-0143" are in Ada's email too; by digits only Grace's phone counts,
    // while the term as typed (digits alone) matches anywhere.
    expect(await found('(202) 555-0143')).toEqual(['grace']);
    expect(await found('2025550143')).toEqual(['grace', 'mailDigits']);
    expect(await found('élodie')).toEqual(['upper']);
    expect(await found('em@example')).toEqual(['upper']);
  });

  it('refuses unknown filter values and parameters with 400 naming them', async () => {
    for (const [query, path] of [
      ['band=lukewarm', 'band'], ['status=archived', 'status'], ['sort=name', 'sort'], ['sort=-score', 'sort'],
      ['site=not-a-uuid', 'site'], ['foo=1', ''], ['band=hot&band=warm', 'band'],
    ] as const) {
      const res = await agent.get(`/v1/leads?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
  });
});
