import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors.ts';
import { AccountTokenSchema, type AccountTokenPurpose } from './account-token.entity.ts';
import { createToken, sha256Hex } from './tokens.ts';
import { DAY_MS, HOUR_MS } from '../shared/time.ts';

/** Email verification links work for a day: long enough to find the email the next morning. */
export const EMAIL_VERIFICATION_TTL_MS = DAY_MS;
/** Password reset links work for an hour (OWASP: short-lived). */
export const PASSWORD_RESET_TTL_MS = HOUR_MS;
/** Tokens are 32 random bytes (256 bits) as base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_MAX_CHARS = 100;

/**
 * Issues a single-use token for `purpose` and returns it (only its hash is stored). Earlier
 * unused tokens of the same user and purpose are deleted in the same statement batch: the
 * newest email is the only one whose link works, so an old reset email lying in an inbox is dead.
 */
export async function issueAccountToken({ em, userId, purpose, now = new Date(), ttlMs }: {
  em: EntityManager; userId: string; purpose: AccountTokenPurpose; now?: Date; ttlMs: number;
}): Promise<{ token: string; tokenId: string; expiresAt: Date }> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  const token = createToken('', TOKEN_BYTES);
  const expiresAt = new Date(now.getTime() + ttlMs);
  return em.transactional(async (tx) => {
    await tx.nativeDelete(AccountTokenSchema, { user: userId, purpose, consumedAt: null });
    const row = tx.create(AccountTokenSchema, { user: userId, purpose, tokenHash: sha256Hex(token), createdAt: now, expiresAt });
    await tx.flush();
    return { token, tokenId: row.tokenId, expiresAt };
  });
}

/**
 * Spends a token: returns its user, or throws AppError `token_invalid` (unknown, or issued for
 * another purpose), `token_used` or `token_expired`. The claim is one conditional UPDATE, so of
 * two requests racing with the same link exactly one wins; the loser sees `token_used`.
 */
export async function consumeAccountToken({ em, token, purpose, now = new Date() }: {
  em: EntityManager; token: string; purpose: AccountTokenPurpose; now?: Date;
}): Promise<{ userId: string; tokenId: string }> {
  if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX_CHARS) throw invalid();
  const tokenHash = sha256Hex(token);
  const claimed = await em.nativeUpdate(
    AccountTokenSchema,
    { tokenHash, purpose, consumedAt: null, expiresAt: { $gt: now } },
    { consumedAt: now },
  );
  // Read what the claim touched (or why it touched nothing) without the identity map's cached copy.
  const row = await em.findOne(AccountTokenSchema, { tokenHash }, { refresh: true, fields: ['tokenId', 'user', 'purpose', 'expiresAt', 'consumedAt'] });
  if (claimed === 1 && row) return { userId: row.user.userId, tokenId: row.tokenId };
  if (!row || row.purpose !== purpose) throw invalid();
  if (row.consumedAt) throw new AppError('token_used', 'This link has already been used. Ask for a new one if you still need it.');
  throw new AppError('token_expired', 'This link has expired. Ask for a new one.');
}

function invalid(): AppError {
  return new AppError('token_invalid', 'This link is not valid. Check that you copied all of it, or ask for a new one.');
}
