import { describe, expect, it } from 'vitest';
import { insertTestUser, useTestOrm } from '#test/db.ts';
import { AppError } from '../errors.ts';
import { AccountTokenSchema } from './account-token.entity.ts';
import type { AccountTokenPurpose } from './account-token.entity.ts';
import {
  consumeAccountToken, deleteUnspentAccountTokens, EMAIL_CHANGE_TTL_MS, EMAIL_VERIFICATION_TTL_MS, findLiveAccountToken, issueAccountToken, PASSWORD_RESET_EMAILS_PER_ADDRESS,
  PASSWORD_RESET_TTL_MS,
} from './account-tokens.ts';
import { sha256Hex } from './tokens.ts';

const t = useTestOrm({ ormPoolMax: 4 });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
}

const T0 = new Date('2026-03-01T12:00:00Z');

describe('single-use account tokens', () => {
  it('stores only the SHA-256 of the token, with its expiry', async () => {
    const userId = await insertTestUser(t.orm);
    const { token, tokenId, expiresAt } = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.toISOString()).toBe('2026-03-01T13:00:00.000Z');
    const { rows } = await t.pool.query('select * from account_tokens where token_id = $1', [tokenId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: userId, purpose: 'password_reset', token_hash: sha256Hex(token), consumed_at: null });
    expect(JSON.stringify(rows[0])).not.toContain(token);
  });

  it('works once: the second use of a link is refused as used', async () => {
    const userId = await insertTestUser(t.orm);
    const { token } = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const later = new Date(T0.getTime() + 60_000);
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'email_verification', now: later })).toMatchObject({ userId });
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'email_verification', now: later }))).toBe('token_used');
    const { rows } = await t.pool.query('select consumed_at from account_tokens where token_hash = $1', [sha256Hex(token)]);
    expect(rows[0].consumed_at.toISOString()).toBe(later.toISOString());
  });

  it('has exactly one winner when two requests use the same link at once', async () => {
    const userId = await insertTestUser(t.orm);
    for (let round = 0; round < 5; round++) {
      const { token } = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
      const results = await Promise.allSettled([0, 1, 2].map(() => consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: T0 })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(losers.map((r) => (r.reason as AppError).code)).toEqual(['token_used', 'token_used']);
    }
  });

  it('refuses an expired link with a clear error, and does not consume it', async () => {
    const userId = await insertTestUser(t.orm);
    const { token } = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    const atExpiry = new Date(T0.getTime() + PASSWORD_RESET_TTL_MS);
    const err = await consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: atExpiry }).catch((e: unknown) => e as AppError);
    expect(err).toMatchObject({ code: 'token_expired', status: 410 });
    expect((err as AppError).message).toMatch(/expired/);
    const { rows } = await t.pool.query('select consumed_at from account_tokens where token_hash = $1', [sha256Hex(token)]);
    expect(rows[0].consumed_at).toBeNull();
    // One millisecond before expiry it still works.
    const justBefore = new Date(atExpiry.getTime() - 1);
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: justBefore })).toMatchObject({ userId });
  });

  it.each([
    ['an unknown token', 'x'.repeat(43)],
    ['an empty token', ''],
    ['an absurdly long token', 'x'.repeat(5000)],
  ])('refuses %s as invalid', async (_what, token) => {
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: T0 }))).toBe('token_invalid');
  });

  it('does not accept a verification token as a password reset token (or the reverse)', async () => {
    const userId = await insertTestUser(t.orm);
    const { token } = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: T0 }))).toBe('token_invalid');
    // The failed attempt did not spend it.
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'email_verification', now: T0 })).toMatchObject({ userId });
  });

  it('a new verification or email-change link kills the earlier unused one of its purpose', async () => {
    const userId = await insertTestUser(t.orm);
    const first = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const reset = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    const second = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const change = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_change', now: T0, ttlMs: EMAIL_CHANGE_TTL_MS, email: 'one@example.test' });
    const newerChange = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_change', now: T0, ttlMs: EMAIL_CHANGE_TTL_MS, email: 'two@example.test' });
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token: first.token, purpose: 'email_verification', now: T0 }))).toBe('token_invalid');
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token: change.token, purpose: 'email_change', now: T0 }))).toBe('token_invalid');
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token: second.token, purpose: 'email_verification', now: T0 })).toMatchObject({ userId });
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token: newerChange.token, purpose: 'email_change', now: T0 })).toMatchObject({ userId });
    // Other purposes are untouched.
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token: reset.token, purpose: 'password_reset', now: T0 })).toMatchObject({ userId });
  });

  it(`a new reset link leaves the ${PASSWORD_RESET_EMAILS_PER_ADDRESS} newest unused ones working and kills only older ones`, async () => {
    const userId = await insertTestUser(t.orm);
    const issued = [];
    for (let i = 0; i <= PASSWORD_RESET_EMAILS_PER_ADDRESS; i++) {
      issued.push(await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: new Date(T0.getTime() + i * 1000), ttlMs: PASSWORD_RESET_TTL_MS }));
    }
    const [oldest, ...newest] = issued;
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token: oldest.token, purpose: 'password_reset', now: T0 }))).toBe('token_invalid');
    for (const { token } of newest) expect(await consumeAccountToken({ em: t.orm.em.fork(), token, purpose: 'password_reset', now: T0 })).toMatchObject({ userId });
  });

  it('keeps used tokens as a record when a new one is issued, and deletes them with the user', async () => {
    const userId = await insertTestUser(t.orm);
    const used = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    await consumeAccountToken({ em: t.orm.em.fork(), token: used.token, purpose: 'password_reset', now: T0 });
    await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    expect(await t.orm.em.fork().count(AccountTokenSchema, { user: userId })).toBe(2);
    await t.pool.query('delete from users where user_id = $1', [userId]);
    expect(await t.orm.em.fork().count(AccountTokenSchema, { user: userId })).toBe(0);
  });

  it('ties a verification or reset link to the address it was sent to: refused (unspent) once the account uses another', async () => {
    const userId = await insertTestUser(t.orm);
    const [{ email }] = (await t.pool.query<{ email: string }>('select email from users where user_id = $1', [userId])).rows;
    const reset = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    const verify = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    expect((await t.pool.query('select email from account_tokens where token_id = $1', [reset.tokenId])).rows).toEqual([{ email }]);
    await t.pool.query('update users set email = $1 where user_id = $2', [`moved-${userId}@example.test`, userId]);
    for (const [token, purpose] of [[reset.token, 'password_reset'], [verify.token, 'email_verification']] as const) {
      const err = await consumeAccountToken({ em: t.orm.em.fork(), token, purpose, now: T0 }).catch((e: unknown) => e as AppError);
      expect(err).toMatchObject({ code: 'token_invalid', status: 400 });
      expect((err as AppError).message).toMatch(/no longer uses/);
    }
    expect((await t.pool.query('select count(*)::int as n from account_tokens where user_id = $1 and consumed_at is null', [userId])).rows).toEqual([{ n: 2 }]);
  });

  it('an email-change link carries the new address, which it answers when spent; deleteUnspentAccountTokens kills the unspent links only', async () => {
    const userId = await insertTestUser(t.orm);
    const spent = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: PASSWORD_RESET_TTL_MS });
    await consumeAccountToken({ em: t.orm.em.fork(), token: spent.token, purpose: 'password_reset', now: T0 });
    const change = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_change', now: T0, ttlMs: EMAIL_CHANGE_TTL_MS, email: 'New.Address@Example.test' });
    const verify = await issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'email_verification', now: T0, ttlMs: EMAIL_VERIFICATION_TTL_MS });
    expect(await consumeAccountToken({ em: t.orm.em.fork(), token: change.token, purpose: 'email_change', now: T0 })).toMatchObject({ userId, email: 'new.address@example.test' });
    expect(await deleteUnspentAccountTokens({ em: t.orm.em.fork(), userId })).toBe(1);
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token: verify.token, purpose: 'email_verification', now: T0 }))).toBe('token_invalid');
    expect((await t.pool.query('select purpose from account_tokens where user_id = $1 order by purpose', [userId])).rows).toEqual([{ purpose: 'email_change' }, { purpose: 'password_reset' }]);
  });

  // findLiveAccountToken is the unlocked read the argon2 work is gated on: a link it calls live
  // must be one the claim spends, and a link the claim refuses must cost no hash.
  it.each<[string, { purpose: AccountTokenPurpose; claimAs?: AccountTokenPurpose; spend?: boolean; at?: number; moveAddress?: boolean; madeUp?: boolean }, string]>([
    ['a live reset link', { purpose: 'password_reset' }, 'resolved'],
    ['a live verification link', { purpose: 'email_verification' }, 'resolved'],
    ['a live email-change link (sent to the new address)', { purpose: 'email_change' }, 'resolved'],
    ['a link of another purpose', { purpose: 'email_verification', claimAs: 'password_reset' }, 'token_invalid'],
    ['a spent link', { purpose: 'password_reset', spend: true }, 'token_used'],
    ['a link at its expiry', { purpose: 'password_reset', at: PASSWORD_RESET_TTL_MS }, 'token_expired'],
    ['a reset link sent to an address the account no longer uses', { purpose: 'password_reset', moveAddress: true }, 'token_invalid'],
    ['an email-change link after the account\'s address moved (it carries the new address, never the account\'s)', { purpose: 'email_change', moveAddress: true }, 'resolved'],
    ['a made-up link', { purpose: 'password_reset', madeUp: true }, 'token_invalid'],
  ])('the unlocked read finds exactly the links the claim spends: %s', async (_name, c, claim) => {
    const userId = await insertTestUser(t.orm);
    const issued = await issueAccountToken({
      em: t.orm.em.fork(), userId, purpose: c.purpose, now: T0, ttlMs: PASSWORD_RESET_TTL_MS, email: c.purpose === 'email_change' ? `new-${userId}@example.test` : undefined,
    });
    const token = c.madeUp ? `${issued.token.slice(0, -1)}${issued.token.endsWith('A') ? 'B' : 'A'}` : issued.token;
    const purpose = c.claimAs ?? c.purpose;
    if (c.spend) await consumeAccountToken({ em: t.orm.em.fork(), token, purpose, now: T0 });
    if (c.moveAddress) await t.pool.query('update users set email = $1 where user_id = $2', [`moved-${userId}@example.test`, userId]);
    const now = new Date(T0.getTime() + (c.at ?? 60_000));
    const live = await findLiveAccountToken({ em: t.orm.em.fork(), token, purpose, now });
    expect(live === undefined ? 'not live' : 'live').toBe(claim === 'resolved' ? 'live' : 'not live');
    expect(await codeOf(consumeAccountToken({ em: t.orm.em.fork(), token, purpose, now }))).toBe(claim);
  });

  it('refuses a non-positive lifetime', async () => {
    const userId = await insertTestUser(t.orm);
    await expect(issueAccountToken({ em: t.orm.em.fork(), userId, purpose: 'password_reset', now: T0, ttlMs: 0 })).rejects.toThrow(/ttlMs/);
  });
});
