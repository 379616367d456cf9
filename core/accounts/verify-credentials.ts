import type { EntityManager } from '@mikro-orm/postgresql';
import { getDummyPasswordHash, verifyPassword } from './passwords.ts';
import { UserSchema, type User } from './user.entity.ts';

/** The user for an email/password pair, or null; unknown emails cost as much as wrong passwords. */
export async function verifyCredentials({ em, email, password }: { em: EntityManager; email: string; password: string }): Promise<User | null> {
  const user = await em.findOne(UserSchema, { email });
  const ok = await verifyPassword(user?.passwordHash ?? (await getDummyPasswordHash()), password);
  return user && ok ? user : null;
}
