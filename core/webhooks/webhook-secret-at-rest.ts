import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { isSealed, openSecret, sealSecret } from '../secret-box.ts';
import { WEBHOOK_SECRET_PREFIX } from './sign-webhook.ts';

// `webhook_endpoints.secret` and `previous_secret` hold `enc1:…` (core/secret-box.ts, under config
// DATA_ENCRYPTION_KEY), not the `whsec_` value: a dump or a read-only SQL injection must not be
// enough to forge the realtor's webhooks. Rows written before that hold the plaintext; they are
// read as they are until encryptLegacyWebhookSecrets (the sweeper) seals them.

/** The stored form of a `whsec_` secret. */
export function sealWebhookSecret(secret: string, key: Buffer): string {
  return sealSecret(secret, key);
}

/** The `whsec_` secret of a stored value: opens `enc1:…`, takes a legacy plaintext `whsec_…` as is. */
export function openWebhookSecret(stored: string, key: Buffer): string {
  if (isSealed(stored)) return openSecret(stored, key);
  if (stored.startsWith(WEBHOOK_SECRET_PREFIX)) return stored;
  throw new Error('stored webhook secret is neither enc1: nor whsec_');
}

/**
 * Seals up to `limit` endpoints whose current or previous secret is still plaintext; returns how
 * many. Idempotent: a sealed value no longer matches `whsec_%`, and the update re-checks the value
 * it read, so a rotation committed in between is not overwritten with the old secret.
 */
export async function encryptLegacyWebhookSecrets({ em, key, limit }: { em: EntityManager; key: Buffer; limit: number }): Promise<number> {
  // Not tenant data read for anyone: every endpoint's row, by id, for the system itself.
  const rows = await db(em)
    .selectFrom('webhook_endpoints')
    .select(['endpoint_id', 'secret', 'previous_secret'])
    .where((eb) => eb.or([eb('secret', 'like', `${WEBHOOK_SECRET_PREFIX}%`), eb('previous_secret', 'like', `${WEBHOOK_SECRET_PREFIX}%`)]))
    .limit(limit)
    .execute();
  let sealed = 0;
  for (const row of rows) {
    const seal = (v: string | null) => (v?.startsWith(WEBHOOK_SECRET_PREFIX) ? sealWebhookSecret(v, key) : v);
    const result = await db(em)
      .updateTable('webhook_endpoints')
      .set({ secret: seal(row.secret) as string, previous_secret: seal(row.previous_secret) })
      .where('endpoint_id', '=', row.endpoint_id)
      .where('secret', '=', row.secret)
      .where(sql<boolean>`previous_secret is not distinct from ${row.previous_secret}`)
      .executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  return sealed;
}
