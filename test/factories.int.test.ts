// The test factories write the rows they promise: realtors who can sign in (session or API key),
// sites the API lists, and ORM-made rows with their defaults, links and microsecond timestamps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import {
  createBearerClient, makeApiKey, makeEvents, makeInquiry, makeLead, makeLeads, makeRealtor, makeReminder, makeSite, makeVisitor,
  makeWebhookEndpoint, makeWebhookMessage,
} from './factories.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('test factories', () => {
  it('make realtors signed in by session (with CSRF) or by API key only', async () => {
    const withSession = await makeRealtor(server, { email: 'Session.Agent@example.com' });
    expect(withSession).toMatchObject({ email: 'Session.Agent@example.com', apiKey: null });
    expect(withSession.client.cookie).toMatch(/^pl_session=/);
    expect((await withSession.client.get('/v1/auth/me')).body.user.userId).toBe(withSession.userId);
    expect((await withSession.client.post('/v1/leads', { name: 'Needs CSRF' })).status).toBe(201);

    const withKey = await makeRealtor(server, { auth: 'apiKey' });
    expect(withKey.apiKey).toMatch(/^plk_/);
    expect(withKey.client.cookie).toBe('');
    expect((await withKey.client.post('/v1/leads', { name: 'By key' })).status).toBe(201);
    const second = createBearerClient(server, await makeApiKey(withSession));
    expect((await second.get('/v1/leads')).body.items.map((l: { name: string }) => l.name)).toEqual(['Needs CSRF']);
  });

  it('make a site the realtor owns, and leads with defaults, links and microsecond times', async () => {
    const realtor = await makeRealtor(server);
    const site = await makeSite(realtor, { name: 'Factory Realty', allowedOrigins: ['https://homes.example'] });
    expect(site).toMatchObject({ name: 'Factory Realty', allowedOrigins: ['https://homes.example'], publicKey: expect.stringMatching(/^pk_/) });
    expect((await realtor.client.get(`/v1/sites/${site.siteId}`)).status).toBe(200);

    const { leadId } = await makeLead(server, { userId: realtor.userId });
    const [plain] = await server.sql<Record<string, any>>('select * from leads where lead_id = $1', [leadId]);
    expect(plain).toMatchObject({ user_id: realtor.userId, site_id: null, status: 'new', score: 0, score_band: 'cold', needs_rescore: false, email: null });
    expect(plain.name).toMatch(/^Lead /);
    expect(Date.now() - plain.created_at.getTime()).toBeLessThan(60_000);

    const ids = await makeLeads(server, [
      { userId: realtor.userId, siteId: site.siteId, name: 'Micro', score: 70, scoreBand: 'hot', createdAt: '2026-01-01T10:00:00.123456Z', lastActivityAt: '2026-02-01T00:00:00.000001Z' },
      { userId: realtor.userId, name: 'Milli', createdAt: new Date('2026-01-01T10:00:00.123Z'), scoreBreakdown: { signals: [], rulesVersion: 0, computedAt: '2026-01-01T00:00:00.000Z' } },
    ]);
    const rows = await server.sql<Record<string, string>>(
      `select name, site_id, score_band, to_char(created_at at time zone 'UTC', 'HH24:MI:SS.US') as created, to_char(last_activity_at at time zone 'UTC', 'SS.US') as active, score_breakdown
       from leads where lead_id = any($1) order by name`,
      [ids],
    );
    expect(rows).toEqual([
      { name: 'Micro', site_id: site.siteId, score_band: 'hot', created: '10:00:00.123456', active: '00.000001', score_breakdown: null },
      { name: 'Milli', site_id: null, score_band: 'cold', created: '10:00:00.123000', active: null, score_breakdown: { signals: [], rulesVersion: 0, computedAt: '2026-01-01T00:00:00.000Z' } },
    ]);
  });

  it('make events, visitors, inquiries, reminders and webhook rows linked as asked', async () => {
    const realtor = await makeRealtor(server);
    const site = await makeSite(realtor);
    const { leadId } = await makeLead(server, { userId: realtor.userId, siteId: site.siteId });

    const eventIds = await makeEvents(server, [
      { siteId: site.siteId, leadId, type: 'tool_interaction', value: 'mortgage_calculator', at: '2026-03-01T12:00:00.654321Z', props: { rate: 6.5 } },
      { siteId: site.siteId, visitorId: 'v_anon' },
    ]);
    const events = await server.sql<Record<string, any>>(
      `select lead_id, event_type, event_value, visitor_id, props, to_char(event_date at time zone 'UTC', 'SS.US') as at from lead_analytics where analytic_id = any($1) order by visitor_id nulls first`,
      [eventIds],
    );
    expect(events).toEqual([
      { lead_id: leadId, event_type: 'tool_interaction', event_value: 'mortgage_calculator', visitor_id: null, props: { rate: 6.5 }, at: '00.654321' },
      { lead_id: null, event_type: 'page_view', event_value: null, visitor_id: 'v_anon', props: null, at: expect.any(String) },
    ]);

    const visitor = await makeVisitor(server, { siteId: site.siteId, leadId, firstSeenAt: '2026-03-01T00:00:00Z' });
    const [visitorRow] = await server.sql<Record<string, any>>('select * from visitors where site_id = $1 and visitor_id = $2', [site.siteId, visitor.visitorId]);
    expect(visitorRow).toMatchObject({ lead_id: leadId, first_seen_at: new Date('2026-03-01T00:00:00Z'), last_seen_at: new Date('2026-03-01T00:00:00Z'), stitched_at: null });

    const { inquiryId } = await makeInquiry(server, { leadId, siteId: site.siteId, source: 'widget', listingRef: 'oak-12' });
    expect((await realtor.client.get(`/v1/leads/${leadId}/inquiries`)).body.items).toEqual([
      expect.objectContaining({ inquiryId, leadId, message: 'Question', source: 'widget', listingRef: 'oak-12', siteId: site.siteId }),
    ]);

    const { reminderId } = await makeReminder(server, { leadId, userId: realtor.userId });
    const [reminder] = await server.sql<Record<string, any>>('select * from follow_up_reminders where reminder_id = $1', [reminderId]);
    expect(reminder).toMatchObject({ lead_id: leadId, user_id: realtor.userId, reminder_message: 'Call', kind: 'manual', status: 'pending', fired_at: null });
    expect(reminder.reminder_date.getTime()).toBeGreaterThan(Date.now());

    const endpoint = await makeWebhookEndpoint(server, { userId: realtor.userId, url: 'http://127.0.0.1:9/hook', eventTypes: ['lead.hot'] });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const [endpointRow] = await server.sql<Record<string, any>>('select * from webhook_endpoints where endpoint_id = $1', [endpoint.endpointId]);
    expect(endpointRow).toMatchObject({ user_id: realtor.userId, url: 'http://127.0.0.1:9/hook', secret: endpoint.secret, event_types: ['lead.hot'], enabled: true });

    const { messageId } = await makeWebhookMessage(server, { userId: realtor.userId, eventType: 'lead.hot', payload: { lead: { leadId } } });
    expect(messageId).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(await server.sql('select event_type, payload from webhook_messages where message_id = $1', [messageId])).toEqual([{ event_type: 'lead.hot', payload: { lead: { leadId } } }]);
  });
});
