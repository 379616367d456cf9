// The account emails: verify the address after signup, reset a forgotten password, and tell an
// owner that someone tried to sign up with their address. Each writes its outbox row in a
// transaction and sends the wake-up after the commit; the worker sends the email.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  consumeAccountToken, countAccountTokensIssuedSince, deleteUnspentAccountTokens, EMAIL_VERIFICATION_TTL_MS, findLiveAccountToken, issueAccountToken,
  PASSWORD_RESET_EMAIL_WINDOW_MS, PASSWORD_RESET_EMAILS_PER_ADDRESS, PASSWORD_RESET_TTL_MS,
} from '../accounts/account-tokens.ts';
import { hashPassword } from '../accounts/passwords.ts';
import { revokePreVerificationAccess } from '../accounts/revoke-pre-verification-access.ts';
import { type ConfirmPassword, withCheckedPassword } from '../accounts/with-checked-password.ts';
import { UserSchema } from '../accounts/user.entity.ts';
import { AppError } from '../errors.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { recordNotification } from './record-notification.ts';
import { HOUR_MS } from '../shared/time.ts';

/** At most one "someone tried to sign up with your address" email per user per this period. */
export const SIGNUP_ATTEMPT_EMAIL_PERIOD_MS = HOUR_MS;

interface Outbox {
  queues: Queues;
  log: Logger;
}

/**
 * Issues a verification link and writes its email (inside the caller's transaction); returns the
 * wake-up. The row keeps the address the link is for: the worker sends nothing if it changed by
 * then (render-notification.ts), nor a link that a newer one replaced.
 */
export async function recordEmailVerification({ em, userId, now }: { em: EntityManager; userId: string; now: Date }): Promise<Wakeup[]> {
  // By its key through the ORM: at signup the row is the one just created in this transaction.
  const { email } = await em.findOneOrFail(UserSchema, { userId }, { fields: ['email'] });
  const { token, tokenId } = await issueAccountToken({ em, userId, purpose: 'email_verification', now, ttlMs: EMAIL_VERIFICATION_TTL_MS, email });
  return recordNotification({ em, userId, kind: 'verify_email', dedupeKey: `verify_email-${tokenId}`, sendAt: now, now, data: { token, email } });
}

/**
 * "Confirm your email address" emails per address per VERIFICATION_EMAIL_WINDOW_MS, the signup's
 * included, whichever IPs ask (resendEmailVerification): a login with the right password to an
 * unconfirmed address resends too (SIGNUP_VERIFY_FIRST), so the per-user+IP limits alone would let
 * many IPs flood one inbox. Like PASSWORD_RESET_EMAILS_PER_ADDRESS, counted from what was issued.
 */
export const VERIFICATION_EMAILS_PER_ADDRESS = 3;
export const VERIFICATION_EMAIL_WINDOW_MS = HOUR_MS;

/** What a resend did: `over_cap` sent nothing and changed nothing; `retryAfterMs` is when the oldest email of the window leaves it. */
export type ResendVerificationOutcome = { status: 'sent' | 'already_verified' } | { status: 'over_cap'; retryAfterMs: number };

/**
 * "Resend the verification email": a new link (the old one stops working); nothing when already
 * verified, nor once the address had VERIFICATION_EMAILS_PER_ADDRESS verification emails in the
 * window (logged). Counted from the outbox rows (a replaced link's token is deleted, its row stays),
 * under the user's row lock like requestPasswordReset, so racing resends count one after the other.
 */
export async function resendEmailVerification({ em, userId, now, queues, log }: { em: EntityManager; userId: string; now: Date } & Outbox): Promise<ResendVerificationOutcome> {
  const { outcome, wakeups } = await em.transactional(async (tem): Promise<{ outcome: ResendVerificationOutcome; wakeups: Wakeup[] }> => {
    const user = await db(tem).selectFrom('users').select('email_verified_at').where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    if (user.email_verified_at) return { outcome: { status: 'already_verified' }, wakeups: [] };
    const since = new Date(now.getTime() - VERIFICATION_EMAIL_WINDOW_MS);
    const sent = await db(tem).selectFrom('notifications')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('created_at').as('oldest')])
      .where('user_id', '=', userId).where('kind', '=', 'verify_email').where('created_at', '>', since.toISOString())
      .executeTakeFirstOrThrow();
    const issued = Number(sent.n);
    if (issued >= VERIFICATION_EMAILS_PER_ADDRESS && sent.oldest !== null) {
      log.warn({ userId, issued }, 'verification email not sent: the address had its verification emails for the hour');
      const leavesAt = Date.parse(pgTimeToIsoStrict(sent.oldest)) + VERIFICATION_EMAIL_WINDOW_MS;
      return { outcome: { status: 'over_cap', retryAfterMs: Math.max(0, leavesAt - now.getTime()) }, wakeups: [] };
    }
    return { outcome: { status: 'sent' }, wakeups: await recordEmailVerification({ em: tem, userId, now }) };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  return outcome;
}

