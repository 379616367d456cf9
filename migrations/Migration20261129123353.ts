import { Migration } from '@mikro-orm/migrations';

export class Migration20261129123353 extends Migration {

  override name = 'Migration20261129123353';

  override up(): void | Promise<void> {
    this.addSql(`create index "leads_user_created_funnel_index" on "leads" ("user_id", "created_at") include ("lead_id", "site_id", "first_contacted_at", "stage_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "leads_user_created_funnel_index";`);
  }

}
