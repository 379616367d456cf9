import type { EntityManager } from '@mikro-orm/postgresql';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { AppError } from '../errors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import type { Logger } from '../logger.ts';
import { recordEmailVerification, recordSignupAttempt } from '../notifications/account-emails.ts';
import type { SignupBody } from './account-schemas.ts';
import { hashPassword } from './passwords.ts';
import { ensureDefaultStages } from '../pipeline/default-stages.ts';
import { UserSchema, type User } from './user.entity.ts';

/** Creates an account (scripts, the demo, tests); a taken email answers 409 and writes nothing. */
export async function signUp({ em, input }: { em: EntityManager; input: SignupBody }): Promise<User> {
  const existing = await em.findOne(UserSchema, { email: input.email });
  if (existing) throw new AppError('email_taken', 'An account with this email already exists', [{ path: 'email', message: 'Already registered' }]);
  const user = em.create(UserSchema, {
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password),
  });
  try {
    await em.flush();
    await ensureDefaultStages(em, user.userId, new Date());
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('email_taken', 'An account with this email already exists', [{ path: 'email', message: 'Already registered' }]);
    }
    throw err;
  }
  return user;
}

/** A signup's body with its password hashed: what both outcomes of a signup compute, before answering. */
export interface PreparedSignup {
  username: string;
  email: string;
  passwordHash: string;
}

/** Hashes the signup's password: the slow part, and the same for a new and a registered address. */
export async function prepareSignup(input: SignupBody): Promise<PreparedSignup> {
  return { username: input.username, email: input.email, passwordHash: await hashPassword(input.password) };
}

/**
 * `POST /v1/auth/signup`: creates an account and writes its verification email. An address that
 * is already registered creates nothing and is not reported to the caller: its owner gets a
 * "someone tried to sign up with your address" email instead (docs/email.md, "Signup does not
 * reveal accounts"). Returns the new user, or null for a registered address.
 */
export async function registerAccount({ em, input, now, queues, log }: {
  em: EntityManager; input: SignupBody; now: Date; queues: Queues; log: Logger;
}): Promise<User | null> {
  // Hashed before looking, so both outcomes cost the same time.
  return recordSignup({ em, signup: await prepareSignup(input), now, queues, log });
}

/**
 * The address-dependent part of a signup, after prepareSignup: a new address gets its account, its
 * default stages and its verification email; a registered one, the owner's "someone tried to sign
 * up" email (deduplicated per hour). The two cost different work (an insert, the stages, a token,
 * an outbox row and a wake-up, against a SELECT and at most one outbox row), so with
 * SIGNUP_VERIFY_FIRST the route runs this after its answer has gone (api/routes/auth.routes.ts).
 * Returns the new user, or null for a registered address.
 */
export async function recordSignup({ em, signup, now, queues, log }: {
  em: EntityManager; signup: PreparedSignup; now: Date; queues: Queues; log: Logger;
}): Promise<User | null> {
  const { username, email, passwordHash } = signup;
  const notifyOwner = (tem: EntityManager, userId: string) => recordSignupAttempt({ em: tem, userId, now });
  const result = await em
    .transactional(async (tem): Promise<{ user: User | null; wakeups: Wakeup[] }> => {
      const existing = await tem.findOne(UserSchema, { email });
      if (existing) return { user: null, wakeups: await notifyOwner(tem, existing.userId) };
      const user = tem.create(UserSchema, { username, email, passwordHash, createdAt: now });
      await tem.flush();
      await ensureDefaultStages(tem, user.userId, now);
      return { user, wakeups: await recordEmailVerification({ em: tem, userId: user.userId, now }) };
    })
    .catch(async (err: unknown) => {
      // A concurrent signup took the address between the look and the insert (the unique email
      // makes this insert wait for that one's commit, then fail): answer as for a registered one,
      // so two signups of one new address at once create one account.
      if (!isUniqueViolation(err)) throw err;
      const fresh = em.fork();
      const existing = await fresh.findOne(UserSchema, { email });
      if (!existing) throw err;
      return fresh.transactional(async (tem) => ({ user: null, wakeups: await notifyOwner(tem, existing.userId) }));
    });
  await enqueueAfterCommit(queues, result.wakeups, log);
  return result.user;
}
