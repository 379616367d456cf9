import { Migration } from '@mikro-orm/migrations';

/**
 * CSV contact imports (docs/import.md): `lead_imports`, one row per import with what it counted, and
 * `leads.import_id`, the import that created a lead (set null when the import row goes, which only an
 * account purge does). The account's history reads newest first by (user_id, created_at desc); an undo
 * finds an import's remaining leads through a partial index, since most leads carry no import.
 */
export class Migration20261203085810 extends Migration {

  override name = 'Migration20261203085810';

  override up(): void | Promise<void> {
    this.addSql(`create table "lead_imports" ("import_id" uuid not null, "user_id" uuid not null, "created_by" uuid null, "file_name" varchar(255) null, "created_count" int not null, "duplicate_count" int not null, "invalid_count" int not null, "notify_webhooks" boolean not null default false, "created_at" timestamptz not null default now(), "undone_at" timestamptz null, primary key ("import_id"));`);
    this.addSql(`create index "lead_imports_created_by_index" on "lead_imports" ("created_by");`);
    this.addSql(`create index "lead_imports_user_created_index" on "lead_imports" ("user_id", "created_at" desc, "import_id" desc);`);
    this.addSql(`alter table "lead_imports" add constraint "lead_imports_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "lead_imports" add constraint "lead_imports_created_by_foreign" foreign key ("created_by") references "users" ("user_id") on delete set null;`);

    this.addSql(`alter table "leads" add "import_id" uuid null;`);
    this.addSql(`alter table "leads" add constraint "leads_import_id_foreign" foreign key ("import_id") references "lead_imports" ("import_id") on delete set null;`);
    this.addSql(`create index "leads_import_id_index" on "leads" ("import_id") where "import_id" is not null;`);
  }

  override down(): void | Promise<void> {
    // The imported leads stay (as leads entered by hand do); only the link to their import goes.
    this.addSql(`drop index if exists "leads_import_id_index";`);
    this.addSql(`alter table "leads" drop constraint if exists "leads_import_id_foreign";`);
    this.addSql(`alter table "leads" drop column if exists "import_id";`);
    this.addSql(`drop table if exists "lead_imports";`);
  }

}
