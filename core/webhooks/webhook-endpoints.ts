import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import { AppError, notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { disableWebhookEndpoint, UNVERIFIED_SETUP_DISABLED_REASON } from './disable-webhook-endpoint.ts';
import { enableWebhookEndpoint } from './enable-webhook-endpoint.ts';
import { allowListHint, decideWebhookAddress, normaliseWebhookHost } from './guard-webhook-address.ts';
import { probeWebhookEndpointNow } from './probe-webhook-endpoint-now.ts';
import { recordWebhookMessage } from './record-webhook-message.ts';
import { toDeliveryWakeups } from './record-webhook-event.ts';
import { releaseHeldWebhookDeliveries } from './release-held-webhook-deliveries.ts';
import { createWebhookSecret, WEBHOOK_SECRET_ROTATION_GRACE_MS } from './sign-webhook.ts';
import { validateWebhookUrl } from './validate-webhook-url.ts';
import { openWebhookSecret, sealWebhookSecret } from './webhook-secret-at-rest.ts';
import type { CreateWebhookEndpointBody, UpdateWebhookEndpointBody, WebhookEndpointJson } from './webhook-schemas.ts';

// A realtor's webhook endpoints: create, read, update, delete, secret, rotation, test event.
// Every statement is scoped with `ownedBy(tenant)`; another account's endpoint id is not found.

/** How long saving an endpoint waits for DNS before leaving the check to the send-time guard. */
const SAVE_DNS_TIMEOUT_MS = 1500;

const ENDPOINT_COLUMNS = [
  'endpoint_id', 'url', 'description', 'event_types', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since',
  'consecutive_failures', 'breaker_until', 'last_success_at', 'previous_secret_expires_at', 'created_at', 'updated_at',
] as const;

type EndpointRow = {
  endpoint_id: string; url: string; description: string | null; event_types: string[] | null; enabled: boolean;
  disabled_reason: string | null; disabled_at: string | null; failing_since: string | null; consecutive_failures: number;
  breaker_until: string | null; last_success_at: string | null; previous_secret_expires_at: string | null;
  created_at: string; updated_at: string;
};

/**
 * The reason written when the realtor disables an endpoint (`PATCH … enabled:false`, or creating it
 * disabled). No time in it: `disabled_at` has that (docs/webhooks.md).
 */
const REALTOR_DISABLED_REASON = 'Disabled by you.';

/**
 * Who disabled an endpoint. Delivery (410 Gone, 5 days failing) always writes its own reason; the
 * realtor's is REALTOR_DISABLED_REASON — "Disabled by you on <ISO time>." before migration
 * Migration20261130041000 rewrote it, and no reason at all for an endpoint created disabled
 * before that wrote one; a password reset that confirmed the address writes
 * UNVERIFIED_SETUP_DISABLED_REASON. Any other reason is the delivery's.
 */
function disabledByOf(row: Pick<EndpointRow, 'enabled' | 'disabled_reason'>): 'realtor' | 'delivery' | 'password_reset' | null {
  if (row.enabled) return null;
  if (row.disabled_reason === null || row.disabled_reason.startsWith('Disabled by you')) return 'realtor';
  return row.disabled_reason === UNVERIFIED_SETUP_DISABLED_REASON ? 'password_reset' : 'delivery';
}

function toEndpointJson(row: EndpointRow, pending: number, now: Date): WebhookEndpointJson {
  const breakerUntil = pgTimeToIso(row.breaker_until);
  const rotating = pgTimeToIso(row.previous_secret_expires_at);
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    previousSecretExpiresAt: rotating && new Date(rotating) > now ? rotating : null,
    createdAt: pgTimeToIsoStrict(row.created_at),
    updatedAt: pgTimeToIsoStrict(row.updated_at),
    health: {
      lastSuccessAt: pgTimeToIso(row.last_success_at),
      failureStreak: row.consecutive_failures,
      failingSince: pgTimeToIso(row.failing_since),
      breaker: breakerUntil ? 'open' : 'closed',
      breakerUntil,
      disabledReason: row.disabled_reason,
      disabledAt: pgTimeToIso(row.disabled_at),
      disabledBy: disabledByOf(row),
      pendingDeliveries: pending,
    },
  };
}