/**
 * Spends a verification link: the address is verified (idempotent for an already verified user).
 * `verifiedNow` says whether this link did it (false when the address was verified already, by an
 * earlier link or a password reset): only then may it start a session (SIGNUP_VERIFY_FIRST).
 */
export async function verifyEmail({ em, token, now, passwordToConfirm }: {
  em: EntityManager;
  token: string;
  now: Date;
  /**
   * SIGNUP_VERIFY_FIRST: the link that confirms an address is the account's first login, so it
   * also asks for the account's password (`null`: none given). Mailbox and password together:
   * someone who signed up with another person's address cannot have that person confirm it into an
   * account whose password they chose. `undefined`: the link alone confirms.
   */
  passwordToConfirm?: string | null;
}): Promise<{ userId: string; verifiedNow: boolean }> {
  // The claim locks the user's row FOR UPDATE (consumeAccountToken), so the password is checked
  // (argon2) before it, on an unlocked read of the link's account (withCheckedPassword); only a live
  // link of an unverified account costs the hash. A wrong password is answered under the lock, after
  // the link's own answers (spent, expired) and only if the account still needs confirming; thrown
  // inside the transaction, it leaves the link unspent for the next try.
  const confirmAndVerify = (confirm?: ConfirmPassword) => em.transactional(async (tem) => {
    const { userId } = await consumeAccountToken({ em: tem, token, purpose: 'email_verification', now });
    if (passwordToConfirm !== undefined) {
      const user = await db(tem).selectFrom('users').select(['password_hash', 'email_verified_at']).where('user_id', '=', userId).executeTakeFirstOrThrow();
      if (user.email_verified_at === null) {
        // `confirm` comes with every password given (below).
        if (passwordToConfirm === null || !confirm) throw new AppError('password_required', 'Enter the password you chose when you signed up.');
        confirm(user.password_hash);
      }
    }
    const result = await db(tem).updateTable('users').set({ email_verified_at: now }).where('user_id', '=', userId).where('email_verified_at', 'is', null).executeTakeFirst();
    return { userId, verifiedNow: result.numUpdatedRows > 0n };
  });
  if (typeof passwordToConfirm !== 'string') return confirmAndVerify();
  const readHash = async () => {
    const live = await findLiveAccountToken({ em, token, purpose: 'email_verification', now });
    return live && !live.emailVerified ? live.passwordHash : undefined;
  };
  return withCheckedPassword({ password: passwordToConfirm, readHash, wrongPassword: wrongSignupPassword, refuseBeforeLock: false }, confirmAndVerify);
}

const wrongSignupPassword = () => new AppError('wrong_password', 'That is not the password this account was created with. If you did not sign up, reset the password to use this address.');

/**
 * "Forgot password": when the address has an account, a reset link is issued and emailed; when
 * it has none, nothing happens. The two paths do not cost the same (one SELECT, against a token,
 * the outbox row and a wake-up), so the route answers first and runs this after its answer has
 * gone (api/routes/account-email.routes.ts): the answer cannot tell them apart, by its content or
 * its timing. Once the outbox row is committed the email is not lost: a failed wake-up is logged
 * and the sweeper sends the row.
 *
 * Anyone can ask for any address, from as many IPs as they have: an address gets at most
 * PASSWORD_RESET_EMAILS_PER_ADDRESS reset emails per PASSWORD_RESET_EMAIL_WINDOW_MS (counted from
 * the links issued, under the user's row lock); a request over that sends nothing and changes
 * nothing (logged). The links issued within the cap all stay working (issueAccountToken), so a
 * stranger's requests cannot kill the link the owner just got.
 */
export async function requestPasswordReset({ em, email, now, queues, log }: { em: EntityManager; email: string; now: Date } & Outbox): Promise<void> {
  const wakeups = await em.transactional(async (tem) => {
    // Locked like every change of the account (consumeAccountToken's order: the user, then its
    // links): two requests for one address count the links one after the other.
    const user = await db(tem).selectFrom('users').select(['user_id', 'email']).where('email', '=', email.toLowerCase()).forUpdate().executeTakeFirst();
    if (!user) return [];
    const since = new Date(now.getTime() - PASSWORD_RESET_EMAIL_WINDOW_MS);
    const issued = await countAccountTokensIssuedSince({ em: tem, userId: user.user_id, purpose: 'password_reset', since });
    if (issued >= PASSWORD_RESET_EMAILS_PER_ADDRESS) {
      log.warn({ userId: user.user_id, issued }, 'password reset not sent: the address had its reset emails for the hour');
      return [];
    }
    const { token, tokenId } = await issueAccountToken({ em: tem, userId: user.user_id, purpose: 'password_reset', now, ttlMs: PASSWORD_RESET_TTL_MS, email: user.email });
    return recordNotification({ em: tem, userId: user.user_id, kind: 'password_reset', dedupeKey: `password_reset-${tokenId}`, sendAt: now, now, data: { token, email: user.email } });
  });
  await enqueueAfterCommit(queues, wakeups, log);
}

