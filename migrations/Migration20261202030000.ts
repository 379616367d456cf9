import { Migration } from '@mikro-orm/migrations';

/**
 * `scoring_rules.rescore_progressed_at`: when the rescore last moved (a version saved, a batch
 * written, the resume's recount changing `done`, the run finished). The progress answer reports
 * `idleMs` = Postgres's now() minus it, so the admin can tell a stalled rescore on opening the page
 * instead of timing a minute from then (admin/rescore-stall.ts). Rows already there take the best
 * time known: when their rescore finished, or, for one still running, when it was saved.
 */
export class Migration20261202030000 extends Migration {

  override name = 'Migration20261202030000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "scoring_rules" add column "rescore_progressed_at" timestamptz null;`);
    this.addSql(`update "scoring_rules" set "rescore_progressed_at" = coalesce("rescore_finished_at", "created_at");`);
    this.addSql(`alter table "scoring_rules" alter column "rescore_progressed_at" set default now(), alter column "rescore_progressed_at" set not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "scoring_rules" drop column "rescore_progressed_at";`);
  }

}
