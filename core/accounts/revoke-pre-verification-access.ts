// What a password reset that confirms an account's address takes away. Without SIGNUP_VERIFY_FIRST
// anyone can sign up with an address that is not theirs and use the account at once: create API
// keys and webhook endpoints, which would keep working — and receive every new lead — after the
// address's real owner takes the account back with a reset. That reset ends every session
// (core/notifications/account-emails.ts, resetPassword); this ends the rest of what was set up
// before the address was proved. A reset of an account whose address was already confirmed keeps
// its keys and endpoints: an integration keeps working (docs/email.md).
import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { disableWebhookEndpoint, UNVERIFIED_SETUP_DISABLED_REASON } from '../webhooks/disable-webhook-endpoint.ts';
import { ownedBy, tenantOfUser } from './tenant.ts';

/**
 * Deletes the API keys of `userId`'s account and disables its enabled webhook endpoints (their
 * pending deliveries fail), each with UNVERIFIED_SETUP_DISABLED_REASON. Call inside the reset's
 * transaction, which holds the user's row lock: the endpoints are locked after it, the order of the
 * account deletion, and each before its deliveries (disableWebhookEndpoint's lock order).
 */
export async function revokePreVerificationAccess({ em, userId, now }: { em: EntityManager; userId: string; now: Date }): Promise<{ apiKeysDeleted: number; endpointsDisabled: number }> {
  // The account this person owns (today every user's only account, tenant.ts).
  const account = tenantOfUser(userId);
  const keys = await db(em).deleteFrom('api_keys').where(ownedBy(account)).executeTakeFirst();
  const endpoints = await db(em)
    .selectFrom('webhook_endpoints')
    .select('endpoint_id')
    .where(ownedBy(account))
    .where('enabled', '=', true)
    .orderBy('endpoint_id')
    .forUpdate()
    .execute();
  for (const { endpoint_id } of endpoints) await disableWebhookEndpoint({ em, endpointId: endpoint_id, reason: UNVERIFIED_SETUP_DISABLED_REASON, now });
  return { apiKeysDeleted: Number(keys.numDeletedRows), endpointsDisabled: endpoints.length };
}
