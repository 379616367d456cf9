import { Migration } from '@mikro-orm/migrations';

export class Migration20261129091544 extends Migration {

  override name = 'Migration20261129091544';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_messages" add "lead_id" uuid null;`);
    this.addSql(`alter table "webhook_messages" add constraint "webhook_messages_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`create index "webhook_messages_lead_id_index" on "webhook_messages" ("lead_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "webhook_messages" drop constraint "webhook_messages_lead_id_foreign";`);

    this.addSql(`drop index "webhook_messages_lead_id_index";`);
    this.addSql(`alter table "webhook_messages" drop column "lead_id";`);
  }

}
