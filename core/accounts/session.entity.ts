import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from './owner-column.ts';

/**
 * A server-side login session. The cookie carries a random token; only its SHA-256
 * is stored, so a database leak does not hand out live sessions.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    sessionId: uuidPrimaryKey(),
    tokenHash: p.string().length(64).unique('sessions_token_hash_unique'),
    user: ownerColumn('sessions_user_id_index'),
    csrfToken: p.string().length(64),
    createdAt: createdAtColumn(),
    expiresAt: p.datetime().index('sessions_expires_at_index'),
    lastSeenAt: createdAtColumn(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
  },
});
export type Session = InferEntity<typeof SessionSchema>;
