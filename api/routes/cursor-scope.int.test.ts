// A cursor belongs to the list that issued it. The keys of most lists look alike (a time and an id),
// so one lead's inquiries cursor passed to another lead's list (or to another kind of list) used to
// answer 200 from the middle of that list, skipping its rows without a word. docs/api-leads.md
// (Pagination) promises a 400 naming `cursor`; each list's cursors carry its scope (cursorScope).
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInquiries, makeLead, makeReminder } from '#test/factories.ts';
import { type RecordingClient, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('cursors are scoped to their list', () => {
  let agent: RecordingClient;
  let first = '';
  let second = '';

  let userId = '';

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    first = (await makeLead(api.server, { userId, name: 'First' })).leadId;
    second = (await makeLead(api.server, { userId, name: 'Second' })).leadId;
    // Both leads' inquiries at the same instants: a borrowed cursor would fall inside the other list.
    const at = Date.now() - 60_000;
    for (const leadId of [first, second]) {
      await makeInquiries(api.server, [0, 1, 2].map((i) => ({ leadId, message: `Question ${i}`, createdAt: new Date(at + i * 1000) })));
    }
  });

  const refused = (res: { status: number; body: { error?: { details?: Array<{ path: string }> } } }) => {
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.[0]?.path).toBe('cursor');
  };

  it("a lead's inquiries cursor pages its own list, and is a 400 on another lead's inquiries or timeline", async () => {
    const page = await agent.get(`/v1/leads/${first}/inquiries?limit=1`);
    const cursor = page.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const next = await agent.get(`/v1/leads/${first}/inquiries?limit=1&cursor=${cursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].message).toBe('Question 1');

    refused(await agent.get(`/v1/leads/${second}/inquiries?limit=1&cursor=${cursor}`));
    refused(await agent.get(`/v1/leads/${first}/timeline?limit=1&cursor=${cursor}`));
    // The same shape of key (a time and an id): it used to page the activities from the middle.
    refused(await agent.get(`/v1/leads/${first}/activities?limit=1&cursor=${cursor}`));
  });

  it("a lead's activities cursor is a 400 on another lead's activities", async () => {
    for (const leadId of [first, second]) {
      for (const i of [1, 2, 3]) await agent.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: `Note ${i}` });
    }
    const page = await agent.get(`/v1/leads/${first}/activities?limit=1`);
    const cursor = page.body.nextCursor as string;
    expect((await agent.get(`/v1/leads/${first}/activities?limit=1&cursor=${cursor}`)).status).toBe(200);
    refused(await agent.get(`/v1/leads/${second}/activities?limit=1&cursor=${cursor}`));
  });

  it('a reminders cursor only continues its own status and lead (upcoming ascends, done descends)', async () => {
    const soon = Date.now() + 3_600_000;
    for (const i of [0, 1, 2]) await makeReminder(api.server, { leadId: first, userId, status: 'pending', reminderDate: new Date(soon + i * 60_000) });
    const page = await agent.get('/v1/reminders?status=upcoming&limit=1');
    const cursor = page.body.nextCursor as string;
    expect((await agent.get(`/v1/reminders?status=upcoming&limit=1&cursor=${cursor}`)).status).toBe(200);
    refused(await agent.get(`/v1/reminders?status=done&limit=1&cursor=${cursor}`));
    refused(await agent.get(`/v1/reminders?status=upcoming&lead=${second}&limit=1&cursor=${cursor}`));
  });

  it("a lead's timeline cursor is a 400 on another lead's timeline", async () => {
    const page = await agent.get(`/v1/leads/${first}/timeline?limit=1`);
    const cursor = page.body.nextCursor as string;
    expect((await agent.get(`/v1/leads/${first}/timeline?limit=1&cursor=${cursor}`)).status).toBe(200);
    refused(await agent.get(`/v1/leads/${second}/timeline?limit=1&cursor=${cursor}`));
  });
});
