import { z } from 'zod';
import { STAGE_OUTCOMES } from '../shared/enums.ts';
import { ZCreateReminderBody } from '../reminders/reminder-schemas.ts';
import { safeText } from '../validation/plain-text.ts';
import { emptyToUndefined } from '../validation/empty-to-undefined.ts';

/** Longest stage label (the column is varchar(60)). */
export const STAGE_LABEL_MAX_CHARS = 60;
/** Most stages one account may have (a board wider than this is no longer a board). */
export const STAGES_MAX = 30;
/** Most leads one bulk action may name. */
export const BULK_LEADS_MAX = 500;

/**
 * A stage or lead id, lower-cased: UUIDs are case-insensitive, and stage ids are compared in JS
 * with the lower-case ids Postgres answers (findStage); a selection names each lead once.
 */
const ZStageId = z.uuid('Not a stage id').transform((id) => id.toLowerCase());
const ZLeadIds = z.array(z.uuid('Not a lead id').transform((id) => id.toLowerCase())).min(1).max(BULK_LEADS_MAX);

const ZLabel = safeText(z.string().trim().min(1, 'A stage needs a name').max(STAGE_LABEL_MAX_CHARS, `At most ${STAGE_LABEL_MAX_CHARS} characters`));
const ZOutcome = z.enum(STAGE_OUTCOMES);

/** A pipeline stage as the API answers it. `leadCount` counts leads without a stage in the first stage. */
export const ZStageJson = z.object({
  stageId: z.uuid(),
  key: z.string(),
  label: z.string(),
  position: z.number().int(),
  outcome: ZOutcome,
  leadCount: z.number().int(),
});
export type StageJson = z.output<typeof ZStageJson>;

/** `POST /v1/pipeline-stages`: appended after the last stage. */
export const ZCreateStageBody = z.strictObject({
  label: ZLabel,
  outcome: ZOutcome.default('open'),
});
export type CreateStageBody = z.output<typeof ZCreateStageBody>;

/** `PATCH /v1/pipeline-stages/:stageId`: rename and/or change what the stage means. */
export const ZUpdateStageBody = z
  .strictObject({ label: ZLabel.optional(), outcome: ZOutcome.optional() })
  .refine((b) => b.label !== undefined || b.outcome !== undefined, { message: 'Give a label or an outcome', path: ['label'] });
export type UpdateStageBody = z.output<typeof ZUpdateStageBody>;

/** `PUT /v1/pipeline-stages/order`: every stage id of the account, once each, in the new order. */
export const ZReorderStagesBody = z.strictObject({
  stageIds: z.array(ZStageId).min(1).max(STAGES_MAX),
});
export type ReorderStagesBody = z.output<typeof ZReorderStagesBody>;

/** `DELETE /v1/pipeline-stages/:stageId?moveTo=`: where the stage's leads go (required when it has any). */
export const ZDeleteStageQuery = z.strictObject({
  moveTo: z.preprocess(emptyToUndefined, ZStageId.optional()),
});

/** `PUT /v1/leads/:id/stage`. */
export const ZSetLeadStageBody = z.strictObject({ stageId: ZStageId });

/** `POST /v1/leads/bulk`: one action over up to BULK_LEADS_MAX of the tenant's leads, all or nothing. */
export const ZBulkLeadsBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('stage'),
    leadIds: ZLeadIds,
    stageId: ZStageId,
  }),
  z.strictObject({
    action: z.literal('reminder'),
    leadIds: ZLeadIds,
    reminderDate: ZCreateReminderBody.shape.reminderDate,
    reminderMessage: ZCreateReminderBody.shape.reminderMessage,
  }),
  z.strictObject({
    action: z.literal('delete'),
    leadIds: ZLeadIds,
  }),
]);
export type BulkLeadsBody = z.output<typeof ZBulkLeadsBody>;

export const ZBulkLeadsResult = z.object({ affected: z.number().int() });
