// The install check behind the Sites page (GET /v1/sites/:id/install-status), the one-click
// "add this origin" (POST /v1/sites/:id/allowed-origins) and the test inquiry (POST
// /v1/sites/:id/test-inquiry), against the real API, Postgres and Redis: refused Origins are
// counted per site and origin (in Redis, no Postgres write), the status never says "receiving"
// while everything is refused, and each route is tenant-scoped and refuses bad input.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import type { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { decideInstallState, TEST_INQUIRY_NAME, testInquiryEmail } from '#core/sites/install-check.ts';
import { WAIT } from '#test/env.ts';
import { makeInquiry, makeLead, makeRealtor, makeReminder } from '#test/factories.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

let server: TestServer;
let owner: ApiClient;
let other: ApiClient;
const nextIp = ipSource(41);
const ALLOWED = 'https://www.hearth.example';
const WRONG = 'https://www.oakrealty.example';

beforeAll(async () => {
  server = await startTestServer();
  ({ client: owner } = await makeRealtor(server));
  ({ client: other } = await makeRealtor(server));
});
afterAll(async () => {
  await server?.close();
});

async function newSite(allowedOrigins: string[] = [ALLOWED]) {
  const res = await owner.post('/v1/sites', { name: `Site ${randomUUID().slice(0, 6)}`, allowedOrigins });
  expect(res.status).toBe(201);
  return res.body as { siteId: string; publicKey: string };
}

const collect = (siteKey: string, origin: string) =>
  sendIngest(`${server.url}/v1/collect`, { site: siteKey, visitor: randomUUID(), events: [{ id: randomUUID(), type: 'page_view', url: `${origin}/listings/oak-12` }] }, { defaultOrigin: origin, nextIp });

