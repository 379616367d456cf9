// Account settings of the signed-in person: change the password (the other sessions end, the
// current one is rotated), change the sign-in address (a link to the new address confirms it; the
// old address is told), and what the settings page shows. Each change writes its emails to the
// outbox in its own transaction and wakes the worker after the commit. docs/accounts.md.
import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { recordNotification } from '../notifications/record-notification.ts';
import type { AccountJson } from './account-schemas.ts';
import { endOtherUserSessions, rotateSession } from './account-sessions.ts';
import { consumeAccountToken, deleteUnspentAccountTokens, EMAIL_CHANGE_TTL_MS, findPendingEmailChange, issueAccountToken } from './account-tokens.ts';
import { hashPassword } from './passwords.ts';
import { withCheckedPassword } from './with-checked-password.ts';

interface Outbox {
  queues: Queues;
  log: Logger;
}

/** What Account settings shows: the sign-in address, whether it is confirmed, and a pending change. */
export async function getAccountOverview({ em, userId, now }: { em: EntityManager; userId: string; now: Date }): Promise<AccountJson> {
  const user = await db(em).selectFrom('users').select(['email', 'email_verified_at']).where('user_id', '=', userId).executeTakeFirstOrThrow();
  const pending = await findPendingEmailChange({ em, userId, now });
  return {
    email: user.email,
    emailVerified: user.email_verified_at !== null,
    pendingEmail: pending?.email ?? null,
    pendingEmailExpiresAt: pending?.expiresAt.toISOString() ?? null,
  };
}

const wrongPassword = () => new AppError('wrong_password', 'Your current password is not correct.');

/**
 * Runs `change` in a transaction that holds the user's row FOR UPDATE (two changes of the same
 * account wait for each other), once `password` is proven against the row's hash with argon2 — the
 * same verification as login, no shortcut. `prepare` (the new password's hash) runs after the check.
 * Both argon2 calls run before the lock, on an unlocked read (withCheckedPassword: a change or reset
 * committed in between is checked once more, then `wrong_password`). Throws `wrong_password`.
 */
async function withPasswordCheckedUser<P, T>(em: EntityManager, userId: string, password: string, prepare: () => Promise<P>,
  change: (tem: EntityManager, user: { email: string }, prepared: P) => Promise<T>): Promise<T> {
  let prepared: { value: P } | undefined;
  const readHash = async () => (await db(em).selectFrom('users').select('password_hash').where('user_id', '=', userId).executeTakeFirstOrThrow()).password_hash;
  return withCheckedPassword({ password, readHash, wrongPassword }, async (confirm) => {
    prepared ??= { value: await prepare() };
    const value = prepared.value;
    return em.transactional(async (tem) => {
      const user = await db(tem).selectFrom('users').select(['email', 'password_hash']).where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
      confirm(user.password_hash);
      return change(tem, user, value);
    });
  });
}

const validationFailed = (path: string, message: string) => new AppError('validation_failed', 'The request is not valid', [{ path, message }]);

/**
 * Changes the password of a signed-in user: checks the current one, stores the new one's hash,
 * ends every other session, rotates the current one (`sessionId`: a new cookie token and CSRF
 * token; the old cookie stops working) and emails "your password was changed" to the account's
 * address. Unspent password-reset and email-change links die too: the old password's reset must not
 * undo this one, and a change of address asked for with the old password (by whoever had it) must
 * not go through after it.
 * Throws `wrong_password`, or `validation_failed` (on `newPassword`) when it equals the current one.
 */
