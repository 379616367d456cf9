import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';

/** A realtor account (seed table `users`; columns kept as the seed named them). */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    userId: uuidPrimaryKey(),
    username: p.string().length(255),
    /** Stored lower-cased; unique. */
    email: p.string().length(255).unique('users_email_unique'),
    /** TEXT as in the seed: an argon2 PHC string's length depends on its parameters. */
    passwordHash: p.text(),
    createdAt: createdAtColumn(),
    /** When an address of the account was first proved (a verification, reset or email-change link); null until then. */
    emailVerifiedAt: p.datetime().nullable(),
    /** When the account was deleted (DELETE /v1/account); its rows are being erased by `accounts.purge`. */
    deletedAt: p.datetime().nullable(),
  },
  indexes: [
    { name: 'users_deleted_at_index', expression: 'create index "users_deleted_at_index" on "users" ("deleted_at") where "deleted_at" is not null' },
  ],
});
export type User = InferEntity<typeof UserSchema>;
