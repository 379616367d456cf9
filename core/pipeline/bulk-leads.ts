import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { recordActivities, reminderCreatedMeta } from '../activities/record-activity.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { AppError, notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { deleteLead } from '../leads/leads.ts';
import { createReminderWakeup } from '../reminders/reminder-wakeup.ts';
import { REMINDER_MAX_AHEAD_MS } from '../shared/reminder-rules.ts';
import type { BulkLeadsBody } from './pipeline-schemas.ts';
import { findStage, loadStages } from './pipeline-stages.ts';
import { moveLeadsToStage } from './set-lead-stage.ts';

export interface BulkLeadsResult {
  /** Leads the action changed: moved to another stage, given a reminder, deleted. */
  affected: number;
  /** Leads whose stage changed (for live updates). */
  movedLeadIds: string[];
  /** Wake-ups to send after the commit (reminder jobs, `lead.deleted` deliveries). */
  wakeups: Wakeup[];
}

/**
 * `POST /v1/leads/bulk`: one action over a selection of the tenant's leads, all or nothing, in
 * one transaction. The selection is locked first (in lead_id order, so two bulk actions over
 * overlapping selections cannot deadlock); if any id is not one of the tenant's leads (unknown,
 * deleted meanwhile, or another account's) the whole request is a 404 and nothing changes.
 * - `stage`: moves each lead to `stageId`, recording a `stage_change` activity for each one that moved;
 * - `reminder`: a manual reminder for each lead (`reminderDate`, `reminderMessage`), each with its
 *   `reminder_created` activity as `POST /v1/leads/:id/reminders` records it;
 * - `delete`: erases each lead as `DELETE /v1/leads/:id` does (with its `lead.deleted` message).
 */
export async function bulkLeads({ em, tenant, input, now, config }: {
  em: EntityManager; tenant: Tenant; input: BulkLeadsBody; now: Date; config: Config;
}): Promise<BulkLeadsResult> {
  const ids = [...new Set(input.leadIds)].sort();
  if (input.action === 'reminder') {
    const at = new Date(input.reminderDate);
    if (at.getTime() - now.getTime() > REMINDER_MAX_AHEAD_MS) {
      throw new AppError('validation_failed', 'The request is not valid', [{ path: 'reminderDate', message: 'At most five years ahead' }]);
    }
  }
  // Retried whole when Postgres breaks a deadlock against it (an erasure racing a release of a held
  // submission, see deleteLead): all or nothing, nothing is sent before the commit.
  return transactionalWithRetry(em, async (tem) => {
    // A move locks the stages before the leads, as setLeadStage does (see pipeline-stages.ts).
    const stages = input.action === 'stage' ? await loadStages(tem, tenant, now, { lock: 'share' }) : [];
    const leads = await db(tem)
      .selectFrom('leads')
      .select(['lead_id', 'stage_id'])
      .where(ownedBy(tenant))
      .where('lead_id', 'in', ids)
      .orderBy('lead_id')
      .forUpdate()
      .execute();
    if (leads.length !== ids.length) throw notFound(ids.length - leads.length === 1 ? 'One of the leads was' : `${ids.length - leads.length} of the leads were`);
    switch (input.action) {
      case 'stage': {
        const moved = await moveLeadsToStage(tem, tenant, stages, leads, findStage(stages, input.stageId), now, config);
        return { affected: moved.ids.length, movedLeadIds: moved.ids, wakeups: moved.wakeups };
      }
      case 'reminder': {
        const at = new Date(input.reminderDate);
        const rows = await db(tem)
          .insertInto('follow_up_reminders')
          .values(ids.map((leadId) => ({
            reminder_id: sql<string>`gen_random_uuid()`, lead_id: leadId, user_id: ownerIdOf(tenant), reminder_date: at,
            reminder_message: input.reminderMessage, created_at: now, kind: 'manual' as const, status: 'pending' as const,
          })))
          .returning(['reminder_id', 'lead_id'])
          .execute();
        // Each lead's timeline says who set it, as `POST /v1/leads/:id/reminders` records it.
        await recordActivities(tem, rows.map((r) => ({
          ownerId: ownerIdOf(tenant), leadId: r.lead_id, actorUserId: actorIdOf(tenant), type: 'reminder_created' as const, occurredAt: now,
          meta: reminderCreatedMeta(r.reminder_id, input.reminderMessage, at),
        })));
        return { affected: rows.length, movedLeadIds: [], wakeups: rows.map((r) => createReminderWakeup(r.reminder_id, at)) };
      }
      case 'delete': {
        const wakeups: Wakeup[] = [];
        for (const { lead_id } of leads) wakeups.push(...(await deleteLead({ em: tem, tenant, leadId: lead_id, now, config })).wakeups);
        return { affected: leads.length, movedLeadIds: [], wakeups };
      }
    }
  });
}
