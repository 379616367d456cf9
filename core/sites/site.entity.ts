import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';

/** Per-site settings, stored as JSON. */
export interface SiteSettings {
  /** Honour Do-Not-Track / Global Privacy Control for anonymous events. Default true. */
  respectDnt: boolean;
  /** `POST /v1/inquiries` requires `consent: true` (400 otherwise), as the widget's form does. Default true (docs/consent.md). */
  requireConsent: boolean;
  /** Months its analytics events are kept; absent/null → EVENT_RETENTION_MONTHS (core/sites/event-retention.ts). */
  retentionMonths?: number | null;
  /** Analytics events accepted per UTC day; absent/null → DAILY_EVENT_QUOTA (core/sites/event-quota.ts). */
  dailyEventQuota?: number | null;
}

export const DEFAULT_SITE_SETTINGS: SiteSettings = { respectDnt: true, requireConsent: true };

/** A website that carries the script tag. `publicKey` (`pk_…`) is public by design. */
export const SiteSchema = defineEntity({
  name: 'Site',
  tableName: 'sites',
  properties: {
    siteId: uuidPrimaryKey(),
    user: ownerColumn('sites_user_id_index'),
    name: p.string().length(100),
    publicKey: p.string().length(40).unique('sites_public_key_unique'),
    allowedOrigins: p.array().default([]),
    settings: p.json<SiteSettings>().defaultRaw(`'{"respectDnt":true}'`),
    enabled: p.boolean().default(true),
    lastEventAt: p.datetime().nullable(),
    /** The Origin of the accepted request that last set `lastEventAt` (the install check's "receiving from"). */
    lastEventOrigin: p.string().length(255).nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});
export type Site = InferEntity<typeof SiteSchema>;
