import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { LISTING_TITLE_MAX_CHARS } from '../shared/field-limits.ts';
import { SiteSchema } from '../sites/site.entity.ts';

/**
 * A listing seen on a site: the `listing_ref` that events carry (`data-porchlight-listing`),
 * with the title, URL and photo captured from the page, so timelines and analytics show
 * "12 Oak Street" instead of a slug.
 */
export const ListingSchema = defineEntity({
  name: 'Listing',
  tableName: 'listings',
  properties: {
    listingId: uuidPrimaryKey(),
    user: ownerColumn(),
    site: () => p.manyToOne(SiteSchema).deleteRule('cascade'),
    listingRef: p.string().length(200),
    title: p.string().length(LISTING_TITLE_MAX_CHARS).nullable(),
    url: p.string().length(2048).nullable(),
    imageUrl: p.string().length(2048).nullable(),
    // When the page view that gave the title, URL and photo happened (`event_date`), null without a
    // value: the rollup keeps the newer of two by these, so a replayed old view never overwrites them.
    titleSeenAt: p.datetime().nullable(),
    urlSeenAt: p.datetime().nullable(),
    imageSeenAt: p.datetime().nullable(),
    firstSeenAt: p.datetime(),
    lastSeenAt: p.datetime(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  uniques: [{ name: 'listings_site_ref_unique', properties: ['site', 'listingRef'] }],
  indexes: [{ name: 'listings_user_index', properties: ['user'] }],
});
export type Listing = InferEntity<typeof ListingSchema>;
