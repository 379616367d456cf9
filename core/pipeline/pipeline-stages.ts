import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { serializeAccountChange } from '../accounts/lock-live-user.ts';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import type { Config } from '../config.ts';
import { AppError, notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordLeadsStageChanged } from '../leads/record-lead-events.ts';
import type { StageOutcome } from '../shared/enums.ts';
import { ensureDefaultStages } from './default-stages.ts';
import { type CreateStageBody, type ReorderStagesBody, STAGES_MAX, type StageJson, type UpdateStageBody } from './pipeline-schemas.ts';

// A realtor's pipeline stages (docs/pipeline.md). Every statement is scoped with `ownedBy(tenant)`:
// another account's stage id is not found (404). A lead whose stage_id is null is in the first
// stage (lowest position). Every change of the stages (add, rename, reorder, delete) first locks
// the account's user row (`serializeAccountChange`; lead moves do not take it), so an account's changes run one at a time: locking the
// stage rows alone did not stop two adds (a waiting transaction never sees the row another one
// inserted, so both passed the label and 30-stage checks). The unique index on (user_id,
// lower(label)) backs the label rule. They then lock the stage rows
// (`loadStages(…, {lock: 'update'})`), which is what moves of leads wait for. Moving
// leads (`setLeadStage`, a bulk `stage` action) shares those locks (`{lock: 'share'}`) before it
// locks a lead: the same order as `deleteStage` (stages, then leads), so a move waits for a
// deletion instead of deadlocking with it or failing the leads.stage_id foreign key.

export interface StageRow {
  stage_id: string;
  key: string;
  label: string;
  position: number;
  outcome: StageOutcome;
}

/**
 * The tenant's stages in board order, creating the defaults on first access. `lock` (default none)
 * locks them for the caller's transaction: `update` to change stages, `share` to keep them as read
 * (no stage deleted, renamed or reordered meanwhile) while leads move.
 */
export async function loadStages(em: EntityManager, tenant: Tenant, now: Date, opts: { lock?: 'update' | 'share' } = {}): Promise<StageRow[]> {
  const read = async () => {
    let q = db(em).selectFrom('pipeline_stages').select(['stage_id', 'key', 'label', 'position', 'outcome']).where(ownedBy(tenant)).orderBy('position').orderBy('stage_id');
    if (opts.lock === 'update') q = q.forUpdate();
    if (opts.lock === 'share') q = q.forShare();
    const rows = await q.execute();
    // A locking read that waited returns the rows as the other transaction left them (deleted
    // ones skipped), but in the order sorted before it waited: sort again after a reorder.
    return opts.lock ? rows.sort((a, b) => a.position - b.position || (a.stage_id < b.stage_id ? -1 : a.stage_id > b.stage_id ? 1 : 0)) : rows;
  };
  let rows = await read();
  if (rows.length === 0) {
    await ensureDefaultStages(em, ownerIdOf(tenant), now);
    rows = await read();
  }
  return rows;
}

/** The stage `stageId` among `stages`, or 404. */
export function findStage(stages: StageRow[], stageId: string): StageRow {
  const stage = stages.find((s) => s.stage_id === stageId);
  if (!stage) throw notFound('Stage');
  return stage;
}

/** The stage a lead is in: its own, or the first one when it has none. */
export function effectiveStage(stages: StageRow[], stageId: string | null): StageRow {
  return (stageId && stages.find((s) => s.stage_id === stageId)) || stages[0];
}

/** `GET /v1/pipeline-stages`: the stages in order, each with its number of leads. */
export async function listStages({ em, tenant, now }: { em: EntityManager; tenant: Tenant; now: Date }): Promise<{ items: StageJson[] }> {
  const stages = await loadStages(em, tenant, now);
  const counts = await db(em)
    .selectFrom('leads')
    .select(['stage_id', sql<string>`count(*)`.as('n')])
    .where(ownedBy(tenant))
    .groupBy('stage_id')
    .execute();
  const byStage = new Map<string, number>();
  for (const c of counts) {
    const stage = effectiveStage(stages, c.stage_id);
    byStage.set(stage.stage_id, (byStage.get(stage.stage_id) ?? 0) + Number(c.n));
  }
  return { items: stages.map((s) => toStageJson(s, byStage.get(s.stage_id) ?? 0)) };
}

