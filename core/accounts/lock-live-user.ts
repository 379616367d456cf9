import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';

/**
 * Inside a transaction: whether `userId` is an account that has not been deleted, holding a KEY
 * SHARE lock on its row until the commit. Call it before inserting a credential (a session, an API
 * key) for the user. Why a lock and not only the `deleted_at` test: a login or request that read
 * the user before `DELETE /v1/account` committed would otherwise insert its row after the deletion
 * removed every session and key (the foreign key's own KEY SHARE waits for the deletion, then
 * passes: the row is still there, only tombstoned). KEY SHARE conflicts with the deletion's
 * `FOR UPDATE`, so this waits for it, and READ COMMITTED then re-reads the row and sees
 * `deleted_at`; if this lock comes first, the deletion waits for the commit and deletes the new row.
 */
export async function lockLiveUser(tem: EntityManager, userId: string): Promise<boolean> {
  const row = await db(tem)
    .selectFrom('users')
    .select(sql<number>`1`.as('live'))
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .forKeyShare()
    .executeTakeFirst();
  return row !== undefined;
}
