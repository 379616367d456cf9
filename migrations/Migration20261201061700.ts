import { Migration } from '@mikro-orm/migrations';

/**
 * Pipeline stage labels are unique per account, case-insensitively (docs/pipeline.md): a unique
 * index on (user_id, lower(label)) backs the rule the API checks. The check alone did not hold:
 * stages added at the same moment each passed it (four `{"label": "Dup"}` → four "Dup" stages),
 * until the stage changes were serialised per account (core/pipeline/pipeline-stages.ts).
 *
 * Accounts may already hold duplicates made that way. Before the index is built, every stage but
 * the first of a duplicate group (board order: position, then creation) is renamed with a number,
 * "Dup (2)", "Dup (3)", … — the next number whose label is free in the account, the label cut to
 * keep it within 60 characters. Nothing else about those stages changes (key, position, leads).
 * down() drops the index and leaves the labels as they are.
 */
export class Migration20261201061700 extends Migration {

  override name = 'Migration20261201061700';

  override up(): void | Promise<void> {
    this.addSql(`do $$
declare
  dup record;
  n int;
  candidate text;
begin
  for dup in
    select stage_id, user_id, label, rn from (
      select stage_id, user_id, label,
        row_number() over (partition by user_id, lower(label) order by position, created_at, stage_id) as rn
      from pipeline_stages
    ) ranked
    where rn > 1
    order by user_id, lower(label), rn
  loop
    n := dup.rn;
    loop
      candidate := left(dup.label, 60 - length(' (' || n || ')')) || ' (' || n || ')';
      exit when not exists (select 1 from pipeline_stages where user_id = dup.user_id and lower(label) = lower(candidate));
      n := n + 1;
    end loop;
    update pipeline_stages set label = candidate, updated_at = now() where stage_id = dup.stage_id;
  end loop;
end $$;`);
    this.addSql(`create unique index "pipeline_stages_user_label_unique" on "pipeline_stages" ("user_id", lower("label"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "pipeline_stages_user_label_unique";`);
  }

}
