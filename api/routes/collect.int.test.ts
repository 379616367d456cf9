import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECT_EVENTS_PER_IP_PER_MIN, COLLECT_EVENTS_PER_SITE_PER_MIN } from '#api/routes/ingest.routes.ts';
import { JOBS } from '#core/jobs/jobs.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { CHROME_UA, type IngestOptions, ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';

let server: TestServer;
let owner: ApiClient;
let siteKey: string;
let siteId: string;

const freshIp = ipSource(1);

function collect(body: unknown, opts: IngestOptions = {}) {
  return sendIngest(`${server.url}/v1/collect`, body, { ...opts, defaultOrigin: ORIGIN, nextIp: freshIp });
}

function event(overrides: Record<string, unknown> = {}) {
  return { id: randomUUID(), type: 'page_view', url: `${ORIGIN}/listings/oak-12?ref=home`, listing: 'oak-12', ts: Date.now(), ...overrides };
}

function batch(overrides: Record<string, unknown> = {}, events: any[] = [event()]) {
  return { site: siteKey, visitor: `v_${randomUUID().slice(0, 8)}`, events, ...overrides };
}

async function counts() {
  const [row] = await server.sql<Record<string, number>>(
    `select (select count(*)::int from lead_analytics) as events, (select count(*)::int from leads) as leads,
            (select count(*)::int from inquiries) as inquiries, (select count(*)::int from visitors) as visitors`,
  );
  return row;
}

async function createSite(body: Record<string, unknown>) {
  const res = await owner.post('/v1/sites', body);
  expect(res.status).toBe(201);
  return res.body as { siteId: string; publicKey: string };
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  owner = new ApiClient(server.url);
  await owner.signUp();
  const site = await createSite({ name: 'Oak Realty', allowedOrigins: [ORIGIN, 'http://127.0.0.1:4000'] });
  siteKey = site.publicKey;
  siteId = site.siteId;
});
afterAll(async () => {
  await server.close();
});

