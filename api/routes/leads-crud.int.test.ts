// Creating, reading, updating and erasing leads over real HTTP and Postgres: normalised contact
// data, duplicates (also under concurrency), validation, and erasure of everything a lead left.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeEvents, makeFilteredInquiry, makeInquiries, makeLead, makeReminder, makeVisitor, makeWebhookMessage } from '#test/factories.ts';
import { type RecordingClient, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('POST /v1/leads, GET and PATCH /v1/leads/:id', () => {
  let agent: RecordingClient;
  let userId: string;
  let siteId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    siteId = await api.makeSite(agent, 'Birch Realty');
  });

  it('creates a lead by hand (201) with normalised contact data, stored as sent', async () => {
    const res = await agent.post('/v1/leads', { name: '  Dana Whitaker ', email: ' Dana.W@Example.COM ', phone: '+1 (555) 010-0142', siteId, status: 'contacted' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Dana Whitaker', email: 'dana.w@example.com', phone: '+15550100142', contactInfo: 'dana.w@example.com · +15550100142',
      status: 'contacted', score: 0, scoreBand: 'cold', scoreBreakdown: null, siteId, lastActivityAt: null, scoredAt: null,
    });
    const row = await api.readLeadRow(res.body.leadId);
    expect(row).toMatchObject({ user_id: userId, site_id: siteId, name: 'Dana Whitaker', email: 'dana.w@example.com', phone: '+15550100142', status: 'contacted', score: 0, score_band: 'cold', needs_rescore: false });
    expect((row.created_at as Date).toISOString()).toBe(res.body.createdAt);

    const minimal = await agent.post('/v1/leads', { name: 'Walk-in at open house' });
    expect(minimal.status).toBe(201);
    expect(minimal.body).toMatchObject({ name: 'Walk-in at open house', email: null, phone: null, contactInfo: null, status: 'new', siteId: null });
  });

  it('answers 409 naming the existing lead for a duplicate email or phone (however written), and writes nothing', async () => {
    const first = await agent.post('/v1/leads', { name: 'Original', email: 'dup@example.com', phone: '555-010-0300' });
    expect(first.status).toBe(201);
    const before = await api.server.sql('select lead_id from leads where user_id = $1', [userId]);
    const byEmail = await agent.post('/v1/leads', { name: 'Copy', email: 'DUP@example.com' });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.error).toMatchObject({ code: 'conflict', details: [{ path: 'email', leadId: first.body.leadId }] });
    const byPhone = await agent.post('/v1/leads', { name: 'Copy', phone: '(555) 010 0300' });
    expect(byPhone.status).toBe(409);
    expect(byPhone.body.error.details).toEqual([expect.objectContaining({ path: 'phone', leadId: first.body.leadId })]);
    expect(await api.server.sql('select lead_id from leads where user_id = $1', [userId])).toHaveLength(before.length);
  });

  it('two concurrent creates with one email: one 201, one 409, one row', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => agent.post('/v1/leads', { name: `Racer ${n}`, email: 'race@example.com' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await api.server.sql("select 1 from leads where email = 'race@example.com'")).toHaveLength(1);
  });

  it('validates the body: 400 with paths for bad fields, unknown keys, nothing to reach; 404 for a foreign site', async () => {
    for (const [body, path] of [
      [{}, 'name'],
      [{ name: '', email: '', phone: '' }, 'name'],
      [{ email: 'not-an-email' }, 'email'],
      [{ phone: '12' }, 'phone'],
      [{ phone: '+999 123 456 789' }, 'phone'],
      [{ name: 'x'.repeat(256) }, 'name'],
      [{ name: 'Tab\there' }, 'name'],
      [{ name: 'Ok', status: 'archived' }, 'status'],
      [{ name: 'Ok', score: 99 }, ''],
      [{ name: 'Ok', userId: randomUUID() }, ''],
      [{ name: 'Ok', siteId: 'nope' }, 'siteId'],
    ] as const) {
      const res = await agent.post('/v1/leads', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(path);
    }
    const foreign = await agent.post('/v1/leads', { name: 'Ok', siteId: randomUUID() });
    expect(foreign.status).toBe(404);
    const raw = await agent.request('POST', '/v1/leads', { raw: '{"name":', contentType: 'application/json' });
    expect(raw.status).toBe(400);
    expect(raw.body.error.code).toBe('invalid_json');
    const form = await agent.request('POST', '/v1/leads', { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(await api.server.sql("select 1 from leads where user_id = $1 and name = 'Ok'", [userId])).toHaveLength(0);
  });

  it('reads a lead with its score breakdown', async () => {
    const breakdown = {
      signals: [
        { key: 'inquiry', label: 'Inquiry', count: 1, points: 40 },
        { key: 'listing_view:oak-12', label: 'Viewed oak-12', count: 4, points: 9 },
      ],
      rulesVersion: 0,
      computedAt: '2026-03-01T12:00:00.000Z',
    };
    const { leadId } = await makeLead(api.server, { userId, name: 'Scored', score: 49, scoreBand: 'warm', scoreBreakdown: breakdown, lastActivityAt: '2026-03-01T11:59:00.5Z' });
    const res = await agent.get(`/v1/leads/${leadId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ leadId, name: 'Scored', score: 49, scoreBand: 'warm', scoreBreakdown: breakdown, lastActivityAt: '2026-03-01T11:59:00.500Z' });
    expect((await agent.get(`/v1/leads/${randomUUID()}`)).status).toBe(404);
  });

  it('updates name, contact info and every status; keeps a generated contact_info in step', async () => {
    const created = (await agent.post('/v1/leads', { name: 'Sam', email: 'sam@example.com' })).body;
    for (const status of ['contacted', 'qualified', 'client', 'lost', 'new']) {
      const res = await agent.patch(`/v1/leads/${created.leadId}`, { status });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(status);
      expect((await api.readLeadRow(created.leadId)).status).toBe(status);
    }
    const renamed = await agent.patch(`/v1/leads/${created.leadId}`, { name: ' Samuel Lee ', phone: '555 010 0400', email: 'SAMUEL@example.com' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Samuel Lee', phone: '+15550100400', email: 'samuel@example.com', contactInfo: 'samuel@example.com · +15550100400' });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));

    const custom = await agent.patch(`/v1/leads/${created.leadId}`, { contactInfo: 'Call after 6pm, ask for Sam' });
    expect(custom.body.contactInfo).toBe('Call after 6pm, ask for Sam');
    // A hand-written contact_info is the realtor's: changing the email leaves it alone.
    const emailOnly = await agent.patch(`/v1/leads/${created.leadId}`, { email: 'sam.lee@example.com' });
    expect(emailOnly.body).toMatchObject({ email: 'sam.lee@example.com', contactInfo: 'Call after 6pm, ask for Sam' });
    // Cleared, contact_info is generated again from what is left.
    const cleared = await agent.patch(`/v1/leads/${created.leadId}`, { phone: null, contactInfo: null });
    expect(cleared.body).toMatchObject({ phone: null, contactInfo: 'sam.lee@example.com' });
    expect(await api.readLeadRow(created.leadId)).toMatchObject({ name: 'Samuel Lee', email: 'sam.lee@example.com', phone: null, contact_info: 'sam.lee@example.com', status: 'new' });
  });

  it('clearing contactInfo (null or "") regenerates it at once; a later unrelated PATCH changes and announces only what it sent', async () => {
    const lead = (await agent.post('/v1/leads', { name: 'Casey', email: 'c@x.com', contactInfo: 'Call after 6pm' })).body;
    expect(lead.contactInfo).toBe('Call after 6pm');
    const updates = async () =>
      (await api.server.sql<{ changed: string[]; lead: Record<string, unknown> }>(
        "select payload -> 'data' -> 'changed' as changed, payload -> 'data' -> 'lead' as lead from webhook_messages where lead_id = $1 and event_type = 'lead.updated' order by created_at, message_id",
        [lead.leadId],
      ));

    for (const cleared of [null, '']) {
      expect((await agent.patch(`/v1/leads/${lead.leadId}`, { contactInfo: 'Call after 6pm' })).body.contactInfo).toBe('Call after 6pm');
      const res = await agent.patch(`/v1/leads/${lead.leadId}`, { contactInfo: cleared });
      expect(res.status).toBe(200);
      expect(res.body.contactInfo, JSON.stringify(cleared)).toBe('c@x.com');
      expect((await api.readLeadRow(lead.leadId)).contact_info).toBe('c@x.com');
      expect((await updates()).at(-1)).toEqual({ changed: ['contactInfo'], lead: { contactInfo: 'c@x.com' } });
    }
    const status = await agent.patch(`/v1/leads/${lead.leadId}`, { status: 'contacted' });
    expect(status.body).toMatchObject({ status: 'contacted', contactInfo: 'c@x.com' });
    expect((await updates()).at(-1)).toEqual({ changed: ['status'], lead: { status: 'contacted' } });
    // Generated again, it follows the email.
    expect((await agent.patch(`/v1/leads/${lead.leadId}`, { email: 'casey@x.com' })).body.contactInfo).toBe('casey@x.com');

    // A lead stored with no contact_info beside its email (written before this rule) keeps it through an unrelated PATCH.
    const { leadId: legacy } = await makeLead(api.server, { userId, name: 'Legacy', email: 'legacy@x.com', contactInfo: null });
    expect((await agent.patch(`/v1/leads/${legacy}`, { status: 'qualified' })).body).toMatchObject({ status: 'qualified', contactInfo: null });
    expect(await api.server.sql("select payload -> 'data' -> 'changed' as changed from webhook_messages where lead_id = $1 and event_type = 'lead.updated'", [legacy])).toEqual([{ changed: ['status'] }]);
  });

  it('the reported contacts list refuses unknown query parameters (400 naming them), like every list', async () => {
    const lead = (await agent.post('/v1/leads', { name: 'Reported', email: 'reported@example.com' })).body;
    const path = `/v1/leads/${lead.leadId}/reported-contacts`;
    const res = await agent.get(`${path}?limit=1&foo=1`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: '', message: expect.stringMatching(/"limit".*"foo"/) }] });
    expect((await agent.get(path)).body).toEqual({ items: [] });
  });

  it('refuses bad updates with 400 (invalid status, unknown keys, no way left to identify) or 409, changing nothing', async () => {
    const lead = (await agent.post('/v1/leads', { name: 'Keep Me', email: 'keep@example.com' })).body;
    const other = (await agent.post('/v1/leads', { name: 'Other', email: 'other@example.com', phone: '5550100500' })).body;
    const before = await api.readLeadRow(lead.leadId);
    for (const [body, path] of [
      [{ status: 'archived' }, 'status'],
      [{ status: null }, 'status'],
      [{ score: 100 }, ''],
      [{ scoreBand: 'hot' }, ''],
      [{ userId: randomUUID() }, ''],
      [{ name: null, email: null }, 'name'],
      [{ email: 'nope' }, 'email'],
    ] as const) {
      const res = await agent.patch(`/v1/leads/${lead.leadId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(path);
    }
    const taken = await agent.patch(`/v1/leads/${lead.leadId}`, { email: 'OTHER@example.com' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual([expect.objectContaining({ path: 'email', leadId: other.leadId })]);
    const takenPhone = await agent.patch(`/v1/leads/${lead.leadId}`, { phone: '555-010-0500' });
    expect(takenPhone.status).toBe(409);
    expect(await api.readLeadRow(lead.leadId)).toEqual(before);
  });
});

describe('DELETE /v1/leads/:id — erasure', () => {
  it('erases the lead, its inquiries, events, reminders, visitor links and webhook messages; other leads keep theirs', async () => {
    const { client: agent, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(agent, 'Erasure Realty');
    const [target, keeper] = [
      (await makeLead(api.server, { userId, name: 'Forget Me', email: 'forget@example.com', siteId })).leadId,
      (await makeLead(api.server, { userId, name: 'Keep Me', siteId })).leadId,
    ];

    async function seedActivity(leadId: string, visitor: string) {
      await makeVisitor(api.server, { siteId, visitorId: visitor, leadId });
      // Five page views: three stitched to the lead, two still anonymous under its visitor id.
      await makeEvents(api.server, [1, 2, 3, 4, 5].map((g) => ({ siteId, leadId: g <= 3 ? leadId : null, type: 'page_view', value: '/listings/oak-12', visitorId: visitor, listingRef: 'oak-12' })));
      await makeInquiries(api.server, [{ leadId, message: 'Hello', source: 'manual' }, { leadId, message: 'Again', source: 'manual' }]);
      await makeReminder(api.server, { leadId, userId, message: 'Call' });
      await makeWebhookMessage(api.server, { userId, leadId, eventType: 'lead.hot', payload: { type: 'lead.hot', data: { leadId, score: 70, previousBand: 'warm' } } });
    }
    await seedActivity(target, 'v_target');
    await seedActivity(keeper, 'v_keeper');
    // An anonymous visitor's events that belong to nobody stay.
    await makeEvents(api.server, [{ siteId, type: 'page_view', visitorId: 'v_stranger' }]);

    const counts = async (leadId: string, visitor: string) =>
      (
        await api.server.sql<Record<string, number>>(
          `select (select count(*)::int from leads where lead_id = $1) as leads,
                  (select count(*)::int from inquiries where lead_id = $1) as inquiries,
                  (select count(*)::int from lead_analytics where lead_id = $1 or visitor_id = $2) as events,
                  (select count(*)::int from follow_up_reminders where lead_id = $1) as reminders,
                  (select count(*)::int from visitors where visitor_id = $2) as visitors,
                  (select count(*)::int from webhook_messages where lead_id = $1) as messages`,
          [leadId, visitor],
        )
      )[0];
    expect(await counts(target, 'v_target')).toEqual({ leads: 1, inquiries: 2, events: 5, reminders: 1, visitors: 1, messages: 1 });
    const keeperBefore = await counts(keeper, 'v_keeper');

    const res = await agent.delete(`/v1/leads/${target}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect(await counts(target, 'v_target')).toEqual({ leads: 0, inquiries: 0, events: 0, reminders: 0, visitors: 0, messages: 0 });
    expect(await counts(keeper, 'v_keeper')).toEqual(keeperBefore);
    // The announcement of the erasure survives it: a lead.deleted message with only the id, tied to no lead.
    expect(await api.server.sql("select lead_id, payload -> 'data' as data from webhook_messages where event_type = 'lead.deleted'")).toEqual([{ lead_id: null, data: { leadId: target } }]);
    expect(await api.server.sql("select 1 from lead_analytics where visitor_id = 'v_stranger'")).toHaveLength(1);
    expect((await agent.get(`/v1/leads/${target}`)).status).toBe(404);
    expect((await agent.delete(`/v1/leads/${target}`)).status).toBe(404);
    // The email is free again.
    expect((await agent.post('/v1/leads', { email: 'forget@example.com' })).status).toBe(201);
  });
  it('erases the person\'s submissions held in the Filtered list (same email, phone, reported email or phone, or visitor id), so a release cannot bring the lead back', async () => {
    const { client: agent, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(agent, 'Held Realty');
    const { leadId } = await makeLead(api.server, { userId, name: 'Forget Me', email: 'forget@example.com', phone: '+15550100777', siteId });
    await makeVisitor(api.server, { siteId, visitorId: 'v-forget-1', leadId });
    const held = async (seed: { email?: string; phone?: string; visitorId?: string; name?: string }) =>
      (await makeFilteredInquiry(api.server, { userId, siteId, message: 'Is 12 Oak St still available?', name: 'Forget Me', ...seed })).filteredInquiryId;
    const personal = [
      await held({ email: 'forget@example.com', visitorId: 'v-forget-1' }),
      await held({ phone: '+15550100777' }),
      // From the person's browser, under an address the lead never had.
      await held({ email: 'other-address@example.com', visitorId: 'v-forget-1' }),
      // Under an email and a phone the form reported for the lead (kept beside it).
      await held({ email: 'forget-reported@example.com' }),
      await held({ phone: '+15550100779' }),
    ];
    for (const [kind, value] of [['email', 'forget-reported@example.com'], ['phone', '+15550100779'], ['name', 'Someone Else']]) {
      await api.server.sql(
        `insert into lead_reported_contacts (reported_contact_id, user_id, lead_id, kind, value, source, reported_at, last_reported_at)
         values (gen_random_uuid(), $1, $2, $3, $4, 'inquiry', now(), now())`,
        [userId, leadId, kind, value],
      );
    }
    const stranger = await held({ name: 'Someone Else', email: 'someone@example.com', phone: '+15550100778', visitorId: 'v-someone' });

    expect((await agent.delete(`/v1/leads/${leadId}`)).status).toBe(204);
    expect((await api.server.sql<{ id: string }>('select filtered_inquiry_id as id from filtered_inquiries where user_id = $1', [userId])).map((r) => r.id)).toEqual([stranger]);
    for (const id of personal) expect((await agent.post(`/v1/filtered-inquiries/${id}/release`, {})).status).toBe(404);
    expect(await api.server.sql('select 1 from leads where user_id = $1', [userId])).toHaveLength(0);
    // What is not the person's is still held, and releases as before.
    expect((await agent.post(`/v1/filtered-inquiries/${stranger}/release`, {})).status).toBe(200);
  });
});
