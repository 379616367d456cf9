// Security finding 4 (issue #10): inquiry denial of service. 300 junk inquiries from rotating
// addresses used to spend the site's inquiry budget, and a genuine inquiry from a fresh address
// then got 429 for ten minutes and was lost. Now the site's budget never refuses: over it,
// submissions are held in the Filtered list (stored, answered 202, no lead/score/alert/webhook)
// until the realtor releases or deletes them. Per-IP limits still refuse an obvious single-source flood.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INQUIRIES_PER_IP_PER_10_MIN, INQUIRIES_PER_SITE_PER_10_MIN } from '#api/routes/ingest.routes.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(42);

let server: TestServer;
let receiver: TestReceiver;
let realtor: ApiClient;
let siteKey: string;
let siteId: string;
let ownerId: string;

const inquire = (body: Record<string, unknown>, ip?: string) =>
  sendIngest(`${server.url}/v1/inquiries`, { site: siteKey, id: randomUUID(), message: 'Is 12 Oak St still available?', consent: true, consentText: 'I agree.', consentVersion: 'v1', ...body }, { defaultOrigin: ORIGIN, nextIp: freshIp, ip });

async function counts(email: string) {
  const [row] = await server.sql<any>(
    `select (select count(*)::int from leads where email = $1) as leads,
            (select count(*)::int from inquiries i join leads l using (lead_id) where l.email = $1) as inquiries,
            (select count(*)::int from filtered_inquiries where email = $1) as held,
            (select count(*)::int from webhook_messages where payload::text like '%' || $1 || '%') as webhooks`,
    [email],
  );
  return row;
}

