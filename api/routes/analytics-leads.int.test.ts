// GET /v1/analytics/leads over real HTTP and Postgres, on crafted data with known answers:
// speed-to-lead (exact medians and shares per day and over the range), leads and inquiries per
// day, site and source, and the funnel; bad input; another realtor's site.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityType } from '#core/activities/lead-activity.entity.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeActivity, makeInquiries, makeLead, makeRealtor, makeSite, makeStage, makeVisitor } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

let server: TestServer;
let alice: ApiClient;
let aliceId: string;
let bob: ApiClient;
let oak: string;

const H = 3_600_000;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

beforeAll(async () => {
  server = await startTestServer();
  ({ client: alice, userId: aliceId } = await makeRealtor(server));
  ({ client: bob } = await makeRealtor(server));
  oak = (await makeSite({ client: alice }, { name: 'Oak Realty' })).siteId;

  // Alice's pipeline, in order; `closed` is won, `lost` lost (replacing the defaults signup made).
  await server.pool.query('delete from pipeline_stages where user_id = $1', [aliceId]);
  const stages: Record<string, string> = {};
  for (const [position, key, outcome] of [[0, 'new', 'open'], [1, 'attempted_contact', 'open'], [2, 'appointment_set', 'open'], [3, 'showing', 'open'], [4, 'closed', 'won'], [5, 'lost', 'lost']] as const) {
    stages[key] = (await makeStage(server, { userId: aliceId, key, label: key, position, outcome })).stageId;
  }
  async function lead(created: string, opts: { site?: string | null; contactedAfterMs?: number; stage?: string; activity?: ActivityType } = {}) {
    const { leadId } = await makeLead(server, { userId: aliceId, siteId: opts.site === undefined ? oak : opts.site, createdAt: created });
    const contacted = opts.contactedAfterMs === undefined ? null : at(created, opts.contactedAfterMs);
    await server.pool.query(`update leads set first_contacted_at = $2, stage_id = $3 where lead_id = $1`, [leadId, contacted, opts.stage ? stages[opts.stage] : null]);
    if (opts.activity) {
      await makeActivity(server, { userId: aliceId, actorUserId: null, leadId, type: opts.activity });
    }
    return leadId;
  }

  // 2026-03-01: four first inquiries answered after 2 min, 30 min, 2 h and never.
  const l1 = await lead('2026-03-01T10:00:00Z', { contactedAfterMs: 2 * 60_000, activity: 'showing' });
  const l2 = await lead('2026-03-01T11:00:00Z', { contactedAfterMs: 30 * 60_000, stage: 'appointment_set' });
  const l3 = await lead('2026-03-01T12:00:00Z', { contactedAfterMs: 2 * H, stage: 'closed' });
  const l4 = await lead('2026-03-01T13:00:00Z', { stage: 'attempted_contact' });
  // 2026-03-02: answered after 4 min, and one called an hour before the inquiry (counts as 0 s).
  const l5 = await lead('2026-03-02T09:00:00Z', { contactedAfterMs: 4 * 60_000, stage: 'lost' });
  const l6 = await lead('2026-03-02T09:00:00Z', { contactedAfterMs: -H, stage: 'showing' });
  // Before the range: its inquiry on 2026-03-03 is not its first.
  const l7 = await lead('2026-02-27T09:00:00Z', { contactedAfterMs: 60_000 });
  // Added by hand (no site), answered after exactly one hour (within 1 h).
  const l8 = await lead('2026-03-03T08:00:00Z', { site: null, contactedAfterMs: H });

  await makeInquiries(server, [
    { leadId: l1, siteId: oak, source: 'widget', createdAt: '2026-03-01T10:00:00Z' },
    { leadId: l2, siteId: oak, source: 'widget', createdAt: '2026-03-01T11:00:00Z' },
    { leadId: l3, siteId: oak, source: 'widget', createdAt: '2026-03-01T12:00:00Z' },
    { leadId: l4, siteId: oak, source: 'widget', createdAt: '2026-03-01T13:00:00Z' },
    { leadId: l5, siteId: oak, source: 'widget', createdAt: '2026-03-02T09:00:00Z' },
    { leadId: l6, siteId: oak, source: 'widget', createdAt: '2026-03-02T09:00:00Z' },
    { leadId: l1, siteId: oak, source: 'widget', createdAt: '2026-03-02T10:00:00Z' },
    { leadId: l7, siteId: oak, source: 'widget', createdAt: '2026-02-27T09:00:00Z' },
    { leadId: l7, siteId: oak, source: 'widget', createdAt: '2026-03-03T07:00:00Z' },
    { leadId: l8, siteId: null, source: 'manual', createdAt: '2026-03-03T08:00:00Z' },
  ]);
  for (const [id, first] of [['v1', '2026-03-01T01:00:00Z'], ['v2', '2026-03-02T01:00:00Z'], ['v3', '2026-03-03T23:00:00Z'], ['v_old', '2026-02-20T01:00:00Z']]) {
    await makeVisitor(server, { siteId: oak, visitorId: id, firstSeenAt: first });
  }
});
afterAll(() => server?.close());

