import type { EntityManager } from '@mikro-orm/postgresql';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { AppError } from '../errors.ts';
import { type DB, db } from '../db/kysely.ts';
import { pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { AccountTokenPurpose } from './account-token.entity.ts';
import { createToken, sha256Hex } from './tokens.ts';
import { DAY_MS, HOUR_MS } from '../shared/time.ts';

/** Email verification links work for a day: long enough to find the email the next morning. */
export const EMAIL_VERIFICATION_TTL_MS = DAY_MS;
/** Password reset links work for an hour (OWASP: short-lived). */
export const PASSWORD_RESET_TTL_MS = HOUR_MS;
/** The link that confirms a new sign-in address works for a day, like a verification link. */
export const EMAIL_CHANGE_TTL_MS = DAY_MS;
/**
 * "Forgot password" emails per address per PASSWORD_RESET_EMAIL_WINDOW_MS, whichever IPs ask
 * (requestPasswordReset): anyone can ask for an address, so this is what bounds the owner's inbox.
 */
export const PASSWORD_RESET_EMAILS_PER_ADDRESS = 3;
export const PASSWORD_RESET_EMAIL_WINDOW_MS = HOUR_MS;
/**
 * How many of a user's unspent links of each purpose a new one leaves working (itself included);
 * older ones are deleted. A reset can be asked for by anyone, so a new reset link must not kill the
 * one the owner is about to click: as many stay live as the per-address cap lets be issued in the
 * window, and the window is as long as a reset link lives, so no live reset link is ever pushed
 * out. A verification resend (needs the account's session or password) and an address change (needs
 * a session and the password) are asked for by the account itself: only the newest link works.
 * The per-address cap counts the reset links in the table (countAccountTokensIssuedSince), so it
 * holds only while this keeps at least as many as the cap lets be issued.
 */
const LIVE_LINKS_PER_PURPOSE: Record<AccountTokenPurpose, number> = {
  password_reset: PASSWORD_RESET_EMAILS_PER_ADDRESS,
  email_verification: 1,
  email_change: 1,
};
/** Tokens are 32 random bytes (256 bits) as base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_MAX_CHARS = 100;

/**
 * Issues a single-use token for `purpose` and returns it (only its hash is stored). In the same
 * transaction, the user's unspent tokens of that purpose beyond the newest LIVE_LINKS_PER_PURPOSE
 * (this one included) are deleted, oldest first: a new verification or email-change link is the only
 * one that works; a new reset link leaves the two before it working (an old reset email lying in an
 * inbox still dies with its hour).
 *
 * `email`: the address the link is emailed to — the new address for `email_change`; for the
 * other purposes the account's current address, read here when not given. A verification or
 * reset link stops working once the account's address is no longer this one.
 */
export async function issueAccountToken({ em, userId, purpose, now = new Date(), ttlMs, email }: {
  em: EntityManager; userId: string; purpose: AccountTokenPurpose; now?: Date; ttlMs: number; email?: string;
}): Promise<{ token: string; tokenId: string; expiresAt: Date }> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  const token = createToken('', TOKEN_BYTES);
  const expiresAt = new Date(now.getTime() + ttlMs);
  return em.transactional(async (tx) => {
    const q = db(tx);
    const address = email ?? (await q.selectFrom('users').select('email').where('user_id', '=', userId).executeTakeFirstOrThrow()).email;
    // `not in` an empty list (LIMIT 0: keep no earlier one) is true for every row: all deleted.
    await q.deleteFrom('account_tokens')
      .where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null)
      .where('token_id', 'not in', (eb) => eb.selectFrom('account_tokens').select('token_id')
        .where('user_id', '=', userId).where('purpose', '=', purpose).where('consumed_at', 'is', null)
        .orderBy('created_at', 'desc').orderBy('token_id').limit(LIVE_LINKS_PER_PURPOSE[purpose] - 1))
      .execute();
    const tokenId = crypto.randomUUID();
    await q.insertInto('account_tokens').values({
      token_id: tokenId, user_id: userId, purpose, token_hash: sha256Hex(token), created_at: now, expires_at: expiresAt, email: address.toLowerCase(),
    }).execute();
    return { token, tokenId, expiresAt };
  });
}

/**
 * Spends a token: returns its user and the address it was sent to, or throws AppError
 * `token_invalid` (unknown, issued for another purpose, or — verification and reset — sent to an
 * address the account no longer uses), `token_used` or `token_expired`. The claim is one
 * conditional UPDATE (joined to the user's row for the address check), so of two requests racing
 * with the same link exactly one wins; the loser sees `token_used`.
 */
