import { z } from 'zod';
import { REPORTED_CONTACT_KINDS, REPORTED_CONTACT_SOURCES } from '../shared/enums.ts';

/** One contact detail the public form or an `identify` event reported for an existing lead. */
export const ZReportedContactJson = z.object({
  reportedContactId: z.uuid(),
  leadId: z.uuid(),
  kind: z.enum(REPORTED_CONTACT_KINDS),
  value: z.string(),
  source: z.enum(REPORTED_CONTACT_SOURCES),
  /** The latest inquiry that reported it (source inquiry). */
  inquiryId: z.uuid().nullable(),
  visitorId: z.string().nullable(),
  siteId: z.uuid().nullable(),
  reportedAt: z.string(),
  lastReportedAt: z.string(),
  reportCount: z.number().int(),
  /** When the realtor adopted it as the lead's own; null while it is only reported. */
  adoptedAt: z.string().nullable(),
});
export type ReportedContactJson = z.output<typeof ZReportedContactJson>;
