// Security finding 3 (issue #10): lead poisoning through the public form. A non-browser client
// can send any Origin, so a site key and a lead's email are all an attacker needs. Unauthenticated
// submissions must never change what the realtor or an earlier submission established: new
// details are kept beside the lead as reported contacts, the inquiry is flagged unverified, and an
// identify naming someone else's email does not attach the sender's browsing to that lead.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPORTED_CONTACTS_PER_LEAD } from '#core/leads/reported-contacts.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(41);

let server: TestServer;
let realtor: ApiClient;
let siteKey: string;
let siteId: string;

const post = (path: string, body: Record<string, unknown>) => sendIngest(`${server.url}${path}`, body, { defaultOrigin: ORIGIN, nextIp: freshIp });
const inquire = (body: Record<string, unknown>) => post('/v1/inquiries', { site: siteKey, id: randomUUID(), message: 'Is 12 Oak St still available?', consent: true, ...body });
const collect = (visitor: string, events: Record<string, unknown>[]) => post('/v1/collect', { site: siteKey, visitor, events: events.map((e) => ({ id: randomUUID(), ...e })) });

async function leadRow(leadId: string) {
  const [row] = await server.sql<any>('select name, email, phone, contact_info from leads where lead_id = $1', [leadId]);
  return row;
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  realtor = new ApiClient(server.url);
  await realtor.signUp();
  const site = (await realtor.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteKey = site.publicKey;
  siteId = site.siteId;
  // An endpoint, so inquiry.created messages are written (nothing is delivered: no worker runs here).
  expect((await realtor.post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks' })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

describe('an inquiry naming an existing lead’s email (the poisoning scenario)', () => {
  it('leaves the lead’s name, email and phone alone, reports the new details beside it and flags the inquiry unverified', async () => {
    // The real lead: the person's own inquiry established name and email (no phone).
    const first = await inquire({ name: 'Dana Whitaker', email: 'dana@example.com', visitor: 'v_dana' });
    expect(first.status).toBe(202);
    const [{ lead_id: leadId }] = await server.sql<any>("select lead_id from leads where email = 'dana@example.com'");
    const before = await leadRow(leadId);
    expect(before).toEqual({ name: 'Dana Whitaker', email: 'dana@example.com', phone: null, contact_info: 'dana@example.com' });

    // The attacker: same email, their own phone and name, from any Origin the site allows (a script can send it).
    const attackId = randomUUID();
    const attack = await post('/v1/inquiries', {
      site: siteKey, id: attackId, visitor: 'v_mallory', name: 'Mallory', email: 'DANA@example.com', phone: '+1 555 010 6666', message: 'Call me on my new number', consent: true,
    });
    expect(attack.status).toBe(202);

    expect(await leadRow(leadId)).toEqual(before);
    const reported = await server.sql<any>('select kind, value, source, visitor_id, site_id, inquiry_id from lead_reported_contacts where lead_id = $1 order by kind', [leadId]);
    const [attackInquiry] = await server.sql<any>('select inquiry_id, lead_id, unverified from inquiries where client_event_id = $1', [attackId]);
    expect(attackInquiry).toMatchObject({ lead_id: leadId, unverified: true });
    // A CRM hears it too: inquiry.created says unverified; no lead.updated was announced (nothing changed).
    const messages = await server.sql<any>("select event_type, payload->'data'->>'unverified' as unverified from webhook_messages where lead_id = $1 order by event_type, 2", [leadId]);
    expect(messages).toEqual([
      { event_type: 'inquiry.created', unverified: 'false' },
      { event_type: 'inquiry.created', unverified: 'true' },
      { event_type: 'lead.created', unverified: null },
    ]);
    expect(reported).toEqual([
      { kind: 'name', value: 'Mallory', source: 'inquiry', visitor_id: 'v_mallory', site_id: siteId, inquiry_id: attackInquiry.inquiry_id },
      { kind: 'phone', value: '+15550106666', source: 'inquiry', visitor_id: 'v_mallory', site_id: siteId, inquiry_id: attackInquiry.inquiry_id },
    ]);
    // The attacker's visitor is not linked to the lead: their browsing stays theirs.
    const [visitor] = await server.sql<any>("select lead_id from visitors where visitor_id = 'v_mallory'");
    expect(visitor.lead_id).toBeNull();

    // The API says so: the inquiry list flags it, the reported contacts are listed.
    const inquiries = (await realtor.get(`/v1/leads/${leadId}/inquiries`)).body.items;
    expect(inquiries.map((i: any) => i.unverified)).toEqual([true, false]);
    const list = await realtor.get(`/v1/leads/${leadId}/reported-contacts`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: any) => [r.kind, r.value, r.source, r.adoptedAt])).toEqual(
      expect.arrayContaining([['phone', '+15550106666', 'inquiry', null], ['name', 'Mallory', 'inquiry', null]]),
    );
  });

  it('does not overwrite what the realtor entered, and a matching submission is not flagged', async () => {
    const lead = (await realtor.post('/v1/leads', { name: 'Sam Realtor-Entered', email: 'sam@example.com', phone: '+1 555 010 1111' })).body;
    const same = randomUUID();
    expect((await inquire({ id: same, name: 'sam realtor-entered', email: 'sam@example.com', phone: '+1 (555) 010-1111' })).status).toBe(202);
    const other = randomUUID();
    expect((await inquire({ id: other, name: 'Sam', email: 'sam@example.com', phone: '+1 555 010 2222' })).status).toBe(202);
    expect(await leadRow(lead.leadId)).toEqual({ name: 'Sam Realtor-Entered', email: 'sam@example.com', phone: '+15550101111', contact_info: 'sam@example.com · +15550101111' });
    const flags = await server.sql<any>('select client_event_id, unverified from inquiries where client_event_id = any($1::uuid[])', [[same, other]]);
    expect(Object.fromEntries(flags.map((f) => [f.client_event_id, f.unverified]))).toEqual({ [same]: false, [other]: true });
  });

  it('matched by phone, a different email is reported, not written', async () => {
    expect((await inquire({ email: 'pat@example.com', phone: '+44 20 7946 0958' })).status).toBe(202);
    expect((await inquire({ email: 'attacker@example.com', phone: '+44 20 7946 0958' })).status).toBe(202);
    const [lead] = await server.sql<any>("select lead_id, email from leads where phone = '+442079460958'");
    expect(lead.email).toBe('pat@example.com');
    expect(await server.sql<any>("select kind, value from lead_reported_contacts where lead_id = $1 and kind = 'email'", [lead.lead_id])).toEqual([{ kind: 'email', value: 'attacker@example.com' }]);
    expect((await server.sql<any>("select count(*)::int as n from leads where email = 'attacker@example.com'"))[0].n).toBe(0);
  });

  it(`keeps at most ${MAX_REPORTED_CONTACTS_PER_LEAD} reported values per lead; the inquiry is still flagged`, async () => {
    expect((await inquire({ email: 'busy@example.com' })).status).toBe(202);
    const [{ lead_id: leadId, user_id: userId }] = await server.sql<any>("select lead_id, user_id from leads where email = 'busy@example.com'");
    await server.sql(
      `insert into lead_reported_contacts (reported_contact_id, user_id, lead_id, kind, value, source, reported_at, last_reported_at)
       select gen_random_uuid(), $1, $2, 'phone', '+1555000' || lpad(n::text, 4, '0'), 'inquiry', now(), now() from generate_series(1, $3::int) n`,
      [userId, leadId, MAX_REPORTED_CONTACTS_PER_LEAD],
    );
    const id = randomUUID();
    expect((await inquire({ id, email: 'busy@example.com', phone: '555 010 1234' })).status).toBe(202);
    expect((await inquire({ email: 'busy@example.com', phone: '+1 555 000 0001' })).status).toBe(202);
    const rows = await server.sql<any>('select value, report_count from lead_reported_contacts where lead_id = $1', [leadId]);
    expect(rows).toHaveLength(MAX_REPORTED_CONTACTS_PER_LEAD);
    expect(rows.find((r) => r.value === '+15550000001').report_count).toBe(2);
    expect((await server.sql<any>('select unverified from inquiries where client_event_id = $1', [id]))[0].unverified).toBe(true);
  });

  it('a repeated report is one row that counts', async () => {
    expect((await inquire({ email: 'rita@example.com' })).status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await inquire({ email: 'rita@example.com', phone: '555 010 3333' })).status).toBe(202);
    const rows = await server.sql<any>("select r.report_count from lead_reported_contacts r join leads l using (lead_id) where l.email = 'rita@example.com'");
    expect(rows).toEqual([{ report_count: 3 }]);
  });
});

describe('an identify event naming an existing lead’s email', () => {
  it('does not attach the sender’s browsing to that lead; the claim is recorded with its visitor', async () => {
    // The real person: inquired from visitor v_erin, so v_erin's browsing is theirs.
    expect((await inquire({ name: 'Erin', email: 'erin@example.com', visitor: 'v_erin' })).status).toBe(202);
    const [{ lead_id: leadId }] = await server.sql<any>("select lead_id from leads where email = 'erin@example.com'");
    const before = await leadRow(leadId);

    // The attacker browses, then identifies as Erin, in the same batch and in a later one.
    const browse = [1, 2, 3].map((i) => ({ type: 'listing_view', listing: `oak-${i}`, url: `${ORIGIN}/listings/oak-${i}` }));
    expect((await collect('v_attacker', browse)).status).toBe(202);
    expect((await collect('v_attacker', [{ type: 'identify', props: { email: 'erin@example.com', name: 'Not Erin', phone: '555 010 4444' } }, { type: 'mortgage_calculator' }])).status).toBe(202);
    expect((await collect('v_attacker', [{ type: 'showing_request', listing: 'oak-1' }])).status).toBe(202);

    const [visitor] = await server.sql<any>("select lead_id, stitched_at from visitors where site_id = $1 and visitor_id = 'v_attacker'", [siteId]);
    expect(visitor.lead_id).toBeNull();
    const attached = await server.sql<any>("select count(*)::int as n from lead_analytics where visitor_id = 'v_attacker' and lead_id is not null");
    expect(attached[0].n).toBe(0);
    expect(await leadRow(leadId)).toEqual(before);
    const reported = await server.sql<any>('select kind, value, source, visitor_id from lead_reported_contacts where lead_id = $1 order by kind', [leadId]);
    expect(reported).toEqual([
      { kind: 'name', value: 'Not Erin', source: 'identify', visitor_id: 'v_attacker' },
      { kind: 'phone', value: '+15550104444', source: 'identify', visitor_id: 'v_attacker' },
    ]);
  });

  it('an identify with only the email records the claim itself', async () => {
    expect((await inquire({ email: 'finn@example.com', visitor: 'v_finn' })).status).toBe(202);
    expect((await collect('v_claimer', [{ type: 'identify', props: { email: 'finn@example.com' } }])).status).toBe(202);
    const rows = await server.sql<any>("select r.kind, r.value, r.source, r.visitor_id from lead_reported_contacts r join leads l using (lead_id) where l.email = 'finn@example.com'");
    expect(rows).toEqual([{ kind: 'email', value: 'finn@example.com', source: 'identify', visitor_id: 'v_claimer' }]);
    // The person's own visitor identifying again changes nothing and reports nothing new.
    expect((await collect('v_finn', [{ type: 'identify', props: { email: 'finn@example.com' } }])).status).toBe(202);
    expect((await server.sql<any>("select count(*)::int as n from lead_reported_contacts r join leads l using (lead_id) where l.email = 'finn@example.com'"))[0].n).toBe(1);
  });

  it('an identify with a new email still creates the lead and links the visitor', async () => {
    expect((await collect('v_new', [{ type: 'page_view', url: `${ORIGIN}/` }, { type: 'identify', props: { email: 'new-person@example.com' } }])).status).toBe(202);
    const [lead] = await server.sql<any>("select lead_id from leads where email = 'new-person@example.com'");
    const [visitor] = await server.sql<any>("select lead_id from visitors where visitor_id = 'v_new'");
    expect(visitor.lead_id).toBe(lead.lead_id);
  });
});

describe('reported contacts API', () => {
  async function reportedPhone(email: string, phone: string) {
    expect((await inquire({ email })).status).toBe(202);
    expect((await inquire({ email, phone })).status).toBe(202);
    const [row] = await server.sql<any>("select r.reported_contact_id, r.lead_id from lead_reported_contacts r join leads l using (lead_id) where l.email = $1 and r.kind = 'phone'", [email]);
    return { reportId: row.reported_contact_id as string, leadId: row.lead_id as string };
  }

  it('adopting a reported phone makes it the lead’s and marks the report adopted', async () => {
    const { reportId, leadId } = await reportedPhone('gail@example.com', '555 010 5555');
    const res = await realtor.post(`/v1/reported-contacts/${reportId}/adopt`, {});
    expect(res.status).toBe(200);
    expect(res.body.lead).toMatchObject({ leadId, phone: '+15550105555', email: 'gail@example.com' });
    expect(res.body.reportedContact.adoptedAt).toEqual(expect.any(String));
    expect((await leadRow(leadId)).phone).toBe('+15550105555');
  });

  it('adopting a phone another lead holds is a 409 and changes nothing', async () => {
    expect((await realtor.post('/v1/leads', { name: 'Holder', phone: '555 010 7777' })).status).toBe(201);
    const { reportId, leadId } = await reportedPhone('hank@example.com', '555 010 7777');
    const res = await realtor.post(`/v1/reported-contacts/${reportId}/adopt`, {});
    expect(res.status).toBe(409);
    expect((await leadRow(leadId)).phone).toBeNull();
    expect((await server.sql<any>('select adopted_at from lead_reported_contacts where reported_contact_id = $1', [reportId]))[0].adopted_at).toBeNull();
  });

  it('dismissing removes the report and leaves the lead', async () => {
    const { reportId, leadId } = await reportedPhone('ivy@example.com', '555 010 8888');
    expect((await realtor.delete(`/v1/reported-contacts/${reportId}`)).status).toBe(204);
    expect((await realtor.get(`/v1/leads/${leadId}/reported-contacts`)).body.items).toEqual([]);
    expect((await realtor.delete(`/v1/reported-contacts/${reportId}`)).status).toBe(404);
  });

  it('another realtor gets 404 for the lead’s reports and for the report itself, as do malformed ids', async () => {
    const { reportId, leadId } = await reportedPhone('jo@example.com', '555 010 9999');
    const other = new ApiClient(server.url);
    await other.signUp();
    expect((await other.get(`/v1/leads/${leadId}/reported-contacts`)).status).toBe(404);
    expect((await other.post(`/v1/reported-contacts/${reportId}/adopt`, {})).status).toBe(404);
    expect((await other.delete(`/v1/reported-contacts/${reportId}`)).status).toBe(404);
    expect((await leadRow(leadId)).phone).toBeNull();
    expect((await realtor.post('/v1/reported-contacts/not-a-uuid/adopt', {})).status).toBe(404);
    expect((await realtor.get(`/v1/leads/${randomUUID()}/reported-contacts`)).status).toBe(404);
  });
});
