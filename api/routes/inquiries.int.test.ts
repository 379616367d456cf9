import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INQUIRIES_PER_IP_PER_10_MIN } from '#api/routes/ingest.routes.ts';
import { JOBS } from '#core/jobs/jobs.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { type IngestOptions, ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';

let server: TestServer;
let owner: ApiClient;
let siteKey: string;
let siteId: string;
let ownerId: string;

const freshIp = ipSource(2);

function submit(body: unknown, opts: IngestOptions = {}) {
  return sendIngest(`${server.url}/v1/inquiries`, body, { ...opts, defaultOrigin: ORIGIN, nextIp: freshIp });
}

let emailCounter = 0;
function inquiry(overrides: Record<string, unknown> = {}): any {
  emailCounter++;
  return {
    site: siteKey,
    id: randomUUID(),
    visitor: `v_${randomUUID().slice(0, 8)}`,
    name: 'Dana Whitaker',
    email: `dana${emailCounter}@example.com`,
    phone: '',
    message: 'Is 12 Oak St still available?\nWe could see it on Saturday.',
    listing: 'oak-12',
    url: `${ORIGIN}/listings/oak-12`,
    consent: true,
    hp: '',
    ...overrides,
  };
}

async function counts() {
  const [row] = await server.sql<Record<string, number>>(
    `select (select count(*)::int from lead_analytics) as events, (select count(*)::int from leads) as leads,
            (select count(*)::int from inquiries) as inquiries, (select count(*)::int from visitors) as visitors`,
  );
  return row;
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  const realtor = await makeRealtor(server);
  ({ client: owner, userId: ownerId } = realtor);
  ({ publicKey: siteKey, siteId } = await makeSite(realtor, { name: 'Oak Realty', allowedOrigins: [ORIGIN] }));
});
afterAll(async () => {
  await server.close();
});

