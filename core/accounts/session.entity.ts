import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { UserSchema } from './user.entity.ts';

/**
 * A server-side login session. The cookie carries a random token; only its SHA-256
 * is stored, so a database leak does not hand out live sessions.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    sessionId: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    tokenHash: p.string().length(64).unique('sessions_token_hash_unique'),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index('sessions_user_id_index'),
    csrfToken: p.string().length(64),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    expiresAt: p.datetime().index('sessions_expires_at_index'),
    lastSeenAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
  },
});
export type Session = InferEntity<typeof SessionSchema>;
