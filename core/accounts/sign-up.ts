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
  const passwordHash = await hashPassword(input.password);
  const notifyOwner = (tem: EntityManager, userId: string) => recordSignupAttempt({ em: tem, userId, now });
  const result = await em
    .transactional(async (tem): Promise<{ user: User | null; wakeups: Wakeup[] }> => {
      const existing = await tem.findOne(UserSchema, { email: input.email });
      if (existing) return { user: null, wakeups: await notifyOwner(tem, existing.userId) };
      const user = tem.create(UserSchema, { username: input.username, email: input.email, passwordHash, createdAt: now });
      await tem.flush();
      await ensureDefaultStages(tem, user.userId, now);
      return { user, wakeups: await recordEmailVerification({ em: tem, userId: user.userId, now }) };
    })
    .catch(async (err: unknown) => {
      // A concurrent signup took the address between the look and the insert: answer as for a registered one.
      if (!isUniqueViolation(err)) throw err;
      const fresh = em.fork();
      const existing = await fresh.findOne(UserSchema, { email: input.email });
      if (!existing) throw err;
      return fresh.transactional(async (tem) => ({ user: null, wakeups: await notifyOwner(tem, existing.userId) }));
    });
  await enqueueAfterCommit(queues, result.wakeups, log);
  return result.user;
}
