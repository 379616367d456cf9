import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';

// Every field that stores or looks up user text goes through core/validation/plain-text.ts:
// a NUL byte (which Postgres refuses with 08P01, once a 500) or a lone UTF-16 surrogate (which
// would be stored as U+FFFD) is a 400 naming the field, and nothing is written.

let server: TestServer;
let realtor: ApiClient;
let siteId: string;
let siteKey: string;
let leadId: string;
let activityId: string;
let stageId: string;
let reminderId: string;
let endpointId: string;
const ORIGIN = 'https://plain-text.example';

beforeAll(async () => {
  server = await startTestServer();
  realtor = new ApiClient(server.url);
  await realtor.signUp();
  const site = (await realtor.post('/v1/sites', { name: 'Plain', allowedOrigins: [ORIGIN] })).body;
  siteId = site.siteId;
  siteKey = site.publicKey;
  leadId = (await realtor.post('/v1/leads', { name: 'Dana', email: 'dana@example.com' })).body.leadId;
  activityId = (await realtor.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: 'First call' })).body.activityId;
  stageId = (await realtor.post('/v1/pipeline-stages', { label: 'Touring' })).body.stageId;
  reminderId = (await realtor.post(`/v1/leads/${leadId}/reminders`, { reminderDate: '2030-01-01T09:00:00Z', reminderMessage: 'Call back' })).body.reminderId;
  endpointId = (await realtor.post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', description: 'CRM' })).body.endpointId;
});
afterAll(async () => {
  await server.close();
});

type Case = { route: string; path: string; field: string; inUrl?: boolean; send(bad: string): Promise<{ status: number; body: any }> };

const fresh = () => new ApiClient(server.url);
const widget = (path: string, json: unknown) => fresh().request('POST', path, { json, headers: { origin: ORIGIN } });