beforeAll(async () => {
  receiver = await startTestReceiver();
  server = await startTestServer({ TRUST_PROXY: 'true' });
  const account = await makeRealtor(server);
  ({ client: realtor, userId: ownerId } = account);
  ({ publicKey: siteKey, siteId } = await makeSite(account, { name: 'Oak Realty', allowedOrigins: [ORIGIN] }));
  expect((await realtor.post('/v1/webhook-endpoints', { url: receiver.url })).status).toBe(201);

  // The flood: the site's whole budget of junk, each from its own address, a few at a time.
  const junk = Array.from({ length: INQUIRIES_PER_SITE_PER_10_MIN }, (_, i) => i);
  for (let i = 0; i < junk.length; i += 10) {
    const answers = await Promise.all(junk.slice(i, i + 10).map((n) => inquire({ email: `junk-${n}@spam.example`, message: `junk ${n}` })));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
  }
}, 180_000);
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe('a genuine inquiry after a flood', () => {
  let heldId: string;
  const email = 'genuine@example.com';
  const submissionId = randomUUID();

  it('is answered 202 and stored in the Filtered list — not refused, not lost, nothing announced yet', async () => {
    const res = await inquire({ id: submissionId, name: 'Genuine Buyer', email, phone: '+1 555 010 2020', visitor: 'v_genuine', listing: 'oak-12' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(await counts(email)).toEqual({ leads: 0, inquiries: 0, held: 1, webhooks: 0 });
    // A retry of the same submission is held once.
    expect((await inquire({ id: submissionId, email })).status).toBe(202);
    expect((await counts(email)).held).toBe(1);

    const list = await realtor.get(`/v1/filtered-inquiries?site=${siteId}`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(1);
    const item = list.body.items.find((i: any) => i.email === email);
    expect(item).toMatchObject({ siteId, siteName: 'Oak Realty', name: 'Genuine Buyer', phone: '+15550102020', listingRef: 'oak-12', reason: 'site_budget', consentText: 'I agree.', consentVersion: 'v1' });
    heldId = item.filteredInquiryId;
    const [notes] = await server.sql<any>("select count(*)::int as n from notifications where user_id = $1 and kind = 'new_inquiry' and data::text like '%genuine%'", [ownerId]);
    expect(notes.n).toBe(0);
  });

  it('released, it becomes a normal inquiry: lead, score flag, webhooks and the new-inquiry alert', async () => {
    const res = await realtor.post(`/v1/filtered-inquiries/${heldId}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ leadCreated: true, unverified: false, leadId: expect.any(String), inquiryId: expect.any(String) });
    const { leadId, inquiryId } = res.body;
    expect(await counts(email)).toMatchObject({ leads: 1, inquiries: 1, held: 0 });
    const [lead] = await server.sql<any>('select name, phone, needs_rescore from leads where lead_id = $1', [leadId]);
    expect(lead).toEqual({ name: 'Genuine Buyer', phone: '+15550102020', needs_rescore: true });
    const [inquiry] = await server.sql<any>('select client_event_id, consent_text, consent_version, listing_ref from inquiries where inquiry_id = $1', [inquiryId]);
    expect(inquiry).toEqual({ client_event_id: submissionId, consent_text: 'I agree.', consent_version: 'v1', listing_ref: 'oak-12' });
    const types = await server.sql<any>('select event_type from webhook_messages where lead_id = $1 order by event_type', [leadId]);
    expect(types.map((t) => t.event_type)).toEqual(['inquiry.created', 'lead.created']);
    const alerts = await server.sql<any>("select kind from notifications where inquiry_id = $1", [inquiryId]);
    expect(alerts).toEqual([{ kind: 'new_inquiry' }]);
    const [visitor] = await server.sql<any>("select lead_id from visitors where site_id = $1 and visitor_id = 'v_genuine'", [siteId]);
    expect(visitor.lead_id).toBe(leadId);

    // Released once: a second release is a 404, and a late retry of the submission stores nothing new.
    expect((await realtor.post(`/v1/filtered-inquiries/${heldId}/release`, {})).status).toBe(404);
    expect((await inquire({ id: submissionId, email })).status).toBe(202);
    expect(await counts(email)).toMatchObject({ leads: 1, inquiries: 1, held: 0 });
  });
});

describe('the Filtered list', () => {
  it('deletes one held submission, or all of a site’s, and another realtor sees none of them', async () => {
    for (const n of [1, 2, 3]) expect((await inquire({ email: `held-${n}@example.com` })).status).toBe(202);
    const list = (await realtor.get('/v1/filtered-inquiries?limit=2')).body;
    expect(list.items).toHaveLength(2);
    expect(list.nextCursor).toEqual(expect.any(String));
    const next = await realtor.get(`/v1/filtered-inquiries?limit=2&cursor=${encodeURIComponent(list.nextCursor)}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].filteredInquiryId).not.toBe(list.items[1].filteredInquiryId);

    const other = new ApiClient(server.url);
    await other.signUp();
    const target = list.items[0].filteredInquiryId;
    expect((await other.get('/v1/filtered-inquiries')).body).toEqual({ items: [], nextCursor: null, total: 0 });
    expect((await other.get(`/v1/filtered-inquiries?site=${siteId}`)).status).toBe(404);
    expect((await other.post(`/v1/filtered-inquiries/${target}/release`, {})).status).toBe(404);
    expect((await other.delete(`/v1/filtered-inquiries/${target}`)).status).toBe(404);
    expect((await other.delete(`/v1/filtered-inquiries?site=${siteId}`)).status).toBe(404);
    expect((await other.delete('/v1/filtered-inquiries')).body).toEqual({ deleted: 0 });

    expect((await realtor.delete(`/v1/filtered-inquiries/${target}`)).status).toBe(204);
    expect((await server.sql<any>('select count(*)::int as n from filtered_inquiries where filtered_inquiry_id = $1', [target]))[0].n).toBe(0);
    const all = await realtor.delete(`/v1/filtered-inquiries?site=${siteId}`);
    expect(all.status).toBe(200);
    expect(all.body.deleted).toBeGreaterThanOrEqual(2);
    expect((await realtor.get('/v1/filtered-inquiries')).body.total).toBe(0);
  });

  it('“delete all” with receivedUpTo keeps what arrived after the list was read', async () => {
    for (const n of [1, 2]) expect((await inquire({ email: `seen-${n}@example.com` })).status).toBe(202);
    const shown = (await realtor.get('/v1/filtered-inquiries')).body;
    const newest = shown.items[0].receivedAt;
    // The flood goes on while the realtor reads the list.
    expect((await inquire({ email: 'arrived-later@example.com' })).status).toBe(202);
    const res = await realtor.delete(`/v1/filtered-inquiries?site=${siteId}&receivedUpTo=${encodeURIComponent(newest)}`);
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(shown.total);
    const left = (await realtor.get('/v1/filtered-inquiries')).body;
    expect(left.items.map((f: { email: string }) => f.email)).toEqual(['arrived-later@example.com']);
    expect((await realtor.delete('/v1/filtered-inquiries?receivedUpTo=yesterday')).status).toBe(400);
    // Well-formed, but no time Postgres can read (year 0000): a 400 naming it, not a 500.
    for (const at of ['0000-01-01T00:00:00Z', '0000-12-31T23:00:00.000-01:00']) {
      const res = await realtor.delete(`/v1/filtered-inquiries?receivedUpTo=${encodeURIComponent(at)}`);
      expect(res.status, at).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'receivedUpTo', message: 'Use a date from 1970 on' })]);
    }
    // An offset no zone uses and Postgres cannot read (+20:00): a 400 naming it, not a 500; +14:00 is read.
    const far = await realtor.delete(`/v1/filtered-inquiries?receivedUpTo=${encodeURIComponent('2026-12-02T09:00:00+20:00')}`);
    expect(far.status).toBe(400);
    expect(far.body.error.details).toEqual([expect.objectContaining({ path: 'receivedUpTo', message: 'Use a zone offset from -15:59 to +15:59' })]);
    expect((await realtor.delete(`/v1/filtered-inquiries?receivedUpTo=${encodeURIComponent('1999-12-02T09:00:00+14:00')}`)).body).toEqual({ deleted: 0 });
    expect((await realtor.get('/v1/filtered-inquiries')).body.total).toBe(1);
    await realtor.delete('/v1/filtered-inquiries');
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    expect((await inquire({ email: 'kept@example.com' })).status).toBe(202);
    for (const q of ['site=not-a-uuid', 'cursor=garbage', 'limit=0', 'limit=101', 'unknown=1']) {
      const res = await realtor.get(`/v1/filtered-inquiries?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await realtor.delete('/v1/filtered-inquiries?site=nope')).status).toBe(400);
    expect((await counts('kept@example.com')).held).toBe(1);
  });

  it('still answers 429 to an obvious single-address flood (the per-IP limit)', async () => {
    const ip = freshIp();
    for (let i = 0; i < INQUIRIES_PER_IP_PER_10_MIN; i++) expect((await inquire({ email: 'bot@spam.example', hp: 'x' }, ip)).status).toBe(202);
    const res = await inquire({ email: 'one-address@example.com' }, ip);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await counts('one-address@example.com')).toMatchObject({ leads: 0, held: 0 });
  });
});

describe('submissions that are dropped or refused anyway', () => {
  it('do not spend the site’s budget: after a spam wave the honeypot and the bot check drop, a genuine inquiry is stored, not held', { timeout: 120_000 }, async () => {
    const account = await makeRealtor(server);
    const { publicKey: spamSite } = await makeSite(account, { name: 'Birch Homes', allowedOrigins: [ORIGIN] });
    const send = (body: Record<string, unknown>, opts: { ua?: string } = {}) =>
      sendIngest(`${server.url}/v1/inquiries`, { site: spamSite, id: randomUUID(), message: 'Cheap watches', consent: true, ...body }, { defaultOrigin: ORIGIN, nextIp: freshIp, ...opts });
    // A whole budget of spam, each from its own address: the honeypot filled in, a crawler's user
    // agent, no consent (400). All answered as before, none stored.
    const wave = Array.from({ length: INQUIRIES_PER_SITE_PER_10_MIN }, (_, n) => n);
    for (let i = 0; i < wave.length; i += 10) {
      const answers = await Promise.all(
        wave.slice(i, i + 10).map((n) =>
          n % 3 === 0 ? send({ email: `hp-${n}@spam.example`, hp: 'https://spam.example' })
          : n % 3 === 1 ? send({ email: `bot-${n}@spam.example` }, { ua: 'Mozilla/5.0 (compatible; SpamBot/1.0)' })
          : send({ email: `noconsent-${n}@spam.example`, consent: false }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(wave.slice(i, i + 10).map((n) => (n % 3 === 2 ? 400 : 202)));
    }
    const [spam] = await server.sql<any>("select (select count(*)::int from leads where email like '%@spam.example' and user_id = $1) as leads, (select count(*)::int from filtered_inquiries where email like '%@spam.example' and user_id = $1) as held", [account.userId]);
    expect(spam).toEqual({ leads: 0, held: 0 });

    const email = 'real-buyer@example.com';
    expect((await send({ name: 'Real Buyer', email, message: 'Can we see 3 Birch Lane on Saturday?' })).status).toBe(202);
    expect(await counts(email)).toMatchObject({ leads: 1, inquiries: 1, held: 0 });
  });
});
