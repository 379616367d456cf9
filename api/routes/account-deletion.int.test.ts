// Deleting an account over HTTP (DELETE /v1/account, docs/accounts.md), with a real SMTP server,
// a second API process and the worker: the password, CSRF and a session are required; the account
// stops working at once — cookies (in both processes), API keys, login, its sites' collect, its
// webhooks, reminders and emails — its address can sign up again at once, a notice goes to the old
// address, and the worker erases every row while another realtor's rows stay as they were.
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { closeAppStreams, createApp, sessionCacheOf } from '#api/app.ts';
import { ACCOUNT_PASSWORD_ATTEMPTS_PER_USER } from '#api/routes/account.routes.ts';
import { INGEST_SITE_CACHE_TTL_MS } from '#core/sites/resolve-ingest-site.ts';
import { HANDLERS } from '#worker/handlers/index.ts';
import { countAccountRows, mergeIds, readAccountIds, seedAccountData } from '#test/account-data.ts';
import { listenLocally } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeApiKey, makeRealtor, makeSite, type Realtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { sendIngest } from '#test/ingest.ts';
import type { CapturedMail } from '#test/smtp.ts';
import { startTestWorker } from '#test/worker.ts';
import { useMailStack } from '#test/mail-stack.ts';

const ORIGIN = 'https://listings.example.com';
const { purgeAccount: _, sweepAccountPurges: __, rescoreUser: ___, ...handlersButPurge } = HANDLERS;
/**
 * Its worker runs every handler but the purge (and the rules rescore, which shares its queue and would
 * take its job): what the deletion does at once is asserted before anything is erased.
 */
const stack = useMailStack({ TRUST_PROXY: 'true' }, { worker: { handlers: handlersButPurge } });
let ipCounter = 0;

const uniqueEmail = (tag = 'agent') => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const errorCode = (res: { body: any }) => res.body?.error?.code;
const nextIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
const collect = (baseUrl: string, site: string) =>
  sendIngest(`${baseUrl}/v1/collect`, { site, visitor: `v_${randomUUID().slice(0, 12)}`, events: [{ id: randomUUID(), type: 'page_view', url: `${ORIGIN}/` }] }, { defaultOrigin: ORIGIN, nextIp });

beforeEach(async () => {
  const keys = await stack.server.redis.keys(`${stack.server.config.QUEUE_PREFIX}:rl:signup-ip:*`);
  if (keys.length) await stack.server.redis.del(...keys);
});

/** A realtor with a site (allowing ORIGIN), an API key and `leads` leads' worth of data. */
async function makeAccount(leads = 6): Promise<{ r: Realtor; publicKey: string; apiKey: string; ids: Awaited<ReturnType<typeof readAccountIds>> }> {
  const r = await makeRealtor(stack.server, { email: uniqueEmail() });
  const site = await makeSite(r, { allowedOrigins: [ORIGIN] });
  const apiKey = await makeApiKey(r);
  const seeded = await seedAccountData(stack.server, { userId: r.userId, siteId: site.siteId, leads });
  // The signup's verification email has gone out (its attempt row would appear under a snapshot).
  await expect.poll(async () => (await stack.server.sql(`select 1 from notifications where user_id = $1 and kind = 'verify_email' and status = 'pending'`, [r.userId])).length, WAIT).toBe(0);
  return { r, publicKey: site.publicKey, apiKey, ids: mergeIds(seeded, await readAccountIds(stack.server, r.userId)) };
}

async function userRow(userId: string) {
  const [row] = await stack.server.sql<{ email: string; deleted_at: string | null }>('select email, deleted_at from users where user_id = $1', [userId]);
  return row;
}

