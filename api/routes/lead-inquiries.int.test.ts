// Inquiries a realtor records by hand, and a lead's inquiry list, over real HTTP, Postgres and
// Redis: the rescore flag and scoring job a manual inquiry starts, validation, keyset pages, and
// an inquiry added while its lead is deleted.
import { beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '#core/jobs/jobs.ts';
import { createBearerClient, makeApiKey, makeInquiries, makeLead, makeRealtor } from '#test/factories.ts';
import { readAllPages } from '#test/http.ts';
import { type RecordingClient, sendWhileLeadIsDeleted, shiftMicroTime, useLeadsApi } from '#test/leads-api.ts';
import { HOUR_MS } from '#core/shared/time.ts';

const api = useLeadsApi();

describe('inquiries by hand', () => {
  let agent: RecordingClient;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
  });

  it('POST records a manual inquiry (201), flags the lead for rescoring and enqueues its scoring job', async () => {
    const { leadId } = await makeLead(api.server, { userId, name: 'Caller', score: 12, scoreBand: 'cold' });
    expect(await api.server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: leadId }))).toBeUndefined();
    const res = await agent.post(`/v1/leads/${leadId}/inquiries`, { message: '  Called about 12 Oak St.\nWants a showing Saturday.  ', listingRef: 'oak-12' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ leadId, message: 'Called about 12 Oak St.\nWants a showing Saturday.', listingRef: 'oak-12', pageUrl: null, source: 'manual', siteId: null });
    const [inquiry] = await api.server.sql<Record<string, unknown>>('select * from inquiries where inquiry_id = $1', [res.body.inquiryId]);
    expect(inquiry).toMatchObject({ lead_id: leadId, source: 'manual', listing_ref: 'oak-12', site_id: null, client_event_id: null });
    expect((inquiry.created_at as Date).toISOString()).toBe(res.body.createdAt);
    const lead = await api.readLeadRow(leadId);
    expect(lead.needs_rescore).toBe(true);
    expect((lead.last_activity_at as Date).toISOString()).toBe(res.body.createdAt);
    const job = await api.server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: leadId }));
    expect(job?.name).toBe('leads.score');
    expect(job?.data).toEqual({ leadId });
  });

  it('POST with an API key records the inquiry as source api (an integration forwarding it), with a session as manual', async () => {
    const realtor = await makeRealtor(api.server);
    const bearer = createBearerClient(api.server, await makeApiKey(realtor));
    const { leadId } = await makeLead(api.server, { userId: realtor.userId, name: 'Portal lead' });
    const pushed = await bearer.post(`/v1/leads/${leadId}/inquiries`, { message: 'Forwarded from the portal: is 12 Oak St available?' });
    expect(pushed.status).toBe(201);
    expect(pushed.body.source).toBe('api');
    const entered = await realtor.client.post(`/v1/leads/${leadId}/inquiries`, { message: 'Called back, wants a showing' });
    expect(entered.status).toBe(201);
    expect(entered.body.source).toBe('manual');
    const rows = await api.server.sql<{ source: string }>('select source from inquiries where lead_id = $1 order by created_at', [leadId]);
    expect(rows.map((r) => r.source)).toEqual(['api', 'manual']);
    // The forwarded one waits for an answer: it starts the unanswered-inquiry reminder (on by default); the realtor's own note does not.
    const reminders = await api.server.sql<{ auto_rule: string; status: string }>('select auto_rule, status from follow_up_reminders where lead_id = $1', [leadId]);
    expect(reminders).toEqual([{ auto_rule: 'inquiry_unanswered', status: 'pending' }]);
    const manualOnly = (await makeLead(api.server, { userId: realtor.userId, name: 'Walk-in' })).leadId;
    expect((await realtor.client.post(`/v1/leads/${manualOnly}/inquiries`, { message: 'Met at the open house' })).status).toBe(201);
    expect(await api.server.sql('select 1 from follow_up_reminders where lead_id = $1', [manualOnly])).toHaveLength(0);
  });

  it('POST validates the message (400) and writes nothing', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    for (const body of [{}, { message: '   ' }, { message: 'x'.repeat(5001) }, { message: 'hi', source: 'widget' }, { message: 'nul\u0000' }, { message: 'ok', listingRef: 'x'.repeat(201) }]) {
      const res = await agent.post(`/v1/leads/${leadId}/inquiries`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await api.server.sql('select 1 from inquiries where lead_id = $1', [leadId])).toHaveLength(0);
    expect((await api.readLeadRow(leadId)).needs_rescore).toBe(false);
  });

  it('GET lists a lead’s inquiries newest first in keyset pages, ties included', async () => {
    const { leadId } = await makeLead(api.server, { userId });
    // 23 inquiries on four instants (microsecond-exact): ties the cursor must break by id.
    await makeInquiries(
      api.server,
      Array.from({ length: 23 }, (_, i) => ({ leadId, message: `Question ${i + 1}`, source: 'widget' as const, createdAt: shiftMicroTime('2026-02-01T09:00:00.000001Z', ((i + 1) % 4) * HOUR_MS) })),
    );
    const expected = (await api.server.sql<{ inquiry_id: string }>('select inquiry_id from inquiries where lead_id = $1 order by created_at desc, inquiry_id desc', [leadId])).map((r) => r.inquiry_id);
    for (const limit of [1, 5, 23, 100]) {
      const seen = (await readAllPages<{ inquiryId: string }>(agent, `/v1/leads/${leadId}/inquiries`, limit)).map((i) => i.inquiryId);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    const first = await agent.get(`/v1/leads/${leadId}/inquiries?limit=2`);
    expect(first.body.items[0]).toMatchObject({ leadId, source: 'widget', createdAt: '2026-02-01T12:00:00.000Z' });
  });
});

describe('an inquiry added while its lead is deleted', () => {
  it('is a 404 that writes nothing, never a 500', async () => {
    const { leadId, deleted, added } = await sendWhileLeadIsDeleted(api, (client, id) => client.post(`/v1/leads/${id}/inquiries`, { message: 'Called about 12 Oak St.' }));
    expect(deleted.status).toBe(204);
    expect(added.status, JSON.stringify(added.body)).toBe(404);
    expect(added.body.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/Lead/) });
    expect(await api.server.sql('select 1 from inquiries where lead_id = $1', [leadId])).toEqual([]);
    expect(await api.server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId }))).toBeUndefined();
  });
});
