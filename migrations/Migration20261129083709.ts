import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook delivery state machine: the claim lease on deliveries (leased_until, lease_token), the
 * per-endpoint circuit breaker and health (consecutive_failures, breaker_until, last_success_at,
 * disabled_at), and an index for the per-endpoint questions the claim asks.
 */
export class Migration20261129083709 extends Migration {

  override name = 'Migration20261129083709';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_endpoints" add "consecutive_failures" int not null default 0, add "breaker_until" timestamptz null, add "last_success_at" timestamptz null, add "disabled_at" timestamptz null;`);

    this.addSql(`alter table "webhook_deliveries" add "leased_until" timestamptz null, add "lease_token" uuid null;`);
    this.addSql(`create index "webhook_deliveries_endpoint_pending_index" on "webhook_deliveries" ("endpoint_id", "next_attempt_at") where "status" = 'pending';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "webhook_deliveries_endpoint_pending_index";`);
    this.addSql(`alter table "webhook_deliveries" drop column "leased_until", drop column "lease_token";`);

    this.addSql(`alter table "webhook_endpoints" drop column "consecutive_failures", drop column "breaker_until", drop column "last_success_at", drop column "disabled_at";`);
  }

}
