import { Migration } from '@mikro-orm/migrations';

export class Migration20261129122144 extends Migration {

  override name = 'Migration20261129122144';

  override up(): void | Promise<void> {
    this.addSql(`alter table "leads" add "first_inquiry_at" timestamptz null, add "first_inquiry_site_id" uuid null;`);
    this.addSql(`create index "leads_user_first_inquiry_index" on "leads" ("user_id", "first_inquiry_at") include ("first_inquiry_site_id", "first_contacted_at") where "first_inquiry_at" is not null;`);

    this.addSql(`create function leads_first_inquiry_add() returns trigger language plpgsql as \$\$ begin
  update leads l set (first_inquiry_at, first_inquiry_site_id) =
    (select i.created_at, i.site_id from inquiries i where i.lead_id = l.lead_id order by i.created_at, i.inquiry_id limit 1)
  from (select lead_id, min(created_at) as created_at from new_inquiries group by 1) f
  where l.lead_id = f.lead_id and (l.first_inquiry_at is null or l.first_inquiry_at >= f.created_at);   return null; end \$\$;`);
    this.addSql(`create trigger leads_first_inquiry_insert after insert on inquiries referencing new table as new_inquiries for each statement execute function leads_first_inquiry_add();`);
    this.addSql(`alter table inquiries enable always trigger leads_first_inquiry_insert;`);
    this.addSql(`create function leads_first_inquiry_update() returns trigger language plpgsql as \$\$ begin
  update leads l set (first_inquiry_at, first_inquiry_site_id) =
    (select i.created_at, i.site_id from inquiries i where i.lead_id = l.lead_id order by i.created_at, i.inquiry_id limit 1)
  where l.lead_id in (select lead_id from old_inquiries union select lead_id from new_inquiries);   return null; end \$\$;`);
    this.addSql(`create trigger leads_first_inquiry_update after update on inquiries referencing old table as old_inquiries new table as new_inquiries for each statement execute function leads_first_inquiry_update();`);
    this.addSql(`alter table inquiries enable always trigger leads_first_inquiry_update;`);
    this.addSql(`create function leads_first_inquiry_remove() returns trigger language plpgsql as \$\$ begin
  update leads l set (first_inquiry_at, first_inquiry_site_id) =
    (select i.created_at, i.site_id from inquiries i where i.lead_id = l.lead_id order by i.created_at, i.inquiry_id limit 1)
  where l.lead_id in (select lead_id from old_inquiries);   return null; end \$\$;`);
    this.addSql(`create trigger leads_first_inquiry_delete after delete on inquiries referencing old table as old_inquiries for each statement execute function leads_first_inquiry_remove();`);
    this.addSql(`alter table inquiries enable always trigger leads_first_inquiry_delete;`);
    // The leads already there (create trigger's lock keeps inquiry writers out until this commits).
    this.addSql(`update leads l set first_inquiry_at = f.created_at, first_inquiry_site_id = f.site_id
      from (select distinct on (lead_id) lead_id, created_at, site_id from inquiries order by lead_id, created_at, inquiry_id) f
      where l.lead_id = f.lead_id;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "leads_first_inquiry_insert" on "inquiries";`);
    this.addSql(`drop function if exists leads_first_inquiry_add();`);
    this.addSql(`drop trigger if exists "leads_first_inquiry_update" on "inquiries";`);
    this.addSql(`drop function if exists leads_first_inquiry_update();`);
    this.addSql(`drop trigger if exists "leads_first_inquiry_delete" on "inquiries";`);
    this.addSql(`drop function if exists leads_first_inquiry_remove();`);

    this.addSql(`drop index "leads_user_first_inquiry_index";`);
    this.addSql(`alter table "leads" drop column "first_inquiry_at", drop column "first_inquiry_site_id";`);
  }

}
