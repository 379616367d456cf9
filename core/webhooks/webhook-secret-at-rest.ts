import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { dataKeyId, isSealed, openSecret, SEALED_PREFIX, sealSecret } from '../secret-box.ts';
import { WEBHOOK_SECRET_PREFIX } from './sign-webhook.ts';

// `webhook_endpoints.secret` and `previous_secret` hold `enc1:…` (core/secret-box.ts, under config
// DATA_ENCRYPTION_KEY), not the `whsec_` value: a dump or a read-only SQL injection must not be
// enough to forge the realtor's webhooks. Rows written before that hold the plaintext; they are
// read as they are until encryptLegacyWebhookSecrets (the sweeper) seals them.

/** The stored form of a `whsec_` secret. */
export function sealWebhookSecret(secret: string, key: Buffer): string {
  return sealSecret(secret, key);
}

/**
 * The `whsec_` secret of a stored value: opens `enc1:…` (under `key`, or one of `previousKeys`
 * while a key is rotated out), takes a legacy plaintext `whsec_…` as is.
 */
export function openWebhookSecret(stored: string, key: Buffer, previousKeys: readonly Buffer[] = []): string {
  if (isSealed(stored)) return openSecret(stored, key, previousKeys);
  if (stored.startsWith(WEBHOOK_SECRET_PREFIX)) return stored;
  throw new Error('stored webhook secret is neither enc1: nor whsec_');
}

/**
 * Seals up to `limit` endpoints whose current or previous secret is still plaintext, or sealed under
 * one of `previousKeys` (a key being rotated out: opened with it, sealed again under `key`); returns
 * how many. A value under a key configured nowhere is left alone (it cannot be opened; the delivery
 * log and the reveal say which key it needs). Idempotent: the update re-checks the values it read,
 * so a rotation committed in between is not overwritten with the old secret.
 */
export async function encryptLegacyWebhookSecrets({ em, key, previousKeys = [], limit }: { em: EntityManager; key: Buffer; previousKeys?: readonly Buffer[]; limit: number }): Promise<number> {
  const oldIds = previousKeys.map(dataKeyId).filter((id) => id !== dataKeyId(key));
  // `enc1:` is 5 characters: the key id is characters 6–13.
  const underOldKey = (column: 'secret' | 'previous_secret') => sql<boolean>`(${sql.ref(column)} like ${`${SEALED_PREFIX}%`} and substr(${sql.ref(column)}, 6, 8) = any(${oldIds}::text[]))`;
  // Not tenant data read for anyone: every endpoint's row, by id, for the system itself.
  const rows = await db(em)
    .selectFrom('webhook_endpoints')
    .select(['endpoint_id', 'secret', 'previous_secret'])
    .where((eb) => eb.or([
      eb('secret', 'like', `${WEBHOOK_SECRET_PREFIX}%`),
      eb('previous_secret', 'like', `${WEBHOOK_SECRET_PREFIX}%`),
      ...(oldIds.length ? [underOldKey('secret'), underOldKey('previous_secret')] : []),
    ]))
    .limit(limit)
    .execute();
  const ours = dataKeyId(key);
  /** The value sealed under `key`: plaintext sealed, another key's value opened and sealed again, ours kept. */
  const reseal = (v: string | null) => {
    if (v === null) return null;
    if (v.startsWith(WEBHOOK_SECRET_PREFIX)) return sealWebhookSecret(v, key);
    if (isSealed(v) && !v.startsWith(`${SEALED_PREFIX}${ours}:`)) return sealWebhookSecret(openSecret(v, key, previousKeys), key);
    return v;
  };
  let sealed = 0;
  for (const row of rows) {
    let next: { secret: string; previous: string | null };
    try {
      next = { secret: reseal(row.secret) as string, previous: reseal(row.previous_secret) };
    } catch {
      continue; // a damaged value: left for the delivery log and the reveal to report
    }
    const result = await db(em)
      .updateTable('webhook_endpoints')
      .set({ secret: next.secret, previous_secret: next.previous })
      .where('endpoint_id', '=', row.endpoint_id)
      .where('secret', '=', row.secret)
      .where(sql<boolean>`previous_secret is not distinct from ${row.previous_secret}`)
      .executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  return sealed;
}
