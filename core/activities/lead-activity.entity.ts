import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { UserSchema } from '../accounts/user.entity.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { ACTIVITY_TYPES } from '../shared/enums.ts';

export { ACTIVITY_TYPES, type ActivityType, CONTACT_ACTIVITY_TYPES, LOGGED_ACTIVITY_TYPES, type LoggedActivityType } from '../shared/enums.ts';

/**
 * What a person did about a lead: a logged call, text, email, note, meeting or showing, or a
 * change recorded on their behalf (stage or status change, reminder created/completed/…).
 * `actor` is who did it (null when the system did); `meta` holds the change's details
 * (`{fromStageId, toStageId, fromLabel, toLabel}`, `{reminderId}`, …).
 */
export const LeadActivitySchema = defineEntity({
  name: 'LeadActivity',
  tableName: 'lead_activities',
  properties: {
    activityId: uuidPrimaryKey(),
    user: ownerColumn(),
    lead: () => p.manyToOne(LeadSchema).deleteRule('cascade'),
    // Indexed for the foreign key's set null, run by an account purge's last transaction (Migration20261201113000).
    actor: () => p.manyToOne(UserSchema).nullable().deleteRule('set null').index('lead_activities_actor_user_id_index'),
    type: p.enum(ACTIVITY_TYPES),
    /** For calls and texts: `no_answer`, `left_voicemail`, `talked`, `sent`, … (free key, ≤ 40). */
    outcome: p.string().length(40).nullable(),
    body: p.text().nullable(),
    meta: p.json<Record<string, string | number | boolean | null>>().nullable(),
    occurredAt: p.datetime(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  indexes: [
    { name: 'lead_activities_lead_occurred_index', expression: 'create index "lead_activities_lead_occurred_index" on "lead_activities" ("lead_id", "occurred_at" desc)' },
    // Today's showings and per-day activity counts of one realtor.
    { name: 'lead_activities_user_type_occurred_index', properties: ['user', 'type', 'occurredAt'] },
  ],
});
export type LeadActivity = InferEntity<typeof LeadActivitySchema>;
