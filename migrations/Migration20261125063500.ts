import { Migration } from '@mikro-orm/migrations';

/** Lead search: trigram indexes so `ilike '%q%'` on name, email and phone does not scan every lead. */
export class Migration20261125063500 extends Migration {

  override name = 'Migration20261125063500';

  override up(): void | Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`create index "leads_name_trgm_index" on "leads" using gin ("name" gin_trgm_ops);`);
    this.addSql(`create index "leads_email_trgm_index" on "leads" using gin ("email" gin_trgm_ops);`);
    this.addSql(`create index "leads_phone_trgm_index" on "leads" using gin ("phone" gin_trgm_ops);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "leads_name_trgm_index";`);
    this.addSql(`drop index "leads_email_trgm_index";`);
    this.addSql(`drop index "leads_phone_trgm_index";`);
  }

}