const CASES: Case[] = [
  { route: 'POST /v1/auth/signup', path: 'username', field: 'username', send: (bad) => fresh().post('/v1/auth/signup', { username: bad, email: 'new-user@example.com', password: 'correct horse battery' }) },
  { route: 'POST /v1/auth/signup', path: 'email', field: 'email', send: (bad) => fresh().post('/v1/auth/signup', { username: 'x', email: `new${bad}@example.com`, password: 'correct horse battery' }) },
  { route: 'POST /v1/auth/login', path: 'email', field: 'email', send: (bad) => fresh().post('/v1/auth/login', { email: `dana${bad}@example.com`, password: 'correct horse battery' }) },
  { route: 'POST /v1/api-keys', path: 'name', field: 'name', send: (bad) => realtor.post('/v1/api-keys', { name: bad }) },
  { route: 'POST /v1/sites', path: 'name', field: 'name', send: (bad) => realtor.post('/v1/sites', { name: bad }) },
  { route: 'POST /v1/sites', path: 'allowedOrigins.0', field: 'origin', send: (bad) => realtor.post('/v1/sites', { name: 'ok', allowedOrigins: [`https://a${bad}.example`] }) },
  { route: 'PATCH /v1/sites/:id', path: 'name', field: 'name', send: (bad) => realtor.patch(`/v1/sites/${siteId}`, { name: bad }) },
  { route: 'POST /v1/leads', path: 'name', field: 'name', send: (bad) => realtor.post('/v1/leads', { name: bad }) },
  { route: 'POST /v1/leads', path: 'email', field: 'email', send: (bad) => realtor.post('/v1/leads', { email: `x${bad}@example.com` }) },
  { route: 'POST /v1/leads', path: 'phone', field: 'phone', send: (bad) => realtor.post('/v1/leads', { name: 'ok', phone: `555${bad}0100` }) },
  { route: 'POST /v1/leads', path: 'contactInfo', field: 'contactInfo', send: (bad) => realtor.post('/v1/leads', { name: 'ok', contactInfo: bad }) },
  { route: 'PATCH /v1/leads/:id', path: 'name', field: 'name', send: (bad) => realtor.patch(`/v1/leads/${leadId}`, { name: bad }) },
  { route: 'GET /v1/leads', path: 'q', field: 'q', inUrl: true, send: (bad) => realtor.get(`/v1/leads?q=${encodeURIComponent(bad)}`) },
  { route: 'POST /v1/leads/:id/inquiries', path: 'message', field: 'message', send: (bad) => realtor.post(`/v1/leads/${leadId}/inquiries`, { message: bad }) },
  { route: 'POST /v1/inquiries', path: 'message', field: 'message', send: (bad) => widget('/v1/inquiries', { site: siteKey, id: crypto.randomUUID(), email: 'w@example.com', message: bad, consent: true }) },
  { route: 'POST /v1/inquiries', path: 'name', field: 'name', send: (bad) => widget('/v1/inquiries', { site: siteKey, id: crypto.randomUUID(), email: 'w@example.com', name: bad, message: 'hi', consent: true }) },
  { route: 'POST /v1/inquiries', path: 'consentText', field: 'consent text', send: (bad) => widget('/v1/inquiries', { site: siteKey, id: crypto.randomUUID(), email: 'w@example.com', message: 'hi', consent: true, consentText: `I agree${bad}` }) },
  { route: 'POST /v1/inquiries', path: 'consentVersion', field: 'consent version', send: (bad) => widget('/v1/inquiries', { site: siteKey, id: crypto.randomUUID(), email: 'w@example.com', message: 'hi', consent: true, consentVersion: `v${bad}` }) },
  { route: 'POST /v1/sites/:id/allowed-origins', path: 'origin', field: 'origin', send: (bad) => realtor.post(`/v1/sites/${siteId}/allowed-origins`, { origin: `https://b${bad}.example` }) },
  { route: 'POST /v1/leads/:id/activities', path: 'body', field: 'body', send: (bad) => realtor.post(`/v1/leads/${leadId}/activities`, { type: 'note', body: bad }) },
  { route: 'POST /v1/leads/:id/activities', path: 'outcome', field: 'outcome', send: (bad) => realtor.post(`/v1/leads/${leadId}/activities`, { type: 'call', outcome: `no_answer${bad}` }) },
  { route: 'PATCH /v1/activities/:activityId', path: 'body', field: 'body', send: (bad) => realtor.patch(`/v1/activities/${activityId}`, { body: bad }) },
  { route: 'POST /v1/pipeline-stages', path: 'label', field: 'label', send: (bad) => realtor.post('/v1/pipeline-stages', { label: bad }) },
  { route: 'PATCH /v1/pipeline-stages/:stageId', path: 'label', field: 'label', send: (bad) => realtor.patch(`/v1/pipeline-stages/${stageId}`, { label: bad }) },
  { route: 'POST /v1/leads/:id/reminders', path: 'reminderMessage', field: 'reminderMessage', send: (bad) => realtor.post(`/v1/leads/${leadId}/reminders`, { reminderDate: '2030-01-01T09:00:00Z', reminderMessage: bad }) },
  { route: 'PATCH /v1/reminders/:id', path: 'reminderMessage', field: 'reminderMessage', send: (bad) => realtor.patch(`/v1/reminders/${reminderId}`, { reminderMessage: bad }) },
  { route: 'POST /v1/webhook-endpoints', path: 'url', field: 'url', send: (bad) => realtor.post('/v1/webhook-endpoints', { url: `http://127.0.0.1:9/h${bad}` }) },
  { route: 'POST /v1/webhook-endpoints', path: 'description', field: 'description', send: (bad) => realtor.post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook', description: bad }) },
  { route: 'PATCH /v1/webhook-endpoints/:id', path: 'url', field: 'url', send: (bad) => realtor.patch(`/v1/webhook-endpoints/${endpointId}`, { url: `http://127.0.0.1:9/h${bad}` }) },
  { route: 'PATCH /v1/webhook-endpoints/:id', path: 'description', field: 'description', send: (bad) => realtor.patch(`/v1/webhook-endpoints/${endpointId}`, { description: bad }) },
  { route: 'POST /v1/collect', path: 'events.0.value', field: 'event value', send: (bad) => widget('/v1/collect', { site: siteKey, visitor: 'v1', events: [{ id: crypto.randomUUID(), type: 'page_view', value: bad }] }) },
];

// A URL cannot carry a lone surrogate (it has no UTF-8 encoding), so those cases are JSON bodies only.
const BAD_TEXT = [
  ['a NUL byte', 'ab\u0000cd', CASES],
  ['a lone surrogate', 'ab\uD800cd', CASES.filter((c) => !c.inUrl)],
] as const;

/** Row counts, and the text an update could change (a PATCH writes no new row). */
async function countRows(): Promise<Record<string, number | string>> {
  const [row] = await server.sql<Record<string, number | string>>(
    `select (select count(*)::int from users) as users, (select count(*)::int from api_keys) as api_keys, (select count(*)::int from sites) as sites,
            (select count(*)::int from leads) as leads, (select count(*)::int from inquiries) as inquiries, (select count(*)::int from lead_analytics) as events,
            (select count(*)::int from lead_activities) as activities, (select count(*)::int from pipeline_stages) as stages,
            (select count(*)::int from follow_up_reminders) as reminders, (select count(*)::int from webhook_endpoints) as endpoints,
            (select md5(coalesce(string_agg(s.name || array_to_string(s.allowed_origins, ','), '|' order by s.site_id), '')) from sites s) as site_text,
            (select md5(coalesce(string_agg(coalesce(a.body, '') || coalesce(a.outcome, ''), '|' order by a.activity_id), '')) from lead_activities a) as activity_text,
            (select md5(coalesce(string_agg(p.label, '|' order by p.stage_id), '')) from pipeline_stages p) as stage_text,
            (select md5(coalesce(string_agg(r.reminder_message, '|' order by r.reminder_id), '')) from follow_up_reminders r) as reminder_text,
            (select md5(coalesce(string_agg(w.url || coalesce(w.description, ''), '|' order by w.endpoint_id), '')) from webhook_endpoints w) as endpoint_text`,
  );
  return row;
}

describe('user text is plain text', () => {
  describe.each(BAD_TEXT)('%s', (_what, bad, cases) => {
    it.each(cases)('$route $field → 400 naming $path, nothing written', async ({ path, send }) => {
      const before = await countRows();
      const res = await send(bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(await countRows()).toEqual(before);
    });
  });

  it('keeps accepting ordinary text, accents, emoji and (in messages) newlines and tabs', async () => {
    const res = await realtor.post(`/v1/leads/${leadId}/inquiries`, { message: 'Line one\n\tJosé 🏡 wants a viewing' });
    expect(res.status).toBe(201);
    const site = await realtor.post('/v1/sites', { name: 'Señora 🏡' });
    expect(site.status).toBe(201);
  });
});
