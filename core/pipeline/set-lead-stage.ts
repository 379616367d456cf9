import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { notFound } from '../errors.ts';
import { getLeadRow } from '../leads/leads.ts';
import type { LeadJson } from '../leads/lead-schemas.ts';
import { toLeadJson } from '../leads/lead-json.ts';
import { recordLeadsStageChanged } from '../leads/record-lead-events.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { effectiveStage, findStage, loadStages, type StageRow } from './pipeline-stages.ts';

/**
 * Moves the given leads (already locked by the caller, with their current stage_id) to `target`:
 * sets stage_id and stage_changed_at, writes one `stage_change` activity per lead that actually
 * changed stage (actor: the tenant's user; meta: from/to ids and labels) and its `lead.updated`
 * webhook message (`changed: ['stage']`). Returns the ids of the leads that changed and the
 * wake-ups to send after the commit. Runs in the caller's transaction.
 */
export async function moveLeadsToStage(em: EntityManager, tenant: Tenant, stages: StageRow[], leads: ReadonlyArray<{ lead_id: string; stage_id: string | null }>, target: StageRow, now: Date, config: Config): Promise<{ ids: string[]; wakeups: Wakeup[] }> {
  const moving = leads.map((l) => ({ leadId: l.lead_id, from: effectiveStage(stages, l.stage_id) })).filter((m) => m.from.stage_id !== target.stage_id);
  if (moving.length === 0) return { ids: [], wakeups: [] };
  const ids = moving.map((m) => m.leadId);
  await db(em)
    .updateTable('leads')
    .set({ stage_id: target.stage_id, stage_changed_at: now, updated_at: now })
    .where(ownedBy(tenant))
    .where('lead_id', 'in', ids)
    .execute();
  await db(em)
    .insertInto('lead_activities')
    .values(moving.map((m) => ({
      activity_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), lead_id: m.leadId, actor_user_id: actorIdOf(tenant), type: 'stage_change' as const,
      meta: JSON.stringify({ fromStageId: m.from.stage_id, toStageId: target.stage_id, fromLabel: m.from.label, toLabel: target.label }) as never,
      occurred_at: now, created_at: now, updated_at: now,
    })))
    .execute();
  const wakeups = await recordLeadsStageChanged({ em, now, config, userId: ownerIdOf(tenant), leadIds: ids, stage: target });
  return { ids, wakeups };
}

/**
 * `PUT /v1/leads/:id/stage {stageId}`: moves one lead, recording the change (see
 * `moveLeadsToStage`) in one transaction. Moving a lead to the stage it is in changes nothing.
 * Another account's lead or stage is a 404, and so is a stage deleted while the move waited.
 */
export async function setLeadStage({ em, tenant, leadId, stageId, now, config }: {
  em: EntityManager; tenant: Tenant; leadId: string; stageId: string; now: Date; config: Config;
}): Promise<{ lead: LeadJson; changed: boolean; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    // Stages first, then the lead: deleteStage's order (see pipeline-stages.ts). Read unlocked, a
    // stage deleted meanwhile made the update's foreign-key check fail (23503), and a deletion
    // moving this lead out deadlocked with it (40P01). Under the share lock the target is current.
    const stages = await loadStages(tem, tenant, now, { lock: 'share' });
    const lead = await getLeadRow(tem, tenant, leadId, { forUpdate: true });
    const target = findStage(stages, stageId);
    const current = await db(tem).selectFrom('leads').select(['lead_id', 'stage_id']).where('lead_id', '=', leadId).where(ownedBy(tenant)).executeTakeFirst();
    if (!current) throw notFound('Lead');
    const { ids, wakeups } = await moveLeadsToStage(tem, tenant, stages, [current], target, now, config);
    return { lead: ids.length ? toLeadJson(await getLeadRow(tem, tenant, leadId)) : toLeadJson(lead), changed: ids.length > 0, wakeups };
  });
}
