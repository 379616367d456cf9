// Lead webhooks carry whatever a lead may hold: the payload is validated in the transaction of the
// change that announces it, so a catalogue bound tighter than the lead's own schema refused the
// change itself. A lead named with 201–255 characters (allowed by the lead's schema) could not be
// created or renamed: 400 about `data.name`, and nothing reached the CRM.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { CONTACT_NAME_MAX_CHARS } from '../shared/field-limits.ts';

let server: TestServer;
let worker: TestWorker;
let receiver: TestReceiver;
let client: ApiClient;
let secret: string;

beforeAll(async () => {
  receiver = await startTestReceiver();
  server = await startTestServer();
  worker = await startTestWorker(server);
  client = new ApiClient(server.url);
  await client.signUp();
  const endpoint = await client.post('/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['lead.created', 'lead.updated'] });
  expect(endpoint.status).toBe(201);
  ({ secret } = endpoint.body);
});
afterAll(async () => {
  await worker?.close();
  await server?.close();
  await receiver?.close();
});

describe('lead webhooks and long names', () => {
  it('a lead named with the longest name a lead accepts is created and renamed, and both changes reach the CRM signed', async () => {
    const tag = randomUUID().slice(0, 8);
    const name = `${tag} ${'N'.repeat(CONTACT_NAME_MAX_CHARS - tag.length - 1)}`;
    const created = await client.post('/v1/leads', { name, email: `long-${tag}@example.com` });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(name);
    const leadId: string = created.body.leadId;

    const renamed = `${name.slice(0, -1)}M`;
    const updated = await client.patch(`/v1/leads/${leadId}`, { name: renamed });
    expect(updated.status).toBe(200);
    expect((await server.sql<{ name: string }>('select name from leads where lead_id = $1', [leadId]))[0].name).toBe(renamed);

    const got = await receiver.waitFor((all) => all.filter((w) => w.payload.data.leadId === leadId).length === 2);
    const mine = got.filter((w) => w.payload.data.leadId === leadId);
    for (const w of mine) expect(() => receiver.verify(w, secret)).not.toThrow();
    expect(mine.find((w) => w.payload.type === 'lead.created')?.payload.data.name).toBe(name);
    expect(mine.find((w) => w.payload.type === 'lead.updated')?.payload.data.lead.name).toBe(renamed);
  });
});
