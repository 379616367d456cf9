import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { publishLeadEvents } from '#core/live/live-events.ts';
import { bulkLeads } from '#core/pipeline/bulk-leads.ts';
import { ZBulkLeadsBody, ZBulkLeadsResult } from '#core/pipeline/pipeline-schemas.ts';
import type { AppServices } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

/** Bulk actions over a selection of leads (the list's checkboxes). The selection's CSV is `GET /v1/leads/export.csv?ids=…`. */
export function mountLeadBulkRoutes(routes: RouteRegistry, deps: AppServices): void {
  const publisher = deps.live;
  routes.add({
    method: 'post', path: '/v1/leads/bulk', tag: 'leads', auth: 'realtor',
    summary: 'One action over up to 500 leads, all or nothing: {action: stage, stageId} | {action: reminder, reminderDate, reminderMessage} | {action: delete}',
    body: ZBulkLeadsBody,
    responses: {
      200: { description: '`affected`: leads moved (those already in the stage are not counted), given a reminder, or deleted', schema: ZBulkLeadsResult },
      400: { description: '`validation_failed` with issue paths' },
      404: { description: '`not_found`: a lead id is not one of your leads (nothing changed), or the stage is unknown' },
    },
    handler: async (ctx, { body, tenant, now }) => {
      const { affected, movedLeadIds, wakeups } = await bulkLeads({ em: ctx.state.em, tenant, input: body, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      await publishLeadEvents({ em: ctx.state.em, publisher, type: 'lead.updated', leadIds: movedLeadIds, log: ctx.state.log });
      ctx.state.log.info({ action: body.action, affected }, 'bulk lead action');
      ctx.body = { affected };
    },
  });
}
