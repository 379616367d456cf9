import type { EntityManager } from '@mikro-orm/postgresql';
import { getDummyPasswordHash, verifyPassword } from './passwords.ts';
import { UserSchema, type User } from './user.entity.ts';

/**
 * The user for an email/password pair and the hash the password was checked against, or null;
 * unknown emails cost as much as wrong passwords. A session started from this must require that
 * hash still (createSession's `passwordHash`): the password may change while it was being checked.
 */
export async function verifyCredentials({ em, email, password }: { em: EntityManager; email: string; password: string }): Promise<{ user: User; passwordHash: string } | null> {
  const user = await em.findOne(UserSchema, { email });
  const passwordHash = user?.passwordHash;
  const ok = await verifyPassword(passwordHash ?? (await getDummyPasswordHash()), password);
  return user && passwordHash !== undefined && ok ? { user, passwordHash } : null;
}