describe('POST /v1/collect stores events', () => {
  it('stores a batch, upserts the visitor, records last_event_at and answers 202 only with {ok:true}', async () => {
    const body = batch({}, [
      event({ ts: Date.now() - 5000 }),
      event({ type: 'tool_interaction', value: 'mortgage_calculator', props: { price: 450000, downPayment: '20%', financed: true, note: null } }),
      event({ type: 'saved_listing', listing: 'maple-7', url: `${ORIGIN}/listings/maple-7` }),
    ]);
    const before = Date.now();
    const res = await collect(body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);

    const rows = await server.sql<any>(
      `select event_type, event_value, page_url, listing_ref, props, event_date, visitor_id, site_id, client_event_id, lead_id, received_at
       from lead_analytics where visitor_id = $1 order by event_date`,
      [body.visitor],
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ event_type: 'page_view', event_value: '/listings/oak-12', page_url: `${ORIGIN}/listings/oak-12?ref=home`, listing_ref: 'oak-12', props: null, site_id: siteId, lead_id: null, client_event_id: body.events[0].id });
    expect(rows[1]).toMatchObject({ event_type: 'tool_interaction', event_value: 'mortgage_calculator', props: { price: 450000, downPayment: '20%', financed: true, note: null } });
    expect(rows[2]).toMatchObject({ event_type: 'saved_listing', event_value: null, listing_ref: 'maple-7' });
    expect(rows[0].event_date.getTime()).toBe(body.events[0].ts);

    const [visitor] = await server.sql<any>('select first_seen_at, last_seen_at, lead_id, stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, body.visitor]);
    expect(visitor.lead_id).toBeNull();
    expect(visitor.first_seen_at.getTime()).toBe(body.events[0].ts);
    expect(visitor.last_seen_at.getTime()).toBeGreaterThanOrEqual(visitor.first_seen_at.getTime());

    const [site] = await server.sql<any>('select last_event_at from sites where site_id = $1', [siteId]);
    expect(site.last_event_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('accepts application/json as well as text/plain', async () => {
    const body = batch();
    const res = await collect(body, { contentType: 'application/json' });
    expect(res.status).toBe(202);
    expect(await server.sql('select 1 from lead_analytics where client_event_id = $1', [body.events[0].id])).toHaveLength(1);
  });

  it('stores each event of a replayed batch once (and a repeated id within a batch once)', async () => {
    const first = event();
    const body = batch({}, [first, event(), { ...first }]);
    const before = await counts();
    expect((await collect(body)).status).toBe(202);
    expect((await collect(body)).status).toBe(202);
    expect((await collect(batch({ visitor: body.visitor }, body.events))).status).toBe(202);
    const after = await counts();
    expect(after.events - before.events).toBe(2);
    expect(after.visitors - before.visitors).toBe(1);
  });

  it('clamps client timestamps: no future, no older than 24 h', async () => {
    const body = batch({}, [event({ ts: Date.now() + 3_600_000 }), event({ ts: 0 }), event({ ts: undefined })]);
    const before = Date.now();
    expect((await collect(body)).status).toBe(202);
    const after = Date.now();
    const byId = new Map((await server.sql<any>('select client_event_id, event_date from lead_analytics where visitor_id = $1', [body.visitor])).map((r) => [r.client_event_id, r.event_date.getTime()]));
    expect(byId.get(body.events[0].id)).toBeLessThanOrEqual(after);
    expect(byId.get(body.events[0].id)).toBeGreaterThanOrEqual(before);
    expect(byId.get(body.events[1].id)).toBeGreaterThanOrEqual(before - 24 * 3_600_000);
    expect(byId.get(body.events[1].id)).toBeLessThanOrEqual(after - 24 * 3_600_000);
    expect(byId.get(body.events[2].id)).toBeGreaterThanOrEqual(before);
  });

  it('gives events of a visitor already linked to a lead the lead id and marks the lead for rescoring', async () => {
    const visitor = `v_linked_${randomUUID().slice(0, 6)}`;
    const inquiry = await fetch(`${server.url}/v1/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': CHROME_UA, 'x-forwarded-for': freshIp() },
      body: JSON.stringify({ site: siteKey, id: randomUUID(), visitor, email: 'linked@example.com', message: 'Hi', consent: true }),
    });
    expect(inquiry.status).toBe(202);
    const [lead] = await server.sql<any>("select lead_id from leads where email = 'linked@example.com'");
    await server.sql('update leads set needs_rescore = false, last_activity_at = null where lead_id = $1', [lead.lead_id]);

    const ts = Date.now() - 1000;
    const res = await collect(batch({ visitor }, [event({ ts }), event({ type: 'tool_interaction', value: 'mortgage_calculator', ts: ts - 500 })]));
    expect(res.status).toBe(202);
    const rows = await server.sql<any>('select lead_id from lead_analytics where visitor_id = $1', [visitor]);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.lead_id === lead.lead_id)).toBe(true);
    const [after] = await server.sql<any>('select needs_rescore, last_activity_at from leads where lead_id = $1', [lead.lead_id]);
    expect(after.needs_rescore).toBe(true);
    expect(after.last_activity_at.getTime()).toBe(ts);
  });

  it('an identify event finds or creates the lead like an inquiry, links the visitor and stores no contact data in events', async () => {
    const visitor = `v_ident_${randomUUID().slice(0, 6)}`;
    expect((await collect(batch({ visitor }))).status).toBe(202); // earlier anonymous event
    const before = await counts();
    const body = batch({ visitor }, [
      event(),
      event({ type: 'identify', props: { email: '  Casey@Example.COM ', name: 'Casey Jones', phone: '+1 (555) 010-0101' } }),
    ]);
    expect((await collect(body)).status).toBe(202);
    const after = await counts();
    expect(after.leads - before.leads).toBe(1);
    expect(after.inquiries).toBe(before.inquiries);

    const [lead] = await server.sql<any>("select lead_id, name, email, phone, contact_info, site_id, status, needs_rescore from leads where email = 'casey@example.com'");
    expect(lead).toMatchObject({ name: 'Casey Jones', phone: '+15550100101', contact_info: 'casey@example.com · +15550100101', site_id: siteId, status: 'new', needs_rescore: true });
    const [v] = await server.sql<any>('select lead_id, stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, visitor]);
    expect(v).toEqual({ lead_id: lead.lead_id, stitched_at: null });
    const rows = await server.sql<any>('select event_type, lead_id, props, event_value from lead_analytics where client_event_id = any($1::uuid[])', [body.events.map((e: any) => e.id)]);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.lead_id === lead.lead_id)).toBe(true);
    expect(rows.find((r) => r.event_type === 'identify')).toEqual({ event_type: 'identify', lead_id: lead.lead_id, props: null, event_value: null });
    expect(JSON.stringify(await server.sql('select * from lead_analytics where visitor_id = $1', [visitor]))).not.toContain('casey');
    // The earlier anonymous event waits for the stitch job, which is queued under a deterministic id.
    expect(await server.sql('select 1 from lead_analytics where visitor_id = $1 and lead_id is null', [visitor])).toHaveLength(1);
    const job = await server.queues.leads.getJob(JOBS.stitchVisitor.jobId({ siteId, visitorId: visitor }));
    expect(job?.data).toEqual({ siteId, visitorId: visitor });

    // Identifying again with the same email (another visitor) attaches to the same lead.
    expect((await collect(batch({}, [event({ type: 'identify', props: { email: 'casey@example.com' } })]))).status).toBe(202);
    expect((await counts()).leads).toBe(after.leads);
  });
});

describe('POST /v1/collect drops silently', () => {
  it('drops a known bot with 202 and stores nothing', async () => {
    const before = await counts();
    for (const ua of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'python-requests/2.31.0', '']) {
      const res = await collect(batch(), { ua });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true });
    }
    expect(await counts()).toEqual(before);
  });

  it('keeps HeadlessChrome (tests and QA tools use it)', async () => {
    const body = batch();
    expect((await collect(body, { ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36' })).status).toBe(202);
    expect(await server.sql('select 1 from lead_analytics where client_event_id = $1', [body.events[0].id])).toHaveLength(1);
  });

  it('honours DNT for anonymous visitors when the site respects it, and only then', async () => {
    const before = await counts();
    const res = await collect(batch({ dnt: true }, [event(), event({ type: 'tool_interaction', value: 'mortgage_calculator' })]));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    expect(await counts()).toEqual(before);

    // A site that opts out of DNT stores the events.
    const optOut = await createSite({ name: 'No DNT', allowedOrigins: [ORIGIN] });
    expect((await owner.patch(`/v1/sites/${optOut.siteId}`, { settings: { respectDnt: false } })).status).toBe(200);
    const body = batch({ site: optOut.publicKey, dnt: true });
    expect((await collect(body)).status).toBe(202);
    expect(await server.sql('select 1 from lead_analytics where client_event_id = $1', [body.events[0].id])).toHaveLength(1);
  });

  it('stores DNT events of a visitor who identified themselves', async () => {
    const visitor = `v_dnt_${randomUUID().slice(0, 6)}`;
    expect((await collect(batch({ visitor, dnt: true }, [event({ type: 'identify', props: { email: 'dnt-person@example.com' } })]))).status).toBe(202);
    const body = batch({ visitor, dnt: true });
    expect((await collect(body)).status).toBe(202);
    const [row] = await server.sql<any>('select lead_id from lead_analytics where client_event_id = $1', [body.events[0].id]);
    expect(row.lead_id).toBeTruthy();
  });
});

describe('POST /v1/collect refuses bad input with a clear 4xx and stores nothing', () => {
  const big = (n: number) => 'x'.repeat(n);
  const cases: Array<[string, () => { body?: unknown; opts?: IngestOptions }, number, string, string?]> = [
    ['malformed JSON', () => ({ opts: { raw: '{"site": "pk_x", "events": [' } }), 400, 'invalid_json'],
    ['an empty body', () => ({ opts: { raw: '' } }), 400, 'invalid_json'],
    ['a JSON array', () => ({ opts: { raw: '[]' } }), 400, 'validation_failed', ''],
    ['multipart/form-data', () => ({ opts: { raw: '--b\r\nContent-Disposition: form-data; name="site"\r\n\r\npk_x\r\n--b--', contentType: 'multipart/form-data; boundary=b' } }), 415, 'unsupported_media_type'],
    ['form-urlencoded', () => ({ opts: { raw: 'site=pk_x&visitor=v', contentType: 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
    ['a body over 32 KB', () => ({ body: batch({}, [event({ props: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, big(499)])) }), ...Array.from({ length: 4 }, () => event({ props: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, big(499)])) }))]) }), 413, 'payload_too_large'],
    ['51 events', () => ({ body: batch({}, Array.from({ length: 51 }, () => ({ id: randomUUID(), type: 'page_view' }))) }), 400, 'validation_failed', 'events'],
    ['no events', () => ({ body: batch({}, []) }), 400, 'validation_failed', 'events'],
    ['an unknown site key', () => ({ body: batch({ site: 'pk_doesnotexist000000000' }) }), 404, 'not_found'],
    ['a malformed site key', () => ({ body: batch({ site: 'sk_live_123' }) }), 400, 'validation_failed', 'site'],
    ['an origin that is not allowed', () => ({ body: batch(), opts: { origin: 'https://evil.example' } }), 403, 'forbidden'],
    ['no Origin header', () => ({ body: batch(), opts: { origin: null } }), 403, 'forbidden'],
    ['Origin: null', () => ({ body: batch(), opts: { origin: 'null' } }), 403, 'forbidden'],
    ['an upper-case event type', () => ({ body: batch({}, [event({ type: 'PageView' })]) }), 400, 'validation_failed', 'events.0.type'],
    ['an event type starting with a digit', () => ({ body: batch({}, [event({ type: '1st_visit' })]) }), 400, 'validation_failed', 'events.0.type'],
    ['an event type with a dash', () => ({ body: batch({}, [event({ type: 'page-view' })]) }), 400, 'validation_failed', 'events.0.type'],
    ['an event type of 41 characters', () => ({ body: batch({}, [event({ type: `a${big(40)}` })]) }), 400, 'validation_failed', 'events.0.type'],
    ['a 501-character value', () => ({ body: batch({}, [event({ value: big(501) })]) }), 400, 'validation_failed', 'events.0.value'],
    ['a 201-character listing', () => ({ body: batch({}, [event({ listing: big(201) })]) }), 400, 'validation_failed', 'events.0.listing'],
    ['a 2049-character URL', () => ({ body: batch({}, [event({ url: `${ORIGIN}/${big(2049 - ORIGIN.length - 1)}` })]) }), 400, 'validation_failed', 'events.0.url'],
    ['a javascript: URL', () => ({ body: batch({}, [event({ url: 'javascript:alert(1)' })]) }), 400, 'validation_failed', 'events.0.url'],
    ['a NUL character in a value', () => ({ body: batch({}, [event({ value: 'a\u0000b' })]) }), 400, 'validation_failed', 'events.0.value'],
    ['an escape character in a listing', () => ({ body: batch({}, [event({ listing: 'oak\u001b[31m' })]) }), 400, 'validation_failed', 'events.0.listing'],
    ['a newline in a prop value', () => ({ body: batch({}, [event({ props: { note: 'a\nb' } })]) }), 400, 'validation_failed', 'events.0.props.note'],
    ['a C1 control character in a prop key', () => ({ body: batch({}, [event({ props: { 'a\u0085': 1 } })]) }), 400, 'validation_failed', 'events.0.props.a\u0085'],
    ['a lone surrogate', () => ({ opts: { raw: JSON.stringify(batch({}, [event({ value: 'PLACEHOLDER' })])).replace('PLACEHOLDER', '\\ud800') } }), 400, 'validation_failed', 'events.0.value'],
    ['21 props', () => ({ body: batch({}, [event({ props: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) })]) }), 400, 'validation_failed', 'events.0.props'],
    ['a nested prop value', () => ({ body: batch({}, [event({ props: { nested: { a: 1 } } })]) }), 400, 'validation_failed', 'events.0.props.nested'],
    ['a __proto__ key', () => ({ opts: { raw: `{"site":"${siteKey}","visitor":"v1","events":[{"id":"${randomUUID()}","type":"page_view","props":{"__proto__":{"admin":true}}}]}` } }), 400, 'bad_request'],
    ['a __proto__ key spelled with a \\u escape', () => ({ opts: { raw: `{"site":"${siteKey}","visitor":"v1","events":[{"id":"${randomUUID()}","type":"page_view","props":{"\\u005f_proto__":{"admin":true}}}]}` } }), 400, 'bad_request'],
    ['a constructor key', () => ({ opts: { raw: `{"site":"${siteKey}","visitor":"v1","events":[{"id":"${randomUUID()}","type":"page_view","props":{"constructor":{"admin":true}}}]}` } }), 400, 'bad_request'],
    ['a constructor key', () => ({ opts: { raw: `{"site":"${siteKey}","visitor":"v1","constructor":{"prototype":{}},"events":[{"id":"${randomUUID()}","type":"page_view"}]}` } }), 400, 'bad_request'],
    ['a malformed visitor id', () => ({ body: batch({ visitor: 'v 1; drop table' }) }), 400, 'validation_failed', 'visitor'],
    ['a 65-character visitor id', () => ({ body: batch({ visitor: big(65) }) }), 400, 'validation_failed', 'visitor'],
    ['a malformed event id', () => ({ body: batch({}, [event({ id: 'not-a-uuid' })]) }), 400, 'validation_failed', 'events.0.id'],
    ['a string timestamp', () => ({ body: batch({}, [event({ ts: '2024-01-01' })]) }), 400, 'validation_failed', 'events.0.ts'],
    ['identify with an invalid email (the whole batch)', () => ({ body: batch({}, [event(), event({ type: 'identify', props: { email: 'not-an-email' } })]) }), 400, 'validation_failed', 'events.1.props.email'],
    ['identify with an invalid phone', () => ({ body: batch({}, [event({ type: 'identify', props: { phone: '12345' } })]) }), 400, 'validation_failed', 'events.0.props.phone'],
    ['identify without email or phone', () => ({ body: batch({}, [event({ type: 'identify', props: { name: 'Nobody' } })]) }), 400, 'validation_failed', 'events.0.props.email'],
  ];

  it.each(cases)('refuses %s', async (_name, make, status, code, path) => {
    const before = await counts();
    const { body, opts } = make();
    const res = await collect(body, opts);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    if (path !== undefined) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('refuses a disabled site with 403 and stores nothing', async () => {
    const site = await createSite({ name: 'Disabled', allowedOrigins: [ORIGIN] });
    expect((await owner.patch(`/v1/sites/${site.siteId}`, { enabled: false })).status).toBe(200);
    const before = await counts();
    const res = await collect(batch({ site: site.publicKey }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(res.body.error.message).toMatch(/disabled/);
    expect(await counts()).toEqual(before);
  });

  it('lets an allowed origin read its error, and never echoes an unknown origin', async () => {
    const allowed = await collect(batch({}, [event({ type: 'Bad' })]));
    expect(allowed.status).toBe(400);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const unknown = await collect(batch({}, [event({ type: 'Bad' })]), { origin: 'https://evil.example' });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('access-control-allow-origin')).toBeNull();
    const forbidden = await collect(batch(), { origin: 'https://evil.example' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS preflight', () => {
  for (const path of ['/v1/collect', '/v1/inquiries']) {
    it(`answers OPTIONS ${path} for an allowed origin and refuses others`, async () => {
      const ok = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
      expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      expect(Number(ok.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      expect(ok.headers.get('vary')).toMatch(/origin/i);

      const bad = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect(bad.status).toBe(403);
      expect(bad.headers.get('access-control-allow-origin')).toBeNull();
      expect((await bad.json()).error.code).toBe('forbidden');
    });
  }
});

describe('rate limits', () => {
  const fullBatch = (site = siteKey) => batch({ site }, Array.from({ length: 50 }, () => ({ id: randomUUID(), type: 'page_view' })));
  /**
   * The limits count in fixed one-minute windows (aligned on the clock's minutes): a burst that
   * straddled a minute boundary would be split across two windows and never reach the limit.
   * With less than 20 s left in this minute, start at the next one.
   */
  const startOfRoomyWindow = async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
  };

  it(`answers 429 with Retry-After once an IP has sent ${COLLECT_EVENTS_PER_IP_PER_MIN} events in a minute, storing nothing more`, async () => {
    const ip = freshIp();
    await startOfRoomyWindow();
    for (let i = 0; i < COLLECT_EVENTS_PER_IP_PER_MIN / 50; i++) expect((await collect(fullBatch(), { ip })).status).toBe(202);
    const before = await counts();
    const res = await collect(fullBatch(), { ip });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await counts()).toEqual(before);
    // Another IP is not affected.
    expect((await collect(batch())).status).toBe(202);
  });

  /** Sends `batches` full batches of page views to `site`, ten at a time, each from a fresh IP; returns their statuses. */
  const sendFullBatches = async (batches: number, site: string, opts: IngestOptions = {}) => {
    const statuses: number[] = [];
    for (let i = 0; i < batches; i += 10) {
      const results = await Promise.all(Array.from({ length: Math.min(10, batches - i) }, () => collect(fullBatch(site), opts)));
      statuses.push(...results.map((r) => r.status));
    }
    return statuses;
  };
  /** Spends the site's whole per-minute budget with accepted beacons from many IPs. */
  const spendSiteBudget = async (site: string) => {
    const statuses = await sendFullBatches(COLLECT_EVENTS_PER_SITE_PER_MIN / 50, site);
    expect(statuses).toEqual(statuses.map(() => 202));
  };

  it(`answers 429 once a site has received ${COLLECT_EVENTS_PER_SITE_PER_MIN} events in a minute, whatever the IPs`, async () => {
    const site = await createSite({ name: 'Busy', allowedOrigins: [ORIGIN] });
    await startOfRoomyWindow();
    await spendSiteBudget(site.publicKey);
    const res = await collect(fullBatch(site.publicKey));
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const [row] = await server.sql<any>('select count(*)::int as n from lead_analytics where site_id = $1', [site.siteId]);
    expect(row.n).toBe(COLLECT_EVENTS_PER_SITE_PER_MIN);
  });

  // The site key is public: strangers from a few addresses can spend a site's budget every minute.
  // The leads its own form makes (identify) must still get through, as inquiries do (docs/inquiry-flood.md).
  it('past the site\'s budget, a beacon of page views alone is refused and stores nothing, while one with an identify answers 202, creates its lead and stores only its identify event', async () => {
    const site = await createSite({ name: 'Flooded', allowedOrigins: [ORIGIN] });
    await startOfRoomyWindow();
    await spendSiteBudget(site.publicKey);
    const eventsOfSite = async () => (await server.sql<any>('select count(*)::int as n from lead_analytics where site_id = $1', [site.siteId]))[0].n;
    expect(await eventsOfSite()).toBe(COLLECT_EVENTS_PER_SITE_PER_MIN);

    const before = await counts();
    const views = await collect(batch({ site: site.publicKey }, [event(), event()]));
    expect(views.status).toBe(429);
    expect(views.body.error.code).toBe('rate_limited');
    expect(Number(views.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await counts()).toEqual(before);

    const email = `flooded-${randomUUID().slice(0, 8)}@example.com`;
    const body = batch({ site: site.publicKey }, [event(), event({ type: 'identify', props: { email, name: 'Robin Flood' } })]);
    const identified = await collect(body);
    expect(identified.status, identified.text).toBe(202);
    const [lead] = await server.sql<any>('select lead_id, site_id from leads where email = $1', [email]);
    expect(lead).toEqual({ lead_id: expect.any(String), site_id: site.siteId });
    const rows = await server.sql<any>('select client_event_id, event_type, lead_id from lead_analytics where visitor_id = $1', [body.visitor]);
    expect(rows).toEqual([{ client_event_id: body.events[1].id, event_type: 'identify', lead_id: lead.lead_id }]);
    expect(await eventsOfSite()).toBe(COLLECT_EVENTS_PER_SITE_PER_MIN + 1);
    // The identify spent nothing, and its dropped page view got no way through: page views alone are still refused.
    expect((await collect(batch({ site: site.publicKey }))).status).toBe(429);
    expect(await eventsOfSite()).toBe(COLLECT_EVENTS_PER_SITE_PER_MIN + 1);
  });

  it('beacons refused for a foreign Origin or an unknown key spend nothing of the site\'s budget', async () => {
    const site = await createSite({ name: 'Targeted', allowedOrigins: [ORIGIN] });
    await startOfRoomyWindow();
    // More than a whole budget's worth of each; every one is answered for what it is (never 429).
    const batches = COLLECT_EVENTS_PER_SITE_PER_MIN / 50 + 10;
    expect(await sendFullBatches(batches, site.publicKey, { origin: 'https://evil.example' })).toEqual(Array.from({ length: batches }, () => 403));
    expect(await sendFullBatches(10, 'pk_doesnotexist000000000')).toEqual(Array.from({ length: 10 }, () => 404));
    expect((await server.sql<any>('select count(*)::int as n from lead_analytics where site_id = $1', [site.siteId]))[0].n).toBe(0);

    // The site's visitors are still served: the whole budget is left.
    await spendSiteBudget(site.publicKey);
    expect((await server.sql<any>('select count(*)::int as n from lead_analytics where site_id = $1', [site.siteId]))[0].n).toBe(COLLECT_EVENTS_PER_SITE_PER_MIN);
  });
});

describe('OpenAPI', () => {
  it('describes the ingest endpoints with text/plain bodies', async () => {
    const doc = (await owner.get('/v1/openapi.json')).body;
    expect(doc.paths['/v1/collect'].post.requestBody.content['text/plain']).toBeTruthy();
    expect(doc.paths['/v1/inquiries'].post.responses['202']).toBeTruthy();
  });
});
