import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from './owner-column.ts';

/** What a token lets its bearer do, once. */
export const ACCOUNT_TOKEN_PURPOSES = ['email_verification', 'password_reset', 'email_change'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * A single-use, expiring link token (email verification, password reset, a change of sign-in
 * address). The email carries a random token; only its SHA-256 is stored, so a database leak does
 * not hand out reset links. `consumed_at` is set by the one update that claims it.
 */
export const AccountTokenSchema = defineEntity({
  name: 'AccountToken',
  tableName: 'account_tokens',
  properties: {
    tokenId: uuidPrimaryKey(),
    user: ownerColumn(),
    purpose: p.enum(ACCOUNT_TOKEN_PURPOSES),
    tokenHash: p.string().length(64).unique('account_tokens_token_hash_unique'),
    createdAt: createdAtColumn(),
    expiresAt: p.datetime(),
    consumedAt: p.datetime().nullable(),
    /**
     * The address the link was emailed to (lower-cased). A verification or reset link works only
     * while it is still the account's address; an email-change link carries the new address it
     * confirms (core/accounts/account-tokens.ts).
     */
    email: p.string().length(255),
  },
  indexes: [{ name: 'account_tokens_user_purpose_index', properties: ['user', 'purpose'] }],
});
export type AccountToken = InferEntity<typeof AccountTokenSchema>;
