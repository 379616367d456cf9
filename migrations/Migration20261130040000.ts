import { Migration } from '@mikro-orm/migrations';

export class Migration20261130040000 extends Migration {

  override name = 'Migration20261130040000';

  override up(): void | Promise<void> {
    // The deliveries under a lease (in flight, or lost by a worker that stopped): a handful per
    // endpoint. The claim counts the live ones and finds the expired ones on every tick; through
    // the (endpoint_id, next_attempt_at) index those questions read every due or retry-scheduled
    // row of the endpoint, 19–24 ms per claim behind a backlog of 50,000 (docs/webhooks.md).
    this.addSql(`create index "webhook_deliveries_endpoint_leased_index" on "webhook_deliveries" ("endpoint_id", "leased_until") where "status" = 'pending' and "leased_until" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "webhook_deliveries_endpoint_leased_index";`);
  }

}
