import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook signing secrets are stored encrypted (`enc1:<keyId>:<iv>:<tag>:<ciphertext>`, core/secret-box.ts):
 * a 50-character `whsec_` secret becomes about 121 characters, one of 64 bytes (the most a
 * receiver's secret may carry) about 180. Both columns widen to 200. The plaintext rows already
 * there are encrypted by the worker's sweeper (encryptLegacyWebhookSecrets), not here: a migration
 * has no DATA_ENCRYPTION_KEY.
 */
export class Migration20261202020000 extends Migration {

  override name = 'Migration20261202020000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "webhook_endpoints" alter column "secret" type varchar(200) using ("secret"::varchar(200));`);
    this.addSql(`alter table "webhook_endpoints" alter column "previous_secret" type varchar(200) using ("previous_secret"::varchar(200));`);
  }

  override down(): void | Promise<void> {
    // The code before this migration can neither read nor fit an encrypted secret: refuse with
    // a reason rather than fail on "value too long", and never cut one short.
    this.addSql(`do $$ begin
      if exists (select 1 from "webhook_endpoints" where "secret" like 'enc1:%' or "previous_secret" like 'enc1:%') then
        raise exception 'webhook_endpoints holds encrypted secrets (enc1:…) that the code before Migration20261202020000 cannot read: rotate or delete those endpoints on the new version first';
      end if;
    end $$;`);
    this.addSql(`alter table "webhook_endpoints" alter column "secret" type varchar(100) using ("secret"::varchar(100));`);
    this.addSql(`alter table "webhook_endpoints" alter column "previous_secret" type varchar(100) using ("previous_secret"::varchar(100));`);
  }

}