describe('POST /v1/inquiries', () => {
  it('creates the lead and the inquiry, links the visitor, flags rescoring, and reveals no lead data', async () => {
    const body = inquiry({ name: '  Dana Whitaker ', email: ' Dana.W@Example.COM ', phone: '+1 (555) 010-0199' });
    const res = await submit(body);
    expect(res.status).toBe(202);
    expect(res.text).toBe('{"ok":true}');
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const [lead] = await server.sql<any>("select * from leads where email = 'dana.w@example.com'");
    expect(lead).toMatchObject({
      user_id: ownerId, site_id: siteId, name: 'Dana Whitaker', phone: '+15550100199',
      contact_info: 'dana.w@example.com · +15550100199', status: 'new', needs_rescore: true,
    });
    expect(lead.last_activity_at).toBeInstanceOf(Date);
    const [inq] = await server.sql<any>('select * from inquiries where client_event_id = $1', [body.id]);
    expect(inq).toMatchObject({ lead_id: lead.lead_id, site_id: siteId, source: 'widget', listing_ref: 'oak-12', page_url: `${ORIGIN}/listings/oak-12`, message: body.message });
    const [visitor] = await server.sql<any>('select lead_id, stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, body.visitor]);
    expect(visitor).toEqual({ lead_id: lead.lead_id, stitched_at: null });

    // Wake-ups after the commit: a stitch job for the visitor and a (debounced) scoring job.
    expect((await server.queues.leads.getJob(JOBS.stitchVisitor.jobId({ siteId, visitorId: body.visitor })))?.data).toEqual({ siteId, visitorId: body.visitor });
    expect((await server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: lead.lead_id })))?.data).toEqual({ leadId: lead.lead_id });
  });

  it('attaches an inquiry whose email matches an existing lead, changing nothing on it (new details are only reported)', async () => {
    const first = inquiry({ name: 'Sam Lee', email: 'sam@example.com', phone: '' });
    expect((await submit(first)).status).toBe(202);
    const before = await counts();
    const second = inquiry({ name: 'Samuel Lee (new name)', email: 'SAM@example.com', phone: '555-010-0123', message: 'Second question' });
    expect((await submit(second)).status).toBe(202);
    const after = await counts();
    expect(after.leads).toBe(before.leads);
    expect(after.inquiries).toBe(before.inquiries + 1);
    const leads = await server.sql<any>("select lead_id, name, phone, contact_info from leads where email = 'sam@example.com'");
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ name: 'Sam Lee', phone: null, contact_info: 'sam@example.com' });
    const inquiries = await server.sql<any>('select lead_id, unverified from inquiries where client_event_id = any($1::uuid[]) order by created_at', [[first.id, second.id]]);
    expect(inquiries).toEqual([{ lead_id: leads[0].lead_id, unverified: false }, { lead_id: leads[0].lead_id, unverified: true }]);
    const reported = await server.sql<any>('select kind, value, source from lead_reported_contacts where lead_id = $1 order by kind', [leads[0].lead_id]);
    expect(reported).toEqual([{ kind: 'name', value: 'Samuel Lee (new name)', source: 'inquiry' }, { kind: 'phone', value: '+15550100123', source: 'inquiry' }]);
  });

  it('matches by normalised phone when no email is given', async () => {
    expect((await submit(inquiry({ email: 'pat@example.com', phone: '+44 20 7946 0958' }))).status).toBe(202);
    const before = await counts();
    expect((await submit(inquiry({ email: null, phone: '+44 (20) 7946-0958', name: 'Pat' }))).status).toBe(202);
    expect((await counts()).leads).toBe(before.leads);
    const [lead] = await server.sql<any>("select count(*)::int as n from inquiries i join leads l using (lead_id) where l.email = 'pat@example.com'");
    expect(lead.n).toBe(2);
  });

  it('never takes a phone that another lead holds', async () => {
    expect((await submit(inquiry({ email: 'has-phone@example.com', phone: '555-010-0777' }))).status).toBe(202);
    expect((await submit(inquiry({ email: 'no-phone@example.com', phone: '' }))).status).toBe(202);
    // The email names one lead, the phone another: attach to the email's lead, leave phones alone.
    expect((await submit(inquiry({ email: 'no-phone@example.com', phone: '555 010 0777' }))).status).toBe(202);
    const rows = await server.sql<any>("select email, phone from leads where email in ('has-phone@example.com', 'no-phone@example.com') order by email");
    expect(rows).toEqual([{ email: 'has-phone@example.com', phone: '+15550100777' }, { email: 'no-phone@example.com', phone: null }]);
  });

  it('keeps tenants apart: the same email on another realtor’s site is another lead', async () => {
    const other = new ApiClient(server.url);
    await other.signUp();
    const otherSite = (await other.post('/v1/sites', { name: 'Other', allowedOrigins: [ORIGIN] })).body;
    expect((await submit(inquiry({ email: 'shared@example.com' }))).status).toBe(202);
    expect((await submit(inquiry({ site: otherSite.publicKey, email: 'shared@example.com' }))).status).toBe(202);
    const rows = await server.sql<any>("select user_id from leads where email = 'shared@example.com'");
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(2);
  });

  it('stores a retried submission once, also when the retries race', async () => {
    const body = inquiry();
    const before = await counts();
    const results = await Promise.all([submit(body), submit(body), submit(body)]);
    expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    expect((await submit(body)).status).toBe(202);
    const after = await counts();
    expect(after.inquiries - before.inquiries).toBe(1);
    expect(after.leads - before.leads).toBe(1);
  });

  it('creates one lead when two first submissions with the same email race', async () => {
    const email = `race-${randomUUID().slice(0, 6)}@example.com`;
    const results = await Promise.all(Array.from({ length: 5 }, () => submit(inquiry({ email }))));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const leads = await server.sql<any>('select lead_id from leads where email = $1', [email]);
    expect(leads).toHaveLength(1);
    const [n] = await server.sql<any>('select count(*)::int as n from inquiries where lead_id = $1', [leads[0].lead_id]);
    expect(n.n).toBe(5);
  });

  it('accepts an inquiry without a visitor id (no visitor row, no stitch job)', async () => {
    const before = await counts();
    expect((await submit(inquiry({ visitor: undefined }))).status).toBe(202);
    const after = await counts();
    expect(after.inquiries).toBe(before.inquiries + 1);
    expect(after.visitors).toBe(before.visitors);
  });

  it('answers a filled honeypot with 202 and stores nothing', async () => {
    const before = await counts();
    const res = await submit(inquiry({ hp: 'http://spam.example' }));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(await counts()).toEqual(before);
  });

  it('answers a bot with 202 and stores nothing', async () => {
    const before = await counts();
    const res = await submit(inquiry(), { ua: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' });
    expect(res.status).toBe(202);
    expect(await counts()).toEqual(before);
  });
});

