// The realtor's leads API over real HTTP, Postgres and Redis: keyset pages, filters and search,
// create/read/update/erase, manual inquiries, the timeline, the CSV export, tenant isolation and
// bad input. Assertions read both the HTTP answer and the rows in Postgres.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '#core/jobs/jobs.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { waitFor } from '#test/wait.ts';

let server: TestServer;

/** Every answer with a 5xx, so `afterEach` can fail the test that caused it. */
const serverErrors: string[] = [];

/** ApiClient that records 5xx answers (bad input must never reach one). */
class Client extends ApiClient {
  override async request<T = any>(method: string, path: string, opts: Parameters<ApiClient['request']>[2] = {}): Promise<HttpResult<T>> {
    const res = await super.request<T>(method, path, opts);
    if (res.status >= 500) serverErrors.push(`${method} ${path.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    return res;
  }
}

async function newUser(): Promise<{ client: Client; userId: string }> {
  const client = new Client(server.url);
  const { userId } = await client.signUp();
  return { client, userId };
}

async function createSite(client: Client, name: string): Promise<string> {
  const res = await client.post('/v1/sites', { name, allowedOrigins: ['https://homes.example'] });
  expect(res.status).toBe(201);
  return res.body.siteId;
}

type LeadSeed = Partial<{
  name: string | null; email: string | null; phone: string | null; contact_info: string | null; status: string; score: number;
  score_band: string; site_id: string | null; created_at: string | Date; last_activity_at: string | Date | null; score_breakdown: unknown;
}>;

/** Inserts one lead row directly (for states the API cannot produce by itself: scores, times). */
async function insertLead(userId: string, seed: LeadSeed = {}): Promise<string> {
  const row: Record<string, unknown> = { name: `Lead ${randomUUID().slice(0, 8)}`, status: 'new', score: 0, score_band: 'cold', ...seed };
  if (row.score_breakdown !== undefined) row.score_breakdown = JSON.stringify(row.score_breakdown);
  const cols = Object.keys(row);
  const [inserted] = await server.sql<{ lead_id: string }>(
    `insert into leads (lead_id, user_id, ${cols.join(', ')}) values (gen_random_uuid(), $1, ${cols.map((_, i) => `$${i + 2}`).join(', ')}) returning lead_id`,
    [userId, ...cols.map((c) => row[c])],
  );
  return inserted.lead_id;
}

/**
 * `n` leads for `userId` with heavy ties: scores 0/10/20/30/40 (so every score is shared by n/5
 * leads), three created_at instants with microseconds, and last_activity_at missing on a third.
 */
async function seedTiedLeads(userId: string, n: number, siteId: string | null = null): Promise<void> {
  await server.sql(
    `insert into leads (lead_id, user_id, site_id, name, email, status, score, score_band, created_at, updated_at, last_activity_at)
     select gen_random_uuid(), $1, $2, 'Tied ' || g, 'tied' || g || '@example.com',
            (array['new','contacted','qualified','client','lost'])[1 + g % 5],
            (g % 5) * 10 + case when g % 7 = 0 then 30 else 0 end,
            case when (g % 5) * 10 + case when g % 7 = 0 then 30 else 0 end >= 60 then 'hot'
                 when (g % 5) * 10 + case when g % 7 = 0 then 30 else 0 end >= 25 then 'warm' else 'cold' end,
            '2026-01-01 10:00:00.123456+00'::timestamptz + (g % 3) * interval '1 microsecond',
            now(),
            case when g % 3 = 0 then null else '2026-02-01 00:00:00.000001+00'::timestamptz + (g % 4) * interval '1 minute' end
     from generate_series(1, $3::int) g`,
    [userId, siteId, n],
  );
}

/** Follows nextCursor to the end; returns every lead id in the order served. */
async function walkLeads(client: Client, query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const res: HttpResult = await client.get(`/v1/leads?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...res.body.items.map((l: { leadId: string }) => l.leadId));
    cursor = res.body.nextCursor;
    if (!cursor) return ids;
    expect(res.body.items).toHaveLength(limit);
  }
  throw new Error('pagination did not end');
}

function cursorOf(parts: unknown): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** RFC 4180 parser (quoted cells, doubled quotes, CRLF records) for reading exports. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && cell === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted cell');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text.slice(i, i + 2) !== '\r\n') throw new Error(`garbage after quoted cell at ${i}`);
      continue;
    }
    if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      if (c === '\r' || c === '\n') throw new Error(`bare line break outside quotes at ${i}`);
      cell += c;
      i++;
    }
  }
  if (cell !== '' || row.length) throw new Error('last record has no CRLF');
  return rows;
}

async function fetchCsv(client: Client, query: string) {
  const headers: Record<string, string> = {};
  if (client.cookie) headers.cookie = client.cookie;
  if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
  const res = await fetch(`${server.url}/v1/leads/export.csv${query ? `?${query}` : ''}`, { headers });
  // Keep the BOM (Response.text() would strip it).
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  if (res.status >= 500) serverErrors.push(`GET export.csv?${query} → ${res.status}`);
  return { status: res.status, headers: res.headers, text };
}

/** The export as records keyed by header, without the BOM. */
function csvRecords(text: string): Array<Record<string, string>> {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header, ...rows] = parseCsv(text.slice(1));
  return rows.map((r) => {
    expect(r).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, r[i]]));
  });
}

async function leadRow(leadId: string) {
  const [row] = await server.sql<Record<string, unknown>>('select * from leads where lead_id = $1', [leadId]);
  return row;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  const seen = serverErrors.splice(0);
  expect(seen, 'no request may answer 5xx').toEqual([]);
});
afterAll(async () => {
  await server?.close();
});

