import { Migration } from '@mikro-orm/migrations';

export class Migration20261129200705 extends Migration {

  override name = 'Migration20261129200705';

  override up(): void | Promise<void> {
    // The breaker's cool-down step, stepped per failed probe rather than derived from the failure
    // count (a burst of in-flight failures no longer jumps straight to the longest step). An
    // endpoint whose breaker is open now starts at step 1 of the schedule at its next failed probe
    // at the latest: the cool-down it already has is kept.
    this.addSql(`alter table "webhook_endpoints" add "breaker_step" int not null default 0;`);
    this.addSql(`update "webhook_endpoints" set "breaker_step" = 1 where "breaker_until" is not null;`);
  }

  override down(): void | Promise<void> {
    // The generator also proposed rebuilding lead_analytics' partitioning here: a diff artefact, left out.
    this.addSql(`alter table "webhook_endpoints" drop column "breaker_step";`);
  }

}
