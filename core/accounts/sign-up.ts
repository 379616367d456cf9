import type { EntityManager } from '@mikro-orm/postgresql';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { AppError } from '../errors.ts';
import type { SignupBody } from './account-schemas.ts';
import { hashPassword } from './passwords.ts';
import { UserSchema, type User } from './user.entity.ts';

/** Creates an account; a taken email answers 409 and writes nothing. */
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
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('email_taken', 'An account with this email already exists', [{ path: 'email', message: 'Already registered' }]);
    }
    throw err;
  }
  return user;
}
