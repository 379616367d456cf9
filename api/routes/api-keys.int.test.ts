import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const countKeys = async (userId: string) => Number((await server.sql<{ n: string }>('select count(*) as n from api_keys where user_id = $1', [userId]))[0].n);

async function signedInWithKey(body: Record<string, unknown> = {}) {
  const owner = new ApiClient(server.url);
  const { userId } = await owner.signUp();
  const created = await owner.post('/v1/api-keys', { name: 'CRM sync', ...body });
  expect(created.status).toBe(201);
  const bot = new ApiClient(server.url);
  bot.bearer = created.body.key;
  return { owner, userId, bot, created: created.body };
}

describe('API keys', () => {
  it('are managed from a signed-in session only: a key cannot list, create or revoke keys (403)', async () => {
    const { userId, bot, created } = await signedInWithKey();
    for (const res of [await bot.get('/v1/api-keys'), await bot.post('/v1/api-keys', { name: 'minted by a key' }), await bot.delete(`/v1/api-keys/${created.apiKeyId}`)]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: 'API keys are managed from a signed-in session, not with an API key' });
    }
    expect(await countKeys(userId)).toBe(1);
    expect((await bot.get('/v1/sites')).status).toBe(200);
    // The OpenAPI document offers these routes to the session only, and says why a key gets 403.
    const doc = (await bot.get('/v1/openapi.json')).body;
    for (const [method, op] of Object.entries<any>({ ...doc.paths['/v1/api-keys'], ...doc.paths['/v1/api-keys/{id}'] })) {
      expect(op.security, method).toEqual([{ session: [] }]);
      expect(op.responses['403'].description, method).toMatch(/API key cannot use this route/);
    }
  });

  it('the OpenAPI document is true about keys: every write a key may call documents the read-only key\'s 403, which it answers; a session-only route refuses any key', async () => {
    const { owner, userId } = await signedInWithKey();
    const reader = new ApiClient(server.url);
    reader.bearer = (await owner.post('/v1/api-keys', { name: 'reader', scope: 'read' })).body.key;
    const writer = new ApiClient(server.url);
    writer.bearer = (await owner.post('/v1/api-keys', { name: 'writer' })).body.key;
    const doc = (await owner.get('/v1/openapi.json')).body;
    const wrong: string[] = [];
    let writes = 0;
    let sessionOnly = 0;
    for (const [template, operations] of Object.entries<Record<string, any>>(doc.paths)) {
      const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const [method, op] of Object.entries<any>(operations)) {
        const route = `${method.toUpperCase()} ${template}`;
        const schemes = (op.security as Array<Record<string, unknown>>).map((s) => Object.keys(s)[0]);
        if (schemes.includes('bearer') && method !== 'get') {
          writes++;
          if (!/read-only API key/.test(op.responses['403']?.description ?? '')) wrong.push(`${route}: no read-only 403 documented`);
          const res = await reader.request(method.toUpperCase(), path, { json: {} });
          if (res.status !== 403 || res.body?.error?.message !== 'This API key is read-only') wrong.push(`${route}: a read key got ${res.status}`);
        } else if (schemes.length === 1 && schemes[0] === 'session') {
          sessionOnly++;
          if (!/API key cannot use this route/.test(op.responses['403']?.description ?? '')) wrong.push(`${route}: no session-only 403 documented`);
          const res = await writer.request(method.toUpperCase(), path, method === 'get' ? {} : { json: {} });
          if (res.status !== 403 || res.body?.error?.code !== 'forbidden') wrong.push(`${route}: a read_write key got ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(writes).toBeGreaterThan(20);
    expect(sessionOnly).toBeGreaterThanOrEqual(3);
    // Nothing the refused calls reached was written: still the three keys, the account alive.
    expect(await countKeys(userId)).toBe(3);
    expect((await owner.get('/v1/sites')).status).toBe(200);
  });

  it('a read-only key may read but gets 403 on every write, which changes nothing', async () => {
    const { owner, userId, bot, created } = await signedInWithKey({ scope: 'read' });
    expect(created.scope).toBe('read');
    expect((await bot.get('/v1/sites')).status).toBe(200);
    expect((await bot.get('/v1/leads')).status).toBe(200);
    const write = await bot.post('/v1/sites', { name: 'Should not exist' });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'forbidden', message: 'This API key is read-only' });
    expect(await server.sql('select 1 from sites where user_id = $1', [userId])).toHaveLength(0);
    // A read-write key (the default) may write.
    const rw = await owner.post('/v1/api-keys', { name: 'writer' });
    expect(rw.body.scope).toBe('read_write');
    const writer = new ApiClient(server.url);
    writer.bearer = rw.body.key;
    expect((await writer.post('/v1/sites', { name: 'From the API' })).status).toBe(201);
  });

  it('a read-only key cannot read a webhook signing secret (403); a read_write key and the session can', async () => {
    const { owner, bot } = await signedInWithKey({ scope: 'read' });
    const endpoint = await owner.post('/v1/webhook-endpoints', { url: 'https://crm.example.com/hooks' });
    expect(endpoint.status).toBe(201);
    const path = `/v1/webhook-endpoints/${endpoint.body.endpointId}/secret`;
    const refused = await bot.get(path);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(JSON.stringify(refused.body)).not.toMatch(/whsec_/);
    expect((await bot.get(`/v1/webhook-endpoints/${endpoint.body.endpointId}`)).status).toBe(200); // the rest stays readable
    const fromSession = await owner.get(path);
    expect(fromSession.status).toBe(200);
    expect(fromSession.body.secret).toMatch(/^whsec_/);
    const rw = await owner.post('/v1/api-keys', { name: 'writer' });
    const writer = new ApiClient(server.url);
    writer.bearer = rw.body.key;
    expect((await writer.get(path)).body.secret).toBe(fromSession.body.secret);
  });

  it('an expired key answers 401; an expiry in the past is refused at creation', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { owner, bot, created } = await signedInWithKey({ expiresAt });
    expect(created.expiresAt).toBe(expiresAt);
    expect((await bot.get('/v1/sites')).status).toBe(200);
    await server.sql(`update api_keys set expires_at = now() - interval '1 second' where api_key_id = $1`, [created.apiKeyId]);
    const expired = await bot.get('/v1/sites');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('unauthorized');
    const past = await owner.post('/v1/api-keys', { name: 'already over', expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body.error.details).toEqual([expect.objectContaining({ path: 'expiresAt' })]);
  });

  it('lists scope, expiry and last use (never the key)', async () => {
    const { owner, bot, created } = await signedInWithKey({ scope: 'read' });
    expect((await owner.get('/v1/api-keys?limit=1')).status).toBe(400); // not paged: an unknown parameter is refused, as on every list
    const before = (await owner.get('/v1/api-keys')).body.items[0];
    expect(before).toMatchObject({ apiKeyId: created.apiKeyId, scope: 'read', expiresAt: null, lastUsedAt: null });
    await bot.get('/v1/sites');
    const after = (await owner.get('/v1/api-keys')).body.items[0];
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(after)).not.toContain(created.key);
  });

  // Before: the two expiries past what Postgres takes answered 500 (the first: "time zone
  // displacement out of range"; the second names 10000-01-01 in UTC).
  it.each([
    ['an unknown scope', { name: 'x', scope: 'admin' }, 'scope'],
    ['a malformed expiry', { name: 'x', expiresAt: 'next tuesday' }, 'expiresAt'],
    ['an expiry with a zone offset past ±15:59', { name: 'x', expiresAt: '9999-12-31T23:59:59-23:59' }, 'expiresAt'],
    ['an expiry past the year 9999 in UTC', { name: 'x', expiresAt: '9999-12-31T23:59:59-15:59' }, 'expiresAt'],
  ])('rejects %s with 400 and creates nothing', async (_name, body, path) => {
    const owner = new ApiClient(server.url);
    const { userId } = await owner.signUp();
    const res = await owner.post('/v1/api-keys', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path })]);
    expect(await countKeys(userId)).toBe(0);
  });

  it('takes the latest expiry it allows, with a zone offset, as the instant it names', async () => {
    const { created } = await signedInWithKey({ expiresAt: '9999-12-31T23:59:59+15:59' });
    expect(created.expiresAt).toBe('9999-12-31T08:00:59.000Z');
  });
});