/**
 * Spends a reset link and sets the new password. Every session of the user ends (whoever had
 * the old password is logged out), a pending change of sign-in address dies (it was asked for with
 * the old password, maybe by whoever had it), and the address counts as verified: the link proved it.
 * The API keys and enabled webhook endpoints set up before the address was first confirmed — by
 * this reset, or earlier by a verification link, which without SIGNUP_VERIFY_FIRST takes no password
 * — are deleted and disabled too (`revoked`: how many; revokePreVerificationAccess says why). Those
 * set up after it are kept: a reset of an account confirmed before its integration keeps it.
 *
 * The new password is hashed (argon2: about 20 ms of CPU and 19 MiB) before the transaction: its
 * claim locks the user's row FOR UPDATE (consumeAccountToken), and every request needing the row
 * (a login, an API key, a reminder firing) would wait for the hash. It is hashed only for a link
 * that looks live on an unlocked read: a made-up, spent or expired link costs a SELECT and the
 * claim's UPDATE, not a hash, so guessing links is no cheap way to load the server. The claim and
 * the update are one transaction: a second request with the same link waits for it, then finds the
 * link used; if a write fails, the claim rolls back and the link still works.
 */
export async function resetPassword({ em, token, password, now }: { em: EntityManager; token: string; password: string; now: Date }): Promise<{
  userId: string; email: string; revoked: { apiKeysDeleted: number; endpointsDisabled: number };
}> {
  let passwordHash = (await findLiveAccountToken({ em, token, purpose: 'password_reset', now })) ? await hashPassword(password) : undefined;
  for (;;) {
    const hash = passwordHash;
    const outcome = await em.transactional(async (tem) => {
      const { userId } = await consumeAccountToken({ em: tem, token, purpose: 'password_reset', now });
      // Dead on the read above, claimed now (only an operator's SQL can revive a link): roll the
      // claim back and hash before claiming again.
      if (hash === undefined) throw STALE_CHECK;
      // `email_verified_at` as it was before the reset sets it below (the claim holds the row's lock):
      // when the address was first confirmed.
      const before = await db(tem).updateTable('users').set({ password_hash: hash }).where('user_id', '=', userId).returning(['email', 'email_verified_at']).executeTakeFirstOrThrow();
      const { email } = before;
      await db(tem).updateTable('users').set({ email_verified_at: now }).where('user_id', '=', userId).where('email_verified_at', 'is', null).execute();
      await db(tem).deleteFrom('sessions').where('user_id', '=', userId).execute();
      await deleteUnspentAccountTokens({ em: tem, userId, purpose: 'email_change' });
      // Several reset links can be live at once (issueAccountToken keeps the newest few, so a
      // stranger's requests cannot kill the owner's); once one has reset the password the others die.
      await deleteUnspentAccountTokens({ em: tem, userId, purpose: 'password_reset' });
      // Whoever used the account before its address was proved may not have been its owner: their API
      // keys and webhook endpoints go with their sessions. Not only when this reset is what proves it:
      // without SIGNUP_VERIFY_FIRST the owner's natural first step is the "Confirm your email address"
      // link, which takes no password, and whoever chose the password keeps what they set up before.
      const verifiedAt = before.email_verified_at === null ? null : new Date(pgTimeToIsoStrict(before.email_verified_at));
      const revoked = await revokePreVerificationAccess({ em: tem, userId, verifiedAt, now });
      return { userId, email, revoked };
    }).catch((err: unknown) => {
      if (err === STALE_CHECK) return undefined;
      throw err;
    });
    if (outcome) return outcome;
    passwordHash = await hashPassword(password);
  }
}

/** Thrown inside resetPassword's transaction to roll its claim back and run it again: the link looked dead before the claim, so nothing was hashed. */
const STALE_CHECK = new Error('checked against a stale row; run again');

/** Someone tried to sign up with this user's address: tell the owner (once an hour at most). */
export async function recordSignupAttempt({ em, userId, now }: { em: EntityManager; userId: string; now: Date }): Promise<Wakeup[]> {
  const period = Math.floor(now.getTime() / SIGNUP_ATTEMPT_EMAIL_PERIOD_MS);
  return recordNotification({ em, userId, kind: 'signup_attempt', dedupeKey: `signup_attempt-${userId}-${period}`, sendAt: now, now });
}
