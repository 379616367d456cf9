import { z } from 'zod';
import { plainText } from '../validation/plain-text.ts';
import { ZContactEmail, ZContactName, ZContactPhone } from './contact-schemas.ts';
import { zLimit } from '../db/keyset-cursor.ts';
import { LEAD_STATUSES, SCORE_BANDS } from './lead.entity.ts';
import { ACTIVITY_TYPES } from '../shared/enums.ts';
import { CONTACT_INFO_MAX_CHARS } from '../shared/field-limits.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';

/** `*_asc`: the same index as the descending sort, scanned backwards (lowest score, oldest first). */
export const LEAD_SORTS = ['score', 'last_activity', 'created', 'score_asc', 'created_asc'] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];

/** Default and largest page of `GET /v1/leads`. */
export const LEADS_PAGE_DEFAULT = 50;
export const LEADS_PAGE_MAX = 100;
/** Longest search string. */
export const LEAD_SEARCH_MAX_CHARS = 100;

const ZStatus = z.enum(LEAD_STATUSES);
const ZBand = z.enum(SCORE_BANDS);

/** Filters shared by the list and the CSV export. Empty parameters (`?band=`) mean "no filter". */
export const ZLeadFilters = z.strictObject({
  band: z.preprocess(emptyToUndefined, ZBand.optional()),
  status: z.preprocess(emptyToUndefined, ZStatus.optional()),
  site: z.preprocess(emptyToUndefined, z.uuid('Not a site id').optional()),
  q: z.preprocess(emptyToUndefined, plainText(LEAD_SEARCH_MAX_CHARS).transform((s) => s.trim()).optional()),
  sort: z.preprocess(emptyToUndefined, z.enum(LEAD_SORTS).default('score')),
  /** Leads in this pipeline stage (the first stage also holds leads without one). */
  stageId: z.preprocess(emptyToUndefined, z.uuid('Not a stage id').optional()),
  /** The leads one CSV import created (`GET /v1/leads/imports`), those still there. */
  importId: z.preprocess(emptyToUndefined, z.uuid('Not an import id').optional()),
  /** A selection: comma-separated lead ids (at most 500), e.g. for exporting the checked rows. */
  ids: z.preprocess(
    (v) => (typeof v === 'string' && v !== '' ? v.split(',') : emptyToUndefined(v)),
    z.array(z.uuid('Not a lead id')).min(1).max(500, 'At most 500 ids').optional(),
  ),
});
export type LeadFilters = z.output<typeof ZLeadFilters>;

/** `GET /v1/leads` query. */
export const ZListLeadsQuery = ZLeadFilters.extend({
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(LEADS_PAGE_DEFAULT, LEADS_PAGE_MAX),
});
export type ListLeadsQuery = z.output<typeof ZListLeadsQuery>;

/** `contactInfo` as `POST /v1/leads` takes it: plain text, trimmed, empty → null. */
export const ZContactInfo = plainText(CONTACT_INFO_MAX_CHARS).transform((s) => s.trim() || null);

/** `POST /v1/leads`: a lead entered by hand. At least a name, an email or a phone. */
export const ZCreateLeadBody = z
  .strictObject({
    name: ZContactName,
    email: ZContactEmail,
    phone: ZContactPhone,
    contactInfo: ZContactInfo.nullish(),
    status: ZStatus.optional(),
    siteId: z.uuid('Not a site id').nullish(),
  })
  .superRefine((b, ctx) => {
    if (!b.name && !b.email && !b.phone) ctx.addIssue({ code: 'custom', path: ['name'], message: 'Give at least a name, an email address or a phone number' });
  });
export type CreateLeadBody = z.output<typeof ZCreateLeadBody>;

/**
 * `PATCH /v1/leads/:id`. An absent key is left alone; `null` (or an empty string) clears a
 * contact field. The lead must keep a name, an email or a phone.
 */
