import { Migration } from '@mikro-orm/migrations';

export class Migration20261129093430 extends Migration {

  override name = 'Migration20261129093430';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" alter column "password_hash" type text using ("password_hash"::text);`);

    this.addSql(`alter table "lead_analytics" alter column "event_value" type varchar(500) using ("event_value"::varchar(500));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "lead_analytics" alter column "event_value" type text using ("event_value"::text);`);

    this.addSql(`alter table "users" alter column "password_hash" type varchar(255) using ("password_hash"::varchar(255));`);
  }

}
