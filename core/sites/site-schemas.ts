import { z } from 'zod';
import { ORIGIN_MAX_CHARS, SITE_NAME_MAX_CHARS } from '../shared/field-limits.ts';
import { MAX_ALLOWED_ORIGINS, normaliseOrigin, originProblem } from '../shared/origins.ts';
import { safeText } from '../validation/plain-text.ts';

export { MAX_ALLOWED_ORIGINS, normaliseOrigin } from '../shared/origins.ts';

export const ZOrigin = safeText(z.string().max(ORIGIN_MAX_CHARS))
  .transform((s, ctx) => {
    const origin = normaliseOrigin(s);
    if (!origin) {
      ctx.addIssue({ code: 'custom', message: originProblem(s) });
      return z.NEVER;
    }
    return origin;
  });

// The limit is on what is stored: duplicates (also spellings one origin normalises to, such as
// `https://Oak.example/` and `https://oak.example`) are dropped first, so a list that stores 20
// origins or fewer is never refused for its length. The request body's size limit bounds the input.
const ZOrigins = z
  .array(ZOrigin)
  .transform((list) => [...new Set(list)])
  .refine((list) => list.length <= MAX_ALLOWED_ORIGINS, `At most ${MAX_ALLOWED_ORIGINS} origins`);

export const ZCreateSiteBody = z.strictObject({
  name: safeText(z.string().trim().min(1, 'Name is required').max(SITE_NAME_MAX_CHARS)),
  allowedOrigins: ZOrigins.default([]),
});
export type CreateSiteBody = z.infer<typeof ZCreateSiteBody>;

export const ZUpdateSiteBody = z.strictObject({
  name: safeText(z.string().trim().min(1, 'Name is required').max(SITE_NAME_MAX_CHARS)).optional(),
  allowedOrigins: ZOrigins.optional(),
  settings: z.strictObject({
    respectDnt: z.boolean().optional(),
    requireConsent: z.boolean().optional(),
    /** Months its analytics events are kept; null → the server's default (EVENT_RETENTION_MONTHS). */
    retentionMonths: z.number().int().min(1).max(120).nullable().optional(),
    /** Analytics events accepted per UTC day; null → the server's default (DAILY_EVENT_QUOTA). */
    dailyEventQuota: z.number().int().min(1).max(100_000_000).nullable().optional(),
  }).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateSiteBody = z.infer<typeof ZUpdateSiteBody>;

export const ZSiteJson = z.object({
  siteId: z.uuid(),
  name: z.string(),
  publicKey: z.string(),
  allowedOrigins: z.array(z.string()),
  settings: z.object({ respectDnt: z.boolean(), requireConsent: z.boolean(), retentionMonths: z.number().int().nullable().optional(), dailyEventQuota: z.number().int().nullable().optional() }),
  enabled: z.boolean(),
  lastEventAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  snippet: z.string(),
  /** Complete installs: tracking only; tracking + inline form; tracking + a button that opens the form. */
  snippets: z.object({ tracking: z.string(), inlineForm: z.string(), buttonForm: z.string() }),
});

export const ZInstallState = z.enum(['waiting', 'receiving', 'blocked', 'idle']);

/** A site in `GET /v1/sites`: with its install state (the list's install check). */
export const ZSiteListItemJson = ZSiteJson.extend({ installStatus: ZInstallState });

export const ZInstallStatusJson = z.object({
  /**
   * `waiting`: nothing received yet; `receiving`: events within the last day; `blocked`: requests
   * arrive but all were refused for their Origin in the last hour; `idle`: nothing for a day.
   */
  status: ZInstallState,
  lastEventAt: z.iso.datetime().nullable(),
  /** The origin of the accepted request that last updated lastEventAt. */
  lastEventOrigin: z.string().nullable(),
  /** Requests refused in the last hour, per Origin not (yet) allowed, most first. */
  blockedOrigins: z.array(z.object({ origin: z.string(), count: z.number().int() })),
});

export const ZAddOriginBody = z.strictObject({ origin: ZOrigin });

export const ZTestInquiryJson = z.object({
  leadId: z.uuid(),
  inquiryId: z.uuid().nullable(),
  origin: z.string(),
  /** Earlier test inquiries this one replaced (0 on a site's first test, then 1): the test lead keeps one. */
  replaced: z.number().int(),
});

/** GET /v1/sites/:id/quota: today's event quota use (core/sites/event-quota.ts) and the retention in force. */
export const ZSiteQuotaJson = z.object({
  dailyEventQuota: z.number().int(),
  usedToday: z.number().int(),
  reachedAt: z.iso.datetime().nullable(),
  resetsAt: z.iso.datetime(),
  retentionMonths: z.number().int(),
  /** The server's defaults (EVENT_RETENTION_MONTHS, DAILY_EVENT_QUOTA): what a site without its own setting gets. */
  defaults: z.object({ retentionMonths: z.number().int(), dailyEventQuota: z.number().int() }),
});