describe('DELETE /v1/account refuses', () => {
  it('a wrong password (400 wrong_password), an API key (403), a missing CSRF token (403), a bad body (400) — and changes nothing', async () => {
    const { r, apiKey, ids } = await makeAccount(3);
    const before = await countAccountRows(stack.server, ids);
    const bearer = new ApiClient(stack.server.url);
    bearer.bearer = apiKey;

    const wrong = await r.client.request('DELETE', '/v1/account', { json: { password: 'not my password' } });
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong)).toBe('wrong_password');
    const viaKey = await bearer.request('DELETE', '/v1/account', { json: { password: r.password } });
    expect(viaKey.status).toBe(403);
    expect(errorCode(viaKey)).toBe('forbidden');
    expect(viaKey.body.error.message).toMatch(/API keys cannot use account settings/);
    const noCsrf = await r.client.request('DELETE', '/v1/account', { json: { password: r.password }, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(errorCode(noCsrf)).toBe('csrf_failed');
    for (const json of [{}, { password: '' }, { password: r.password, extra: 1 }, { password: 12 }]) {
      const bad = await r.client.request('DELETE', '/v1/account', { json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(errorCode(bad)).toBe('validation_failed');
    }
    expect((await new ApiClient(stack.server.url).request('DELETE', '/v1/account', { json: { password: r.password } })).status).toBe(401);

    // Nothing changed: the account works, its rows are all there, no email went out.
    expect(await userRow(r.userId)).toEqual({ email: r.email, deleted_at: null });
    expect(await countAccountRows(stack.server, ids)).toEqual(before);
    expect((await r.client.get('/v1/auth/me')).status).toBe(200);
    expect((await bearer.get('/v1/leads')).status).toBe(200);
    expect((await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password })).status).toBe(200);
    expect(await stack.server.sql(`select 1 from notifications where user_id = $1 and kind = 'account_deleted'`, [r.userId])).toHaveLength(0);
    // The OpenAPI document: session only.
    const openapi = (await new ApiClient(stack.server.url).get('/v1/openapi.json')).body;
    expect(openapi.paths['/v1/account'].delete.security).toEqual([{ session: [] }]);
  });

  it('more wrong passwords than the budget shared with the password change: 429, and the right one is refused too until the window ends', async () => {
    const { r, ids } = await makeAccount(1);
    const before = await countAccountRows(stack.server, ids);
    // One wrong guess spent on the password change counts here too.
    expect((await r.client.post('/v1/account/password', { currentPassword: 'wrong guess', newPassword: 'another good passphrase' })).status).toBe(400);
    for (let i = 1; i < ACCOUNT_PASSWORD_ATTEMPTS_PER_USER; i++) {
      expect(errorCode(await r.client.request('DELETE', '/v1/account', { json: { password: `wrong ${i}` } }))).toBe('wrong_password');
    }
    const limited = await r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await userRow(r.userId)).toEqual({ email: r.email, deleted_at: null });
    expect(await countAccountRows(stack.server, ids)).toEqual(before);
  });
});