async function pendingCounts(em: EntityManager, endpointIds: string[]): Promise<Map<string, number>> {
  if (endpointIds.length === 0) return new Map();
  const rows = await db(em)
    .selectFrom('webhook_deliveries')
    .select(['endpoint_id', sql<number>`count(*)::int`.as('n')])
    .where('endpoint_id', 'in', endpointIds)
    .where('status', '=', 'pending')
    .groupBy('endpoint_id')
    .execute();
  return new Map(rows.map((r) => [r.endpoint_id, r.n]));
}

async function getEndpointRow(em: EntityManager, tenant: Tenant, endpointId: string): Promise<EndpointRow> {
  const row = await db(em).selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
  return row as EndpointRow;
}

export async function getWebhookEndpoint({ em, tenant, endpointId, now }: { em: EntityManager; tenant: Tenant; endpointId: string; now: Date }): Promise<WebhookEndpointJson> {
  const row = await getEndpointRow(em, tenant, endpointId);
  return toEndpointJson(row, (await pendingCounts(em, [endpointId])).get(endpointId) ?? 0, now);
}

/** Every endpoint of the tenant, oldest first (a realtor has a handful), with its health. Never the secrets. */
export async function listWebhookEndpoints({ em, tenant, now }: { em: EntityManager; tenant: Tenant; now: Date }): Promise<WebhookEndpointJson[]> {
  const rows = (await db(em).selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where(ownedBy(tenant)).orderBy('created_at').orderBy('endpoint_id').execute()) as EndpointRow[];
  const pending = await pendingCounts(em, rows.map((r) => r.endpoint_id));
  return rows.map((r) => toEndpointJson(r, pending.get(r.endpoint_id) ?? 0, now));
}

/**
 * The save-time SSRF check: the URL's shape and literal address (validateWebhookUrl), then what
 * its host name resolves to now, so "internal.example → 10.0.0.5" is a clear 400 at once. Not the
 * boundary (DNS can change later: every send checks again at connection time); a name that does
 * not resolve yet is accepted, its sends will fail and be logged.
 */
export async function checkWebhookUrl(input: string, { allowedHosts, resolve = lookupAll }: { allowedHosts: readonly string[]; resolve?: (host: string) => Promise<string[]> }): Promise<string> {
  const url = validateWebhookUrl(input, { allowedHosts });
  const host = normaliseWebhookHost(new URL(url).hostname);
  if (isIP(host)) return url;
  let addresses: string[] = [];
  try {
    addresses = await resolve(host);
  } catch {
    return url;
  }
  for (const address of addresses) {
    const verdict = decideWebhookAddress({ hostname: host, address, allowedHosts });
    if (!verdict.allowed) {
      const message = `url host ${host} resolves to ${address}, ${verdict.reason}; webhook receivers must be publicly reachable${allowListHint(verdict.reason)}`;
      throw new AppError('validation_failed', message, [{ path: 'url', message }]);
    }
  }
  return url;
}

