import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvent, makeFilteredInquiry, makeRealtor, makeSite } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';

let server: TestServer;
let owner: ApiClient;
let other: ApiClient;
beforeAll(async () => {
  server = await startTestServer();
  ({ client: owner } = await makeRealtor(server));
  ({ client: other } = await makeRealtor(server));
});
afterAll(async () => {
  await server.close();
});

describe('sites', () => {
  it('creates a site with a pk_ key, normalised origins and a paste-ready snippet', async () => {
    const res = await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: ['https://Oak-Realty.example/', 'http://localhost:8080', 'https://oak-realty.example'] });
    expect(res.status).toBe(201);
    expect(res.body.publicKey).toMatch(/^pk_[A-Za-z0-9_-]{20,}$/);
    expect(res.body.allowedOrigins).toEqual(['https://oak-realty.example', 'http://localhost:8080']);
    expect(res.body.settings).toEqual({ respectDnt: true, requireConsent: true });
    expect(res.body.snippet).toBe(`<script async src="${server.url}/w.js" data-site="${res.body.publicKey}"></script>`);
    const [row] = await server.sql<{ allowed_origins: string[] }>('select allowed_origins from sites where site_id = $1', [res.body.siteId]);
    expect(row.allowed_origins).toEqual(['https://oak-realty.example', 'http://localhost:8080']);
  });

  it('lists, reads, updates and deletes only the owner’s sites', async () => {
    const created = (await owner.post('/v1/sites', { name: 'Maple Homes' })).body;
    const list = await owner.get('/v1/sites');
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain('Maple Homes');
    expect(list.body.nextCursor).toBeNull();
    expect((await other.get('/v1/sites')).body.items).toEqual([]);

    const patched = await owner.patch(`/v1/sites/${created.siteId}`, { name: 'Maple Homes Ltd', allowedOrigins: ['https://maple.example'], settings: { respectDnt: false }, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Maple Homes Ltd', allowedOrigins: ['https://maple.example'], settings: { respectDnt: false }, enabled: false });
    expect((await owner.get(`/v1/sites/${created.siteId}`)).body.name).toBe('Maple Homes Ltd');

    expect((await owner.delete(`/v1/sites/${created.siteId}`)).status).toBe(204);
    expect((await owner.get(`/v1/sites/${created.siteId}`)).status).toBe(404);
  });

  it('refuses an unknown query parameter on the list (400), as the other lists do', async () => {
    await owner.post('/v1/sites', { name: 'Query Homes' });
    const res = await owner.get('/v1/sites?limit=1&cursor=zz');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['']);
  });

  it('answers 404 for another user’s site on every route and changes nothing', async () => {
    const site = (await owner.post('/v1/sites', { name: 'Private', allowedOrigins: ['https://private.example'] })).body;
    for (const res of [
      await other.get(`/v1/sites/${site.siteId}`),
      await other.patch(`/v1/sites/${site.siteId}`, { name: 'Hijacked' }),
      await other.delete(`/v1/sites/${site.siteId}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain('private.example');
    }
    const [row] = await server.sql<{ name: string }>('select name from sites where site_id = $1', [site.siteId]);
    expect(row.name).toBe('Private');
  });

  it.each([
    ['an origin with a path', { name: 'x', allowedOrigins: ['https://a.example/listings'] }, 'allowedOrigins.0'],
    ['a non-http origin', { name: 'x', allowedOrigins: ['javascript:alert(1)'] }, 'allowedOrigins.0'],
    ['an empty name', { name: '  ' }, 'name'],
    ['an oversized name', { name: 'n'.repeat(101) }, 'name'],
    ['an unknown key', { name: 'x', publicKey: 'pk_mine' }, ''],
    ['too many origins', { name: 'x', allowedOrigins: Array.from({ length: 21 }, (_, i) => `https://s${i}.example`) }, 'allowedOrigins'],
  ])('rejects %s with a 400 naming the field and stores nothing', async (_n, body, path) => {
    const before = (await owner.get('/v1/sites')).body.items.length;
    const res = await owner.post('/v1/sites', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details[0].path).toBe(path);
    expect((await owner.get('/v1/sites')).body.items.length).toBe(before);
  });

  it('checks the 20-origin limit on the origins it stores, after normalising and dropping duplicates', async () => {
    const site = (await owner.post('/v1/sites', { name: 'Elm', allowedOrigins: ['https://elm.example'] })).body;
    // 25 spellings of one origin store one origin: not "too many".
    const copies = Array.from({ length: 25 }, (_, i) => (i % 2 ? 'https://Cedar.example/' : 'https://cedar.example'));
    const patched = await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: copies });
    expect(patched.status).toBe(200);
    expect(patched.body.allowedOrigins).toEqual(['https://cedar.example']);
    const created = await owner.post('/v1/sites', { name: 'Cedar', allowedOrigins: copies });
    expect(created.status).toBe(201);
    expect(created.body.allowedOrigins).toEqual(['https://cedar.example']);
    // 20 distinct (each twice) is the limit; 21 distinct is refused, naming the field, and changes nothing.
    const twenty = Array.from({ length: 20 }, (_, i) => `https://s${i}.example`);
    expect((await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: [...twenty, ...twenty] })).body.allowedOrigins).toEqual(twenty);
    const refused = await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: [...twenty, 'https://s20.example', ...twenty] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'allowedOrigins', message: 'At most 20 origins' }]);
    expect((await owner.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual(twenty);
  });

  it('refuses a wildcard origin on create, update and "add origin" with a 400 that says to list each origin', async () => {
    const site = (await owner.post('/v1/sites', { name: 'Birch', allowedOrigins: ['https://birch.example'] })).body;
    for (const [res, path] of [
      [await owner.post('/v1/sites', { name: 'Wild', allowedOrigins: ['https://birch.example', 'https://*.birch.example'] }), 'allowedOrigins.1'],
      [await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: ['https://*.birch.example'] }), 'allowedOrigins.0'],
      [await owner.patch(`/v1/sites/${site.siteId}`, { allowedOrigins: ['https://%2A.birch.example'] }), 'allowedOrigins.0'],
      [await owner.post(`/v1/sites/${site.siteId}/allowed-origins`, { origin: 'https://*.birch.example' }), 'origin'],
    ] as const) {
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ path, message: 'Wildcards are not supported: list each origin, e.g. https://www.example.com' }]);
    }
    const rows = await server.sql<{ allowed_origins: string[] }>("select allowed_origins from sites where allowed_origins::text like '%*%'");
    expect(rows).toEqual([]);
    expect((await owner.get(`/v1/sites/${site.siteId}`)).body.allowedOrigins).toEqual(['https://birch.example']);
  });

  it('refuses to delete a site while it has held submissions in Filtered (409, nothing deleted); once they are gone it deletes', async () => {
    const realtor = await makeRealtor(server);
    const site = await makeSite(realtor, { name: 'Cedar Homes' });
    const sibling = await makeSite(realtor, { name: 'Cedar Rentals' });
    const held = [
      await makeFilteredInquiry(server, { userId: realtor.userId, siteId: site.siteId, email: 'pat@example.com', message: 'Is 4 Cedar Lane still available?' }),
      await makeFilteredInquiry(server, { userId: realtor.userId, siteId: site.siteId, email: 'sam@example.com' }),
    ];
    await makeFilteredInquiry(server, { userId: realtor.userId, siteId: sibling.siteId }); // another site's: not counted
    await makeEvent(server, { siteId: site.siteId, type: 'page_view' });
    const counts = async () => (await server.sql<{ sites: number; held: number; events: number }>(
      `select (select count(*)::int from sites where site_id = $1) as sites,
              (select count(*)::int from filtered_inquiries where site_id = $1) as held,
              (select count(*)::int from lead_analytics where site_id = $1) as events`, [site.siteId]))[0];

    const refused = await realtor.client.delete(`/v1/sites/${site.siteId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'conflict',
      message: '“Cedar Homes” has 2 held submissions in Filtered (inquiries held back during a flood). Release or delete them in Filtered first: deleting the site would erase them.',
      details: { heldSubmissions: 2 },
    });
    expect(await counts()).toEqual({ sites: 1, held: 2, events: 1 });

    // One released (it becomes an inquiry, which outlives the site), one left: still refused, now naming 1.
    expect((await realtor.client.post(`/v1/filtered-inquiries/${held[0].filteredInquiryId}/release`, {})).status).toBe(200);
    const stillRefused = await realtor.client.delete(`/v1/sites/${site.siteId}`);
    expect(stillRefused.status).toBe(409);
    expect(stillRefused.body.error.message).toContain('has 1 held submission in Filtered');
    expect(await counts()).toMatchObject({ sites: 1, held: 1 });

    expect((await realtor.client.delete(`/v1/filtered-inquiries/${held[1].filteredInquiryId}`)).status).toBe(204);
    expect((await realtor.client.delete(`/v1/sites/${site.siteId}`)).status).toBe(204);
    expect(await counts()).toEqual({ sites: 0, held: 0, events: 0 });
    const [inquiry] = await server.sql<{ site_id: string | null }>("select site_id from inquiries where message = 'Is 4 Cedar Lane still available?'");
    expect(inquiry).toEqual({ site_id: null });
    expect((await server.sql('select 1 from filtered_inquiries where site_id = $1', [sibling.siteId])).length).toBe(1);
  });

  it('keeps held submissions even when a site row is deleted past the API: the key refuses it', async () => {
    const realtor = await makeRealtor(server);
    const site = await makeSite(realtor, { name: 'Spruce Homes' });
    await makeFilteredInquiry(server, { userId: realtor.userId, siteId: site.siteId, email: 'lee@example.com' });
    await expect(server.sql('delete from sites where site_id = $1', [site.siteId])).rejects.toMatchObject({ code: '23503', constraint: 'filtered_inquiries_site_id_foreign' });
    const [left] = await server.sql<{ sites: number; held: number }>(
      'select (select count(*)::int from sites where site_id = $1) as sites, (select count(*)::int from filtered_inquiries where site_id = $1) as held', [site.siteId]);
    expect(left).toEqual({ sites: 1, held: 1 });
    // Deleting the account (its sites and held submissions go in one statement) still works.
    await server.sql('delete from users where user_id = $1', [realtor.userId]);
    expect((await server.sql('select 1 from filtered_inquiries where site_id = $1', [site.siteId])).length).toBe(0);
  });

  it('treats a malformed id as not found', async () => {
    expect((await owner.get('/v1/sites/not-a-uuid')).status).toBe(404);
  });
});

describe('HTTP conventions', () => {
  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await owner.request('POST', '/v1/sites', { raw: '{"name": "x",', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers a wrong content type with 415', async () => {
    const res = await owner.request('POST', '/v1/sites', { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('answers an oversized body with 413', async () => {
    const res = await owner.request('POST', '/v1/sites', { raw: JSON.stringify({ name: 'x'.repeat(70_000) }), contentType: 'application/json' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('refuses __proto__ keys', async () => {
    const res = await owner.request('POST', '/v1/sites', { raw: '{"name":"x","__proto__":{"admin":true}}', contentType: 'application/json' });
    expect(res.status).toBe(400);
  });

  it('answers unknown routes with a JSON 404 and wrong methods with 405', async () => {
    const res = await owner.get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const wrong = await owner.request('PUT', '/v1/sites', { json: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
  });

  it('carries a request id on every answer', async () => {
    const res = await owner.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports readiness of Postgres and Redis', async () => {
    const res = await owner.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('describes every /v1 route in the OpenAPI document', async () => {
    const res = await owner.get('/v1/openapi.json');
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/signup', '/v1/sites/{id}', '/v1/api-keys']));
    expect(res.body.paths['/v1/auth/signup'].post.requestBody.content['application/json'].schema.properties.password.minLength).toBe(10);
    // Every route that validates input answers 400 validation_failed, and every realtor route 401
    // without a session or key: the document says so for each (14 routes with input listed no 400).
    const missing: string[] = [];
    for (const [path, operations] of Object.entries<Record<string, any>>(res.body.paths)) {
      for (const [method, op] of Object.entries<any>(operations)) {
        const hasInput = op.requestBody || op.parameters.some((p: { in: string }) => p.in === 'query');
        if (hasInput && !op.responses['400']) missing.push(`${method.toUpperCase()} ${path}: 400`);
        if (op.security.length && !op.responses['401']) missing.push(`${method.toUpperCase()} ${path}: 401`);
      }
    }
    expect(missing).toEqual([]);
    // A route's own description wins over the generic one.
    expect(res.body.paths['/v1/leads'].get.responses['400'].description).toMatch(/validation_failed/);
    expect(res.body.paths['/v1/auth/login'].post.responses['401'].description).toMatch(/Invalid email or password/);
  });
});