const leadsAnalytics = (client: ApiClient, query: string) => client.get(`/v1/analytics/leads?${query}`);

describe('GET /v1/analytics/leads', () => {
  it('measures speed-to-lead per day of the first inquiry and over the range: exact medians and shares', async () => {
    const res = await leadsAnalytics(alice, 'from=2026-03-01&to=2026-03-03');
    expect(res.status).toBe(200);
    expect(res.body.perDay).toEqual([
      { day: '2026-03-01', leads: 4, inquiries: 4, speed: { leads: 4, contacted: 3, medianSeconds: 1800, within5m: 0.25, within1h: 0.5 } },
      { day: '2026-03-02', leads: 2, inquiries: 3, speed: { leads: 2, contacted: 2, medianSeconds: 120, within5m: 1, within1h: 1 } },
      { day: '2026-03-03', leads: 1, inquiries: 2, speed: { leads: 1, contacted: 1, medianSeconds: 3600, within5m: 0, within1h: 1 } },
    ]);
    // Response times 0, 120, 240, 1800, 3600, 7200 s and one never: median of the answered (240 + 1800) / 2.
    expect(res.body.speed).toEqual({ leads: 7, contacted: 6, medianSeconds: 1020, within5m: 0.4286, within1h: 0.7143 });
  });

  it('counts leads and inquiries per site and per source, and the funnel of the leads created in the range', async () => {
    const res = await leadsAnalytics(alice, 'from=2026-03-01&to=2026-03-03');
    expect(res.body.perSite).toEqual([
      { siteId: oak, name: 'Oak Realty', leads: 6, inquiries: 8 },
      { siteId: null, name: null, leads: 1, inquiries: 1 },
    ]);
    expect(res.body.perSource).toEqual([{ source: 'widget', inquiries: 8 }, { source: 'manual', inquiries: 1 }]);
    // Contacted: all but l4. Appointment: l1 (showing logged), l2 (appointment set), l3 (closed), l6 (showing stage); not l5 (lost).
    expect(res.body.funnel).toEqual({ visitors: 3, leads: 7, contacted: 6, appointment: 4, closed: 1 });
  });

  it('narrows to one site (inquiries added by hand have none)', async () => {
    const res = await leadsAnalytics(alice, `from=2026-03-01&to=2026-03-03&site=${oak}`);
    expect(res.status).toBe(200);
    expect(res.body.speed).toEqual({ leads: 6, contacted: 5, medianSeconds: 240, within5m: 0.5, within1h: 0.6667 });
    expect(res.body.perSite).toEqual([{ siteId: oak, name: 'Oak Realty', leads: 6, inquiries: 8 }]);
    expect(res.body.funnel).toEqual({ visitors: 3, leads: 6, contacted: 5, appointment: 4, closed: 1 });
    const quiet = await leadsAnalytics(alice, 'from=2026-04-01&to=2026-04-02');
    expect(quiet.body).toMatchObject({ perDay: [], perSite: [], perSource: [], speed: { leads: 0, contacted: 0, medianSeconds: null, within5m: null, within1h: null } });
  });

  it('refuses bad input with 400 and answers 404 for another realtor’s site', async () => {
    for (const query of ['from=2026-02-30', 'from=2026-03-05&to=2026-03-01', 'site=nope', 'from=2020-01-01&to=2026-01-01', 'bogus=1']) {
      const res = await leadsAnalytics(alice, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const foreign = await leadsAnalytics(bob, `site=${oak}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await leadsAnalytics(alice, `site=${randomUUID()}`)).status).toBe(404);
    const own = await leadsAnalytics(bob, 'from=2026-03-01&to=2026-03-03');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ perDay: [], perSite: [], funnel: { visitors: 0, leads: 0, contacted: 0, appointment: 0, closed: 0 } });
  });
});
