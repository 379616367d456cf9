import { Migration } from '@mikro-orm/migrations';

export class Migration20261129110747 extends Migration {

  override name = 'Migration20261129110747';

  override up(): void | Promise<void> {
    this.addSql(`alter table "sites" add "last_event_origin" varchar(255) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sites" drop column "last_event_origin";`);
  }

}
