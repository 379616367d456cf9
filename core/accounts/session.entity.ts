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
  triggers: [
    {
      // API processes cache sessions (session-cache.ts): any statement that ends sessions or changes
      // what a cached one says notifies them at commit (migration Migration20261129134500; declared
      // here so the schema diff knows it). `last_seen_at` slides are not announced.
      name: 'sessions_changed', timing: 'after', events: ['delete', 'truncate', 'update'], forEach: 'statement',
      expression: `create function sessions_changed_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('sessions_changed', '');
  return null;
end $$;
create trigger sessions_changed after delete or truncate or update of token_hash, user_id, csrf_token, expires_at on "sessions" for each statement execute function sessions_changed_notify();
alter table "sessions" enable always trigger sessions_changed;`,
    },
  ],
});
export type Session = InferEntity<typeof SessionSchema>;
