import { deleteActivity, listLeadActivities, logActivity, updateActivity } from '#core/activities/activities.ts';
import { ZActivityJson, ZCreateActivityBody, ZListActivitiesQuery, ZUpdateActivityBody } from '#core/activities/activity-schemas.ts';
import type { AppDeps } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

const invalid = { 400: { description: '`validation_failed` with issue paths' } };

/** Calls, texts, emails, notes, meetings and showings logged on a lead (docs/api-activities.md). */
export function mountActivityRoutes(routes: RouteRegistry, _deps: AppDeps): void {
  routes.add({
    method: 'post', path: '/v1/leads/:id/activities', tag: 'activities', auth: 'realtor',
    summary: 'Log a call, text, email, note, meeting or showing (a contact updates firstContactedAt / lastContactedAt and completes the open “call within 1 hour” reminder)',
    body: ZCreateActivityBody,
    responses: { 201: { description: 'Logged', schema: ZActivityJson }, ...invalid, 404: { description: '`not_found`: no such lead for this user' } },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.status = 201;
      ctx.body = await logActivity({ em: ctx.state.em, tenant, leadId: params.id, input: body, now });
    },
  });
  routes.add({
    method: 'get', path: '/v1/leads/:id/activities', tag: 'activities', auth: 'realtor',
    summary: 'A lead’s activities, logged and recorded (status, stage and reminder changes), latest first',
    query: ZListActivitiesQuery,
    responses: { 200: { description: 'A page of activities', schema: listOf(ZActivityJson) }, ...invalid, 404: { description: '`not_found`: no such lead for this user' } },
    handler: async (ctx, { params, query, tenant }) => {
      ctx.body = await listLeadActivities({ em: ctx.state.em, tenant, leadId: params.id, cursor: query.cursor, limit: query.limit });
    },
  });
  const entryErrors = {
    403: { description: '`forbidden`: another person’s entry' },
    404: { description: '`not_found`: no such activity for this user' },
    409: { description: '`conflict`: a recorded change (status, stage, reminder), not an entry' },
  };
  routes.add({
    method: 'patch', path: '/v1/activities/:activityId', tag: 'activities', auth: 'realtor',
    summary: 'Correct one of your entries (type, outcome, body, occurredAt)',
    body: ZUpdateActivityBody,
    responses: { 200: { description: 'Updated', schema: ZActivityJson }, ...invalid, ...entryErrors },
    handler: async (ctx, { params, body, tenant, now }) => {
      ctx.body = await updateActivity({ em: ctx.state.em, tenant, activityId: params.activityId, input: body, now });
    },
  });
  routes.add({
    method: 'delete', path: '/v1/activities/:activityId', tag: 'activities', auth: 'realtor', summary: 'Delete one of your entries',
    responses: { 204: { description: 'Deleted' }, ...entryErrors },
    handler: async (ctx, { params, tenant, now }) => {
      await deleteActivity({ em: ctx.state.em, tenant, activityId: params.activityId, now });
      ctx.status = 204;
    },
  });
}
