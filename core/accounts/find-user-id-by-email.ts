import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';

/**
 * The id of the account that signs in with `email` (lower-cased, as login normalises it), or null.
 * Login needs it before the password is checked: a device cookie is bound to the account's id,
 * not to its address (api/middleware/device-cookie.ts). One indexed lookup (users_email_unique).
 */
export async function findUserIdByEmail({ em, email }: { em: EntityManager; email: string }): Promise<string | null> {
  const row = await db(em).selectFrom('users').select('user_id').where('email', '=', email).executeTakeFirst();
  return row?.user_id ?? null;
}
