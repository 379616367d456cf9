import { Migration } from '@mikro-orm/migrations';

export class Migration20261129111131 extends Migration {

  override name = 'Migration20261129111131';

  override up(): void | Promise<void> {
    this.addSql(`create table "today_visits" ("user_id" uuid not null, "last_seen_at" timestamptz not null, "hot_since" timestamptz not null, primary key ("user_id"));`);

    this.addSql(`alter table "today_visits" add constraint "today_visits_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "today_visits" cascade;`);
  }

}
