import { Migration } from '@mikro-orm/migrations';

/**
 * A listing's title, URL and photo each remember the time of the page view they came from
 * (`title_seen_at`, `url_seen_at`, `image_seen_at`), and the rollup keeps the newer one by that
 * time (core/analytics/rollup-events.ts). It compared the chunk's `last_seen_at` — the newest event
 * of any type — so a chunk holding an offline replay of an old page view (old title, old URL) and
 * a fresh save_listing overwrote the title a newer page view had set.
 *
 * Backfill: a stored value's time is the listing's `last_seen_at` (an upper bound of the page view
 * it came from: a later replay of an older view never overwrites it, a newer view does); a column
 * without a value has no time. Nullable, no default: adding them rewrites nothing.
 */
export class Migration20261201064000 extends Migration {

  override name = 'Migration20261201064000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "listings" add column "title_seen_at" timestamptz null, add column "url_seen_at" timestamptz null, add column "image_seen_at" timestamptz null;`);
    this.addSql(`update "listings" set "title_seen_at" = case when "title" is not null then "last_seen_at" end, "url_seen_at" = case when "url" is not null then "last_seen_at" end, "image_seen_at" = case when "image_url" is not null then "last_seen_at" end where "title" is not null or "url" is not null or "image_url" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "listings" drop column "title_seen_at", drop column "url_seen_at", drop column "image_seen_at";`);
  }

}
