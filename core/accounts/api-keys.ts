import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { AppError, notFound } from '../errors.ts';
import { zInstant } from '../validation/instant.ts';
import { safeText } from '../validation/plain-text.ts';
import { API_KEY_SCOPES, ApiKeySchema, type ApiKey, type ApiKeyScope } from './api-key.entity.ts';
import { serializeAccountChange } from './lock-live-user.ts';
import { ownedFilter, type Tenant } from './tenant.ts';
import { createToken, sha256Hex } from './tokens.ts';

export const API_KEY_PREFIX = 'plk_';
export const MAX_API_KEYS_PER_USER = 50;
/** An expiry must fall before this instant (10000-01-01T00:00:00Z): four-digit years in UTC, as every answer shows them. */
const API_KEY_EXPIRY_BEFORE_MS = Date.UTC(10_000, 0, 1);

export const ZCreateApiKeyBody = z.strictObject({
  name: safeText(z.string().trim().min(1).max(100)),
  /** Defaults to `read_write`, what every key could do before scopes existed. */
  scope: z.enum(API_KEY_SCOPES).optional(),
  /** When the key stops working; omitted or null: never. */
  expiresAt: zInstant()
    // The format allows 9999-12-31T23:59:59-15:59, in UTC the year 10000, which answered 500.
    .refine((v) => Date.parse(v) < API_KEY_EXPIRY_BEFORE_MS, 'Use a date before the year 10000 (in UTC)')
    .nullable().optional(),
});
export type CreateApiKeyBody = z.input<typeof ZCreateApiKeyBody>;

export function toApiKeyJson(k: ApiKey) {
  return {
    apiKeyId: k.apiKeyId, name: k.name, prefix: k.prefix, scope: k.scope as ApiKeyScope,
    createdAt: k.createdAt.toISOString(), expiresAt: k.expiresAt?.toISOString() ?? null, lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

/** Creates a key; the plain key is returned once and never stored. */
export async function createApiKey({ em, tenant, input, now = new Date() }: { em: EntityManager; tenant: Tenant; input: CreateApiKeyBody; now?: Date }) {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    throw new AppError('validation_failed', 'The expiry must be in the future', [{ path: 'expiresAt', message: 'must be in the future' }]);
  }
  return em.transactional(async (txEm) => {
    const tem = txEm as EntityManager;
    // A request that passed auth before the account's deletion committed must not leave a working key
    // behind; and the lock serializes the account's key creations, else two in parallel both count
    // MAX − 1 and both insert (KEY SHARE would let them overlap).
    await serializeAccountChange(tem, tenant);
    const count = await tem.count(ApiKeySchema, ownedFilter(tenant));
    if (count >= MAX_API_KEYS_PER_USER) {
      throw new AppError('conflict', `At most ${MAX_API_KEYS_PER_USER} API keys per account`);
    }
    const key = createToken(API_KEY_PREFIX, 32);
    const apiKey = tem.create(ApiKeySchema, {
      ...ownedFilter(tenant), name: input.name, prefix: key.slice(0, 12), keyHash: sha256Hex(key),
      scope: input.scope ?? 'read_write', expiresAt, createdAt: now,
    });
    await tem.flush();
    return { apiKey, key };
  });
}

export function listApiKeys({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<ApiKey[]> {
  return em.find(ApiKeySchema, ownedFilter(tenant), { orderBy: { createdAt: 'desc' } });
}

export async function deleteApiKey({ em, tenant, apiKeyId }: { em: EntityManager; tenant: Tenant; apiKeyId: string }): Promise<void> {
  const deleted = await em.nativeDelete(ApiKeySchema, { apiKeyId, ...ownedFilter(tenant) });
  if (!deleted) throw notFound('API key');
}

/** What a valid bearer key grants: its owner and scope. */
export interface ApiKeyGrant {
  userId: string;
  apiKeyId: string;
  scope: ApiKeyScope;
}

/** Whether an API key still exists (not revoked) and has not expired, by id: an open live stream asks again. */
export async function isApiKeyActive({ em, apiKeyId, now = new Date() }: { em: EntityManager; apiKeyId: string; now?: Date }): Promise<boolean> {
  const row = await db(em)
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.user_id', 'k.user_id')
    .select('k.expires_at')
    .where('k.api_key_id', '=', apiKeyId)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined && (row.expires_at === null || Date.parse(pgTimeToIsoStrict(row.expires_at)) > now.getTime());
}

/**
 * The grant of a bearer key, or null when unknown, expired or of a deleted account (a key created
 * by a request racing the deletion, however that came about). Records last use at most once a minute.
 */
export async function findApiKeyGrant({ em, key, now = new Date() }: { em: EntityManager; key: string; now?: Date }): Promise<ApiKeyGrant | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 100) return null;
  const row = await db(em)
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.user_id', 'k.user_id')
    .select(['k.api_key_id', 'k.user_id', 'k.scope', 'k.expires_at', 'k.last_used_at'])
    .where('k.key_hash', '=', sha256Hex(key))
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (row.expires_at !== null && Date.parse(pgTimeToIsoStrict(row.expires_at)) <= now.getTime()) return null;
  if (row.last_used_at === null || now.getTime() - Date.parse(pgTimeToIsoStrict(row.last_used_at)) > 60_000) {
    await db(em).updateTable('api_keys').set({ last_used_at: now }).where('api_key_id', '=', row.api_key_id).execute();
  }
  return { userId: row.user_id, apiKeyId: row.api_key_id, scope: row.scope as ApiKeyScope };
}
