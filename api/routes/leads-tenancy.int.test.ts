// Tenant isolation of the leads API over real HTTP, Postgres and Redis: another realtor's ids
// answer 404 and change nothing; lists, search and export never show them; API keys are scoped
// to their owner; no credentials is 401; a cookie write without CSRF is 403.
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreJobId } from '#core/leads/mark-for-rescore.ts';
import { makeEvent } from '#test/factories.ts';
import { type RecordingClient, readCsvRecords, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('tenant isolation', () => {
  let alice: RecordingClient;
  let aliceId: string;
  let bob: RecordingClient;
  let aliceSite: string;
  let aliceLead: string;
  let aliceInquiry: string;

  beforeAll(async () => {
    ({ client: alice, userId: aliceId } = await api.makeRealtor());
    ({ client: bob } = await api.makeRealtor());
    aliceSite = await api.makeSite(alice, 'Alice Realty');
    const created = await alice.post('/v1/leads', { name: 'Alice Private Lead', email: 'secret-lead@example.com', phone: '555-010-0777', siteId: aliceSite });
    aliceLead = created.body.leadId;
    aliceInquiry = (await alice.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'Private question', listingRef: 'alice-listing' })).body.inquiryId;
    await makeEvent(api.server, { leadId: aliceLead, type: 'page_view', siteId: aliceSite, visitorId: 'v_alice', listingRef: 'alice-listing' });
    await api.server.sql("update leads set score = 80, score_band = 'hot' where lead_id = $1", [aliceLead]);
    // Bob has a lead of his own.
    expect((await bob.post('/v1/leads', { name: 'Bob Lead', email: 'bob-lead@example.com' })).status).toBe(201);
  });

  async function snapshot() {
    return {
      lead: await api.readLeadRow(aliceLead),
      inquiries: await api.server.sql('select * from inquiries where lead_id = $1 order by inquiry_id', [aliceLead]),
      events: await api.server.sql('select * from lead_analytics where lead_id = $1 order by analytic_id', [aliceLead]),
    };
  }

  it('another user gets 404 for the lead on every route, and nothing changes', async () => {
    const before = await snapshot();
    await api.server.queues.leads.remove(scoreJobId(aliceLead));
    const answers = [
      await bob.get(`/v1/leads/${aliceLead}`),
      await bob.patch(`/v1/leads/${aliceLead}`, { name: 'Hijacked', status: 'lost' }),
      await bob.delete(`/v1/leads/${aliceLead}`),
      await bob.get(`/v1/leads/${aliceLead}/timeline`),
      await bob.get(`/v1/leads/${aliceLead}/inquiries`),
      await bob.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'Injected' }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('Alice Private');
      expect(text).not.toContain('secret-lead');
    }
    expect(await snapshot()).toEqual(before);
    expect(await api.server.queues.leads.getJob(scoreJobId(aliceLead))).toBeUndefined();
    // The owner still sees it all.
    expect((await alice.get(`/v1/leads/${aliceLead}`)).body.name).toBe('Alice Private Lead');
    expect((await alice.get(`/v1/leads/${aliceLead}/inquiries`)).body.items.map((i: { inquiryId: string }) => i.inquiryId)).toEqual([aliceInquiry]);
  });

  it("another user's list, search and export never contain the lead", async () => {
    const list = await bob.get('/v1/leads?limit=100');
    expect(list.body.items.map((l: { name: string }) => l.name)).toEqual(['Bob Lead']);
    for (const q of ['Alice', 'secret-lead', '0100777', 'example.com']) {
      const res = await bob.get(`/v1/leads?q=${encodeURIComponent(q)}`);
      expect(res.body.items.map((l: { leadId: string }) => l.leadId), q).not.toContain(aliceLead);
    }
    for (const query of ['band=hot', 'sort=last_activity', 'sort=created']) {
      expect((await bob.get(`/v1/leads?${query}`)).body.items.map((l: { leadId: string }) => l.leadId)).not.toContain(aliceLead);
    }
    const csv = await api.fetchCsv(bob, '');
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain(aliceLead);
    expect(csv.text).not.toContain('secret-lead');
    expect(readCsvRecords(csv.text).map((r) => r.name)).toEqual(['Bob Lead']);
    // The same email is a different person in another realtor's book.
    const twin = await bob.post('/v1/leads', { name: 'Bob’s twin', email: 'secret-lead@example.com', phone: '5550100777' });
    expect(twin.status).toBe(201);
    expect(twin.body.leadId).not.toBe(aliceLead);
    expect((await api.readLeadRow(aliceLead)).name).toBe('Alice Private Lead');
  });

  it("filtering by, or creating on, another user's site is a 404", async () => {
    expect((await bob.get(`/v1/leads?site=${aliceSite}`)).status).toBe(404);
    expect((await api.fetchCsv(bob, `site=${aliceSite}`)).status).toBe(404);
    const created = await bob.post('/v1/leads', { name: 'Sneaky', siteId: aliceSite });
    expect(created.status).toBe(404);
    expect(await api.server.sql('select 1 from leads where site_id = $1 and user_id <> $2', [aliceSite, aliceId])).toHaveLength(0);
  });

  it('an API key (Bearer, no CSRF) works on every route, scoped to its owner', async () => {
    const key = (await alice.post('/v1/api-keys', { name: 'CRM' })).body.key;
    const bot = api.createClient();
    bot.bearer = key;
    expect((await bot.get(`/v1/leads/${aliceLead}`)).body.leadId).toBe(aliceLead);
    expect((await bot.get('/v1/leads')).body.items.map((l: { leadId: string }) => l.leadId)).toContain(aliceLead);
    expect((await bot.get(`/v1/leads/${aliceLead}/timeline`)).status).toBe(200);
    expect((await bot.get(`/v1/leads/${aliceLead}/inquiries`)).status).toBe(200);
    expect((await api.fetchCsv(bot, '')).text).toContain(aliceLead);
    const created = await bot.post('/v1/leads', { name: 'From CRM', email: 'crm@example.com' });
    expect(created.status).toBe(201);
    expect(await api.readLeadRow(created.body.leadId)).toMatchObject({ user_id: aliceId });
    expect((await bot.patch(`/v1/leads/${created.body.leadId}`, { status: 'contacted' })).body.status).toBe('contacted');
    expect((await bot.post(`/v1/leads/${created.body.leadId}/inquiries`, { message: 'Synced from CRM' })).status).toBe(201);
    expect((await bot.delete(`/v1/leads/${created.body.leadId}`)).status).toBe(204);

    const bobKey = (await bob.post('/v1/api-keys', { name: 'Bob CRM' })).body.key;
    const bobBot = api.createClient();
    bobBot.bearer = bobKey;
    expect((await bobBot.get(`/v1/leads/${aliceLead}`)).status).toBe(404);
    expect((await bobBot.patch(`/v1/leads/${aliceLead}`, { status: 'lost' })).status).toBe(404);
    expect((await bobBot.delete(`/v1/leads/${aliceLead}`)).status).toBe(404);
    expect((await bobBot.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'x' })).status).toBe(404);
    expect((await bobBot.get('/v1/leads')).body.items.map((l: { leadId: string }) => l.leadId)).not.toContain(aliceLead);
    expect((await api.readLeadRow(aliceLead)).status).toBe('new');

    const wrong = api.createClient();
    wrong.bearer = 'plk_not_a_real_key';
    expect((await wrong.get('/v1/leads')).status).toBe(401);
  });

  it('no session is 401 on every route', async () => {
    const anon = api.createClient();
    const id = aliceLead;
    for (const [method, path] of [
      ['GET', '/v1/leads'], ['POST', '/v1/leads'], ['GET', '/v1/leads/export.csv'], ['GET', `/v1/leads/${id}`], ['PATCH', `/v1/leads/${id}`],
      ['DELETE', `/v1/leads/${id}`], ['GET', `/v1/leads/${id}/timeline`], ['GET', `/v1/leads/${id}/inquiries`], ['POST', `/v1/leads/${id}/inquiries`],
    ] as const) {
      const res = await anon.request(method, path, method === 'GET' || method === 'DELETE' ? {} : { json: { name: 'x', message: 'x' } });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect((await api.readLeadRow(aliceLead)).name).toBe('Alice Private Lead');
  });

  it('a cookie write without the CSRF header is 403 and changes nothing', async () => {
    const before = await snapshot();
    const count = async () => (await api.server.sql('select 1 from leads where user_id = $1', [aliceId])).length;
    const leads = await count();
    for (const [method, path, json] of [
      ['POST', '/v1/leads', { name: 'No CSRF' }],
      ['PATCH', `/v1/leads/${aliceLead}`, { name: 'No CSRF' }],
      ['DELETE', `/v1/leads/${aliceLead}`, undefined],
      ['POST', `/v1/leads/${aliceLead}/inquiries`, { message: 'No CSRF' }],
    ] as const) {
      const res = await alice.request(method, path, { json, csrf: false });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
      const wrong = await alice.request(method, path, { json, csrf: false, headers: { 'x-csrf-token': 'wrong' } });
      expect(wrong.status).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    expect(await count()).toBe(leads);
  });
});
