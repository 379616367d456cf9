import { Migration } from '@mikro-orm/migrations';

export class Migration20261125060823 extends Migration {

  override name = 'Migration20261125060823';

  override up(): void | Promise<void> {
    this.addSql(`create index "leads_user_band_score_index" on "leads" ("user_id", "score_band", "score" desc, "lead_id" desc);`);
    this.addSql(`create index "leads_refresh_index" on "leads" ("scored_at", "lead_id") where "score" > 0;`);

    this.addSql(`create index "visitors_site_first_seen_index" on "visitors" ("site_id", "first_seen_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "leads_user_band_score_index";`);
    this.addSql(`drop index "leads_refresh_index";`);

    this.addSql(`drop index "visitors_site_first_seen_index";`);
  }

}