export async function consumeAccountToken({ em, token, purpose, now = new Date() }: {
  em: EntityManager; token: string; purpose: AccountTokenPurpose; now?: Date;
}): Promise<{ userId: string; tokenId: string; email: string }> {
  if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX_CHARS) throw invalid();
  const tokenHash = sha256Hex(token);
  // The account's row first, then the token's: the order every change of an account takes
  // (a password or address change locks the user, then deletes links), so a link used while the
  // realtor changes the account waits instead of deadlocking, and the address compared below
  // cannot change before this transaction ends. A made-up link locks nothing.
  await db(em)
    .selectFrom('account_tokens as t')
    .innerJoin('users as u', 'u.user_id', 't.user_id')
    .select('u.user_id')
    .where('t.token_hash', '=', tokenHash)
    .forUpdate('u')
    .execute();
  const claimed = await db(em)
    .updateTable('account_tokens as t')
    .from('users as u')
    .set({ consumed_at: now })
    .whereRef('u.user_id', '=', 't.user_id')
    .where((eb) => isLiveToken(eb, { tokenHash, purpose, now }))
    .returning(['t.token_id', 't.user_id', 't.email'])
    .executeTakeFirst();
  if (claimed) return { userId: claimed.user_id, tokenId: claimed.token_id, email: claimed.email };
  // Why the claim touched nothing.
  const row = await db(em)
    .selectFrom('account_tokens as t')
    .innerJoin('users as u', 'u.user_id', 't.user_id')
    .select(['t.purpose', 't.consumed_at', 't.expires_at', 't.email', 'u.email as current_email'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.purpose !== purpose) throw invalid();
  if (row.consumed_at !== null) throw new AppError('token_used', 'This link has already been used. Ask for a new one if you still need it.');
  if (Date.parse(pgTimeToIsoStrict(row.expires_at)) <= now.getTime()) throw new AppError('token_expired', 'This link has expired. Ask for a new one.');
  throw new AppError('token_invalid', 'This link was sent to an email address this account no longer uses. Ask for a new one.');
}

/** A link's row (`t`) joined to its account's users row (`u`), as the claim and findLiveAccountToken read them. */
type TokenWithUser = { t: DB['account_tokens']; u: DB['users'] };

/**
 * The one statement of when a link works — the claim spends exactly the links that match it, and
 * findLiveAccountToken reads the same ones without a lock: this hash, this purpose, not spent, not
 * expired at `now`. An email-change link carries the NEW address (never the account's yet); the
 * others work only while the account still uses the address they were sent to.
 */
function isLiveToken(eb: ExpressionBuilder<TokenWithUser, 't' | 'u'>, { tokenHash, purpose, now }: {
  tokenHash: string; purpose: AccountTokenPurpose; now: Date;
}): Expression<SqlBool> {
  const conditions = [
    eb('t.token_hash', '=', tokenHash),
    eb('t.purpose', '=', purpose),
    eb('t.consumed_at', 'is', null),
    eb('t.expires_at', '>', now.toISOString()),
  ];
  if (purpose !== 'email_change') conditions.push(eb('t.email', '=', eb.ref('u.email')));
  return eb.and(conditions);
}

/**
 * A link that its claim would accept right now (isLiveToken, consumeAccountToken's conditions),
 * read without a lock, with its account's password hash and whether the address is verified: lets
 * a caller do its argon2 work before the claim locks the account's row, and skip it for a made-up,
 * spent or expired link. Undefined when the claim would refuse the link.
 */
export async function findLiveAccountToken({ em, token, purpose, now }: {
  em: EntityManager; token: string; purpose: AccountTokenPurpose; now: Date;
}): Promise<{ passwordHash: string; emailVerified: boolean } | undefined> {
  const row = await db(em)
    .selectFrom('account_tokens as t')
    .innerJoin('users as u', 'u.user_id', 't.user_id')
    .select(['u.password_hash', 'u.email_verified_at'])
    .where((eb) => isLiveToken(eb, { tokenHash: sha256Hex(token), purpose, now }))
    .executeTakeFirst();
  return row && { passwordHash: row.password_hash, emailVerified: row.email_verified_at !== null };
}

/**
 * Deletes a user's unspent links: of one purpose (a cancelled email change), or all of them (the
 * sign-in address changed, so links sent to the old one must not work). Returns how many.
 */
export async function deleteUnspentAccountTokens({ em, userId, purpose }: { em: EntityManager; userId: string; purpose?: AccountTokenPurpose }): Promise<number> {
  let q = db(em).deleteFrom('account_tokens').where('user_id', '=', userId).where('consumed_at', 'is', null);
  if (purpose) q = q.where('purpose', '=', purpose);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * How many links of `purpose` the user was issued since `since`, spent or not (the ones still in the
 * table: an address change deletes the unspent ones). The caller holds the user's row lock, so two
 * requests cannot both count below a cap.
 */
export async function countAccountTokensIssuedSince({ em, userId, purpose, since }: { em: EntityManager; userId: string; purpose: AccountTokenPurpose; since: Date }): Promise<number> {
  const row = await db(em)
    .selectFrom('account_tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('created_at', '>', since.toISOString())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's live (unspent, unexpired) email-change link: the address it confirms and when it expires. */
export async function findPendingEmailChange({ em, userId, now }: { em: EntityManager; userId: string; now: Date }): Promise<{ email: string; expiresAt: Date } | null> {
  const row = await db(em)
    .selectFrom('account_tokens')
    .select(['email', 'expires_at'])
    .where('user_id', '=', userId)
    .where('purpose', '=', 'email_change')
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { email: row.email, expiresAt: new Date(pgTimeToIsoStrict(row.expires_at)) } : null;
}

function invalid(): AppError {
  return new AppError('token_invalid', 'This link is not valid. Check that you copied all of it, or ask for a new one.');
}
