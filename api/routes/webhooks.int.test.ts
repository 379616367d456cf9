// The webhook API over HTTP: endpoints CRUD, secrets and rotation, the catalogue, tenant
// isolation, bad input, and the SSRF guard at save time and at send time (never a socket to a
// non-loopback address: private and metadata targets are refused before any connection).
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#core/logger.ts';
import { dataKeyId, sealSecret } from '#core/secret-box.ts';
import { encryptLegacyWebhookSecrets, openWebhookSecret } from '#core/webhooks/webhook-secret-at-rest.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeWebhookEndpoint } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { type ReceivedWebhook, startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { createWebhookDispatcher } from '#worker/handlers/deliver-webhook-dispatcher.ts';

let server: TestServer;
let guarded: TestServer;
let receiver: TestReceiver;
let owner: ApiClient;
let other: ApiClient;
let guardedClient: ApiClient;
let guardedUserId: string;
let ownerUserId: string;
const logger = createLogger({ level: 'silent', name: 'test-dispatcher' });

/** What a worker does with a wake-up: its dispatcher claims what is due, sends it through the guard and records the answers. */
async function dispatchDue(s: TestServer): Promise<void> {
  const dispatcher = createWebhookDispatcher({ orm: s.orm, config: s.config, queues: s.queues, logger });
  await dispatcher.wake();
  await dispatcher.close(); // once every claimed attempt is sent and recorded
}

/** `POST {base}/test` as `client`, a dispatch on `s`, and the request the shared receiver got for it. */
async function sendTestEvent(client: ApiClient, base: string, s: TestServer = server): Promise<ReceivedWebhook> {
  const test = await client.post(`${base}/test`);
  expect(test.status).toBe(202);
  await dispatchDue(s);
  const sent = receiver.received.find((r) => r.id === test.body.messageId);
  if (!sent) throw new Error(`the test event ${test.body.messageId} was not sent`);
  return sent;
}

beforeAll(async () => {
  [server, guarded, receiver] = await Promise.all([
    startTestServer(),
    // No loopback allowed here: the production posture.
    startTestServer({ WEBHOOK_ALLOWED_HOSTS: 'hooks.partner.example' }),
    startTestReceiver(),
  ]);
  owner = new ApiClient(server.url);
  other = new ApiClient(server.url);
  guardedClient = new ApiClient(guarded.url);
  ownerUserId = (await owner.signUp()).userId;
  await other.signUp();
  guardedUserId = (await guardedClient.signUp()).userId;
});
afterAll(async () => {
  await Promise.all([server?.close(), guarded?.close(), receiver?.close()]);
});

/** An endpoint's row as stored: secrets are `enc1:…` ciphertext (or legacy plaintext). */
async function storedSecrets(endpointId: string): Promise<{ secret: string; previous_secret: string | null }> {
  const [row] = await server.sql<{ secret: string; previous_secret: string | null }>('select secret, previous_secret from webhook_endpoints where endpoint_id = $1', [endpointId]);
  return row;
}
/** The `whsec_` values inside a stored row, opened with the server's DATA_ENCRYPTION_KEY. */
async function openedSecrets(endpointId: string): Promise<{ secret: string; previous_secret: string | null }> {
  const row = await storedSecrets(endpointId);
  const open = (v: string | null) => (v === null ? null : openWebhookSecret(v, server.config.DATA_ENCRYPTION_KEY));
  return { secret: open(row.secret) as string, previous_secret: open(row.previous_secret) };
}

const counts = async (s: TestServer) =>
  (await s.sql<Record<string, number>>(`select (select count(*)::int from webhook_endpoints) as endpoints, (select count(*)::int from webhook_messages) as messages,
    (select count(*)::int from webhook_deliveries) as deliveries`))[0];

