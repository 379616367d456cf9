import { Migration } from '@mikro-orm/migrations';

/**
 * The lead search (`GET /v1/leads?q=`) matches one column instead of three: `search_text`, the
 * lead's name, email and phone lower-cased and joined by U+001F (a control character, which no
 * stored or searched text may hold — and which the expression strips from name and email all the
 * same — so a term never matches across two fields), kept by Postgres as a stored generated
 * column with one trigram index. Before, `name ilike $1 or email ilike $1 or phone like $1` took
 * a BitmapOr of three trigram indexes for a rare term, three pattern tests per lead while walking
 * by score for a common one, and three patterns to estimate at every planning. At 100,000 leads
 * (pgbench, the whole statement as the API sends it, alternating runs) a rare term went from
 * 0.72–0.93 to 0.51–0.71 ms and "smith" from 2.2 to 1.2 ms. The 300-entry statistics that keep a
 * rare term estimated rare (Migration20261130210000) move to the new column; the three old
 * trigram indexes go (one GIN index to keep up on writes, not three).
 *
 * Cost of applying it: adding a stored column rewrites `leads` and its indexes under an ACCESS
 * EXCLUSIVE lock, so reads and writes of leads wait until the migration commits — about 3.5 s at
 * 100,000 leads here, growing with the table. An expression index instead (no rewrite; only writes
 * wait, 1.4 s) was measured too: it computes the expression for every lead a common term's walk
 * reads, "smith" 1.75 against 1.2 ms. docs/performance.md "One search column".
 */
export class Migration20261130233000 extends Migration {

  override name = 'Migration20261130233000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "leads" add column "search_text" text generated always as (lower(replace(coalesce("name", ''), chr(31), '') || chr(31) || replace(coalesce("email", ''), chr(31), '') || chr(31) || coalesce("phone", ''))) stored;`);
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