describe('DELETE /v1/account with the right password', () => {
  it('ends the account at once everywhere, frees its address, mails the old address, and the worker erases every row of it (and none of another realtor)', { timeout: 120_000 }, async () => {
    const { r, publicKey, apiKey, ids } = await makeAccount(8);
    const other = await makeAccount(5);
    const otherBefore = await countAccountRows(stack.server, other.ids);
    const laptop = new ApiClient(stack.server.url);
    const login = await laptop.post('/v1/auth/login', { email: r.email, password: r.password });
    expect(login.status).toBe(200);
    laptop.csrfToken = login.body.csrfToken;
    const bearer = new ApiClient(stack.server.url);
    bearer.bearer = apiKey;

    // A second API process with the sessions and the site in its memory.
    const app = createApp({ ...stack.server.runtime, config: stack.server.config });
    const second = await listenLocally(app);
    try {
      const there = new ApiClient(second.url);
      there.cookie = laptop.cookie;
      await expect.poll(async () => (await there.get('/v1/auth/me')).status === 200 && sessionCacheOf(app).listening(), WAIT).toBe(true);
      expect((await collect(second.url, publicKey)).status).toBe(202);
      expect((await collect(stack.server.url, publicKey)).status).toBe(202);
      // What the admin shows before the deletion.
      expect((await r.client.get('/v1/account/deletion')).body).toEqual({ sites: 1, leads: 8 });

      const heard = sessionCacheOf(app).nextChange();
      const started = Date.now();
      const res = await r.client.request('DELETE', '/v1/account', { json: { password: r.password } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(Date.parse(res.body.deletedAt)).toBeGreaterThanOrEqual(started - 1000);
      const cleared = res.headers.getSetCookie().find((c) => c.startsWith('pl_session='));
      expect(cleared).toMatch(/^pl_session=;/);
      expect(r.client.cookie).toBe('');

      // Every session is dead, in this process and (once Postgres told it) in the other one; the API key too.
      const oldCookie = new ApiClient(stack.server.url);
      oldCookie.cookie = laptop.cookie;
      expect((await oldCookie.get('/v1/auth/me')).status).toBe(401);
      await heard;
      expect((await there.get('/v1/auth/me')).status).toBe(401);
      expect((await bearer.get('/v1/leads')).status).toBe(401);

      // Login fails exactly as for an address that never had an account; the address signs up again at once.
      const failed = await new ApiClient(stack.server.url).post('/v1/auth/login', { email: r.email, password: r.password });
      const unknown = await new ApiClient(stack.server.url).post('/v1/auth/login', { email: uniqueEmail('nobody'), password: r.password });
      expect(failed.status).toBe(401);
      expect(failed.body).toEqual(unknown.body);
      const reset = await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email: r.email });
      expect(reset.status).toBeLessThan(300);
      const again = new ApiClient(stack.server.url);
      const signup = await again.post('/v1/auth/signup', { username: 'Fresh start', email: r.email, password: 'a whole new passphrase' });
      expect(signup.status, JSON.stringify(signup.body)).toBe(201);
      expect(signup.body.user.userId).not.toBe(r.userId);
      expect(signup.body.user.email).toBe(r.email);
      // The new account starts empty: none of the old data shows.
      again.csrfToken = signup.body.csrfToken;
      expect((await again.get('/v1/leads')).body.items).toEqual([]);
      expect((await again.get('/v1/sites')).body.items).toEqual([]);

      // Its sites stop accepting events: this process at once, the other within its site cache's TTL.
      expect((await collect(stack.server.url, publicKey)).status).toBe(403);
      await expect.poll(async () => (await collect(second.url, publicKey)).status, { ...WAIT, timeout: INGEST_SITE_CACHE_TTL_MS + 10_000 }).toBe(403);

      // Nothing it owns sends anything any more.
      expect(await userRow(r.userId)).toEqual({ email: `deleted+${r.userId}@invalid`, deleted_at: expect.any(Date) });
      expect(await stack.server.sql(`select status, count(*)::int as n from follow_up_reminders where user_id = $1 group by 1`, [r.userId])).toEqual([{ status: 'dismissed', n: 8 }]);
      expect(await stack.server.sql(`select d.status, count(*)::int as n from webhook_deliveries d join webhook_endpoints e using (endpoint_id) where e.user_id = $1 group by 1`, [r.userId])).toEqual([{ status: 'failed', n: 8 }]);
      expect(await stack.server.sql(`select enabled from webhook_endpoints where user_id = $1`, [r.userId])).toEqual([{ enabled: false }]);
      expect(await stack.server.sql(`select status, count(*)::int as n from notifications where user_id = $1 and kind = 'lead_hot' group by 1`, [r.userId])).toEqual([{ status: 'cancelled', n: 8 }]);
      expect(await stack.server.sql(`select 1 from sessions where user_id = $1 union all select 1 from api_keys where user_id = $1`, [r.userId])).toEqual([]);

      // The notice reaches the old address.
      const notice: CapturedMail = await stack.smtp.waitFor((m) => m.envelope.to.includes(r.email) && /Your Porchlight account was deleted/.test(m.subject));
      expect(notice.text).toContain('being erased');
      await expect.poll(async () => (await stack.server.sql(`select status from notifications where user_id = $1 and kind = 'account_deleted'`, [r.userId]))[0]?.status, WAIT).toBe('sent');
      expect(stack.smtp.messages.filter((m) => m.envelope.to.some((to) => to.includes('@invalid')))).toEqual([]);

      // The worker erases it all: not one row of the account is left, anywhere.
      expect(Object.keys(await countAccountRows(stack.server, ids)).length).toBeGreaterThan(15);
      const purger = await startTestWorker(stack.server, { name: 'purger', handlers: { purgeAccount: HANDLERS.purgeAccount } });
      try {
        await expect.poll(() => countAccountRows(stack.server, ids), { ...WAIT, timeout: 30_000 }).toEqual({});
      } finally {
        await purger.close();
      }
      // The site-keyed and user-keyed counters kept by triggers went with it (no −1 rows left behind).
      for (const table of ['visitor_daily_counts', 'inquiry_daily_counts']) {
        expect(await stack.server.sql(`select 1 from ${table} where site_id = any($1::uuid[])`, [ids.siteIds]), table).toEqual([]);
      }
      // Another realtor's rows are exactly as they were, and its account and site work.
      expect(await countAccountRows(stack.server, other.ids)).toEqual(otherBefore);
      expect((await other.r.client.get('/v1/auth/me')).status).toBe(200);
      expect((await collect(stack.server.url, other.publicKey)).status).toBe(202);
    } finally {
      await second.close();
      await closeAppStreams(app);
    }
  });
});
