import { Migration } from '@mikro-orm/migrations';

export class Migration20261130060000 extends Migration {

  override name = 'Migration20261130060000';

  override up(): void | Promise<void> {
    // A held submission (Filtered) is a real person's inquiry until the realtor releases or deletes
    // it: deleting its site must not erase it. deleteSite refuses (409) while a site holds any; the
    // key now refuses too (no action: checked at the end of the statement, so deleting an account,
    // which cascades to its sites and its held submissions in one statement, still works).
    this.addSql(`alter table "filtered_inquiries" drop constraint "filtered_inquiries_site_id_foreign";`);
    this.addSql(`alter table "filtered_inquiries" add constraint "filtered_inquiries_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete no action;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "filtered_inquiries" drop constraint "filtered_inquiries_site_id_foreign";`);
    this.addSql(`alter table "filtered_inquiries" add constraint "filtered_inquiries_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
  }

}