describe('POST /v1/inquiries refuses bad input with a clear 4xx and stores nothing', () => {
  const cases: Array<[string, () => { body?: unknown; opts?: IngestOptions }, number, string, string?]> = [
    ['malformed JSON', () => ({ opts: { raw: '{"site":' } }), 400, 'invalid_json'],
    ['multipart/form-data', () => ({ opts: { raw: '--b\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--b--', contentType: 'multipart/form-data; boundary=b' } }), 415, 'unsupported_media_type'],
    ['form-urlencoded', () => ({ opts: { raw: 'message=hi&email=a%40b.c', contentType: 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
    ['a body over 16 KB', () => ({ body: inquiry({ message: 'x'.repeat(4000), name: 'n'.repeat(13000) }) }), 413, 'payload_too_large'],
    ['an unknown site key', () => ({ body: inquiry({ site: 'pk_doesnotexist000000000' }) }), 404, 'not_found'],
    ['an origin that is not allowed', () => ({ body: inquiry(), opts: { origin: 'https://evil.example' } }), 403, 'forbidden'],
    ['no Origin header', () => ({ body: inquiry(), opts: { origin: null } }), 403, 'forbidden'],
    ['neither email nor phone', () => ({ body: inquiry({ email: '', phone: '' }) }), 400, 'validation_failed', 'email'],
    ['neither email nor phone (absent)', () => ({ body: inquiry({ email: undefined, phone: undefined }) }), 400, 'validation_failed', 'email'],
    ['an invalid email', () => ({ body: inquiry({ email: 'dana@' }) }), 400, 'validation_failed', 'email'],
    ['an email with a newline', () => ({ body: inquiry({ email: 'a@b.com\nBcc: x@y.com' }) }), 400, 'validation_failed', 'email'],
    ['a too-short phone', () => ({ body: inquiry({ email: '', phone: '12345' }) }), 400, 'validation_failed', 'phone'],
    ['a phone with letters', () => ({ body: inquiry({ phone: 'call me maybe' }) }), 400, 'validation_failed', 'phone'],
    ['a UK number written without +44 (read as US)', () => ({ body: inquiry({ email: '', phone: '020 7946 0958' }) }), 400, 'validation_failed', 'phone'],
    ['an empty message', () => ({ body: inquiry({ message: '   ' }) }), 400, 'validation_failed', 'message'],
    ['a 5001-character message', () => ({ body: inquiry({ message: 'm'.repeat(5001) }) }), 400, 'validation_failed', 'message'],
    ['a NUL in the message', () => ({ body: inquiry({ message: 'hi\u0000there' }) }), 400, 'validation_failed', 'message'],
    ['an escape sequence in the name', () => ({ body: inquiry({ name: 'Dana\u001b[2J' }) }), 400, 'validation_failed', 'name'],
    ['a 256-character name', () => ({ body: inquiry({ name: 'n'.repeat(256) }) }), 400, 'validation_failed', 'name'],
    ['a malformed submission id', () => ({ body: inquiry({ id: '12345' }) }), 400, 'validation_failed', 'id'],
    ['a malformed visitor id', () => ({ body: inquiry({ visitor: '../../etc' }) }), 400, 'validation_failed', 'visitor'],
    ['a javascript: URL', () => ({ body: inquiry({ url: 'javascript:alert(1)' }) }), 400, 'validation_failed', 'url'],
    ['a non-boolean consent', () => ({ body: inquiry({ consent: 'yes' }) }), 400, 'validation_failed', 'consent'],
    ['a __proto__ key', () => ({ opts: { raw: `{"site":"${siteKey}","id":"${randomUUID()}","email":"a@b.co","message":"hi","__proto__":{"isAdmin":true}}` } }), 400, 'bad_request'],
  ];

  it.each(cases)('refuses %s', async (_name, make, status, code, path) => {
    const before = await counts();
    const { body, opts } = make();
    const res = await submit(body, opts);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    if (path !== undefined) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('refuses a disabled site with 403', async () => {
    const site = (await owner.post('/v1/sites', { name: 'Off', allowedOrigins: [ORIGIN] })).body;
    await owner.patch(`/v1/sites/${site.siteId}`, { enabled: false });
    const before = await counts();
    const res = await submit(inquiry({ site: site.publicKey }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(await counts()).toEqual(before);
  });

  it(`answers 429 with Retry-After after ${INQUIRIES_PER_IP_PER_10_MIN} submissions from one IP`, async () => {
    const ip = freshIp();
    const before = await counts();
    // Honeypot submissions count against the limit but store nothing, which keeps this test's tables clean.
    for (let i = 0; i < INQUIRIES_PER_IP_PER_10_MIN; i++) expect((await submit(inquiry({ hp: 'x' }), { ip })).status).toBe(202);
    const res = await submit(inquiry(), { ip });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await counts()).toEqual(before);
  });
});