function toStageJson(s: StageRow, leadCount: number): StageJson {
  return { stageId: s.stage_id, key: s.key, label: s.label, position: s.position, outcome: s.outcome, leadCount };
}

function assertLabelFree(stages: StageRow[], label: string, exceptId?: string): void {
  const taken = stages.find((s) => s.stage_id !== exceptId && s.label.toLowerCase() === label.toLowerCase());
  if (taken) throw new AppError('conflict', `A stage is already called “${taken.label}”`, [{ path: 'label', message: 'Already used by another stage', stageId: taken.stage_id }]);
}

async function leadCountOf(em: EntityManager, tenant: Tenant, stages: StageRow[], stageId: string): Promise<number> {
  const row = await db(em)
    .selectFrom('leads')
    .select(sql<string>`count(*)`.as('n'))
    .where(ownedBy(tenant))
    .where(leadsInStage(stages, stageId))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Leads in `stageId` (with those without a stage when it is the first). */
function leadsInStage(stages: StageRow[], stageId: string) {
  return stages[0]?.stage_id === stageId ? sql<boolean>`(stage_id = ${stageId} or stage_id is null)` : sql<boolean>`stage_id = ${stageId}`;
}

/** A label taken after all (the unique index on (user_id, lower(label))): the same 409 as assertLabelFree's. */
async function labelConflictAs409<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'Another stage already has this label', [{ path: 'label', message: 'Already used by another stage' }]);
    throw err;
  }
}

/** `POST /v1/pipeline-stages`: a new stage after the last one, with a generated key (`custom_…`). */
export async function createStage({ em, tenant, input, now }: { em: EntityManager; tenant: Tenant; input: CreateStageBody; now: Date }): Promise<StageJson> {
  return labelConflictAs409(() => em.transactional(async (tem) => {
    await serializeAccountChange(tem, tenant);
    const stages = await loadStages(tem, tenant, now, { lock: 'update' });
    if (stages.length >= STAGES_MAX) throw new AppError('conflict', `A pipeline has at most ${STAGES_MAX} stages`);
    assertLabelFree(stages, input.label);
    const row = await db(tem)
      .insertInto('pipeline_stages')
      .values({
        stage_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), key: `custom_${randomBytes(5).toString('hex')}`, label: input.label,
        position: (stages.at(-1)?.position ?? -1) + 1, outcome: input.outcome, created_at: now, updated_at: now,
      })
      .returning(['stage_id', 'key', 'label', 'position', 'outcome'])
      .executeTakeFirstOrThrow();
    return toStageJson(row, 0);
  }));
}

/** `PATCH /v1/pipeline-stages/:stageId`: rename, or change its outcome (open, won, lost). */
export async function updateStage({ em, tenant, stageId, input, now }: { em: EntityManager; tenant: Tenant; stageId: string; input: UpdateStageBody; now: Date }): Promise<StageJson> {
  return labelConflictAs409(() => em.transactional(async (tem) => {
    await serializeAccountChange(tem, tenant);
    const stages = await loadStages(tem, tenant, now, { lock: 'update' });
    const stage = findStage(stages, stageId);
    if (input.label !== undefined) assertLabelFree(stages, input.label, stageId);
    const row = await db(tem)
      .updateTable('pipeline_stages')
      .set({ label: input.label ?? stage.label, outcome: input.outcome ?? stage.outcome, updated_at: now })
      .where('stage_id', '=', stageId)
      .where(ownedBy(tenant))
      .returning(['stage_id', 'key', 'label', 'position', 'outcome'])
      .executeTakeFirstOrThrow();
    return toStageJson(row, await leadCountOf(tem, tenant, stages, stageId));
  }));
}

/**
 * `PUT /v1/pipeline-stages/order`: `stageIds` must name every stage of the account exactly once.
 * Leads without a stage stay where they were: when the first stage changes, they are given the
 * old first stage explicitly (otherwise they would silently follow the new first column).
 */