describe('install status', () => {
  it('is "waiting" for a new site, then "receiving" from the origin of the first accepted event', async () => {
    const site = await newSite();
    const before = await owner.get(`/v1/sites/${site.siteId}/install-status`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ status: 'waiting', lastEventAt: null, lastEventOrigin: null, blockedOrigins: [] });

    expect((await collect(site.publicKey, ALLOWED)).status).toBe(202);
    const after = await owner.get(`/v1/sites/${site.siteId}/install-status`);
    expect(after.body).toMatchObject({ status: 'receiving', lastEventOrigin: ALLOWED, blockedOrigins: [] });
    expect(after.body.lastEventAt).not.toBeNull();
    expect((await owner.get('/v1/sites')).body.items.find((s: { siteId: string }) => s.siteId === site.siteId).installStatus).toBe('receiving');
  });

  it('counts requests refused for their Origin per site and origin, and says "blocked", not "receiving", when all traffic is refused', async () => {
    const site = await newSite();
    for (let i = 0; i < 12; i++) expect((await collect(site.publicKey, WRONG)).status).toBe(403);
    for (let i = 0; i < 3; i++) expect((await collect(site.publicKey, 'http://localhost:8080')).status).toBe(403);
    // Another site's refusals are its own.
    const otherSite = await newSite();
    expect((await collect(otherSite.publicKey, WRONG)).status).toBe(403);

    const res = await owner.get(`/v1/sites/${site.siteId}/install-status`);
    expect(res.body.status).toBe('blocked');
    expect(res.body.blockedOrigins).toEqual([
      { origin: WRONG, count: 12 },
      { origin: 'http://localhost:8080', count: 3 },
    ]);
    expect((await owner.get(`/v1/sites/${otherSite.siteId}/install-status`)).body.blockedOrigins).toEqual([{ origin: WRONG, count: 1 }]);
    // The sites list carries the same state, so its badge does not say "Receiving" either.
    const listed = (await owner.get('/v1/sites')).body.items.find((s: { siteId: string }) => s.siteId === site.siteId);
    expect(listed.installStatus).toBe('blocked');
    // Counted in Redis: no Postgres row changed (last_event_at stays empty).
    const [row] = await server.sql<{ last_event_at: Date | null }>('select last_event_at from sites where site_id = $1', [site.siteId]);
    expect(row.last_event_at).toBeNull();
    // An inquiry from the wrong origin counts too.
    const inquiry = await sendIngest(`${server.url}/v1/inquiries`, { site: site.publicKey, id: randomUUID(), email: 'ann@example.com', message: 'Hi' }, { defaultOrigin: WRONG, nextIp });
    expect(inquiry.status).toBe(403);
    expect((await owner.get(`/v1/sites/${site.siteId}/install-status`)).body.blockedOrigins[0]).toEqual({ origin: WRONG, count: 13 });
  });

  it('"add this origin" allows it: the origin leaves the blocked list and its next event is received', async () => {
    const site = await newSite();
    for (let i = 0; i < 2; i++) await collect(site.publicKey, WRONG);
    const added = await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: `${WRONG}/` });
    expect(added.status).toBe(200);
    expect(added.body.allowedOrigins).toEqual([ALLOWED, WRONG]);
    // Adding it again changes nothing.
    expect((await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: WRONG })).body.allowedOrigins).toEqual([ALLOWED, WRONG]);
    expect((await owner.get(`/v1/sites/${site.siteId}/install-status`)).body).toMatchObject({ status: 'waiting', blockedOrigins: [] });
    expect((await collect(site.publicKey, WRONG)).status).toBe(202);
    expect((await owner.get(`/v1/sites/${site.siteId}/install-status`)).body).toMatchObject({ status: 'receiving', lastEventOrigin: WRONG });
  });

  it('refuses a malformed origin with a 400 naming the field, and changes nothing', async () => {
    const site = await newSite();
    for (const origin of ['not a url', 'https://x.example/path', 'ftp://x.example', 'https://a\u0000b.example', '']) {
      const res = await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin });
      expect(res.status, origin).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: ALLOWED, extra: 1 })).status).toBe(400);
    expect((await owner.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual([ALLOWED]);
  });

  it('refuses a 21st origin as PATCH does a list of 21: a 400 naming the field, and changes nothing', async () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `https://s${i}.example`);
    const site = await newSite(twenty);
    const res = await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: 'https://one-more.example' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'origin', message: 'At most 20 origins; remove one first' }] });
    const patched = await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: [...twenty, 'https://one-more.example'] });
    expect(patched.status).toBe(400);
    expect(patched.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'allowedOrigins', message: 'At most 20 origins' }] });
    // One already allowed is still a no-op, not a refusal.
    expect((await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: twenty[3] })).status).toBe(200);
    expect((await owner.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual(twenty);
  });

  it('answers 404 for another realtor’s site on every install route, and leaks nothing', async () => {
    const site = await newSite();
    await collect(site.publicKey, WRONG);
    for (const res of [
      await other.get(`/v1/sites/${site.siteId}/install-status`),
      await other.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: 'https://evil.example' }),
      await other.post(`/v1/sites/${site.siteId}/test-inquiry`, {}),
      await owner.get(`/v1/sites/${randomUUID()}/install-status`),
    ]) {
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('oakrealty');
    }
    expect((await owner.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual([ALLOWED]);
  });

  it('decides the state from received and refused traffic', () => {
    const now = new Date('2026-11-29T12:00:00Z');
    const ago = (min: number) => new Date(now.getTime() - min * 60_000);
    expect(decideInstallState({ lastEventAt: null, blockedCount: 0, now })).toBe('waiting');
    expect(decideInstallState({ lastEventAt: null, blockedCount: 5, now })).toBe('blocked');
    expect(decideInstallState({ lastEventAt: ago(5), blockedCount: 5, now })).toBe('receiving');
    expect(decideInstallState({ lastEventAt: ago(90), blockedCount: 5, now })).toBe('blocked');
    expect(decideInstallState({ lastEventAt: ago(90), blockedCount: 0, now })).toBe('receiving');
    expect(decideInstallState({ lastEventAt: ago(60 * 25), blockedCount: 0, now })).toBe('idle');
  });
});

describe('snippets', () => {
  it('offers three complete installs: tracking, tracking + inline form container, tracking + a button that opens the form', async () => {
    const site = await newSite();
    const { body } = await owner.get(`/v1/sites/${site.siteId}`);
    const tag = `<script async src="${server.url}/w.js" data-site="${site.publicKey}"></script>`;
    expect(body.snippets.tracking).toBe(tag);
    expect(body.snippets.inlineForm).toContain(tag);
    expect(body.snippets.inlineForm).toContain('<div data-porchlight-form></div>');
    expect(body.snippets.buttonForm).toContain(tag);
    expect(body.snippets.buttonForm).toContain('window.porchlight = window.porchlight ||');
    expect(body.snippets.buttonForm).toContain(`onclick="porchlight('open')"`);
  });
});

