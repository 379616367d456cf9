import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '#core/accounts/api-keys.ts';
import { createSessionCache, type SessionCache } from '#core/accounts/session-cache.ts';
import { createSession, signSessionToken } from '#core/accounts/sessions.ts';
import { signUp } from '#core/accounts/sign-up.ts';
import { tenantOfUser, type Tenant } from '#core/accounts/tenant.ts';
import { useTestOrm } from '#test/db.ts';
import { AnswerCache } from './answer-cache.ts';
import type { AppDeps } from './deps.ts';
import { requestContext } from './middleware/context.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { RouteRegistry } from './route.ts';

// RouteSpec hands each handler the request's clock reading and, for realtor routes, the tenant
// resolved by the auth gate; a realtor handler never runs without one.

const FROZEN_NOW = new Date('2031-02-03T04:05:06.789Z');
const t = useTestOrm();
let server: Server;
let base: string;
let userId: string;
let apiKey: string;
let sessionCookie: string;
let sessionCache: SessionCache;
const seen: Array<{ route: string; tenant?: Tenant; now: Date }> = [];

beforeAll(async () => {
  const { orm, config, logger } = t.runtime;
  const em = orm.em.fork();
  const user = await signUp({ em, input: { username: 'route', email: 'route@example.com', password: 'correct horse battery' } });
  userId = user.userId;
  apiKey = (await createApiKey({ em, tenant: tenantOfUser(userId), input: { name: 'k' } })).key;
  const { token } = (await createSession({ em, userId, ttlHours: 1, now: FROZEN_NOW }))!;
  sessionCookie = `pl_session=${signSessionToken(token, config.SESSION_SECRET)}`;

  const deps = { orm, config, logger, now: () => FROZEN_NOW } as unknown as AppDeps;
  const routes = new RouteRegistry();
  routes.add({
    method: 'get', path: '/realtor', tag: 't', auth: 'realtor', summary: 'realtor', responses: { 200: { description: 'ok' } },
    handler: (ctx, { tenant, now }) => {
      seen.push({ route: 'realtor', tenant, now });
      ctx.body = { ok: true };
    },
  });
  routes.add({
    method: 'get', path: '/public', tag: 't', auth: 'public', summary: 'public', responses: { 200: { description: 'ok' } },
    handler: (ctx, input) => {
      seen.push({ route: 'public', tenant: (input as { tenant?: Tenant }).tenant, now: input.now });
      ctx.body = { ok: true };
    },
  });
  routes.add({
    method: 'post', path: '/action', tag: 't', auth: 'public', summary: 'an action without a body', responses: { 200: { description: 'ok' } },
    handler: (ctx, input) => {
      seen.push({ route: 'action', now: input.now });
      ctx.body = { ok: true };
    },
  });
  const router = new Router();
  routes.mount(router);
  const app = new Koa();
  app.silent = true;
  sessionCache = createSessionCache({ databaseUrl: t.db.url, logger });
  app.use(requestContext(deps, { sessionCache, answerCache: new AnswerCache(0) }));
  app.use(errorHandler());
  app.use(router.routes());
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await sessionCache.close();
});

describe('RouteSpec handler input', () => {
  it.each([
    ['an API key', () => ({ authorization: `Bearer ${apiKey}` })],
    ['a session cookie', () => ({ cookie: sessionCookie })],
  ])('a realtor handler receives the tenant (%s) and the injected now', async (_via, headers) => {
    seen.length = 0;
    const res = await fetch(`${base}/realtor`, { headers: headers() });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ route: 'realtor', tenant: { accountId: userId, userId, role: 'owner' }, now: FROZEN_NOW }]);
  });

  it('a realtor handler never runs unauthenticated (401)', async () => {
    seen.length = 0;
    const res = await fetch(`${base}/realtor`, { headers: { authorization: 'Bearer plk_nope' } });
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('a public handler receives now and no tenant', async () => {
    seen.length = 0;
    const res = await fetch(`${base}/public`);
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ route: 'public', tenant: undefined, now: FROZEN_NOW }]);
  });
});

describe('a write route without a body spec', () => {
  const post = (body?: string, type = 'application/json') => fetch(`${base}/action`, { method: 'POST', ...(body === undefined ? {} : { body, headers: { 'content-type': type } }) });

  it('runs with no body or {}', async () => {
    seen.length = 0;
    expect((await post()).status).toBe(200);
    expect((await post('{}')).status).toBe(200);
    expect(seen.map((s) => s.route)).toEqual(['action', 'action']);
  });

  it('refuses a body that says something with a 400 naming it, and does not run', async () => {
    seen.length = 0;
    const res = await post('{"zzTypo":1}');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; details: Array<{ path: string; message: string }> } };
    expect(error.code).toBe('validation_failed');
    expect(error.details[0].message).toMatch(/zzTypo/);
    expect((await post('[1]')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('ignores a body that is not JSON (a one-click unsubscribe posts a form)', async () => {
    seen.length = 0;
    expect((await post('List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).status).toBe(200);
    expect(seen.map((s) => s.route)).toEqual(['action']);
  });
});
