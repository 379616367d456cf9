import { z } from 'zod';
import { zLimit } from '../db/keyset-cursor.ts';
import { ACTIVITY_BODY_MAX_CHARS, ACTIVITY_OUTCOME_MAX_CHARS, ACTIVITY_OUTCOME_PATTERN } from '../shared/activity-rules.ts';
import { ACTIVITY_TYPES, LOGGED_ACTIVITY_TYPES } from '../shared/enums.ts';
import { safeText } from '../validation/plain-text.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';
import { zInstant } from '../validation/instant.ts';

export const ACTIVITIES_PAGE_DEFAULT = 50;
export const ACTIVITIES_PAGE_MAX = 100;

const ZLoggedType = z.enum(LOGGED_ACTIVITY_TYPES, { message: `Use one of ${LOGGED_ACTIVITY_TYPES.join(', ')}` });
/** An outcome key; an empty string means "none" (null). */
const ZOutcome = safeText(z.string().trim().max(ACTIVITY_OUTCOME_MAX_CHARS, `At most ${ACTIVITY_OUTCOME_MAX_CHARS} characters`))
  .refine((s) => s === '' || ACTIVITY_OUTCOME_PATTERN.test(s), 'Use a key of lower-case letters, digits and _ (e.g. left_voicemail)')
  .transform((s) => s || null);
/** What was said or noted; blank means none (null). */
const ZBody = safeText(z.string().max(ACTIVITY_BODY_MAX_CHARS, `At most ${ACTIVITY_BODY_MAX_CHARS} characters`), { multiline: true })
  .transform((s) => s.trim() || null);
const ZOccurredAt = zInstant();

/** `POST /v1/leads/:id/activities`. A note needs a body; `occurredAt` defaults to now. */
export const ZCreateActivityBody = z
  .strictObject({
    type: ZLoggedType,
    outcome: ZOutcome.nullish(),
    body: ZBody.nullish(),
    occurredAt: ZOccurredAt.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.type === 'note' && !b.body) ctx.addIssue({ code: 'custom', path: ['body'], message: 'Write the note' });
  });
export type CreateActivityBody = z.output<typeof ZCreateActivityBody>;

/** `PATCH /v1/activities/:activityId`: any of the fields; `null` clears outcome or body. */
export const ZUpdateActivityBody = z
  .strictObject({
    type: ZLoggedType.optional(),
    outcome: ZOutcome.nullable().optional(),
    body: ZBody.nullable().optional(),
    occurredAt: ZOccurredAt.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Give at least one of type, outcome, body, occurredAt' });
export type UpdateActivityBody = z.output<typeof ZUpdateActivityBody>;

export const ZListActivitiesQuery = z.strictObject({
  cursor: z.preprocess(emptyToUndefined, z.string().max(500).optional()),
  limit: zLimit(ACTIVITIES_PAGE_DEFAULT, ACTIVITIES_PAGE_MAX),
});
export type ListActivitiesQuery = z.output<typeof ZListActivitiesQuery>;

/** Who did something: a realtor of the account, or null when the system did. */
export const ZActorJson = z.object({ userId: z.uuid(), username: z.string() }).nullable();

/** One row of `lead_activities` as the API answers it. */
export const ZActivityJson = z.object({
  activityId: z.uuid(),
  leadId: z.uuid(),
  type: z.enum(ACTIVITY_TYPES),
  outcome: z.string().nullable(),
  body: z.string().nullable(),
  /** Details of a recorded change: `{from, to}` (status), `{fromStageId, toStageId, fromLabel, toLabel}` (stage), `{reminderId, message, …}`. */
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
  occurredAt: z.string(),
  actor: ZActorJson,
  /** Whether the signed-in realtor may edit or delete it (their own logged entries only). */
  editable: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ActivityJson = z.output<typeof ZActivityJson>;
