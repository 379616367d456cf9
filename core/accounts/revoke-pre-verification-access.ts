// What a password reset takes away from the time before the account's address was confirmed.
// Without SIGNUP_VERIFY_FIRST anyone can sign up with an address that is not theirs and use the
// account at once: create API keys and webhook endpoints, which would keep working — and receive
// every new lead — after the address's real owner takes the account back with a reset. That reset
// ends every session (core/notifications/account-emails.ts, resetPassword); this ends the rest of
// what was set up before the address was confirmed — whether this reset confirms it or the owner
// clicked the verification link first (with the setting off that link takes no password, so it
// proves the mailbox, not that whoever chose the password is its owner). What was set up after the
// address was confirmed is kept: an integration keeps working (docs/email.md).
import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { disableWebhookEndpoint, UNVERIFIED_SETUP_DISABLED_REASON } from '../webhooks/disable-webhook-endpoint.ts';
import { ownedBy, tenantOfUser } from './tenant.ts';

/**
 * Deletes the API keys of `userId`'s account and disables its enabled webhook endpoints (their
 * pending deliveries fail), each with UNVERIFIED_SETUP_DISABLED_REASON — those created at or before
 * `verifiedAt`, when the address was first confirmed (`users.email_verified_at` before the reset), or
 * all of them when it was not (null or not given). Call inside the reset's transaction, which holds the user's row lock:
 * the endpoints are locked after it, the order of the account deletion, and each before its
 * deliveries (disableWebhookEndpoint's lock order).
 */
export async function revokePreVerificationAccess({ em, userId, verifiedAt, now }: {
  em: EntityManager; userId: string; verifiedAt?: Date | null; now: Date;
}): Promise<{ apiKeysDeleted: number; endpointsDisabled: number }> {
  // The account this person owns (today every user's only account, tenant.ts).
  const account = tenantOfUser(userId);
  // "At or before": a key created in the very millisecond the address was confirmed cannot be told
  // apart from one created just before it, and keeping a squatter's is the worse mistake.
  const cutoff = verifiedAt?.toISOString();
  let keys = db(em).deleteFrom('api_keys').where(ownedBy(account));
  if (cutoff) keys = keys.where('created_at', '<=', cutoff);
  const deleted = await keys.executeTakeFirst();
  let endpointQuery = db(em)
    .selectFrom('webhook_endpoints')
    .select('endpoint_id')
    .where(ownedBy(account))
    .where('enabled', '=', true);
  if (cutoff) endpointQuery = endpointQuery.where('created_at', '<=', cutoff);
  const endpoints = await endpointQuery.orderBy('endpoint_id').forUpdate().execute();
  for (const { endpoint_id } of endpoints) await disableWebhookEndpoint({ em, endpointId: endpoint_id, reason: UNVERIFIED_SETUP_DISABLED_REASON, now });
  return { apiKeysDeleted: Number(deleted.numDeletedRows), endpointsDisabled: endpoints.length };
}
