// Deleting an account (DELETE /v1/account, docs/accounts.md), the part that happens at once, in the
// request's one transaction: the account stops working everywhere, its address is free, nothing it
// owns sends anything any more, and the row `users.deleted_at` asks the worker to erase the data
// (core/accounts/account-deletion-purge.ts). Postgres holds the request; the wake-up after the
// commit is only a shortcut the purge sweep makes up for.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { createWakeup, enqueueAfterCommit } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { recordNotification } from '../notifications/record-notification.ts';
import { invalidateIngestSiteCache } from '../sites/resolve-ingest-site.ts';
import { withCheckedPassword } from './with-checked-password.ts';

/**
 * The sign-in address a deleted account keeps until its row is erased: unique per user, and in the
 * `.invalid` top-level domain (RFC 2606), so it never reaches a mailbox and never equals an address
 * someone can sign up with. The real address is free at once.
 */
export function tombstoneEmail(userId: string): string {
  return `deleted+${userId}@invalid`;
}

/** Not an argon2 PHC string: verifying any password against it is false (passwords.ts). */
export const DELETED_PASSWORD_HASH = '!account-deleted';

/** `webhook_endpoints.disabled_reason` of a deleted account's endpoints. */
export const ACCOUNT_DELETED_REASON = 'The account was deleted';

/**
 * Deletes the account of `userId` after checking `password` against it with argon2 (the same
 * verification as login, before any lock is taken). In one transaction (re-run on a deadlock), so it
 * all holds or none of it does:
 * - the user row is locked, its address becomes tombstoneEmail (the real one can sign up again at
 *   once; login with it is an unknown account), its password hash unusable, `deleted_at` set (by
 *   Postgres's clock, after the lock: the purge's waits count from it);
 * - every session (the `sessions_changed` trigger tells every API process to drop its cached ones),
 *   API key and unspent account link is deleted;
 * - its sites are disabled (this process forgets its cached site keys after the commit; other API
 *   processes within INGEST_SITE_CACHE_TTL_MS), its webhook endpoints disabled and their pending
 *   deliveries failed, its pending reminders dismissed and its pending emails cancelled;
 * - an `account_deleted` email to the address the account had is recorded.
 * After the commit, that email and `accounts.purge` are woken. Throws `wrong_password`.
 */
export async function deleteAccount({ em, userId, password, now, queues, log }: {
  em: EntityManager; userId: string; password: string; now: Date; queues: Queues; log: Logger;
}): Promise<{ deletedAt: Date }> {
  // The password is checked (argon2) on an unlocked read, and the transaction then locks the row and
  // proceeds only if the hash is the one checked (withCheckedPassword, which says why). Changed since
  // the check (a password change, a reset): `wrong_password` at once (`recheck: false`), where the
  // account changes check once more — the deletion cannot be undone, so it does not go on from a
  // password given while the account's password was changing; the realtor sends it again.
  const readHash = async () => {
    const checked = await db(em).selectFrom('users').select(['password_hash', 'deleted_at']).where('user_id', '=', userId).executeTakeFirst();
    // Deleted meanwhile by another request of the same person: that one ended this session too.
    if (!checked || checked.deleted_at !== null) throw sessionEnded();
    return checked.password_hash;
  };

  // Retried on a deadlock or serialization failure (a reminder firing or a delivery being recorded
  // for the account can still cross the row locks taken here): nothing outside Postgres happens
  // before the commit, so re-running the whole transaction is safe.
  let deletedAt = now;
  const wakeups = await withCheckedPassword({ password, readHash, wrongPassword, recheck: false }, (confirm) => transactionalWithRetry(em, async (tem) => {
    const q = db(tem);
    const user = await q.selectFrom('users').select(['email', 'password_hash', 'deleted_at']).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!user || user.deleted_at !== null) throw sessionEnded();
    confirm(user.password_hash);

    // deleted_at from Postgres's clock once the row lock is held, not the request's `now` (taken
    // before the argon2 check and any lock wait): the purge times the sites' cache window
    // (ACCOUNT_PURGE_SITE_CACHE_WAIT_MS) from it, which must count from about the commit.
    const marked = await q.updateTable('users')
      .set({ email: tombstoneEmail(userId), password_hash: DELETED_PASSWORD_HASH, deleted_at: sql<Date>`clock_timestamp()` })
      .where('user_id', '=', userId)
      .returning('deleted_at')
      .executeTakeFirstOrThrow();
    if (marked.deleted_at !== null) deletedAt = new Date(pgTimeToIsoStrict(marked.deleted_at));
    await q.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await q.deleteFrom('api_keys').where('user_id', '=', userId).execute();
    await q.deleteFrom('account_tokens').where('user_id', '=', userId).execute();
    await q.updateTable('sites').set({ enabled: false, updated_at: now }).where('user_id', '=', userId).execute();
    await q.updateTable('webhook_endpoints')
      .set({ enabled: false, disabled_reason: ACCOUNT_DELETED_REASON, disabled_at: now, breaker_until: null, updated_at: now })
      .where('user_id', '=', userId)
      .execute();
    // A delivery being sent right now (leased) finishes; none starts after this commit.
    await q.updateTable('webhook_deliveries')
      .set({ status: 'failed', next_attempt_at: null, leased_until: null, lease_token: null, updated_at: now })
      .where('status', '=', 'pending')
      .where('endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('endpoint_id').where('user_id', '=', userId))
      .execute();
    await q.updateTable('follow_up_reminders').set({ status: 'dismissed', completed_at: now }).where('user_id', '=', userId).where('status', '=', 'pending').execute();
    await q.updateTable('notifications')
      .set({ status: 'cancelled', last_error: 'account deleted', next_attempt_at: null, leased_until: null, lease_token: null, data: null, updated_at: now })
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .execute();
    const email = await recordNotification({
      em: tem, userId, kind: 'account_deleted', dedupeKey: `account_deleted-${userId}`, sendAt: now, now, data: { email: user.email },
    });
    return [...email, createWakeup('purgeAccount', { userId })];
  }));
  invalidateIngestSiteCache(em);
  await enqueueAfterCommit(queues, wakeups, log);
  return { deletedAt };
}

const sessionEnded = () => new AppError('unauthorized', 'Your session has ended; log in again');
const wrongPassword = () => new AppError('wrong_password', 'Your current password is not correct.');

/** What the admin shows before the realtor deletes the account: what will be erased. */
export async function countAccountData({ em, userId }: { em: EntityManager; userId: string }): Promise<{ sites: number; leads: number }> {
  const row = await db(em)
    .selectNoFrom((eb) => [
      eb.selectFrom('sites').select((e) => e.fn.countAll<string>().as('n')).where('user_id', '=', userId).as('sites'),
      eb.selectFrom('leads').select((e) => e.fn.countAll<string>().as('n')).where('user_id', '=', userId).as('leads'),
    ])
    .executeTakeFirstOrThrow();
  return { sites: Number(row.sites ?? 0), leads: Number(row.leads ?? 0) };
}