async function lookupAll(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((_, reject) => {
    timer = setTimeout(() => reject(new Error('dns timeout')), SAVE_DNS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(host, { all: true }).then((list) => list.map((a) => a.address)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `POST /v1/webhook-endpoints`: a new endpoint with a fresh `whsec_` secret (returned once here, and
 * by `…/secret`), stored encrypted under config DATA_ENCRYPTION_KEY (webhook-secret-at-rest.ts). Created with `enabled: false`, it is disabled by the realtor, as a PATCH would.
 */
export async function createWebhookEndpoint({ em, tenant, input, now, config }: {
  em: EntityManager; tenant: Tenant; input: CreateWebhookEndpointBody; now: Date; config: Config;
}): Promise<{ endpoint: WebhookEndpointJson; secret: string }> {
  const url = await checkWebhookUrl(input.url, { allowedHosts: config.WEBHOOK_ALLOWED_HOSTS });
  const secret = createWebhookSecret();
  const enabled = input.enabled ?? true;
  const row = await db(em)
    .insertInto('webhook_endpoints')
    .values({
      endpoint_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), url, description: input.description || null,
      secret: sealWebhookSecret(secret, config.DATA_ENCRYPTION_KEY),
      event_types: input.eventTypes ?? null, enabled, consecutive_failures: 0, created_at: now, updated_at: now,
      ...(enabled ? {} : { disabled_reason: REALTOR_DISABLED_REASON, disabled_at: now }),
    })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow();
  return { endpoint: toEndpointJson(row as EndpointRow, 0, now), secret };
}

/**
 * `PATCH /v1/webhook-endpoints/:id`. `enabled: false` disables it (its idle pending deliveries
 * fail; "recover" brings them back); `enabled: true` re-enables it with a clean slate.
 *
 * A new URL is a new receiver: the old one's failure streak and open breaker are cleared (else
 * the fixed receiver would wait out a cool-down of up to 10 hours), and what waited behind the
 * breaker is due at once — the wake-ups returned, for after the commit.
 */
export async function updateWebhookEndpoint({ em, tenant, endpointId, input, now, config }: {
  em: EntityManager; tenant: Tenant; endpointId: string; input: UpdateWebhookEndpointBody; now: Date; config: Config;
}): Promise<{ endpoint: WebhookEndpointJson; wakeups: Wakeup[] }> {
  const url = input.url !== undefined ? await checkWebhookUrl(input.url, { allowedHosts: config.WEBHOOK_ALLOWED_HOSTS }) : undefined;
  const released = await em.transactional(async (tem) => {
    const current = await db(tem).selectFrom('webhook_endpoints').select(['endpoint_id', 'enabled', 'url', 'breaker_until']).where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).forUpdate().executeTakeFirst();
    if (!current) throw notFound('Webhook endpoint');
    const newReceiver = url !== undefined && url !== current.url;
    const set: Record<string, unknown> = { updated_at: now };
    if (url !== undefined) set.url = url;
    if (input.description !== undefined) set.description = input.description || null;
    if (input.eventTypes !== undefined) set.event_types = input.eventTypes;
    if (newReceiver) Object.assign(set, { consecutive_failures: 0, failing_since: null, breaker_until: null, breaker_step: 0 });
    if (Object.keys(set).length > 1) await db(tem).updateTable('webhook_endpoints').set(set).where('endpoint_id', '=', endpointId).execute();
    if (input.enabled === false && current.enabled) {
      await disableByRealtor(tem, endpointId, now);
      return [];
    }
    // Enabling clears the breaker as a new URL does: either releases what waited behind it.
    if (input.enabled === true && !current.enabled) return enableEndpointRow(tem, tenant, endpointId, now);
    return newReceiver && current.breaker_until !== null ? releaseHeldWebhookDeliveries({ em: tem, endpointId, now }) : [];
  });
  return { endpoint: await getWebhookEndpoint({ em, tenant, endpointId, now }), wakeups: toDeliveryWakeups(released) };
}

async function disableByRealtor(em: EntityManager, endpointId: string, now: Date): Promise<void> {
  await disableWebhookEndpoint({ em, endpointId, reason: REALTOR_DISABLED_REASON, now });
}

function enableEndpointRow(em: EntityManager, tenant: Tenant, endpointId: string, now: Date): Promise<{ deliveryId: string; at: Date }[]> {
  return enableWebhookEndpoint({ em, tenant, endpointId, now });
}

/**
 * `POST …/:id/enable`: a clean slate. On an enabled endpoint whose breaker is open, what waited
 * behind it is due at once — the wake-ups returned, for after the commit.
 */
export async function enableWebhookEndpointById({ em, tenant, endpointId, now }: { em: EntityManager; tenant: Tenant; endpointId: string; now: Date }): Promise<{ endpoint: WebhookEndpointJson; wakeups: Wakeup[] }> {
  const released = await enableEndpointRow(em, tenant, endpointId, now);
  return { endpoint: await getWebhookEndpoint({ em, tenant, endpointId, now }), wakeups: toDeliveryWakeups(released) };
}

/** `DELETE …/:id`: the endpoint with its deliveries and attempts (cascade). Messages stay for other endpoints. */
export async function deleteWebhookEndpoint({ em, tenant, endpointId }: { em: EntityManager; tenant: Tenant; endpointId: string }): Promise<void> {
  const result = await db(em).deleteFrom('webhook_endpoints').where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound('Webhook endpoint');
}

/** `GET …/:id/secret`: the current `whsec_` secret, decrypted with `dataKey` (config DATA_ENCRYPTION_KEY). */
export async function getWebhookEndpointSecret({ em, tenant, endpointId, now, dataKey, previousDataKeys = [] }: {
  em: EntityManager; tenant: Tenant; endpointId: string; now: Date; dataKey: Buffer; previousDataKeys?: readonly Buffer[];
}): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
  const row = await db(em).selectFrom('webhook_endpoints').select(['secret', 'previous_secret_expires_at']).where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
  const until = pgTimeToIso(row.previous_secret_expires_at);
  let secret: string;
  try {
    secret = openWebhookSecret(row.secret, dataKey, previousDataKeys);
  } catch (err) {
    // The server's key, not the request: a clear answer for the realtor, the key ids for the operator.
    throw new AppError('internal', "This endpoint's signing secret cannot be opened with the server's DATA_ENCRYPTION_KEY: whoever runs Porchlight must restore the key it was sealed with (see docs/webhooks.md, \"Secrets at rest\").", { reason: (err as Error).message });
  }
  return { secret, previousSecretExpiresAt: until && new Date(until) > now ? until : null };
}

/**
 * `POST …/:id/rotate-secret`: a new secret signs from now on; the old one keeps signing beside it
 * for 24 hours (two signatures per request), so receivers switch at their own pace.
 *
 * Rotating again while that grace period runs keeps the previous secret and its expiry, and drops
 * the one being replaced (only two secrets sign): the receiver most likely still holds the
 * previous one — it was promised 24 hours — while the replaced one lived for less than that.
 *
 * The new secret is stored encrypted with `dataKey`; the old one moves to `previous_secret` as it
 * is stored (ciphertext, or a legacy plaintext the sweeper encrypts later).
 */
export async function rotateWebhookEndpointSecret({ em, tenant, endpointId, now, dataKey }: {
  em: EntityManager; tenant: Tenant; endpointId: string; now: Date; dataKey: Buffer;
}): Promise<{ secret: string; previousSecretExpiresAt: string }> {
  const secret = createWebhookSecret();
  const expires = new Date(now.getTime() + WEBHOOK_SECRET_ROTATION_GRACE_MS);
  // Every right-hand side reads the row as it was before this update.
  const graceRunning = sql<boolean>`(previous_secret is not null and previous_secret_expires_at > ${now})`;
  const row = await db(em)
    .updateTable('webhook_endpoints')
    .set({
      previous_secret: sql`case when ${graceRunning} then previous_secret else secret end`,
      previous_secret_expires_at: sql`case when ${graceRunning} then previous_secret_expires_at else ${expires}::timestamptz end`,
      secret: sealWebhookSecret(secret, dataKey),
      updated_at: now,
    })
    .where('endpoint_id', '=', endpointId)
    .where(ownedBy(tenant))
    .returning(sql<string>`previous_secret_expires_at`.as('expires_at')) // set by this update: never null
    .executeTakeFirst();
  if (!row) throw notFound('Webhook endpoint');
  return { secret, previousSecretExpiresAt: pgTimeToIsoStrict(row.expires_at) };
}

/**
 * `POST …/:id/test`: a `webhook.test` message delivered to this endpoint only (whatever its event
 * filter), now: behind an open breaker with no probe in flight it is the probe, like a resend.
 */
export async function sendWebhookTestEvent({ em, tenant, endpointId, now, config }: { em: EntityManager; tenant: Tenant; endpointId: string; now: Date; config: Config }): Promise<{ messageId: string; deliveryId: string; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    // Locked: who becomes the probe is decided under the endpoint's lock (claim-webhook-deliveries.ts).
    const endpoint = await db(tem).selectFrom('webhook_endpoints').select(['enabled']).where('endpoint_id', '=', endpointId).where(ownedBy(tenant)).forUpdate().executeTakeFirst();
    if (!endpoint) throw notFound('Webhook endpoint');
    if (!endpoint.enabled) throw new AppError('conflict', 'The endpoint is disabled; enable it before sending a test event.');
    const { messageId, wakeUps } = await recordWebhookMessage({
      em: tem, userId: ownerIdOf(tenant), type: 'webhook.test', data: { endpointId, message: 'Test event from Porchlight' },
      now, schedule: config.WEBHOOK_RETRY_SCHEDULE, endpointIds: [endpointId], ignoreFilter: true,
    });
    await probeWebhookEndpointNow({ em: tem, endpointId, now });
    return { messageId, deliveryId: wakeUps[0].deliveryId, wakeups: toDeliveryWakeups(wakeUps) };
  });
}