describe('webhook endpoints', () => {
  it('creates an endpoint with a whsec_ secret, lists it with its health and never the secret, reads, patches and deletes it', async () => {
    const created = await owner.post('/v1/webhook-endpoints', { url: receiver.url, description: 'CRM', eventTypes: ['lead.created', 'inquiry.created'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiver.url, description: 'CRM', eventTypes: ['lead.created', 'inquiry.created'], enabled: true,
      health: { lastSuccessAt: null, failureStreak: 0, breaker: 'closed', disabledReason: null, disabledBy: null, pendingDeliveries: 0 },
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.body.endpointId;

    const list = await owner.get('/v1/webhook-endpoints');
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: any) => e.endpointId)).toEqual([id]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect((await owner.get(`/v1/webhook-endpoints/${id}`)).body).not.toHaveProperty('secret');
    const secret = await owner.get(`/v1/webhook-endpoints/${id}/secret`);
    expect(secret.body).toEqual({ secret: created.body.secret, previousSecretExpiresAt: null });
    // Like every /v1 answer (api/middleware/security-headers.ts): no cache keeps the secret.
    expect(secret.headers.get('cache-control')).toBe('no-store');

    const patched = await owner.patch(`/v1/webhook-endpoints/${id}`, { description: 'Main CRM', eventTypes: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'Main CRM', eventTypes: null });

    const disabled = await owner.patch(`/v1/webhook-endpoints/${id}`, { enabled: false });
    // No time in the reason: disabledAt carries it, shown in the reader's time zone.
    expect(disabled.body).toMatchObject({ enabled: false, health: { disabledReason: 'Disabled by you.', disabledAt: expect.any(String), disabledBy: 'realtor' } });
    const enabled = await owner.post(`/v1/webhook-endpoints/${id}/enable`);
    expect(enabled.body).toMatchObject({ enabled: true, health: { disabledReason: null, disabledBy: null } });

    expect((await owner.delete(`/v1/webhook-endpoints/${id}`)).status).toBe(204);
    expect((await owner.get(`/v1/webhook-endpoints/${id}`)).status).toBe(404);
  });

  it('rotates the secret: the previous one keeps signing for 24 hours', async () => {
    const { body } = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const rotated = await owner.post(`/v1/webhook-endpoints/${body.endpointId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(body.secret);
    const hours = (Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    expect(await openedSecrets(body.endpointId)).toEqual({ secret: rotated.body.secret, previous_secret: body.secret });
    const stored = await storedSecrets(body.endpointId);
    expect([stored.secret, stored.previous_secret]).toEqual([expect.stringMatching(/^enc1:/), expect.stringMatching(/^enc1:/)]);
    expect((await owner.get(`/v1/webhook-endpoints/${body.endpointId}`)).body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
  });

  it('an endpoint created disabled was disabled by the realtor, not by its deliveries', async () => {
    const created = await owner.post('/v1/webhook-endpoints', { url: receiver.url, description: 'Later', enabled: false });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ enabled: false, health: { disabledReason: 'Disabled by you.', disabledAt: expect.any(String), disabledBy: 'realtor' } });
    expect((await owner.get(`/v1/webhook-endpoints/${created.body.endpointId}`)).body.health.disabledBy).toBe('realtor');
    // One created disabled by an earlier version has no reason at all: the realtor's too.
    const { endpointId } = await makeWebhookEndpoint(server, { userId: ownerUserId, url: receiver.url, enabled: false, disabledReason: null });
    expect((await owner.get(`/v1/webhook-endpoints/${endpointId}`)).body.health).toMatchObject({ disabledReason: null, disabledBy: 'realtor' });
  });

  it('rotating again within 24 hours keeps the original secret signing beside the newest, as the first rotation promised', async () => {
    const { body } = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const base = `/v1/webhook-endpoints/${body.endpointId}`;
    const original = body.secret as string;
    const first = (await owner.post(`${base}/rotate-secret`)).body;
    const second = (await owner.post(`${base}/rotate-secret`)).body;
    expect(second.secret).not.toBe(first.secret);
    expect(second.previousSecretExpiresAt).toBe(first.previousSecretExpiresAt);
    expect((await owner.get(`${base}/secret`)).body).toEqual({ secret: second.secret, previousSecretExpiresAt: first.previousSecretExpiresAt });

    const sent = await sendTestEvent(owner, base);
    // A receiver still on the original secret (within its 24 hours) and one on the newest both accept it.
    expect(receiver.verify(sent, original)).toMatchObject({ type: 'webhook.test', data: { endpointId: body.endpointId } });
    expect(receiver.verify(sent, second.secret)).toMatchObject({ type: 'webhook.test' });
    expect(() => receiver.verify(sent, first.secret)).toThrow(); // the intermediate one, replaced within minutes, is dropped
    expect(sent.signature.split(' ')).toHaveLength(2);

    // Once that grace period is over, a rotation starts a new one for the secret it replaces.
    await server.sql(`update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second' where endpoint_id = $1`, [body.endpointId]);
    const third = (await owner.post(`${base}/rotate-secret`)).body;
    expect((Date.parse(third.previousSecretExpiresAt) - Date.now()) / 3_600_000).toBeGreaterThan(23.9);
    expect(await openedSecrets(body.endpointId)).toEqual({ secret: third.secret, previous_secret: second.secret });
  });

  it('stores the secret encrypted: the row holds enc1:… ciphertext, never the whsec_ value, and …/secret reveals the original', async () => {
    const created = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const id = created.body.endpointId as string;
    const stored = await storedSecrets(id);
    expect(stored.secret).toMatch(/^enc1:[0-9a-f]{8}:/);
    expect(stored.secret).not.toContain(created.body.secret);
    expect(stored.secret).not.toContain((created.body.secret as string).slice('whsec_'.length));
    expect((await owner.get(`/v1/webhook-endpoints/${id}/secret`)).body.secret).toBe(created.body.secret);

    // And it signs: the receiver verifies the delivery with the whsec_ value the API returned.
    const sent = await sendTestEvent(owner, `/v1/webhook-endpoints/${id}`);
    expect(receiver.verify(sent, created.body.secret)).toMatchObject({ type: 'webhook.test', data: { endpointId: id } });
    expect(sent.signature.split(' ')).toHaveLength(1);
  });

  it('a secret that does not open with the server key answers a JSON 500 that says what to do, and changes nothing', async () => {
    const created = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const id = created.body.endpointId as string;
    const damaged = 'enc1:00000000:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA:AAAA';
    await server.sql('update webhook_endpoints set secret = $1 where endpoint_id = $2', [damaged, id]);
    const res = await owner.get(`/v1/webhook-endpoints/${id}/secret`);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'internal', message: expect.stringContaining('DATA_ENCRYPTION_KEY') });
    expect(JSON.stringify(res.body)).not.toContain('whsec_');
    expect((await storedSecrets(id)).secret).toBe(damaged);
  });

  it('a legacy plaintext secret still reveals, signs and rotates, and the sweeper\'s step encrypts it in place', async () => {
    const { endpointId, secret } = await makeWebhookEndpoint(server, { userId: ownerUserId, url: receiver.url });
    expect((await storedSecrets(endpointId)).secret).toBe(secret); // as rows were before encryption at rest
    const base = `/v1/webhook-endpoints/${endpointId}`;
    expect((await owner.get(`${base}/secret`)).body.secret).toBe(secret);
    const sent = await sendTestEvent(owner, base);
    expect(receiver.verify(sent, secret)).toMatchObject({ type: 'webhook.test' });

    // Rotation copies the plaintext into previous_secret as it is; the new one is encrypted.
    const rotated = (await owner.post(`${base}/rotate-secret`)).body;
    expect(await storedSecrets(endpointId)).toEqual({ secret: expect.stringMatching(/^enc1:/), previous_secret: secret });

    const em = server.orm.em.fork();
    const key = server.config.DATA_ENCRYPTION_KEY;
    expect(await encryptLegacyWebhookSecrets({ em, key, limit: 500 })).toBeGreaterThanOrEqual(1);
    const stored = await storedSecrets(endpointId);
    expect(stored.secret).toMatch(/^enc1:/);
    expect(stored.previous_secret).toMatch(/^enc1:/);
    expect(await openedSecrets(endpointId)).toEqual({ secret: rotated.secret, previous_secret: secret });
    expect(await encryptLegacyWebhookSecrets({ em, key, limit: 500 })).toBe(0); // idempotent: nothing plaintext is left
    expect(await server.sql(`select endpoint_id from webhook_endpoints where secret like 'whsec_%' or previous_secret like 'whsec_%'`)).toEqual([]);

    // Both still sign after the conversion.
    const after = await sendTestEvent(owner, base);
    expect(receiver.verify(after, secret)).toMatchObject({ type: 'webhook.test' });
    expect(receiver.verify(after, rotated.secret)).toMatchObject({ type: 'webhook.test' });
  });

  it('a fixed URL gets its test event and what waited behind the old URL’s open breaker at once, not hours later', async () => {
    const broken = await startTestReceiver();
    broken.defaultAnswer = { status: 503 };
    try {
      const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: broken.url, description: 'Typo in the path' });
      const base = `/v1/webhook-endpoints/${ep.endpointId}`;
      const waiting: string[] = [];
      for (let i = 0; i < 3; i++) waiting.push((await owner.post(`${base}/test`)).body.messageId);
      await dispatchDue(server);
      expect(broken.received.map((r) => r.id).sort()).toEqual([...waiting].sort());
      expect((await owner.get(base)).body.health).toMatchObject({ breaker: 'open', failureStreak: 3, failingSince: expect.any(String) });
      // Hours of failures later: the breaker is on its 10-hour step and what waits is deferred to
      // its end, as failed probes leave them.
      await server.sql(`update webhook_endpoints set breaker_until = now() + interval '10 hours', breaker_step = 7 where endpoint_id = $1`, [ep.endpointId]);
      await server.sql(`update webhook_deliveries set next_attempt_at = now() + interval '10 hours' where endpoint_id = $1 and status = 'pending'`, [ep.endpointId]);

      const fixed = await owner.patch(base, { url: receiver.url });
      expect(fixed.status).toBe(200);
      expect(fixed.body.health).toMatchObject({ breaker: 'closed', breakerUntil: null, failureStreak: 0, failingSince: null, pendingDeliveries: 3 });
      const test = await owner.post(`${base}/test`);
      expect(test.status).toBe(202);
      await dispatchDue(server);
      const ids = [...waiting, test.body.messageId];
      const got = receiver.received.filter((r) => ids.includes(r.id));
      expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
      for (const w of got) expect(receiver.verify(w, ep.secret)).toMatchObject({ type: 'webhook.test', data: { endpointId: ep.endpointId } });
      expect((await owner.get(`/v1/webhook-deliveries/${test.body.deliveryId}`)).body).toMatchObject({ status: 'succeeded', attemptCount: 1 });
      expect((await owner.get(base)).body.health).toMatchObject({ breaker: 'closed', failureStreak: 0, pendingDeliveries: 0, lastSuccessAt: expect.any(String) });
      expect(broken.received).toHaveLength(3);
    } finally {
      await broken.close();
    }
  });

  it('enabling an endpoint whose breaker is open sends what waited behind it at once, not hours later', async () => {
    const flaky = await startTestReceiver();
    flaky.defaultAnswer = { status: 503 };
    try {
      const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: flaky.url, description: 'Down for a while' });
      const base = `/v1/webhook-endpoints/${ep.endpointId}`;
      const waiting: string[] = [];
      for (let i = 0; i < 3; i++) waiting.push((await owner.post(`${base}/test`)).body.messageId);
      await dispatchDue(server);
      expect((await owner.get(base)).body.health).toMatchObject({ breaker: 'open', failureStreak: 3 });
      // Hours of failed probes later: the breaker is on its 10-hour step, the backlog deferred to its end.
      await server.sql(`update webhook_endpoints set breaker_until = now() + interval '10 hours', breaker_step = 7 where endpoint_id = $1`, [ep.endpointId]);
      await server.sql(`update webhook_deliveries set next_attempt_at = now() + interval '10 hours' where endpoint_id = $1 and status = 'pending'`, [ep.endpointId]);

      // The receiver is back (same URL); the realtor re-enables the endpoint for a clean slate.
      flaky.defaultAnswer = { status: 204 };
      const enabled = await owner.post(`${base}/enable`);
      expect(enabled.status).toBe(200);
      expect(enabled.body.health).toMatchObject({ breaker: 'closed', breakerUntil: null, failureStreak: 0, pendingDeliveries: 3 });
      const [row] = await server.sql<{ breaker_step: number; held: number }>(`select breaker_step,
        (select count(*)::int from webhook_deliveries where endpoint_id = $1 and status = 'pending' and next_attempt_at > now()) as held
        from webhook_endpoints where endpoint_id = $1`, [ep.endpointId]);
      expect(row).toEqual({ breaker_step: 0, held: 0 });
      await dispatchDue(server);
      const delivered = flaky.received.filter((r) => waiting.includes(r.id)).slice(3);
      expect(delivered.map((r) => r.id).sort()).toEqual([...waiting].sort());
      for (const w of delivered) expect(flaky.verify(w, ep.secret)).toMatchObject({ type: 'webhook.test' });
      expect((await owner.get(base)).body.health).toMatchObject({ breaker: 'closed', pendingDeliveries: 0, lastSuccessAt: expect.any(String) });
    } finally {
      await flaky.close();
    }
  });

  it('a resend after a worker died mid-attempt keeps that attempt in the delivery log', async () => {
    const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const test = await owner.post(`/v1/webhook-endpoints/${ep.endpointId}/test`);
    // What a worker that claimed it a minute ago and died leaves: a counted attempt, a lease that ended 15 s ago.
    await server.sql(`update webhook_deliveries set attempt_count = 1, last_attempt_at = now() - interval '60 seconds', leased_until = now() - interval '15 seconds',
      next_attempt_at = now() - interval '15 seconds', lease_token = gen_random_uuid() where delivery_id = $1`, [test.body.deliveryId]);
    expect((await owner.post(`/v1/webhook-deliveries/${test.body.deliveryId}/resend`)).status).toBe(202);
    await dispatchDue(server);
    const detail = await owner.get(`/v1/webhook-deliveries/${test.body.deliveryId}`);
    expect(detail.body).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({ statusCode: null, durationMs: 45_000, error: expect.stringMatching(/^no result recorded/) }),
      expect.objectContaining({ statusCode: 204, error: null }),
    ]);
  });

  it('disabling an endpoint after a worker died mid-attempt keeps that attempt in the delivery log', async () => {
    const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const test = await owner.post(`/v1/webhook-endpoints/${ep.endpointId}/test`);
    await server.sql(`update webhook_deliveries set attempt_count = 1, last_attempt_at = now() - interval '60 seconds', leased_until = now() - interval '15 seconds',
      next_attempt_at = now() - interval '15 seconds', lease_token = gen_random_uuid() where delivery_id = $1`, [test.body.deliveryId]);
    expect((await owner.patch(`/v1/webhook-endpoints/${ep.endpointId}`, { enabled: false })).status).toBe(200);
    const detail = await owner.get(`/v1/webhook-deliveries/${test.body.deliveryId}`);
    expect(detail.body).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({ statusCode: null, durationMs: 45_000, error: expect.stringMatching(/^no result recorded: .*the endpoint is disabled/) }),
    ]);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await counts(server);
    const bad: Array<[unknown, string]> = [
      [{}, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://crm.example.com/x' }, 'url'],
      [{ url: 'https://user:pw@crm.example.com/x' }, 'url'],
      [{ url: receiver.url, eventTypes: ['lead.exploded'] }, 'eventTypes'],
      [{ url: receiver.url, eventTypes: [] }, 'eventTypes'],
      [{ url: receiver.url, eventTypes: ['lead.created', 'lead.created'] }, 'eventTypes'],
      [{ url: receiver.url, description: 'nul\u0000byte' }, 'description'],
      [{ url: receiver.url, description: 'x'.repeat(501) }, 'description'],
      [{ url: receiver.url, secret: 'whsec_mine' }, ''],
    ];
    for (const [body, field] of bad) {
      const res = await owner.post('/v1/webhook-endpoints', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (field) expect(JSON.stringify(res.body.error), JSON.stringify(body)).toContain(field);
    }
    const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: receiver.url });
    const mid = await counts(server);
    expect((await owner.patch(`/v1/webhook-endpoints/${ep.endpointId}`, {})).status).toBe(400);
    expect((await owner.patch(`/v1/webhook-endpoints/${ep.endpointId}`, { url: 'http://10.0.0.1/' })).status).toBe(400);
    expect((await owner.get(`/v1/webhook-endpoints/${ep.endpointId}/deliveries?status=lost`)).status).toBe(400);
    // Unknown query parameters on the lists are refused, as on every list (docs/api-leads.md).
    for (const path of ['/v1/webhook-endpoints?foo=1', '/v1/webhook-event-types?foo=1', `/v1/webhook-endpoints/${ep.endpointId}/deliveries?foo=1`]) {
      const res = await owner.get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toMatchObject({ code: 'validation_failed', details: [{ path: '', message: expect.stringContaining('foo') }] });
    }
    expect((await owner.get(`/v1/webhook-endpoints/${ep.endpointId}/deliveries?cursor=garbage`)).status).toBe(400);
    expect((await owner.post(`/v1/webhook-endpoints/${ep.endpointId}/recover`, { since: 'yesterday' })).status).toBe(400);
    expect((await owner.get(`/v1/webhook-endpoints/${ep.endpointId}`)).body.url).toBe(receiver.url);
    expect(await counts(server)).toEqual(mid);
    expect(mid.endpoints).toBe(before.endpoints + 1);
  });

  it("answers 404 for another account's endpoint or delivery, and changes nothing", async () => {
    const { body: ep } = await owner.post('/v1/webhook-endpoints', { url: receiver.url, description: 'mine' });
    const test = await owner.post(`/v1/webhook-endpoints/${ep.endpointId}/test`);
    expect(test.status).toBe(202);
    const snapshot = async () => ({
      endpoint: await server.sql('select * from webhook_endpoints where endpoint_id = $1', [ep.endpointId]),
      deliveries: await server.sql('select delivery_id, status, attempt_count from webhook_deliveries where endpoint_id = $1 order by delivery_id', [ep.endpointId]),
      counts: await counts(server),
    });
    const before = await snapshot();
    const base = `/v1/webhook-endpoints/${ep.endpointId}`;
    const attempts = [
      other.get(base), other.patch(base, { description: 'theirs' }), other.delete(base), other.get(`${base}/secret`), other.post(`${base}/rotate-secret`),
      other.post(`${base}/test`), other.post(`${base}/enable`), other.get(`${base}/deliveries`), other.post(`${base}/recover`, { since: '2020-01-01T00:00:00Z' }),
      other.get(`/v1/webhook-deliveries/${test.body.deliveryId}`), other.post(`/v1/webhook-deliveries/${test.body.deliveryId}/resend`),
      other.get(`/v1/webhook-endpoints/${randomUUID()}`), other.get('/v1/webhook-endpoints/not-a-uuid'),
    ];
    for (const res of await Promise.all(attempts)) expect(res.status).toBe(404);
    expect((await other.get('/v1/webhook-endpoints')).body.items).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('serves the event catalogue with examples, also in the OpenAPI document', async () => {
    const res = await owner.get('/v1/webhook-event-types');
    expect(res.status).toBe(200);
    expect(res.body.items.map((t: any) => t.type)).toEqual(['lead.created', 'lead.updated', 'lead.hot', 'lead.deleted', 'inquiry.created', 'reminder.due', 'webhook.test']);
    expect(res.body.items[0].example).toMatchObject({ type: 'lead.created', version: 1, data: { leadId: expect.any(String) } });
    const doc = await (await fetch(`${server.url}/v1/openapi.json`)).json();
    for (const path of ['/v1/webhook-endpoints', '/v1/webhook-endpoints/{id}/rotate-secret', '/v1/webhook-deliveries/{id}/resend', '/v1/webhook-event-types']) expect(doc.paths).toHaveProperty([path]);
    expect(JSON.stringify(doc.paths['/v1/webhook-event-types'])).toContain('inquiry.created');
    // OpenAPI 3.1's top-level `webhooks`: every event type with its payload schema and example.
    expect(Object.keys(doc.webhooks)).toEqual(res.body.items.map((t: any) => t.type));
    expect(doc.webhooks['inquiry.created'].post.requestBody.content['application/json']).toMatchObject({
      example: { type: 'inquiry.created', data: { inquiryId: expect.any(String) } }, schema: { type: 'object' },
    });
    expect(doc.webhooks['lead.hot'].post.parameters.map((h: any) => h.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  });
});

describe('SSRF guard', () => {
  it('refuses private, loopback, link-local and metadata targets at save time, with a clear error, writing nothing', async () => {
    const before = await counts(guarded);
    const cases: Array<[string, RegExp]> = [
      ['http://127.0.0.1:9/hooks', /loopback/],
      ['http://10.0.0.1/hooks', /private/],
      ['http://169.254.169.254/latest/meta-data', /metadata/],
      ['http://[::1]/hooks', /loopback/],
      ['http://localhost:8080/hooks', /loopback/],
      // `vm` is a host name that resolves (through /etc/hosts) to 127.0.0.1.
      ['http://vm:8080/hooks', /vm resolves to 127\.0\.0\.1, a loopback address/],
    ];
    const { body: ep } = await guardedClient.post('/v1/webhook-endpoints', { url: 'https://hooks.partner.example/in' });
    for (const [url, reason] of cases) {
      // Creating and re-pointing alike: a validation_failed whose details name the url field, as every other 400.
      for (const res of [await guardedClient.post('/v1/webhook-endpoints', { url }), await guardedClient.patch(`/v1/webhook-endpoints/${ep.endpointId}`, { url })]) {
        expect(res.status, url).toBe(400);
        expect(res.body.error, url).toEqual({ code: 'validation_failed', message: expect.stringMatching(reason), details: [{ path: 'url', message: expect.stringMatching(reason) }] });
      }
    }
    // The shape of any other url problem, too.
    for (const url of ['https://167772161/', 'ftp://crm.example.com/x', `https://crm.example.com/${'x'.repeat(2100)}`]) {
      const res = await guardedClient.post('/v1/webhook-endpoints', { url });
      expect(res.body.error, url).toMatchObject({ code: 'validation_failed', details: [{ path: 'url', message: expect.any(String) }] });
    }
    expect((await guardedClient.get(`/v1/webhook-endpoints/${ep.endpointId}`)).body.url).toBe('https://hooks.partner.example/in');
    expect(await counts(guarded)).toEqual({ ...before, endpoints: before.endpoints + 1 });
  });

  it('refuses to send to a refused address (stored before the rule, or re-pointed by DNS): the attempt is logged, nothing is sent', async () => {
    for (const url of [receiver.url, `http://vm:${receiver.port}/hooks`]) {
      const { endpointId } = await makeWebhookEndpoint(guarded, { userId: guardedUserId, url });
      const test = await guardedClient.post(`/v1/webhook-endpoints/${endpointId}/test`);
      expect(test.status).toBe(202);
      const received = receiver.received.length;
      await dispatchDue(guarded);
      const detail = await guardedClient.get(`/v1/webhook-deliveries/${test.body.deliveryId}`);
      // A refusal is a failed attempt: the delivery waits for its retry.
      expect(detail.body).toMatchObject({ status: 'pending', attemptCount: 1 });
      expect(detail.body.attempts).toHaveLength(1);
      expect(Date.parse(detail.body.nextAttemptAt)).toBeGreaterThan(Date.parse(detail.body.attempts[0].attemptedAt));
      expect(detail.body.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused to connect to .*127\.0\.0\.1.*loopback.*WEBHOOK_ALLOWED_HOSTS/) });
      expect(receiver.received.length).toBe(received);
    }
  });
});