describe('test inquiry', () => {
  it('goes through the widget ingest path as the lead "Test inquiry", one lead per site, without counting as the install check', async () => {
    const site = await newSite();
    const first = await owner.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
    expect(first.status).toBe(201);
    expect(first.body.origin).toBe(ALLOWED);
    const lead = await owner.get(`/v1/leads/${first.body.leadId}`);
    expect(lead.body).toMatchObject({ name: 'Test inquiry', siteId: site.siteId });
    expect(lead.body.email).toMatch(/^test-inquiry\+[0-9a-f]{8}@example\.com$/);
    const inquiries = await owner.get(`/v1/leads/${first.body.leadId}/inquiries`);
    expect(inquiries.body.items[0]).toMatchObject({ source: 'widget', pageUrl: `${ALLOWED}/` });
    expect(first.body.replaced).toBe(0);
    // A second test finds the same lead and replaces the first test's inquiry.
    const second = await owner.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
    expect(second.body).toMatchObject({ leadId: first.body.leadId, replaced: 1 });
    expect((await owner.get(`/v1/leads/${first.body.leadId}/inquiries`)).body.items.map((i: { inquiryId: string }) => i.inquiryId)).toEqual([second.body.inquiryId]);
    // It proves the form path, not the website's install.
    expect((await owner.get(`/v1/sites/${site.siteId}/install-status`)).body.status).toBe('waiting');
    // Easy to delete.
    expect((await owner.delete(`/v1/leads/${first.body.leadId}`)).status).toBe(204);
  });

  it('needs an allowed origin and an enabled site (409 saying what to do)', async () => {
    const bare = await newSite([]);
    const res = await owner.post(`/v1/sites/${bare.siteId}/test-inquiry`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('allowed origins');
    const disabled = await newSite();
    await owner.patch(`/v1/sites/${disabled.siteId}`, { enabled: false });
    expect((await owner.post(`/v1/sites/${disabled.siteId}/test-inquiry`, {})).status).toBe(409);
    const [{ count }] = await server.sql<{ count: string }>('select count(*) from inquiries where site_id = any($1)', [[bare.siteId, disabled.siteId]]);
    expect(Number(count)).toBe(0);
  });

  describe('sent again and again (with the worker scoring)', () => {
    let worker: TestWorker;
    beforeAll(async () => {
      worker = await startTestWorker(server, { name: 'install-check-worker' });
    });
    afterAll(async () => {
      await worker?.close();
    });

    /** The lead once the worker has scored what the last test flagged. */
    const scored = (leadId: string) => vi.waitFor(async () => {
      const [row] = await server.sql<{ score: number; score_band: string; needs_rescore: boolean; scored_at: Date | null }>(
        'select score, score_band, needs_rescore, scored_at from leads where lead_id = $1', [leadId]);
      expect(row).toMatchObject({ needs_rescore: false, scored_at: expect.any(Date) });
      return row;
    }, WAIT);

    it('keeps one inquiry on the test lead: three tests never make it hot (no lead.hot, hot email or "call within 1 hour")', async () => {
      const realtor = await makeRealtor(server);
      const site = (await realtor.client.post('/v1/sites', { name: 'Hearth Homes', allowedOrigins: [ALLOWED] })).body as { siteId: string };
      // The realtor's real lead, with its inquiry and automatic reminder: the tests leave it alone.
      const { leadId: realLead } = await makeLead(server, { userId: realtor.userId, siteId: site.siteId, name: 'Dana Reyes', email: 'dana@example.com', score: 90, scoreBand: 'hot' });
      const { inquiryId: realInquiry } = await makeInquiry(server, { leadId: realLead, siteId: site.siteId, source: 'widget' });
      const { reminderId: realReminder } = await makeReminder(server, { leadId: realLead, userId: realtor.userId, kind: 'auto', autoRule: 'lead_hot' });

      const sent: Array<{ leadId: string; inquiryId: string; replaced: number }> = [];
      const scores: number[] = [];
      for (let click = 0; click < 3; click++) {
        const res = await realtor.client.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
        expect(res.status).toBe(201);
        sent.push(res.body);
        scores.push((await scored(res.body.leadId)).score);
      }
      const leadId = sent[0].leadId;
      expect(sent.map((s) => s.leadId)).toEqual([leadId, leadId, leadId]);

      // Scored as one inquiry: the same score each time, not hot.
      const lead = (await realtor.client.get(`/v1/leads/${leadId}`)).body;
      expect(lead.scoreBand).not.toBe('hot');
      expect(scores).toEqual([scores[0], scores[0], scores[0]]);
      expect(lead.score).toBe(scores[0]);

      // Nothing of a hot crossing; one open "inquiry unanswered" reminder (the last test's).
      const reminders = await server.sql<{ auto_rule: string; status: string }>('select auto_rule, status from follow_up_reminders where lead_id = $1', [leadId]);
      expect(reminders).toEqual([{ auto_rule: 'inquiry_unanswered', status: 'pending' }]);
      const messages = await server.sql<{ event_type: string; n: number }>(
        'select event_type, count(*)::int as n from webhook_messages where lead_id = $1 group by 1 order by 1', [leadId]);
      expect(messages).toEqual([{ event_type: 'inquiry.created', n: 3 }, { event_type: 'lead.created', n: 1 }]);
      expect(await server.sql('select kind from notifications where lead_id = $1 and kind = $2', [leadId, 'lead_hot'])).toEqual([]);
      // One inquiry, the last test's; the answer says what each test replaced.
      expect((await realtor.client.get(`/v1/leads/${leadId}/inquiries`)).body.items.map((i: { inquiryId: string }) => i.inquiryId)).toEqual([sent[2].inquiryId]);
      expect(sent.map((s) => s.replaced)).toEqual([0, 1, 1]);

      // The realtor's own lead is untouched.
      expect(await server.sql('select score, score_band from leads where lead_id = $1', [realLead])).toEqual([{ score: 90, score_band: 'hot' }]);
      expect(await server.sql('select inquiry_id from inquiries where lead_id = $1', [realLead])).toEqual([{ inquiry_id: realInquiry }]);
      expect(await server.sql('select reminder_id from follow_up_reminders where lead_id = $1', [realLead])).toEqual([{ reminder_id: realReminder }]);
    });

    it('clears what earlier tests left on the test lead: its hot band, score, automatic reminders and pending hot email', async () => {
      const realtor = await makeRealtor(server);
      const site = (await realtor.client.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ALLOWED] })).body as { siteId: string };
      // A test lead as three tests used to leave it: three inquiries, hot, "call within 1 hour", an alert waiting for quiet hours to end.
      const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: site.siteId, name: TEST_INQUIRY_NAME, email: testInquiryEmail(site.siteId), score: 78, scoreBand: 'hot' });
      for (let i = 0; i < 3; i++) await makeInquiry(server, { leadId, siteId: site.siteId, source: 'widget', clientEventId: randomUUID() });
      await makeReminder(server, { leadId, userId: realtor.userId, kind: 'auto', autoRule: 'lead_hot' });
      await makeReminder(server, { leadId, userId: realtor.userId, kind: 'auto', autoRule: 'inquiry_unanswered' });
      await server.sql(
        `insert into notifications (notification_id, user_id, kind, lead_id, dedupe_key, status, send_at, next_attempt_at)
         values (gen_random_uuid(), $1, 'lead_hot', $2, $3, 'pending', now() + interval '1 day', now() + interval '1 day')`,
        [realtor.userId, leadId, `lead_hot:${leadId}:${randomUUID()}`]);

      const res = await realtor.client.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
      expect(res.body).toMatchObject({ leadId, replaced: 3 });
      const row = await scored(leadId);
      expect(row.score_band).not.toBe('hot');
      expect((await realtor.client.get(`/v1/leads/${leadId}/inquiries`)).body.items).toHaveLength(1);
      // The old reminders are gone; the new inquiry has its own "unanswered" reminder, due from now.
      const reminders = await server.sql<{ auto_rule: string; reminder_date: Date }>('select auto_rule, reminder_date from follow_up_reminders where lead_id = $1', [leadId]);
      expect(reminders.map((r) => r.auto_rule)).toEqual(['inquiry_unanswered']);
      expect(reminders[0].reminder_date.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      expect(await server.sql('select status from notifications where lead_id = $1 and kind = $2', [leadId, 'lead_hot'])).toEqual([{ status: 'cancelled' }]);
      expect(await server.sql('select 1 from webhook_messages where lead_id = $1 and event_type = $2', [leadId, 'lead.hot'])).toEqual([]);
    });
  });
});
