// Per-site daily event quota (issue #10): over it, /v1/collect answers 429 `quota_exceeded`
// (Retry-After until midnight UTC) and stores nothing, while inquiries are still accepted; the
// admin reads when it was reached from GET /v1/sites/:id/quota.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeRealtor, makeSite, type Realtor, type TestSite } from '#test/factories.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const nextIp = ipSource(9);

let server: TestServer;
let alice: Realtor;
let bob: Realtor;
let site: TestSite;

const events = (n: number) => Array.from({ length: n }, () => ({ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/oak-12`, ts: Date.now() }));
const collect = (key: string, n: number) => sendIngest(`${server.url}/v1/collect`, { site: key, visitor: `v_${randomUUID().slice(0, 8)}`, events: events(n) }, { defaultOrigin: ORIGIN, nextIp });

async function storedEvents(siteId: string): Promise<number> {
  const [row] = await server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where site_id = $1', [siteId]);
  return row.n;
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true', DAILY_EVENT_QUOTA: '1000' });
  alice = await makeRealtor(server);
  bob = await makeRealtor(server);
  site = await makeSite(alice, { allowedOrigins: [ORIGIN] });
});
afterAll(async () => {
  await server.close();
});

describe('daily event quota', () => {
  it('defaults to DAILY_EVENT_QUOTA and the retention to 13 months, with nothing used yet', async () => {
    const res = await alice.client.get(`/v1/sites/${site.siteId}/quota`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ dailyEventQuota: 1000, usedToday: 0, reachedAt: null, resetsAt: expect.stringMatching(/T00:00:00\.000Z$/), retentionMonths: 13, defaults: { retentionMonths: 13, dailyEventQuota: 1000 } });
  });

  it('refuses events over the site\'s quota with 429 quota_exceeded, stores none of them, and still accepts inquiries', async () => {
    const patched = await alice.client.patch(`/v1/sites/${site.siteId}`, { settings: { dailyEventQuota: 5, retentionMonths: 6 } });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toMatchObject({ dailyEventQuota: 5, retentionMonths: 6, respectDnt: true });

    expect((await collect(site.publicKey, 2)).status).toBe(202);
    expect((await collect(site.publicKey, 2)).status).toBe(202);
    const refused = await collect(site.publicKey, 2); // 6 > 5
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('quota_exceeded');
    expect(refused.body.error.message).toMatch(/midnight UTC/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN); // the tracker can read it
    expect((await collect(site.publicKey, 1)).status).toBe(202); // exactly up to the quota
    expect((await collect(site.publicKey, 1)).status).toBe(429);
    expect(await storedEvents(site.siteId)).toBe(5);

    const inquiry = await sendIngest(`${server.url}/v1/inquiries`, {
      site: site.publicKey, id: randomUUID(), visitor: `v_${randomUUID().slice(0, 8)}`, name: 'Dana Whitaker', email: 'dana@example.com',
      phone: '', message: 'Is 12 Oak St still available?', listing: 'oak-12', url: `${ORIGIN}/listings/oak-12`, consent: true, hp: '',
    }, { defaultOrigin: ORIGIN, nextIp });
    expect(inquiry.status).toBe(202);
    const [row] = await server.sql<{ n: number }>('select count(*)::int as n from inquiries where site_id = $1', [site.siteId]);
    expect(row.n).toBe(1);

    // An identify (the site's own form naming the visitor) is a lead like an inquiry: accepted over
    // the quota; the page views beside it are dropped.
    const visitor = `v_${randomUUID().slice(0, 8)}`;
    const identify = { id: randomUUID(), type: 'identify', ts: Date.now(), props: { email: 'own-form@example.com', name: 'Own Form' } };
    const named = await sendIngest(`${server.url}/v1/collect`, { site: site.publicKey, visitor, events: [...events(2), identify] }, { defaultOrigin: ORIGIN, nextIp });
    expect(named.status).toBe(202);
    const [lead] = await server.sql<{ name: string }>("select name from leads where email = 'own-form@example.com'");
    expect(lead).toEqual({ name: 'Own Form' });
    const kinds = await server.sql<{ event_type: string }>('select event_type from lead_analytics where site_id = $1 and visitor_id = $2', [site.siteId, visitor]);
    expect(kinds.map((k) => k.event_type)).toEqual(['identify']);
    expect((await collect(site.publicKey, 1)).status).toBe(429); // page views alone are still refused
  });

  it('exposes when the quota was reached, and how much was used, for the admin notice', async () => {
    const status = await vi.waitFor(async () => {
      const res = await alice.client.get(`/v1/sites/${site.siteId}/quota`);
      expect(res.status).toBe(200);
      expect(res.body.reachedAt).not.toBeNull();
      expect(res.body.usedToday).toBe(5);
      return res.body;
    }, WAIT);
    expect(status).toMatchObject({ dailyEventQuota: 5, retentionMonths: 6 });
    expect(Date.parse(status.reachedAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(status.resetsAt)).toBeGreaterThan(Date.now());
  });

  it('counts per site: another site of the same realtor is not affected', async () => {
    const other = await makeSite(alice, { allowedOrigins: [ORIGIN] });
    expect((await collect(other.publicKey, 3)).status).toBe(202);
    expect(await storedEvents(other.siteId)).toBe(3);
  });

  it('answers 404 for another realtor\'s site and an unknown one, and 400 for a bad id', async () => {
    expect((await bob.client.get(`/v1/sites/${site.siteId}/quota`)).status).toBe(404);
    expect((await alice.client.get(`/v1/sites/${randomUUID()}/quota`)).status).toBe(404);
    const bad = await alice.client.get('/v1/sites/not-a-uuid/quota');
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
  });

  it('refuses bad quota and retention settings with 400 and changes nothing', async () => {
    for (const settings of [{ dailyEventQuota: 0 }, { dailyEventQuota: 1.5 }, { retentionMonths: 0 }, { retentionMonths: 121 }, { retentionMonths: '6' }]) {
      const res = await alice.client.patch(`/v1/sites/${site.siteId}`, { settings });
      expect(res.status, JSON.stringify(settings)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const res = await alice.client.get(`/v1/sites/${site.siteId}`);
    expect(res.body.settings).toMatchObject({ dailyEventQuota: 5, retentionMonths: 6 });
    // null goes back to the server's defaults
    const reset = await alice.client.patch(`/v1/sites/${site.siteId}`, { settings: { dailyEventQuota: null, retentionMonths: null } });
    expect(reset.status).toBe(200);
    expect((await alice.client.get(`/v1/sites/${site.siteId}/quota`)).body).toMatchObject({ dailyEventQuota: 1000, retentionMonths: 13 });
  });
});
