import { Migration } from '@mikro-orm/migrations';

/**
 * The lead search (`GET /v1/leads?q=`) lets Postgres choose between the trigram indexes (a rare
 * term: fetch the few matches, then sort them) and the score index (a common one: walk by score
 * until a page matched). It chooses by the estimated share of matching leads, which for a
 * `%term%` pattern comes from the column's histogram: with the default 100 entries a single entry
 * containing the term makes the estimate 1 %, and at 100,000 leads that was enough for the score
 * index — which then walked every lead for a term that matched 20 (171 ms; 1.8 s at the p95 with
 * ten searches at once in the dashboard benchmark). 300 entries put that step at 0.33 %, below
 * where the score index wins (about 0.8 % at 100,000 leads); 1,000 would too, but every search is
 * planned afresh and estimating the three patterns against 1,000 entries each took Postgres 2.85
 * ms per search against 1.97 ms at 300 and 1.47 ms at 100 (pgbench, the whole statement).
 */
export class Migration20261130210000 extends Migration {

  override name = 'Migration20261130210000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "leads" alter column "name" set statistics 300, alter column "email" set statistics 300, alter column "phone" set statistics 300;`);
    this.addSql(`analyze "leads" ("name", "email", "phone");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "leads" alter column "name" set statistics -1, alter column "email" set statistics -1, alter column "phone" set statistics -1;`);
    this.addSql(`analyze "leads" ("name", "email", "phone");`);
  }

}
