import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { LeadSchema } from '../leads/lead.entity.ts';

/** One event to announce (`msg_…`), fanned out to endpoints as deliveries. */
export const WebhookMessageSchema = defineEntity({
  name: 'WebhookMessage',
  tableName: 'webhook_messages',
  properties: {
    messageId: p.string().length(40).primary(),
    user: ownerColumn(),
    /** The lead the event is about: erasing the lead erases its messages (and their deliveries) by cascade. */
    lead: () => p.manyToOne(LeadSchema).nullable().deleteRule('cascade').index('webhook_messages_lead_id_index'),
    eventType: p.string().length(50),
    payload: p.json<Record<string, unknown>>(),
    createdAt: createdAtColumn(),
  },
  indexes: [{ name: 'webhook_messages_user_created_index', properties: ['user', 'createdAt'] }],
});
export type WebhookMessage = InferEntity<typeof WebhookMessageSchema>;
