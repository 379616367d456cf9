import { Migration } from '@mikro-orm/migrations';

/**
 * The lead search (`GET /v1/leads?q=`) matches one column instead of three: `search_text`, the
 * lead's name, email and phone lower-cased and joined by U+001F (a control character, which no
 * stored or searched text may hold, so a term never matches across two fields), kept by Postgres
 * as a stored generated column with one trigram index. Before, `name ilike $1 or email ilike $1
 * or phone like $1` took a BitmapOr of three trigram indexes for a rare term and three pattern
 * tests per lead while walking by score for a common one; at 100,000 leads (pgbench, whole
 * statement) a rare term fell from 0.95 to 0.65 ms and a common one ("smith") from 3.3 to 1.8 ms.
 * The 300-entry statistics that keep a rare term estimated rare (Migration20261130210000) move
 * to the new column; the three old trigram indexes go (one GIN index to keep up on writes, not
 * three). Adding the column rewrites `leads` once (100,000 leads: about 3 s).
 */
export class Migration20261130233000 extends Migration {

  override name = 'Migration20261130233000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "leads" add column "search_text" text generated always as (lower(coalesce("name", '') || chr(31) || coalesce("email", '') || chr(31) || coalesce("phone", ''))) stored;`);
    this.addSql(`create index "leads_search_trgm_index" on "leads" using gin ("search_text" gin_trgm_ops);`);
    this.addSql(`drop index "leads_name_trgm_index";`);
    this.addSql(`drop index "leads_email_trgm_index";`);
    this.addSql(`drop index "leads_phone_trgm_index";`);
    this.addSql(`alter table "leads" alter column "search_text" set statistics 300, alter column "name" set statistics -1, alter column "email" set statistics -1, alter column "phone" set statistics -1;`);
    this.addSql(`analyze "leads" ("search_text", "name", "email", "phone");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "leads_name_trgm_index" on "leads" using gin ("name" gin_trgm_ops);`);
    this.addSql(`create index "leads_email_trgm_index" on "leads" using gin ("email" gin_trgm_ops);`);
    this.addSql(`create index "leads_phone_trgm_index" on "leads" using gin ("phone" gin_trgm_ops);`);
    this.addSql(`alter table "leads" drop column "search_text";`);
    this.addSql(`alter table "leads" alter column "name" set statistics 300, alter column "email" set statistics 300, alter column "phone" set statistics 300;`);
    this.addSql(`analyze "leads" ("name", "email", "phone");`);
  }

}
