import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { STAGE_OUTCOMES } from '../shared/enums.ts';

export { STAGE_OUTCOMES, type StageOutcome } from '../shared/enums.ts';

/**
 * One column of a realtor's pipeline (new, attempted contact, …, closed, lost): renamable,
 * reorderable, extensible. `key` is stable for the defaults (`new`, `appointment_set`, `closed`, …)
 * so reports can find them after a rename; stages the realtor adds get a generated key.
 */
export const PipelineStageSchema = defineEntity({
  name: 'PipelineStage',
  tableName: 'pipeline_stages',
  properties: {
    stageId: uuidPrimaryKey(),
    user: ownerColumn(),
    key: p.string().length(60),
    label: p.string().length(60),
    position: p.integer(),
    outcome: p.enum(STAGE_OUTCOMES).default('open'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  uniques: [{ name: 'pipeline_stages_user_key_unique', properties: ['user', 'key'] }],
  indexes: [
    { name: 'pipeline_stages_user_position_index', properties: ['user', 'position'] },
    // Labels are unique per account, case-insensitively (Migration20261201061700): the stage
    // changes are serialised per account, and this is the rule's backstop.
    { name: 'pipeline_stages_user_label_unique', expression: 'create unique index "pipeline_stages_user_label_unique" on "pipeline_stages" ("user_id", lower("label"))' },
  ],
});
export type PipelineStage = InferEntity<typeof PipelineStageSchema>;