export async function reorderStages({ em, tenant, input, now }: { em: EntityManager; tenant: Tenant; input: ReorderStagesBody; now: Date }): Promise<{ items: StageJson[] }> {
  await em.transactional(async (tem) => {
    await serializeAccountChange(tem, tenant);
    const stages = await loadStages(tem, tenant, now, { lock: 'update' });
    const known = new Set(stages.map((s) => s.stage_id));
    const given = new Set(input.stageIds);
    if (given.size !== input.stageIds.length) throw invalid('stageIds', 'Each stage may appear only once');
    const missing = stages.filter((s) => !given.has(s.stage_id));
    const unknown = input.stageIds.filter((id) => !known.has(id));
    if (unknown.length) throw notFound('Stage');
    if (missing.length) throw invalid('stageIds', `List every stage: ${missing.map((s) => s.label).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
    if (input.stageIds[0] !== stages[0].stage_id) {
      await db(tem).updateTable('leads').set({ stage_id: stages[0].stage_id }).where(ownedBy(tenant)).where('stage_id', 'is', null).execute();
    }
    const values = input.stageIds.map((id, i) => sql`(${id}::uuid, ${i}::int)`);
    await sql`update pipeline_stages s set position = v.position, updated_at = ${now}
      from (values ${sql.join(values)}) as v(stage_id, position)
      where s.stage_id = v.stage_id and ${ownedBy(tenant, 's')}`.execute(db(tem));
  });
  return listStages({ em, tenant, now });
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', 'The request is not valid', [{ path, message }]);
}

/**
 * `DELETE /v1/pipeline-stages/:stageId?moveTo=`: a stage with leads needs `moveTo` (another of the
 * tenant's stages): its leads move there, each with a `stage_change` activity, in the same
 * transaction as the delete. Without `moveTo` such a stage is a 409 that says how many leads it
 * holds; the last stage cannot be deleted (409).
 */
export async function deleteStage({ em, tenant, stageId, moveTo, now, config }: {
  em: EntityManager; tenant: Tenant; stageId: string; moveTo?: string; now: Date; config: Config;
}): Promise<{ moved: number; movedLeadIds: string[]; wakeups: Wakeup[] }> {
  return em.transactional(async (tem) => {
    await serializeAccountChange(tem, tenant);
    const stages = await loadStages(tem, tenant, now, { lock: 'update' });
    const stage = findStage(stages, stageId);
    if (stages.length === 1) throw new AppError('conflict', 'The last stage cannot be deleted: a pipeline needs at least one stage');
    const target = moveTo ? findStage(stages, moveTo) : undefined;
    if (target?.stage_id === stageId) throw invalid('moveTo', 'Choose another stage than the one being deleted');
    const count = await leadCountOf(tem, tenant, stages, stageId);
    if (count > 0 && !target) {
      throw new AppError('conflict', `“${stage.label}” has ${count} lead${count === 1 ? '' : 's'}: choose a stage to move ${count === 1 ? 'it' : 'them'} to (moveTo)`, [{ path: 'moveTo', message: 'Required when the stage has leads', leadCount: count }]);
    }
    let movedLeadIds: string[] = [];
    let wakeups: Wakeup[] = [];
    if (count > 0 && target) {
      const meta = sql`jsonb_build_object('fromStageId', ${stage.stage_id}::text, 'toStageId', ${target.stage_id}::text, 'fromLabel', ${stage.label}::text, 'toLabel', ${target.label}::text)`;
      await sql`insert into lead_activities (activity_id, user_id, lead_id, actor_user_id, type, meta, occurred_at, created_at, updated_at)
        select gen_random_uuid(), user_id, lead_id, ${actorIdOf(tenant)}::uuid, 'stage_change', ${meta}, ${now}, ${now}, ${now}
        from leads where ${ownedBy(tenant)} and ${leadsInStage(stages, stageId)}`.execute(db(tem));
      const rows = await db(tem)
        .updateTable('leads')
        .set({ stage_id: target.stage_id, stage_changed_at: now, updated_at: now })
        .where(ownedBy(tenant))
        .where(leadsInStage(stages, stageId))
        .returning('lead_id')
        .execute();
      movedLeadIds = rows.map((r) => r.lead_id);
      wakeups = await recordLeadsStageChanged({ em: tem, now, config, userId: ownerIdOf(tenant), leadIds: movedLeadIds, stage: target });
    }
    // Leads without a stage belong to the first one; when it is the one going, they have been moved above.
    await db(tem).deleteFrom('pipeline_stages').where('stage_id', '=', stageId).where(ownedBy(tenant)).execute();
    return { moved: movedLeadIds.length, movedLeadIds, wakeups };
  });
}
