import { p } from '@mikro-orm/postgresql';
import { UserSchema } from './user.entity.ts';

/**
 * The owning account (`user_id`, the seed's name) of a tenant table: erased with the account.
 * `index` names the single-column index where the table has one.
 */
export function ownerColumn(index?: string) {
  const owner = p.manyToOne(UserSchema).deleteRule('cascade');
  return () => (index ? owner.index(index) : owner);
}
