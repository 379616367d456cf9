import { Migration } from '@mikro-orm/migrations';

/**
 * `sessions_changed` (Migration20261129134500) fired once per statement, also for a statement that
 * matched no row: any signed-in user could send `DELETE /v1/account/sessions/<random id>` (404)
 * at will, and each one emptied every API process's session cache and
 * made every session-opened live stream ask Postgres again. It now fires for each row a delete or
 * an update of the same columns touches, so only a real change notifies. Postgres folds identical
 * notifications of one transaction into one, so ending a thousand sessions still sends one.
 *
 * What this gives up: TRUNCATE, which has no row-level triggers, no longer notifies. Keeping it
 * takes a second, statement-level trigger, which core/accounts/session.entity.ts has to declare
 * (the schema test fails on an undeclared one). Until then a `truncate sessions` by an operator
 * reaches the caches within SESSION_CACHE_TTL_MS (2 s) and open streams at their next heartbeat.
 */
export class Migration20261201130000 extends Migration {

  override name = 'Migration20261201130000';

  override up(): void | Promise<void> {
    // One transaction (the migrator's): no commit can fall between the two triggers.
    this.addSql(`drop trigger sessions_changed on "sessions";`);
    this.addSql(`create trigger sessions_changed after delete or update of token_hash, user_id, csrf_token, expires_at on "sessions" for each row execute function sessions_changed_notify();`);
    // Bulk loads under session_replication_role = replica must still announce (a restore ends sessions too).
    this.addSql(`alter table "sessions" enable always trigger sessions_changed;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger sessions_changed on "sessions";`);
    this.addSql(`create trigger sessions_changed after delete or truncate or update of token_hash, user_id, csrf_token, expires_at on "sessions" for each statement execute function sessions_changed_notify();`);
    this.addSql(`alter table "sessions" enable always trigger sessions_changed;`);
  }

}
