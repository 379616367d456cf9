import type { TriggerDef } from '@mikro-orm/postgresql';

/**
 * `leads.first_inquiry_at` / `first_inquiry_site_id`: when the lead's first inquiry ever came and
 * on which site (null: added by hand, or its site deleted) — the earliest `inquiries.created_at`
 * of the lead, ties broken by inquiry_id. Speed-to-lead (lead-analytics.ts) reads the leads whose
 * first inquiry falls in the range through leads_user_first_inquiry_index, index-only, instead of
 * probing every inquiry of the range for an earlier one.
 *
 * Kept by these triggers on `inquiries` (migration Migration20261129122500), in the statement that
 * writes the inquiry. Inserts: per statement, only leads whose new inquiry is as early as the
 * stored one or earlier are recomputed (a later inquiry matches no lead row, so takes no lock). Updates (a site deleted sets its inquiries' site_id to
 * null) and deletes: per statement, the affected leads are recomputed from their inquiries.
 */
const RECOMPUTE = (ids: string) => `update leads l set (first_inquiry_at, first_inquiry_site_id) =
    (select i.created_at, i.site_id from inquiries i where i.lead_id = l.lead_id order by i.created_at, i.inquiry_id limit 1)
  where l.lead_id in (${ids})`;

export const FIRST_INQUIRY_TRIGGERS: TriggerDef[] = [
  {
    name: 'leads_first_inquiry_insert', timing: 'after', events: ['insert'], forEach: 'statement',
    expression: `create function leads_first_inquiry_add() returns trigger language plpgsql as $$ begin
  update leads l set (first_inquiry_at, first_inquiry_site_id) =
    (select i.created_at, i.site_id from inquiries i where i.lead_id = l.lead_id order by i.created_at, i.inquiry_id limit 1)
  from (select lead_id, min(created_at) as created_at from new_inquiries group by 1) f
  where l.lead_id = f.lead_id and (l.first_inquiry_at is null or l.first_inquiry_at >= f.created_at);
  return null; end $$;
create trigger leads_first_inquiry_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function leads_first_inquiry_add();
alter table inquiries enable always trigger leads_first_inquiry_insert;`,
  },
  {
    name: 'leads_first_inquiry_update', timing: 'after', events: ['update'], forEach: 'statement',
    expression: `create function leads_first_inquiry_update() returns trigger language plpgsql as $$ begin
  ${RECOMPUTE('select lead_id from old_inquiries union select lead_id from new_inquiries')};
  return null; end $$;
create trigger leads_first_inquiry_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function leads_first_inquiry_update();
alter table inquiries enable always trigger leads_first_inquiry_update;`,
  },
  {
    name: 'leads_first_inquiry_delete', timing: 'after', events: ['delete'], forEach: 'statement',
    expression: `create function leads_first_inquiry_remove() returns trigger language plpgsql as $$ begin
  ${RECOMPUTE('select lead_id from old_inquiries')};
  return null; end $$;
create trigger leads_first_inquiry_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function leads_first_inquiry_remove();
alter table inquiries enable always trigger leads_first_inquiry_delete;`,
  },
];