describe('rotating DATA_ENCRYPTION_KEY', () => {
  const OLD = randomBytes(32);
  const NEW = randomBytes(32);
  let rotating: TestServer;
  beforeAll(async () => {
    // The operator's rotation: the new key in DATA_ENCRYPTION_KEY, the old one in DATA_ENCRYPTION_PREVIOUS_KEYS.
    rotating = await startTestServer({ DATA_ENCRYPTION_KEY: NEW.toString('hex'), DATA_ENCRYPTION_PREVIOUS_KEYS: OLD.toString('base64') });
  });
  afterAll(async () => {
    await rotating?.close();
  });

  it('a secret sealed under the previous key still reveals and signs, and the sweep re-seals it under the new key', async () => {
    const client = new ApiClient(rotating.url);
    const { userId } = await client.signUp();
    const { endpointId, secret } = await makeWebhookEndpoint(rotating, { userId, url: receiver.url });
    await rotating.sql('update webhook_endpoints set secret = $1 where endpoint_id = $2', [sealSecret(secret, OLD), endpointId]);
    const stored = async () => (await rotating.sql<{ secret: string }>('select secret from webhook_endpoints where endpoint_id = $1', [endpointId]))[0].secret;
    expect(await stored()).toMatch(new RegExp(`^enc1:${dataKeyId(OLD)}:`));

    const base = `/v1/webhook-endpoints/${endpointId}`;
    expect((await client.get(`${base}/secret`)).body.secret).toBe(secret);
    const sent = await sendTestEvent(client, base, rotating);
    expect(receiver.verify(sent, secret)).toMatchObject({ type: 'webhook.test' });

    const em = rotating.orm.em.fork();
    const sweep = () => encryptLegacyWebhookSecrets({ em, key: rotating.config.DATA_ENCRYPTION_KEY, previousKeys: rotating.config.DATA_ENCRYPTION_PREVIOUS_KEYS, limit: 500 });
    expect(await sweep()).toBe(1);
    expect(await stored()).toMatch(new RegExp(`^enc1:${dataKeyId(NEW)}:`));
    expect(openWebhookSecret(await stored(), NEW)).toBe(secret); // the old key is no longer needed
    expect(await sweep()).toBe(0);
    expect((await client.get(`${base}/secret`)).body.secret).toBe(secret);
  });

  it('a value under a key configured nowhere is left as it is, and says which keys are configured', async () => {
    const client = new ApiClient(rotating.url);
    const { userId } = await client.signUp();
    const { endpointId, secret } = await makeWebhookEndpoint(rotating, { userId, url: receiver.url });
    const stranger = sealSecret(secret, randomBytes(32));
    await rotating.sql('update webhook_endpoints set secret = $1 where endpoint_id = $2', [stranger, endpointId]);
    const em = rotating.orm.em.fork();
    await encryptLegacyWebhookSecrets({ em, key: rotating.config.DATA_ENCRYPTION_KEY, previousKeys: rotating.config.DATA_ENCRYPTION_PREVIOUS_KEYS, limit: 500 });
    expect((await rotating.sql<{ secret: string }>('select secret from webhook_endpoints where endpoint_id = $1', [endpointId]))[0].secret).toBe(stranger);
    const res = await client.get(`/v1/webhook-endpoints/${endpointId}/secret`);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain('DATA_ENCRYPTION_KEY');
  });
});