describe('GET /v1/leads — keyset pages', () => {
  let agent: Client;
  let userId: string;
  const N = 250;

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
    await seedTiedLeads(userId, N);
  });

  const sorts = [
    { sort: 'score', order: 'score desc, lead_id desc' },
    { sort: 'created', order: 'created_at desc, lead_id desc' },
    { sort: 'last_activity', order: 'last_activity_at desc nulls last, lead_id desc' },
  ] as const;

  for (const { sort, order } of sorts) {
    it(`walks all ${N} leads sorted by ${sort} with many ties: no duplicates, no gaps, in order, at every page size`, async () => {
      const expected = (await server.sql<{ lead_id: string }>(`select lead_id from leads where user_id = $1 order by ${order}`, [userId])).map((r) => r.lead_id);
      expect(expected).toHaveLength(N);
      for (const limit of [1, 7, 50, 83, 100]) {
        const ids = await walkLeads(agent, `sort=${sort}`, limit);
        expect(new Set(ids).size, `limit ${limit}: duplicates`).toBe(ids.length);
        expect(ids, `limit ${limit}`).toEqual(expected);
      }
    });
  }

  it('sorts by score by default, and the page items carry the lead fields', async () => {
    const res = await agent.get('/v1/leads');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(50);
    expect(typeof res.body.nextCursor).toBe('string');
    const scores = res.body.items.map((l: { score: number }) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(Object.keys(res.body.items[0]).sort()).toEqual(
      ['contactInfo', 'createdAt', 'email', 'lastActivityAt', 'leadId', 'name', 'phone', 'score', 'scoreBand', 'scoreBreakdown', 'scoredAt', 'siteId', 'status', 'updatedAt'].sort(),
    );
    expect(res.body.items[0].createdAt).toMatch(/^2026-01-01T10:00:00\.123Z$/);
  });

  it('a lead inserted mid-walk neither duplicates nor hides the rows already promised', async () => {
    const first = await agent.get('/v1/leads?sort=score&limit=60');
    const seen = first.body.items.map((l: { leadId: string }) => l.leadId);
    // A new top-scored lead sorts before the cursor: it must not push earlier rows into the next page.
    const newcomer = await insertLead(userId, { score: 99, score_band: 'hot' });
    const rest = [];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const res = await agent.get(`/v1/leads?sort=score&limit=60&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...res.body.items.map((l: { leadId: string }) => l.leadId));
      cursor = res.body.nextCursor;
    }
    const all = [...seen, ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(N);
    expect(all).not.toContain(newcomer);
    await server.sql('delete from leads where lead_id = $1', [newcomer]);
  });

  it('walks a filtered list (band, status) with a cursor and returns exactly the matching rows', async () => {
    for (const [query, where] of [
      ['band=warm', "score_band = 'warm'"],
      ['band=hot&sort=created', "score_band = 'hot'"],
      ['status=qualified&sort=last_activity', "status = 'qualified'"],
      ['band=cold&status=new', "score_band = 'cold' and status = 'new'"],
    ] as const) {
      const sort = /sort=(\w+)/.exec(query)?.[1] ?? 'score';
      const order = sorts.find((s) => s.sort === sort)!.order;
      const expected = (await server.sql<{ lead_id: string }>(`select lead_id from leads where user_id = $1 and ${where} order by ${order}`, [userId])).map((r) => r.lead_id);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(await walkLeads(agent, query, 9), query).toEqual(expected);
    }
  });

  it('a cursor from one sort is refused (400) by another', async () => {
    const page = await agent.get('/v1/leads?sort=score&limit=5');
    const res = await agent.get(`/v1/leads?sort=created&cursor=${page.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'cursor' }] });
  });
});

describe('GET /v1/leads — filters and search', () => {
  let agent: Client;
  let userId: string;
  let siteA: string;
  let siteB: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
    siteA = await createSite(agent, 'Oak Realty');
    siteB = await createSite(agent, 'Maple Homes');
    const seeds: Record<string, LeadSeed> = {
      percent: { name: '100% Pure Homes', email: 'pure@example.com', site_id: siteA, score: 70, score_band: 'hot', status: 'contacted' },
      underscore: { name: 'snake_case buyer', email: 'snake@example.com', site_id: siteA, score: 30, score_band: 'warm' },
      obrien: { name: "Siobhán O'Brien", email: 'obrien@corp.example', site_id: siteB, score: 65, score_band: 'hot', status: 'qualified' },
      quoted: { name: 'Say "hi" Smith', email: 'quoted@example.com', phone: '+15550100199', site_id: siteB, score: 10 },
      backslash: { name: 'Back\\slash', email: 'back@corp.example', phone: '5550100777', score: 26, score_band: 'warm', status: 'lost' },
      plain: { name: 'Percy Underwood', email: 'percy@example.com', phone: '4420794609', score: 5 },
    };
    for (const [key, seed] of Object.entries(seeds)) ids[key] = await insertLead(userId, seed);
  });

  async function names(query: string): Promise<string[]> {
    const res = await agent.get(`/v1/leads?${query}`);
    expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.items.map((l: { leadId: string }) => Object.entries(ids).find(([, id]) => id === l.leadId)?.[0] ?? l.leadId).sort();
  }

  it('filters by band, status and site, alone and together; empty parameters mean no filter', async () => {
    expect(await names('band=hot')).toEqual(['obrien', 'percent']);
    expect(await names('band=warm')).toEqual(['backslash', 'underscore']);
    expect(await names('band=cold')).toEqual(['plain', 'quoted']);
    expect(await names('status=lost')).toEqual(['backslash']);
    expect(await names('status=client')).toEqual([]);
    expect(await names(`site=${siteA}`)).toEqual(['percent', 'underscore']);
    expect(await names(`site=${siteB}&band=hot`)).toEqual(['obrien']);
    expect(await names(`site=${siteB}&band=hot&status=new`)).toEqual([]);
    expect(await names('band=&status=&site=&q=')).toHaveLength(6);
  });

  it('searches name, email and phone case-insensitively', async () => {
    expect(await names('q=pure')).toEqual(['percent']);
    expect(await names('q=PERCY')).toEqual(['plain']);
    expect(await names('q=corp.example')).toEqual(['backslash', 'obrien']);
    expect(await names('q=siobh%C3%A1n')).toEqual(['obrien']);
    // Phones are stored as digits: a formatted query matches by its digits.
    expect(await names(`q=${encodeURIComponent('(555) 010-0199')}`)).toEqual(['quoted']);
    expect(await names('q=0100777')).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent('+1555')}`)).toEqual(['quoted']);
  });

  it('treats % _ \\ quotes and SQL as literal text', async () => {
    expect(await names(`q=${encodeURIComponent('%')}`)).toEqual(['percent']);
    expect(await names(`q=${encodeURIComponent('0% P')}`)).toEqual(['percent']);
    expect(await names(`q=${encodeURIComponent('_')}`)).toEqual(['underscore']);
    expect(await names(`q=${encodeURIComponent('\\')}`)).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent('k\\s')}`)).toEqual(['backslash']);
    expect(await names(`q=${encodeURIComponent("o'brien")}`)).toEqual(['obrien']);
    expect(await names(`q=${encodeURIComponent('"hi"')}`)).toEqual(['quoted']);
    expect(await names(`q=${encodeURIComponent("'; delete from leads; --")}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('?')}`)).toEqual([]);
    expect(await names(`q=${encodeURIComponent('$1')}`)).toEqual([]);
    expect((await server.sql('select 1 from leads where user_id = $1', [userId])).length).toBe(6);
  });

  it('combines search with filters and pages through the matches', async () => {
    expect(await names('q=example&band=hot')).toEqual(['obrien', 'percent']);
    expect(await names(`q=example&site=${siteB}`)).toEqual(['obrien', 'quoted']);
    const page1 = await agent.get('/v1/leads?q=example&limit=4');
    expect(page1.body.items).toHaveLength(4);
    const page2 = await agent.get(`/v1/leads?q=example&limit=4&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('refuses unknown filter values and parameters with 400 naming them', async () => {
    for (const [query, path] of [
      ['band=lukewarm', 'band'], ['status=archived', 'status'], ['sort=name', 'sort'], ['sort=-score', 'sort'],
      ['site=not-a-uuid', 'site'], ['foo=1', ''], ['band=hot&band=warm', 'band'],
    ] as const) {
      const res = await agent.get(`/v1/leads?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
  });
});

