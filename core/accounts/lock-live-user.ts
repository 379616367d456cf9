import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { AppError } from '../errors.ts';
import { ownerIdOf, type Tenant } from './tenant.ts';

/**
 * Inside a transaction: whether `userId` is an account that has not been deleted, holding a KEY
 * SHARE lock on its row until the commit. Call it before inserting a credential (a session, an API
 * key) for the user. Why a lock and not only the `deleted_at` test: a login or request that read
 * the user before `DELETE /v1/account` committed would otherwise insert its row after the deletion
 * removed every session and key (the foreign key's own KEY SHARE waits for the deletion, then
 * passes: the row is still there, only tombstoned). KEY SHARE conflicts with the deletion's
 * `FOR UPDATE`, so this waits for it, and READ COMMITTED then re-reads the row and sees
 * `deleted_at`; if this lock comes first, the deletion waits for the commit and deletes the new row.
 *
 * `passwordHash` (a login: the hash its password was checked against) also requires the row to
 * still hold that hash, and takes a SHARE lock instead: a password change or reset that committed
 * while the login was checking the old password ended every other session, and the login must not
 * add one after it. The change and the reset lock the row FOR UPDATE to write the hash, which KEY
 * SHARE waits for too; SHARE also waits for a plain `UPDATE … set password_hash` (its lock is FOR
 * NO KEY UPDATE, which KEY SHARE passes, reading the old, still committed hash), so this holds for
 * any writer of the hash. After the wait READ COMMITTED re-reads the row and sees the new hash; if
 * this lock comes first, the change waits for the commit and ends the new session with the others.
 *
 * `serialize` takes FOR NO KEY UPDATE instead: callers of the same user then run one at a time (a
 * count-then-insert limit, createApiKey), still waiting for the deletion's FOR UPDATE, while others'
 * KEY SHARE (a foreign key's, a session's insert) goes on beside it.
 */
export async function lockLiveUser(tem: EntityManager, userId: string, { passwordHash, serialize = false }: {
  passwordHash?: string;
  /** FOR NO KEY UPDATE, so that two callers for the same user do not overlap; default false. */
  serialize?: boolean;
} = {}): Promise<boolean> {
  let live = db(tem)
    .selectFrom('users')
    .select(sql<number>`1`.as('live'))
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null);
  if (passwordHash !== undefined) live = live.where('password_hash', '=', passwordHash);
  // NO KEY UPDATE waits for everything SHARE waits for (and for SHARE itself).
  const row = serialize
    ? await live.forNoKeyUpdate().executeTakeFirst()
    : passwordHash !== undefined ? await live.forShare().executeTakeFirst() : await live.forKeyShare().executeTakeFirst();
  return row !== undefined;
}

/**
 * Inside a transaction, before a change of the account that must not overlap another of its own
 * (a count-then-insert limit: API keys, sites; the pipeline's stages): locks the owner's user row
 * FOR NO KEY UPDATE (`lockLiveUser` with `serialize`), so the account's callers run one at a time,
 * each seeing what the one before it committed. A deleted account is a 401.
 */
export async function serializeAccountChange(tem: EntityManager, tenant: Tenant): Promise<void> {
  if (!(await lockLiveUser(tem, ownerIdOf(tenant), { serialize: true }))) throw new AppError('unauthorized', 'Your session has ended; log in again');
}
