import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/** A realtor account (seed table `users`; columns kept as the seed named them). */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    userId: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    username: p.string().length(255),
    /** Stored lower-cased; unique. */
    email: p.string().length(255).unique('users_email_unique'),
    /** TEXT as in the seed: an argon2 PHC string's length depends on its parameters. */
    passwordHash: p.text(),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    /** When the user proved the address (the verification link); null until then. */
    emailVerifiedAt: p.datetime().nullable(),
  },
});
export type User = InferEntity<typeof UserSchema>;