describe('POST /v1/leads, GET and PATCH /v1/leads/:id', () => {
  let agent: Client;
  let userId: string;
  let siteId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
    siteId = await createSite(agent, 'Birch Realty');
  });

  it('creates a lead by hand (201) with normalised contact data, stored as sent', async () => {
    const res = await agent.post('/v1/leads', { name: '  Dana Whitaker ', email: ' Dana.W@Example.COM ', phone: '+1 (555) 010-0142', siteId, status: 'contacted' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Dana Whitaker', email: 'dana.w@example.com', phone: '+15550100142', contactInfo: 'dana.w@example.com · +15550100142',
      status: 'contacted', score: 0, scoreBand: 'cold', scoreBreakdown: null, siteId, lastActivityAt: null, scoredAt: null,
    });
    const row = await leadRow(res.body.leadId);
    expect(row).toMatchObject({ user_id: userId, site_id: siteId, name: 'Dana Whitaker', email: 'dana.w@example.com', phone: '+15550100142', status: 'contacted', score: 0, score_band: 'cold', needs_rescore: false });
    expect((row.created_at as Date).toISOString()).toBe(res.body.createdAt);

    const minimal = await agent.post('/v1/leads', { name: 'Walk-in at open house' });
    expect(minimal.status).toBe(201);
    expect(minimal.body).toMatchObject({ name: 'Walk-in at open house', email: null, phone: null, contactInfo: null, status: 'new', siteId: null });
  });

  it('answers 409 naming the existing lead for a duplicate email or phone (however written), and writes nothing', async () => {
    const first = await agent.post('/v1/leads', { name: 'Original', email: 'dup@example.com', phone: '555-010-0300' });
    expect(first.status).toBe(201);
    const before = await server.sql('select lead_id from leads where user_id = $1', [userId]);
    const byEmail = await agent.post('/v1/leads', { name: 'Copy', email: 'DUP@example.com' });
    expect(byEmail.status).toBe(409);
    expect(byEmail.body.error).toMatchObject({ code: 'conflict', details: [{ path: 'email', leadId: first.body.leadId }] });
    const byPhone = await agent.post('/v1/leads', { name: 'Copy', phone: '(555) 010 0300' });
    expect(byPhone.status).toBe(409);
    expect(byPhone.body.error.details).toEqual([expect.objectContaining({ path: 'phone', leadId: first.body.leadId })]);
    expect(await server.sql('select lead_id from leads where user_id = $1', [userId])).toHaveLength(before.length);
  });

  it('two concurrent creates with one email: one 201, one 409, one row', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => agent.post('/v1/leads', { name: `Racer ${n}`, email: 'race@example.com' })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await server.sql("select 1 from leads where email = 'race@example.com'")).toHaveLength(1);
  });

  it('validates the body: 400 with paths for bad fields, unknown keys, nothing to reach; 404 for a foreign site', async () => {
    for (const [body, path] of [
      [{}, 'name'],
      [{ name: '', email: '', phone: '' }, 'name'],
      [{ email: 'not-an-email' }, 'email'],
      [{ phone: '12' }, 'phone'],
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
    expect(await server.sql("select 1 from leads where user_id = $1 and name = 'Ok'", [userId])).toHaveLength(0);
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
    const leadId = await insertLead(userId, { name: 'Scored', score: 49, score_band: 'warm', score_breakdown: breakdown, last_activity_at: '2026-03-01T11:59:00.5Z' });
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
      expect((await leadRow(created.leadId)).status).toBe(status);
    }
    const renamed = await agent.patch(`/v1/leads/${created.leadId}`, { name: ' Samuel Lee ', phone: '555 010 0400', email: 'SAMUEL@example.com' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Samuel Lee', phone: '5550100400', email: 'samuel@example.com', contactInfo: 'samuel@example.com · 5550100400' });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));

    const custom = await agent.patch(`/v1/leads/${created.leadId}`, { contactInfo: 'Call after 6pm, ask for Sam' });
    expect(custom.body.contactInfo).toBe('Call after 6pm, ask for Sam');
    // A hand-written contact_info is the realtor's: changing the email leaves it alone.
    const emailOnly = await agent.patch(`/v1/leads/${created.leadId}`, { email: 'sam.lee@example.com' });
    expect(emailOnly.body).toMatchObject({ email: 'sam.lee@example.com', contactInfo: 'Call after 6pm, ask for Sam' });
    const cleared = await agent.patch(`/v1/leads/${created.leadId}`, { phone: null, contactInfo: null });
    expect(cleared.body).toMatchObject({ phone: null, contactInfo: null });
    expect(await leadRow(created.leadId)).toMatchObject({ name: 'Samuel Lee', email: 'sam.lee@example.com', phone: null, contact_info: null, status: 'new' });
  });

  it('refuses bad updates with 400 (invalid status, unknown keys, no way left to identify) or 409, changing nothing', async () => {
    const lead = (await agent.post('/v1/leads', { name: 'Keep Me', email: 'keep@example.com' })).body;
    const other = (await agent.post('/v1/leads', { name: 'Other', email: 'other@example.com', phone: '5550100500' })).body;
    const before = await leadRow(lead.leadId);
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
    expect(await leadRow(lead.leadId)).toEqual(before);
  });
});

describe('DELETE /v1/leads/:id — erasure', () => {
  it('erases the lead, its inquiries, events, reminders, visitor links and webhook messages; other leads keep theirs', async () => {
    const { client: agent, userId } = await newUser();
    const siteId = await createSite(agent, 'Erasure Realty');
    const [target, keeper] = [await insertLead(userId, { name: 'Forget Me', email: 'forget@example.com', site_id: siteId }), await insertLead(userId, { name: 'Keep Me', site_id: siteId })];

    async function seedActivity(leadId: string, visitor: string) {
      await server.sql('insert into visitors (site_id, visitor_id, lead_id) values ($1, $2, $3)', [siteId, visitor, leadId]);
      await server.sql(
        `insert into lead_analytics (analytic_id, lead_id, event_type, event_value, site_id, visitor_id, listing_ref)
         select gen_random_uuid(), case when g <= 3 then $1::uuid else null end, 'page_view', '/listings/oak-12', $2, $3, 'oak-12' from generate_series(1, 5) g`,
        [leadId, siteId, visitor],
      );
      await server.sql("insert into inquiries (inquiry_id, lead_id, message, source) values (gen_random_uuid(), $1, 'Hello', 'manual'), (gen_random_uuid(), $1, 'Again', 'manual')", [leadId]);
      await server.sql(
        "insert into follow_up_reminders (reminder_id, lead_id, user_id, reminder_date, reminder_message) values (gen_random_uuid(), $1, $2, now() + interval '1 day', 'Call')",
        [leadId, userId],
      );
      await server.sql("insert into webhook_messages (message_id, user_id, event_type, payload) values ($1, $2, 'lead.hot', $3)", [
        `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`, userId, JSON.stringify({ lead: { leadId, name: 'x', email: 'x@example.com' } }),
      ]);
    }
    await seedActivity(target, 'v_target');
    await seedActivity(keeper, 'v_keeper');
    // An anonymous visitor's events that belong to nobody stay.
    await server.sql("insert into lead_analytics (analytic_id, event_type, site_id, visitor_id) values (gen_random_uuid(), 'page_view', $1, 'v_stranger')", [siteId]);

    const counts = async (leadId: string, visitor: string) =>
      (
        await server.sql<Record<string, number>>(
          `select (select count(*)::int from leads where lead_id = $1) as leads,
                  (select count(*)::int from inquiries where lead_id = $1) as inquiries,
                  (select count(*)::int from lead_analytics where lead_id = $1 or visitor_id = $2) as events,
                  (select count(*)::int from follow_up_reminders where lead_id = $1) as reminders,
                  (select count(*)::int from visitors where visitor_id = $2) as visitors,
                  (select count(*)::int from webhook_messages where payload -> 'lead' ->> 'leadId' = $1::text) as messages`,
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
    expect(await server.sql("select 1 from lead_analytics where visitor_id = 'v_stranger'")).toHaveLength(1);
    expect((await agent.get(`/v1/leads/${target}`)).status).toBe(404);
    expect((await agent.delete(`/v1/leads/${target}`)).status).toBe(404);
    // The email is free again.
    expect((await agent.post('/v1/leads', { email: 'forget@example.com' })).status).toBe(201);
  });
});

describe('inquiries by hand', () => {
  let agent: Client;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
  });

  it('POST records a manual inquiry (201), flags the lead for rescoring and enqueues its scoring job', async () => {
    const leadId = await insertLead(userId, { name: 'Caller', score: 12, score_band: 'cold' });
    expect(await server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: leadId }))).toBeUndefined();
    const res = await agent.post(`/v1/leads/${leadId}/inquiries`, { message: '  Called about 12 Oak St.\nWants a showing Saturday.  ', listingRef: 'oak-12' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ leadId, message: 'Called about 12 Oak St.\nWants a showing Saturday.', listingRef: 'oak-12', pageUrl: null, source: 'manual', siteId: null });
    const [inquiry] = await server.sql<Record<string, unknown>>('select * from inquiries where inquiry_id = $1', [res.body.inquiryId]);
    expect(inquiry).toMatchObject({ lead_id: leadId, source: 'manual', listing_ref: 'oak-12', site_id: null, client_event_id: null });
    expect((inquiry.created_at as Date).toISOString()).toBe(res.body.createdAt);
    const lead = await leadRow(leadId);
    expect(lead.needs_rescore).toBe(true);
    expect((lead.last_activity_at as Date).toISOString()).toBe(res.body.createdAt);
    const job = await server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: leadId }));
    expect(job?.name).toBe('leads.score');
    expect(job?.data).toEqual({ leadId });
  });

  it('POST validates the message (400) and writes nothing', async () => {
    const leadId = await insertLead(userId);
    for (const body of [{}, { message: '   ' }, { message: 'x'.repeat(5001) }, { message: 'hi', source: 'widget' }, { message: 'nul\u0000' }, { message: 'ok', listingRef: 'x'.repeat(201) }]) {
      const res = await agent.post(`/v1/leads/${leadId}/inquiries`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await server.sql('select 1 from inquiries where lead_id = $1', [leadId])).toHaveLength(0);
    expect((await leadRow(leadId)).needs_rescore).toBe(false);
  });

  it('GET lists a lead’s inquiries newest first in keyset pages, ties included', async () => {
    const leadId = await insertLead(userId);
    await server.sql(
      `insert into inquiries (inquiry_id, lead_id, message, source, created_at)
       select gen_random_uuid(), $1, 'Question ' || g, 'widget', '2026-02-01 09:00:00.000001+00'::timestamptz + (g % 4) * interval '1 hour'
       from generate_series(1, 23) g`,
      [leadId],
    );
    const expected = (await server.sql<{ inquiry_id: string }>('select inquiry_id from inquiries where lead_id = $1 order by created_at desc, inquiry_id desc', [leadId])).map((r) => r.inquiry_id);
    for (const limit of [1, 5, 23, 100]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: HttpResult = await agent.get(`/v1/leads/${leadId}/inquiries?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { inquiryId: string }) => i.inquiryId));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    const first = await agent.get(`/v1/leads/${leadId}/inquiries?limit=2`);
    expect(first.body.items[0]).toMatchObject({ leadId, source: 'widget', createdAt: '2026-02-01T12:00:00.000Z' });
  });
});

describe('GET /v1/leads/:id/timeline', () => {
  it('merges events and inquiries newest first; pages never repeat or skip an item, even on shared instants', async () => {
    const { client: agent, userId } = await newUser();
    const siteId = await createSite(agent, 'Timeline Realty');
    const leadId = await insertLead(userId, { site_id: siteId });
    const otherLead = await insertLead(userId, { site_id: siteId });
    const T = '2026-03-01 12:00:00.654321+00';
    // 30 events: 10 at exactly T; 12 inquiries: 5 at exactly T. Plus noise on another lead and an anonymous visitor.
    await server.sql(
      `insert into lead_analytics (analytic_id, lead_id, event_type, event_value, site_id, visitor_id, event_date, listing_ref, page_url)
       select gen_random_uuid(), $1, case when g % 2 = 0 then 'page_view' else 'tool_interaction' end, 'value ' || g, $2, 'v1',
              case when g <= 10 then $3::timestamptz else $3::timestamptz - g * interval '1 minute' end, 'oak-12', 'https://homes.example/l/' || g
       from generate_series(1, 30) g`,
      [leadId, siteId, T],
    );
    await server.sql(
      `insert into inquiries (inquiry_id, lead_id, message, source, created_at, listing_ref)
       select gen_random_uuid(), $1, 'Inquiry ' || g, 'manual', case when g <= 5 then $2::timestamptz else $2::timestamptz - g * interval '90 seconds' end, 'oak-12'
       from generate_series(1, 12) g`,
      [leadId, T],
    );
    await server.sql("insert into lead_analytics (analytic_id, lead_id, event_type, site_id, event_date) values (gen_random_uuid(), $1, 'page_view', $2, $3)", [otherLead, siteId, T]);
    await server.sql("insert into lead_analytics (analytic_id, event_type, site_id, visitor_id, event_date) values (gen_random_uuid(), 'page_view', $1, 'v_anon', $2)", [siteId, T]);
    await server.sql("insert into inquiries (inquiry_id, lead_id, message, created_at) values (gen_random_uuid(), $1, 'Not yours', $2)", [otherLead, T]);

    const rows = await server.sql<{ kind: string; id: string; key: string }>(
      `select 'event' as kind, analytic_id::text as id, to_char(event_date at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as key from lead_analytics where lead_id = $1
       union all select 'inquiry', inquiry_id::text, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') from inquiries where lead_id = $1`,
      [leadId],
    );
    // Newest first; at one instant inquiries before events; then id descending.
    const cmp = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
    const expected = rows.sort((a, b) => cmp(a.key, b.key) || cmp(a.kind, b.kind) || cmp(a.id, b.id)).map((r) => `${r.kind}:${r.id}`);
    expect(expected).toHaveLength(42);

    for (const limit of [1, 4, 7, 15, 42, 200]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: HttpResult = await agent.get(`/v1/leads/${leadId}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items.map((i: { kind: string; id: string }) => `${i.kind}:${i.id}`));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }

    const top = (await agent.get(`/v1/leads/${leadId}/timeline?limit=6`)).body.items;
    expect(top.slice(0, 5).every((i: { kind: string }) => i.kind === 'inquiry')).toBe(true);
    expect(top[0]).toMatchObject({ kind: 'inquiry', at: '2026-03-01T12:00:00.654Z', eventType: null, message: expect.stringMatching(/^Inquiry \d$/), source: 'manual', listingRef: 'oak-12' });
    expect(top[5]).toMatchObject({ kind: 'event', at: '2026-03-01T12:00:00.654Z', eventType: expect.any(String), eventValue: expect.stringMatching(/^value /), message: null, source: null });
    expect(Object.keys(top[5]).sort()).toEqual(['at', 'eventType', 'eventValue', 'id', 'kind', 'listingRef', 'message', 'pageUrl', 'source']);

    // A lead with no history has an empty timeline.
    const empty = await agent.get(`/v1/leads/${await insertLead(userId)}/timeline`);
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });
});

describe('GET /v1/leads/export.csv', () => {
  let agent: Client;
  let userId: string;
  let siteId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
    siteId = await createSite(agent, 'Export Realty');
  });

  it('neutralises spreadsheet formulas and escapes quotes, commas and line breaks', async () => {
    const viaApi = await agent.post('/v1/leads', { name: '=HYPERLINK("http://x")', email: 'formula@example.com', phone: '+1 555 010 0900', contactInfo: '@SUM(A1:A9), "cell"' });
    expect(viaApi.status).toBe(201);
    // States a stranger's data can reach through other paths, written directly.
    const hostile: Record<string, string> = {
      plus: '+1+2', minus: '-2+3', at: '@cmd', tab: '\t=1+1', cr: '\rcr', comma: 'Comma, Inc', newline: 'Line\nBreak',
      quote: 'Say "hi"', spaces: '  padded  ', plain: 'Dana Whitaker',
    };
    for (const [key, name] of Object.entries(hostile)) await insertLead(userId, { name, email: `${key}@example.com`, site_id: siteId });

    const res = await fetchCsv(agent, '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text.slice(1).split('\r\n')[0]).toBe('leadId,name,email,phone,contactInfo,status,score,scoreBand,scoreReasons,siteId,lastActivityAt,createdAt,updatedAt');
    const records = csvRecords(res.text);
    const byEmail = Object.fromEntries(records.map((r) => [r.email, r]));
    expect(byEmail['formula@example.com']).toMatchObject({ name: `'=HYPERLINK("http://x")`, phone: "'+15550100900", contactInfo: `'@SUM(A1:A9), "cell"`, leadId: viaApi.body.leadId });
    expect(byEmail['plus@example.com'].name).toBe("'+1+2");
    expect(byEmail['minus@example.com'].name).toBe("'-2+3");
    expect(byEmail['at@example.com'].name).toBe("'@cmd");
    expect(byEmail['tab@example.com'].name).toBe("'\t=1+1");
    expect(byEmail['cr@example.com'].name).toBe("'\rcr");
    expect(byEmail['comma@example.com'].name).toBe('Comma, Inc');
    expect(byEmail['newline@example.com'].name).toBe('Line\nBreak');
    expect(byEmail['quote@example.com'].name).toBe('Say "hi"');
    expect(byEmail['spaces@example.com'].name).toBe('  padded  ');
    expect(byEmail['plain@example.com']).toMatchObject({ name: 'Dana Whitaker', siteId, status: 'new', score: '0', scoreBand: 'cold' });
    // No cell of the raw file starts with a formula character.
    for (const r of records) for (const v of Object.values(r)) expect(v, JSON.stringify(v)).not.toMatch(/^[=+\-@\t\r]/);
    expect(res.text).toContain('"\'=HYPERLINK(""http://x"")"');
  });

  it('exports the filtered list in the list’s order, with score reasons', async () => {
    const { client: seller, userId: sellerId } = await newUser();
    const site = await createSite(seller, 'Filtered');
    await seedTiedLeads(sellerId, 60, site);
    await insertLead(sellerId, {
      name: 'Reasoned', email: 'reasoned@example.com', score: 70, score_band: 'hot', site_id: site,
      score_breakdown: { signals: [{ key: 'inquiry', label: 'Inquiry', count: 1, points: 40 }, { key: 'x', label: 'Zero', count: 1, points: 0 }, { key: 'mortgage_tool', label: 'Mortgage calculator', count: 2, points: 30 }], rulesVersion: 0, computedAt: '2026-01-01T00:00:00.000Z' },
    });
    for (const query of ['band=hot', 'status=qualified&sort=created', `site=${site}&sort=last_activity`, 'q=tied1', 'band=warm&q=example']) {
      const csv = await fetchCsv(seller, query);
      expect(csv.status, query).toBe(200);
      const fromCsv = csvRecords(csv.text).map((r) => r.leadId);
      const fromList: string[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await seller.get(`/v1/leads?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        fromList.push(...page.body.items.map((l: { leadId: string }) => l.leadId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(fromCsv, query).toEqual(fromList);
      expect(fromCsv.length, query).toBeGreaterThan(0);
    }
    const hot = csvRecords((await fetchCsv(seller, 'q=reasoned')).text);
    expect(hot).toHaveLength(1);
    expect(hot[0].scoreReasons).toBe('Inquiry +40; Mortgage calculator +30');
    // Nothing matches: just the header.
    const none = await fetchCsv(seller, 'q=nobody-has-this');
    expect(none.status).toBe(200);
    expect(csvRecords(none.text)).toEqual([]);
  });

  it('refuses bad filters with a JSON 400/404 before sending any CSV', async () => {
    for (const [query, status] of [['band=lukewarm', 400], ['limit=5', 400], [`q=${'x'.repeat(101)}`, 400], ['site=nope', 400], [`site=${randomUUID()}`, 404]] as const) {
      const res = await fetchCsv(agent, query);
      expect(res.status, query).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(res.text).error.code).toBe(status === 400 ? 'validation_failed' : 'not_found');
    }
  });

  it('streams a large export (5,000 leads) completely, one row per lead', async () => {
    const { client: big, userId: bigId } = await newUser();
    await server.sql(
      `insert into leads (lead_id, user_id, name, email, score, score_band, created_at)
       select gen_random_uuid(), $1, 'Bulk ' || g, 'bulk' || g || '@example.com', g % 100, case when g % 100 >= 60 then 'hot' when g % 100 >= 25 then 'warm' else 'cold' end,
              '2026-01-01'::timestamptz + (g % 10) * interval '1 second'
       from generate_series(1, 5000) g`,
      [bigId],
    );
    const res = await fetchCsv(big, 'sort=created');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const records = csvRecords(res.text);
    expect(records).toHaveLength(5000);
    const ids = new Set(records.map((r) => r.leadId));
    expect(ids.size).toBe(5000);
    const all = await server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 order by created_at desc, lead_id desc', [bigId]);
    expect(records.map((r) => r.leadId)).toEqual(all.map((r) => r.lead_id));
  });
  it('a client that hangs up mid-export, or asks with HEAD, leaves no transaction open', async () => {
    const { client: quitter, userId: quitterId } = await newUser();
    await server.sql(
      "insert into leads (lead_id, user_id, name, email) select gen_random_uuid(), $1, 'Quit ' || g, 'quit' || g || '@example.com' from generate_series(1, 3000) g",
      [quitterId],
    );
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/v1/leads/export.csv`, { headers: { cookie: quitter.cookie }, signal: controller.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    const head = await fetch(`${server.url}/v1/leads/export.csv`, { method: 'HEAD', headers: { cookie: quitter.cookie } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // More aborted exports than the pool has connections: none may be left holding one.
    await waitFor(
      async () => (await server.sql<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1 and state like 'idle in transaction%'", [server.db.name]))[0].n === 0,
      { description: 'export transactions to end' },
    );
    const full = await fetchCsv(quitter, '');
    expect(csvRecords(full.text)).toHaveLength(3000);
  });
});

describe('tenant isolation', () => {
  let alice: Client;
  let aliceId: string;
  let bob: Client;
  let aliceSite: string;
  let aliceLead: string;
  let aliceInquiry: string;

  beforeAll(async () => {
    ({ client: alice, userId: aliceId } = await newUser());
    ({ client: bob } = await newUser());
    aliceSite = await createSite(alice, 'Alice Realty');
    const created = await alice.post('/v1/leads', { name: 'Alice Private Lead', email: 'secret-lead@example.com', phone: '555-010-0777', siteId: aliceSite });
    aliceLead = created.body.leadId;
    aliceInquiry = (await alice.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'Private question', listingRef: 'alice-listing' })).body.inquiryId;
    await server.sql("insert into lead_analytics (analytic_id, lead_id, event_type, site_id, visitor_id, listing_ref) values (gen_random_uuid(), $1, 'page_view', $2, 'v_alice', 'alice-listing')", [aliceLead, aliceSite]);
    await server.sql("update leads set score = 80, score_band = 'hot' where lead_id = $1", [aliceLead]);
    // Bob has a lead of his own.
    expect((await bob.post('/v1/leads', { name: 'Bob Lead', email: 'bob-lead@example.com' })).status).toBe(201);
  });

  async function snapshot() {
    return {
      lead: await leadRow(aliceLead),
      inquiries: await server.sql('select * from inquiries where lead_id = $1 order by inquiry_id', [aliceLead]),
      events: await server.sql('select * from lead_analytics where lead_id = $1 order by analytic_id', [aliceLead]),
    };
  }

  it('another user gets 404 for the lead on every route, and nothing changes', async () => {
    const before = await snapshot();
    await server.queues.leads.remove(JOBS.scoreLead.jobId({ leadId: aliceLead }));
    const answers = [
      await bob.get(`/v1/leads/${aliceLead}`),
      await bob.patch(`/v1/leads/${aliceLead}`, { name: 'Hijacked', status: 'lost' }),
      await bob.delete(`/v1/leads/${aliceLead}`),
      await bob.get(`/v1/leads/${aliceLead}/timeline`),
      await bob.get(`/v1/leads/${aliceLead}/inquiries`),
      await bob.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'Injected' }),
    ];
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('Alice Private');
      expect(text).not.toContain('secret-lead');
    }
    expect(await snapshot()).toEqual(before);
    expect(await server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId: aliceLead }))).toBeUndefined();
    // The owner still sees it all.
    expect((await alice.get(`/v1/leads/${aliceLead}`)).body.name).toBe('Alice Private Lead');
    expect((await alice.get(`/v1/leads/${aliceLead}/inquiries`)).body.items.map((i: { inquiryId: string }) => i.inquiryId)).toEqual([aliceInquiry]);
  });

  it("another user's list, search and export never contain the lead", async () => {
    const list = await bob.get('/v1/leads?limit=100');
    expect(list.body.items.map((l: { name: string }) => l.name)).toEqual(['Bob Lead']);
    for (const q of ['Alice', 'secret-lead', '0100777', 'example.com']) {
      const res = await bob.get(`/v1/leads?q=${encodeURIComponent(q)}`);
      expect(res.body.items.map((l: { leadId: string }) => l.leadId), q).not.toContain(aliceLead);
    }
    for (const query of ['band=hot', 'sort=last_activity', 'sort=created']) {
      expect((await bob.get(`/v1/leads?${query}`)).body.items.map((l: { leadId: string }) => l.leadId)).not.toContain(aliceLead);
    }
    const csv = await fetchCsv(bob, '');
    expect(csv.status).toBe(200);
    expect(csv.text).not.toContain(aliceLead);
    expect(csv.text).not.toContain('secret-lead');
    expect(csvRecords(csv.text).map((r) => r.name)).toEqual(['Bob Lead']);
    // The same email is a different person in another realtor's book.
    const twin = await bob.post('/v1/leads', { name: 'Bob’s twin', email: 'secret-lead@example.com', phone: '5550100777' });
    expect(twin.status).toBe(201);
    expect(twin.body.leadId).not.toBe(aliceLead);
    expect((await leadRow(aliceLead)).name).toBe('Alice Private Lead');
  });

  it("filtering by, or creating on, another user's site is a 404", async () => {
    expect((await bob.get(`/v1/leads?site=${aliceSite}`)).status).toBe(404);
    expect((await fetchCsv(bob, `site=${aliceSite}`)).status).toBe(404);
    const created = await bob.post('/v1/leads', { name: 'Sneaky', siteId: aliceSite });
    expect(created.status).toBe(404);
    expect(await server.sql('select 1 from leads where site_id = $1 and user_id <> $2', [aliceSite, aliceId])).toHaveLength(0);
  });

  it('an API key (Bearer, no CSRF) works on every route, scoped to its owner', async () => {
    const key = (await alice.post('/v1/api-keys', { name: 'CRM' })).body.key;
    const bot = new Client(server.url);
    bot.bearer = key;
    expect((await bot.get(`/v1/leads/${aliceLead}`)).body.leadId).toBe(aliceLead);
    expect((await bot.get('/v1/leads')).body.items.map((l: { leadId: string }) => l.leadId)).toContain(aliceLead);
    expect((await bot.get(`/v1/leads/${aliceLead}/timeline`)).status).toBe(200);
    expect((await bot.get(`/v1/leads/${aliceLead}/inquiries`)).status).toBe(200);
    expect((await fetchCsv(bot, '')).text).toContain(aliceLead);
    const created = await bot.post('/v1/leads', { name: 'From CRM', email: 'crm@example.com' });
    expect(created.status).toBe(201);
    expect(await leadRow(created.body.leadId)).toMatchObject({ user_id: aliceId });
    expect((await bot.patch(`/v1/leads/${created.body.leadId}`, { status: 'contacted' })).body.status).toBe('contacted');
    expect((await bot.post(`/v1/leads/${created.body.leadId}/inquiries`, { message: 'Synced from CRM' })).status).toBe(201);
    expect((await bot.delete(`/v1/leads/${created.body.leadId}`)).status).toBe(204);

    const bobKey = (await bob.post('/v1/api-keys', { name: 'Bob CRM' })).body.key;
    const bobBot = new Client(server.url);
    bobBot.bearer = bobKey;
    expect((await bobBot.get(`/v1/leads/${aliceLead}`)).status).toBe(404);
    expect((await bobBot.patch(`/v1/leads/${aliceLead}`, { status: 'lost' })).status).toBe(404);
    expect((await bobBot.delete(`/v1/leads/${aliceLead}`)).status).toBe(404);
    expect((await bobBot.post(`/v1/leads/${aliceLead}/inquiries`, { message: 'x' })).status).toBe(404);
    expect((await bobBot.get('/v1/leads')).body.items.map((l: { leadId: string }) => l.leadId)).not.toContain(aliceLead);
    expect((await leadRow(aliceLead)).status).toBe('new');

    const wrong = new Client(server.url);
    wrong.bearer = 'plk_not_a_real_key';
    expect((await wrong.get('/v1/leads')).status).toBe(401);
  });

  it('no session is 401 on every route', async () => {
    const anon = new Client(server.url);
    const id = aliceLead;
    for (const [method, path] of [
      ['GET', '/v1/leads'], ['POST', '/v1/leads'], ['GET', '/v1/leads/export.csv'], ['GET', `/v1/leads/${id}`], ['PATCH', `/v1/leads/${id}`],
      ['DELETE', `/v1/leads/${id}`], ['GET', `/v1/leads/${id}/timeline`], ['GET', `/v1/leads/${id}/inquiries`], ['POST', `/v1/leads/${id}/inquiries`],
    ] as const) {
      const res = await anon.request(method, path, method === 'GET' || method === 'DELETE' ? {} : { json: { name: 'x', message: 'x' } });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    expect((await leadRow(aliceLead)).name).toBe('Alice Private Lead');
  });

  it('a cookie write without the CSRF header is 403 and changes nothing', async () => {
    const before = await snapshot();
    const count = async () => (await server.sql('select 1 from leads where user_id = $1', [aliceId])).length;
    const leads = await count();
    for (const [method, path, json] of [
      ['POST', '/v1/leads', { name: 'No CSRF' }],
      ['PATCH', `/v1/leads/${aliceLead}`, { name: 'No CSRF' }],
      ['DELETE', `/v1/leads/${aliceLead}`, undefined],
      ['POST', `/v1/leads/${aliceLead}/inquiries`, { message: 'No CSRF' }],
    ] as const) {
      const res = await alice.request(method, path, { json, csrf: false });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
      const wrong = await alice.request(method, path, { json, csrf: false, headers: { 'x-csrf-token': 'wrong' } });
      expect(wrong.status).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    expect(await count()).toBe(leads);
  });
});

describe('bad input', () => {
  let agent: Client;
  let leadId: string;

  beforeAll(async () => {
    let userId: string;
    ({ client: agent, userId } = await newUser());
    leadId = await insertLead(userId, { name: 'Target' });
    await seedTiedLeads(userId, 12);
  });

  it('a malformed lead id is 404 on every route', async () => {
    for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`, 'export.json', '%27%20or%201%3D1']) {
      for (const [method, path] of [
        ['GET', `/v1/leads/${bad}`], ['PATCH', `/v1/leads/${bad}`], ['DELETE', `/v1/leads/${bad}`],
        ['GET', `/v1/leads/${bad}/timeline`], ['GET', `/v1/leads/${bad}/inquiries`], ['POST', `/v1/leads/${bad}/inquiries`],
      ] as const) {
        const res = await agent.request(method, path, method === 'PATCH' || method === 'POST' ? { json: { status: 'lost', message: 'x' } } : {});
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });

  it('a bad cursor is 400 naming cursor, on every paginated route', async () => {
    const uuid = randomUUID();
    const badCursors = [
      'garbage', '!!!', cursorOf({}), cursorOf(['score']), cursorOf(['score', 'ten', uuid]), cursorOf(['score', 1.5, uuid]),
      cursorOf(['score', 10, 'not-a-uuid']), cursorOf(['created', 10, uuid]), 'x'.repeat(501),
      // Well-formed shapes holding values Postgres cannot take must be a 400 too, not a SQL error.
      cursorOf(['score', 2 ** 31, uuid]), cursorOf(['score', -(2 ** 40), uuid]), cursorOf(['score', Number.MAX_SAFE_INTEGER, uuid]),
    ];
    for (const cursor of badCursors) {
      const res = await agent.get(`/v1/leads?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor.slice(0, 60)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('cursor');
    }
    const badTimes = ['2026-13-45T25:61:61.000000Z', '2026-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '9999-12-31T24:00:00.000000Z'];
    for (const at of badTimes) {
      for (const [path, cursor] of [
        ['/v1/leads?sort=created', cursorOf(['created', at, uuid])],
        ['/v1/leads?sort=last_activity', cursorOf(['last_activity', at, uuid])],
        [`/v1/leads/${leadId}/timeline`, cursorOf([at, 'event', uuid])],
        [`/v1/leads/${leadId}/timeline`, cursorOf([at, 'inquiry', uuid])],
        [`/v1/leads/${leadId}/inquiries`, cursorOf([at, uuid])],
      ] as const) {
        const res = await agent.get(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`);
        expect(res.status, `${path} ${at}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('cursor');
      }
    }
    for (const path of [`/v1/leads/${leadId}/timeline`, `/v1/leads/${leadId}/inquiries`]) {
      for (const cursor of ['garbage', cursorOf(['2026-01-01T00:00:00.000000Z', 'note', uuid]), cursorOf(['score', 1, uuid])]) {
        const res = await agent.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
        expect(res.status, `${path} ${cursor}`).toBe(400);
      }
    }
  });

  it('a limit out of range or not a whole number is 400 naming limit', async () => {
    for (const [path, max] of [['/v1/leads', 100], [`/v1/leads/${leadId}/timeline`, 200], [`/v1/leads/${leadId}/inquiries`, 100]] as const) {
      for (const limit of ['0', '-1', String(max + 1), '1.5', 'abc', '1e9', 'Infinity', '']) {
        if (limit === '') continue;
        const res = await agent.get(`${path}?limit=${limit}`);
        expect(res.status, `${path} limit=${limit}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('limit');
      }
      const ok = await agent.get(`${path}?limit=${max}`);
      expect(ok.status).toBe(200);
    }
  });

  it('an over-long or control-character search is 400; so are unknown query parameters on every list', async () => {
    for (const q of ['x'.repeat(101), 'x'.repeat(8000), 'nul\u0000byte', 'tab\there', 'bell\u0007']) {
      const res = await agent.get(`/v1/leads?q=${encodeURIComponent(q)}`);
      expect(res.status, q.slice(0, 20)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('q');
    }
    expect((await agent.get(`/v1/leads?q=${'x'.repeat(100)}`)).status).toBe(200);
    // Broken percent-encoding is read leniently, never a 5xx.
    expect((await agent.get('/v1/leads?q=%E0%A4%A&band=%')).status).toBeLessThan(500);
    for (const path of [`/v1/leads/${leadId}/timeline?sort=score`, `/v1/leads/${leadId}/inquiries?q=x`]) {
      expect((await agent.get(path)).status, path).toBe(400);
    }
  });
});
