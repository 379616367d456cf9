import { Migration } from '@mikro-orm/migrations';

/**
 * API processes cache sessions for a moment (core/accounts/session-cache.ts). Any statement that
 * ends sessions or changes what a cached one says (logout, password reset, an account's deletion
 * cascading, an operator's SQL) announces it on the channel `sessions_changed` at commit, and every
 * API process listening drops its cache. `last_seen_at` (slid every few minutes) is not announced.
 */
export class Migration20261129134500 extends Migration {

  override name = 'Migration20261129134500';

  override up(): void | Promise<void> {
    this.addSql(`create function sessions_changed_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('sessions_changed', '');
  return null;
end $$;`);
    this.addSql(`create trigger sessions_changed after delete or truncate or update of token_hash, user_id, csrf_token, expires_at on "sessions" for each statement execute function sessions_changed_notify();`);
    // Bulk loads under session_replication_role = replica must still announce (a restore ends sessions too).
    this.addSql(`alter table "sessions" enable always trigger sessions_changed;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger sessions_changed on "sessions";`);
    this.addSql(`drop function sessions_changed_notify();`);
  }

}
