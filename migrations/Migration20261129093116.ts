import { Migration } from '@mikro-orm/migrations';

export class Migration20261129093116 extends Migration {

  override name = 'Migration20261129093116';

  override up(): void | Promise<void> {
    this.addSql(`alter table "api_keys" add "scope" text not null default 'read_write', add "expires_at" timestamptz null;`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_scope_check" check ("scope" in ('read', 'read_write'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint "api_keys_scope_check";`);
    this.addSql(`alter table "api_keys" drop column "scope", drop column "expires_at";`);
  }

}
