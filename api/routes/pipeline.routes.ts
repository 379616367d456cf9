import { z } from 'zod';
import { ZLeadJson } from '#core/leads/lead-schemas.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import {
  ZCreateStageBody, ZDeleteStageQuery, ZReorderStagesBody, ZSetLeadStageBody, ZStageJson, ZUpdateStageBody,
} from '#core/pipeline/pipeline-schemas.ts';
import { createStage, deleteStage, listStages, reorderStages, updateStage } from '#core/pipeline/pipeline-stages.ts';
import { setLeadStage } from '#core/pipeline/set-lead-stage.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import type { AppServices } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

const invalid = { 400: { description: '`validation_failed` with issue paths' } };
const stageNotFound = { 404: { description: '`not_found`: no such stage for this user (also another user’s stage)' } };
const ZStageList = z.object({ items: z.array(ZStageJson) });

/** The realtor's pipeline: stages (created with the defaults on first access) and moving a lead between them. See docs/pipeline.md. */
export function mountPipelineRoutes(routes: RouteRegistry, deps: AppServices): void {
  const publisher = deps.live;
  routes.add({
    method: 'get', path: '/v1/pipeline-stages', tag: 'pipeline', auth: 'realtor', summary: 'List the pipeline stages in order, with their lead counts',
    // A list: an unknown query parameter is a 400 (docs/api-leads.md, Conventions).
    query: z.strictObject({}),
    responses: { 200: { description: 'Stages', schema: ZStageList } },
    handler: async (ctx, { tenant, now }) => {
      ctx.body = await listStages({ em: ctx.state.em, tenant, now });
    },
  });
  routes.add({
    method: 'post', path: '/v1/pipeline-stages', tag: 'pipeline', auth: 'realtor', summary: 'Add a stage after the last one',
    body: ZCreateStageBody,
    responses: { 201: { description: 'Created', schema: ZStageJson }, ...invalid, 409: { description: '`conflict`: the label is taken, or the pipeline is full' } },
    handler: async (ctx, { body, tenant, now }) => {
      ctx.status = 201;
      ctx.body = await createStage({ em: ctx.state.em, tenant, input: body, now });
    },
  });
  // Before /:stageId (a PUT there does not exist, but keep the literal path first like export.csv).
  routes.add({
    method: 'put', path: '/v1/pipeline-stages/order', tag: 'pipeline', auth: 'realtor', summary: 'Reorder the stages: every stage id once, in the new order',
    body: ZReorderStagesBody,
    responses: { 200: { description: 'The stages in their new order', schema: ZStageList }, ...invalid, ...stageNotFound },
    handler: async (ctx, { body, tenant, now }) => {
      ctx.body = await reorderStages({ em: ctx.state.em, tenant, input: body, now });
    },
  });
  routes.add({
    method: 'patch', path: '/v1/pipeline-stages/:stageId', tag: 'pipeline', auth: 'realtor', summary: 'Rename a stage or change its outcome (open, won, lost)',
    body: ZUpdateStageBody,
    responses: { 200: { description: 'Updated', schema: ZStageJson }, ...invalid, ...stageNotFound, 409: { description: '`conflict`: another stage has this label' } },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.body = await updateStage({ em: ctx.state.em, tenant, stageId: params.stageId, input: body, now });
    },
  });
  routes.add({
    method: 'delete', path: '/v1/pipeline-stages/:stageId', tag: 'pipeline', auth: 'realtor',
    summary: 'Delete a stage; a stage with leads needs ?moveTo=<stageId> (its leads move there)',
    query: ZDeleteStageQuery,
    responses: {
      204: { description: 'Deleted' }, ...invalid, ...stageNotFound,
      409: { description: '`conflict`: the stage has leads and no moveTo was given (details carry leadCount), or it is the last stage' },
    },
    handler: async (ctx, { params, query, tenant, now }) => {
      const { moved, movedLeadIds, wakeups } = await deleteStage({ em: ctx.state.em, tenant, stageId: params.stageId, moveTo: query.moveTo, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      if (moved) await publishLeadEvents({ em: ctx.state.em, publisher, type: 'lead.updated', leadIds: movedLeadIds, log: ctx.state.log });
      ctx.state.log.info({ stageId: params.stageId, moved }, 'stage deleted');
      ctx.status = 204;
    },
  });
  routes.add({
    method: 'put', path: '/v1/leads/:id/stage', tag: 'pipeline', auth: 'realtor', summary: 'Move a lead to a stage (recorded on its timeline)',
    body: ZSetLeadStageBody,
    responses: { 200: { description: 'The lead', schema: ZLeadJson }, ...invalid, 404: { description: '`not_found`: unknown lead or stage' } },
    handler: async (ctx, { params, body, tenant, now }) => {
      const { lead, changed, wakeups } = await setLeadStage({ em: ctx.state.em, tenant, leadId: params.id, stageId: body.stageId, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      if (changed) await publishLeadEvents({ em: ctx.state.em, publisher, type: 'lead.updated', leadIds: [lead.leadId], log: ctx.state.log });
      ctx.body = lead;
    },
  });
}