export const ZUpdateLeadBody = z.strictObject({
  name: ZContactName.transform((v) => v ?? null).optional(),
  contactInfo: ZContactInfo.nullable().optional(),
  email: ZContactEmail.transform((v) => v ?? null).optional(),
  phone: ZContactPhone.transform((v) => v ?? null).optional(),
  status: ZStatus.optional(),
});
export type UpdateLeadBody = z.output<typeof ZUpdateLeadBody>;

export const ZScoreSignalJson = z.object({ key: z.string(), label: z.string(), count: z.number(), points: z.number() });
export const ZScoreBreakdownJson = z.object({ signals: z.array(ZScoreSignalJson), rulesVersion: z.number(), computedAt: z.string() });

/** A lead as the API answers it (camelCase of the columns). Every string may come from a stranger. */
export const ZLeadJson = z.object({
  leadId: z.uuid(),
  name: z.string().nullable(),
  contactInfo: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  status: ZStatus,
  score: z.number().int(),
  scoreBand: ZBand,
  scoreBreakdown: ZScoreBreakdownJson.nullable(),
  siteId: z.uuid().nullable(),
  lastActivityAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  scoredAt: z.string().nullable(),
  /** The first and the latest logged contact (call, text, email, meeting, showing) that has happened. */
  firstContactedAt: z.string().nullable(),
  lastContactedAt: z.string().nullable(),
  /** The earliest open (pending or due) reminder. */
  nextFollowUpAt: z.string().nullable(),
  /** Seconds from the first inquiry to the first logged contact; null until both exist (or when the contact came first). */
  speedToLeadSeconds: z.number().int().nullable(),
  /** The pipeline stage (a lead without one is in the first stage). */
  stage: z.object({ stageId: z.uuid(), key: z.string(), label: z.string() }).nullable(),
  /** The CSV import that created the lead (`GET /v1/leads/imports`, docs/import.md), or null. */
  importId: z.uuid().nullable(),
});
export type LeadJson = z.output<typeof ZLeadJson>;

/** `GET /v1/leads/:id/timeline` query. */
export const TIMELINE_PAGE_DEFAULT = 50;
export const TIMELINE_PAGE_MAX = 200;
export const ZTimelineQuery = z.strictObject({
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(TIMELINE_PAGE_DEFAULT, TIMELINE_PAGE_MAX),
});

/** The kinds a timeline merges; at one instant they sort in this order (descending by name). */
export const TIMELINE_KINDS = ['inquiry', 'event', 'activity'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

const ZProps = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/**
 * One timeline entry: an analytics event, an inquiry, or an activity (logged by a realtor, or a
 * status/stage/reminder change recorded on someone's behalf). Fields that do not apply are null.
 */
export const ZTimelineItem = z.object({
  kind: z.enum(TIMELINE_KINDS),
  id: z.uuid(),
  at: z.string(),
  eventType: z.string().nullable(),
  eventValue: z.string().nullable(),
  listingRef: z.string().nullable(),
  /** The listing's title and photo from the site's `listings` (null when not captured). */
  listingTitle: z.string().nullable(),
  listingUrl: z.string().nullable(),
  listingImageUrl: z.string().nullable(),
  pageUrl: z.string().nullable(),
  /** The browser the event came from: events of one visitor less than 30 min apart make a visit. */
  visitorId: z.string().nullable(),
  /** The event's properties (`{room: "Kitchen"}` for a virtual tour step, …). */
  props: ZProps.nullable(),
  message: z.string().nullable(),
  source: z.string().nullable(),
  /** For activities: `call` … `showing`, `status_change`, `stage_change`, `reminder_*`. */
  activityType: z.enum(ACTIVITY_TYPES).nullable(),
  outcome: z.string().nullable(),
  body: z.string().nullable(),
  meta: ZProps.nullable(),
  /** Who did it (activities); null when the system did, and for events and inquiries. */
  actor: z.object({ userId: z.uuid(), username: z.string() }).nullable(),
  /** The signed-in realtor may edit or delete it (their own logged activities). */
  editable: z.boolean(),
});
export type TimelineItem = z.output<typeof ZTimelineItem>;