export async function changePassword({ em, userId, sessionId, currentPassword, newPassword, sessionTtlHours, now, queues, log }: {
  em: EntityManager; userId: string; sessionId: string; currentPassword: string; newPassword: string; sessionTtlHours: number; now: Date;
} & Outbox): Promise<{ signedOutSessions: number; token: string; csrfToken: string; expiresAt: Date }> {
  const { wakeups, ...answer } = await withPasswordCheckedUser(em, userId, currentPassword, async () => {
    // The current password is proven, so comparing the texts costs no second hash; NFC as hashing does.
    if (newPassword.normalize('NFC') === currentPassword.normalize('NFC')) throw validationFailed('newPassword', 'Choose a password different from the current one');
    return hashPassword(newPassword);
  }, async (tem, _user, passwordHash) => {
    await db(tem).updateTable('users').set({ password_hash: passwordHash }).where('user_id', '=', userId).execute();
    const signedOutSessions = await endOtherUserSessions({ em: tem, userId, keepSessionId: sessionId, now });
    const rotated = await rotateSession({ em: tem, sessionId, ttlHours: sessionTtlHours, now });
    // The session ended while the password was being checked (logged out, or signed out elsewhere).
    if (!rotated) throw new AppError('unauthorized', 'Your session has ended; log in again');
    await deleteUnspentAccountTokens({ em: tem, userId, purpose: 'password_reset' });
    await deleteUnspentAccountTokens({ em: tem, userId, purpose: 'email_change' });
    const wakeups = await recordNotification({ em: tem, userId, kind: 'password_changed', dedupeKey: `password_changed-${crypto.randomUUID()}`, sendAt: now, now });
    return { signedOutSessions, ...rotated, wakeups };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return answer;
}

/**
 * Starts a change of sign-in address: checks the password, then emails a confirmation link to the
 * NEW address (valid EMAIL_CHANGE_TTL_MS, single use, only its hash stored, tied to that address).
 * Nothing changes until the link is used; a newer request kills the older link. Throws
 * `wrong_password`, `validation_failed` (on `newEmail`: the current address) or `email_taken`.
 */
export async function requestEmailChange({ em, userId, newEmail, password, now, queues, log }: {
  em: EntityManager; userId: string; newEmail: string; password: string; now: Date;
} & Outbox): Promise<{ pendingEmail: string; expiresAt: Date }> {
  const address = newEmail.toLowerCase();
  const { wakeups, expiresAt } = await withPasswordCheckedUser(em, userId, password, async () => undefined, async (tem, user) => {
    if (user.email === address) throw validationFailed('newEmail', 'This is already your sign-in email');
    await assertAddressFree(tem, address, null, 'newEmail');
    const issued = await issueAccountToken({ em: tem, userId, purpose: 'email_change', now, ttlMs: EMAIL_CHANGE_TTL_MS, email: address });
    const wakeups = await recordNotification({
      em: tem, userId, kind: 'email_change', dedupeKey: `email_change-${issued.tokenId}`, sendAt: now, now, data: { token: issued.token, newEmail: address },
    });
    return { wakeups, expiresAt: issued.expiresAt };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return { pendingEmail: address, expiresAt };
}

/** Cancels a pending change of address: its link stops working. Nothing pending is fine. */
export async function cancelEmailChange({ em, userId }: { em: EntityManager; userId: string }): Promise<void> {
  await deleteUnspentAccountTokens({ em, userId, purpose: 'email_change' });
}

/**
 * Spends an email-change link: the account's address becomes the one the link was sent to,
 * confirmed; every other unspent link of the user dies (they were sent to the old address); the
 * OLD address is told, with the new one masked. Throws `token_invalid`, `token_used`,
 * `token_expired`, or `email_taken` when another account took the address meanwhile — then
 * nothing changes and the link stays unspent (the claim rolls back with the transaction).
 */
export async function confirmEmailChange({ em, token, now, queues, log }: { em: EntityManager; token: string; now: Date } & Outbox): Promise<{ userId: string; email: string }> {
  let result: { userId: string; email: string; wakeups: Awaited<ReturnType<typeof recordNotification>> };
  try {
    result = await em.transactional(async (tem) => {
      const { userId, email } = await consumeAccountToken({ em: tem, token, purpose: 'email_change', now });
      const before = await db(tem).selectFrom('users').select('email').where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
      await assertAddressFree(tem, email, userId, null);
      // An account confirmed before keeps the time of its first confirmation: it is where a password
      // reset draws the line between what was set up before anyone proved an address and after
      // (revokePreVerificationAccess), and a move to a new address must not push that line forward.
      await db(tem).updateTable('users').set((eb) => ({ email, email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)) })).where('user_id', '=', userId).execute();
      await deleteUnspentAccountTokens({ em: tem, userId });
      const wakeups = before.email === email ? [] : await recordNotification({
        em: tem, userId, kind: 'email_changed', dedupeKey: `email_changed-${crypto.randomUUID()}`, sendAt: now, now, data: { oldEmail: before.email, newEmail: email },
      });
      return { userId, email, wakeups };
    });
  } catch (err) {
    // The address was registered between the check and the update (a concurrent signup).
    if (isUniqueViolation(err)) throw emailTaken(null);
    throw err;
  }
  await enqueueAfterCommit(queues, result.wakeups, log);
  return { userId: result.userId, email: result.email };
}

/** Throws `email_taken` when an account other than `exceptUserId` uses `address`; `path`: the body field to name in the details. */
async function assertAddressFree(em: EntityManager, address: string, exceptUserId: string | null, path: string | null): Promise<void> {
  const other = await db(em).selectFrom('users').select('user_id').where('email', '=', address).executeTakeFirst();
  if (other !== undefined && exceptUserId !== other.user_id) throw emailTaken(path);
}

function emailTaken(path: string | null): AppError {
  return new AppError('email_taken', 'Another account already uses this email address.', path ? [{ path, message: 'Already registered' }] : undefined);
}
