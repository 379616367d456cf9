import { Migration } from '@mikro-orm/migrations';

export class Migration20261130041000 extends Migration {

  override name = 'Migration20261130041000';

  override up(): void | Promise<void> {
    // Reasons written before the endpoint page and the email showed disabled_at and failing_since
    // in the reader's time zone embedded raw ISO times ("… 410 Gone on 2026-11-30T00:11:26.242Z,
    // …"): rewritten to the wording written now, which carries no time.
    this.addSql(`update "webhook_endpoints" set "disabled_reason" = regexp_replace("disabled_reason", '^The receiver answered 410 Gone on [^ ,]+, asking', 'The receiver answered 410 Gone, asking') where "disabled_reason" like 'The receiver answered 410 Gone on %';`);
    this.addSql(`update "webhook_endpoints" set "disabled_reason" = regexp_replace("disabled_reason", '^Every delivery has failed since [^ ]+ \\(5 days or more\\);', 'Every delivery failed for 5 days or more;') where "disabled_reason" like 'Every delivery has failed since %';`);
    // The realtor's own switch wrote "Disabled by you on 2026-11-30T00:11:26.242Z.".
    this.addSql(`update "webhook_endpoints" set "disabled_reason" = 'Disabled by you.' where "disabled_reason" ~ '^Disabled by you on [^ ]+\\.$';`);
  }

  /**
   * Nothing to undo: up() only rewords `disabled_reason` texts (no schema change), and the old
   * wording's times are gone with it. Code from before reads the new wording as it reads any
   * reason (shown as written), so rolling back past this migration leaves them as they are.
   */
  override down(): void | Promise<void> {}

}
