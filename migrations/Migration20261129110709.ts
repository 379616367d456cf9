import { Migration } from '@mikro-orm/migrations';

export class Migration20261129110709 extends Migration {

  override name = 'Migration20261129110709';

  override up(): void | Promise<void> {
    this.addSql(`create table "lead_reported_contacts" ("reported_contact_id" uuid not null, "user_id" uuid not null, "lead_id" uuid not null, "kind" text not null, "value" varchar(255) not null, "source" text not null, "inquiry_id" uuid null, "visitor_id" varchar(64) null, "site_id" uuid null, "reported_at" timestamptz not null, "last_reported_at" timestamptz not null, "report_count" int not null default 1, "adopted_at" timestamptz null, primary key ("reported_contact_id"));`);
    this.addSql(`create index "lead_reported_contacts_user_index" on "lead_reported_contacts" ("user_id");`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_lead_kind_value_unique" unique ("lead_id", "kind", "value");`);

    this.addSql(`create table "filtered_inquiries" ("filtered_inquiry_id" uuid not null, "user_id" uuid not null, "site_id" uuid not null, "client_event_id" uuid not null, "visitor_id" varchar(64) null, "name" varchar(255) null, "email" varchar(254) null, "phone" varchar(20) null, "message" text not null, "listing_ref" varchar(200) null, "page_url" varchar(2048) null, "consent_text" text null, "consent_version" varchar(40) null, "consent_at" timestamptz null, "reason" varchar(20) not null, "received_at" timestamptz not null, primary key ("filtered_inquiry_id"));`);
    this.addSql(`create index "filtered_inquiries_user_received_index" on "filtered_inquiries" ("user_id", "received_at" desc, "filtered_inquiry_id" desc);`);
    this.addSql(`alter table "filtered_inquiries" add constraint "filtered_inquiries_site_client_event_unique" unique ("site_id", "client_event_id");`);

    this.addSql(`alter table "inquiries" add "unverified" boolean not null default false, add "consent_text" text null, add "consent_version" varchar(40) null, add "consent_at" timestamptz null;`);

    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_lead_id_foreign" foreign key ("lead_id") references "leads" ("lead_id") on delete cascade;`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_inquiry_id_foreign" foreign key ("inquiry_id") references "inquiries" ("inquiry_id") on delete set null;`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete set null;`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_kind_check" check ("kind" in ('email', 'phone', 'name'));`);
    this.addSql(`alter table "lead_reported_contacts" add constraint "lead_reported_contacts_source_check" check ("source" in ('inquiry', 'identify'));`);

    this.addSql(`alter table "filtered_inquiries" add constraint "filtered_inquiries_user_id_foreign" foreign key ("user_id") references "users" ("user_id") on delete cascade;`);
    this.addSql(`alter table "filtered_inquiries" add constraint "filtered_inquiries_site_id_foreign" foreign key ("site_id") references "sites" ("site_id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "lead_reported_contacts" cascade;`);
    this.addSql(`drop table if exists "filtered_inquiries" cascade;`);

    this.addSql(`alter table "inquiries" drop column "unverified", drop column "consent_text", drop column "consent_version", drop column "consent_at";`);
  }

}
