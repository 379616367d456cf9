import { z } from 'zod';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { listWebhookEventTypes } from '#core/webhooks/event-types.ts';
import { toDeliveryWakeups } from '#core/webhooks/record-webhook-event.ts';
import { recoverWebhookDeliveries } from '#core/webhooks/recover-webhook-deliveries.ts';
import { resendWebhookDelivery } from '#core/webhooks/resend-webhook-delivery.ts';
import { getWebhookDelivery, listWebhookDeliveries } from '#core/webhooks/webhook-delivery-log.ts';
import {
  createWebhookEndpoint, deleteWebhookEndpoint, enableWebhookEndpointById, getWebhookEndpoint, getWebhookEndpointSecret, listWebhookEndpoints,
  rotateWebhookEndpointSecret, sendWebhookTestEvent, updateWebhookEndpoint,
} from '#core/webhooks/webhook-endpoints.ts';
import {
  ZCreateWebhookEndpointBody, ZListWebhookDeliveriesQuery, ZRecoverWebhookDeliveriesBody, ZUpdateWebhookEndpointBody, ZWebhookDeliveryDetailJson,
  ZWebhookDeliveryJson, ZWebhookEndpointJson, ZWebhookEventTypeJson, ZWebhookSecretJson,
} from '#core/webhooks/webhook-schemas.ts';
import type { AppDeps } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

/** The unpaginated lists take no query parameters: an unknown one is a 400, as on every list (docs/api-leads.md). */
const ZNoQuery = z.strictObject({});
const invalid = { 400: { description: '`validation_failed`: details name the fields' } };
const notFound = { 404: { description: '`not_found`: no such endpoint in your account' } };
const disabledConflict = { 409: { description: '`conflict`: the endpoint is disabled (enable it first)' } };
/** Only a resend can meet its delivery mid-attempt. */
const resendConflict = { 409: { description: '`conflict`: the endpoint is disabled (enable it first), or the delivery is being sent right now' } };

/** Webhook endpoints, their delivery log and the event catalogue (Standard Webhooks; docs/webhooks.md). */
export function mountWebhookRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const tag = 'webhooks';

  routes.add({
    method: 'get', path: '/v1/webhook-event-types', tag, auth: 'realtor', summary: 'The event catalogue: every type with its description, example payload and JSON Schema',
    query: ZNoQuery,
    responses: { 200: { description: 'Catalogue', schema: listOf(ZWebhookEventTypeJson) } },
    handler: async (ctx) => {
      ctx.body = { items: listWebhookEventTypes(), nextCursor: null };
    },
  });

  routes.add({
    method: 'get', path: '/v1/webhook-endpoints', tag, auth: 'realtor', summary: 'List webhook endpoints with their health (never the secrets)',
    query: ZNoQuery,
    responses: { 200: { description: 'Endpoints', schema: listOf(ZWebhookEndpointJson) } },
    handler: async (ctx, { tenant, now }) => {
      ctx.body = { items: await listWebhookEndpoints({ em: ctx.state.em, tenant, now }), nextCursor: null };
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-endpoints', tag, auth: 'realtor',
    summary: 'Subscribe a receiver URL. The answer carries its whsec_ signing secret. Private, loopback and metadata addresses are refused',
    body: ZCreateWebhookEndpointBody,
    responses: { 201: { description: 'Created', schema: ZWebhookEndpointJson.extend({ secret: z.string() }) }, ...invalid },
    handler: async (ctx, { body, tenant, now }) => {
      const { endpoint, secret } = await createWebhookEndpoint({ em: ctx.state.em, tenant, input: body, now, config: deps.config });
      ctx.status = 201;
      ctx.body = { ...endpoint, secret };
    },
  });

  routes.add({
    method: 'get', path: '/v1/webhook-endpoints/:id', tag, auth: 'realtor', summary: 'Read an endpoint with its health',
    responses: { 200: { description: 'Endpoint', schema: ZWebhookEndpointJson }, ...notFound },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = await getWebhookEndpoint({ em: ctx.state.em, tenant, endpointId: params.id, now });
    },
  });

  routes.add({
    method: 'patch', path: '/v1/webhook-endpoints/:id', tag, auth: 'realtor', summary: 'Change url (a new receiver: its failure streak and breaker are cleared), description, event types; enabled:false disables, enabled:true re-enables',
    body: ZUpdateWebhookEndpointBody,
    responses: { 200: { description: 'Updated', schema: ZWebhookEndpointJson }, ...invalid, ...notFound },
    handler: async (ctx, { params, body, tenant, now }) => {
      // A new URL releases what waited behind the old receiver's breaker.
      const { endpoint, wakeups } = await updateWebhookEndpoint({ em: ctx.state.em, tenant, endpointId: params.id, input: body, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.body = endpoint;
    },
  });

  routes.add({
    method: 'delete', path: '/v1/webhook-endpoints/:id', tag, auth: 'realtor', summary: 'Delete an endpoint with its delivery log',
    responses: { 204: { description: 'Deleted' }, ...notFound },
    handler: async (ctx, { params, tenant }) => {
      await deleteWebhookEndpoint({ em: ctx.state.em, tenant, endpointId: params.id });
      ctx.status = 204;
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-endpoints/:id/enable', tag, auth: 'realtor', summary: 'Re-enable an endpoint (clears its failing streak, breaker and disabled reason; what waited behind an open breaker goes at once)',
    responses: { 200: { description: 'Enabled', schema: ZWebhookEndpointJson }, ...notFound },
    handler: async (ctx, { params, tenant, now }) => {
      // An open breaker closes: what waited behind it goes at once.
      const { endpoint, wakeups } = await enableWebhookEndpointById({ em: ctx.state.em, tenant, endpointId: params.id, now });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.body = endpoint;
    },
  });

  routes.add({
    method: 'get', path: '/v1/webhook-endpoints/:id/secret', tag, auth: 'realtor', credential: true, summary: 'The endpoint’s whsec_ signing secret (not with a read-only API key)',
    responses: { 200: { description: 'Secret', schema: ZWebhookSecretJson }, 403: { description: 'Called with a read-only API key' }, ...notFound },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = await getWebhookEndpointSecret({ em: ctx.state.em, tenant, endpointId: params.id, now, dataKey: deps.config.DATA_ENCRYPTION_KEY, previousDataKeys: deps.config.DATA_ENCRYPTION_PREVIOUS_KEYS });
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-endpoints/:id/rotate-secret', tag, auth: 'realtor', summary: 'A new secret; the old one keeps signing beside it for 24 hours (rotating again within them keeps that one and drops the secret replaced)',
    responses: { 200: { description: 'New secret', schema: ZWebhookSecretJson }, ...notFound },
    handler: async (ctx, { params, tenant, now }) => {
      ctx.body = await rotateWebhookEndpointSecret({ em: ctx.state.em, tenant, endpointId: params.id, now, dataKey: deps.config.DATA_ENCRYPTION_KEY });
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-endpoints/:id/test', tag, auth: 'realtor', summary: 'Send a webhook.test event to this endpoint only, now (behind an open breaker with no probe in flight, it is the probe)',
    responses: { 202: { description: 'Queued', schema: z.object({ messageId: z.string(), deliveryId: z.uuid() }) }, ...notFound, ...disabledConflict },
    handler: async (ctx, { params, tenant, now }) => {
      const { wakeups, ...sent } = await sendWebhookTestEvent({ em: ctx.state.em, tenant, endpointId: params.id, now, config: deps.config });
      await enqueueAfterCommit(deps.queues, wakeups, ctx.state.log);
      ctx.status = 202;
      ctx.body = sent;
    },
  });

  routes.add({
    method: 'get', path: '/v1/webhook-endpoints/:id/deliveries', tag, auth: 'realtor', summary: 'An endpoint’s delivery log, newest first; filter by status and event type',
    query: ZListWebhookDeliveriesQuery,
    responses: { 200: { description: 'A page of deliveries', schema: listOf(ZWebhookDeliveryJson) }, ...invalid, ...notFound },
    handler: async (ctx, { params, query, tenant }) => {
      ctx.body = await listWebhookDeliveries({ em: ctx.state.em, tenant, endpointId: params.id, ...query });
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-endpoints/:id/recover', tag, auth: 'realtor', summary: 'Send again every failed delivery created since a time',
    body: ZRecoverWebhookDeliveriesBody,
    responses: { 202: { description: 'Queued', schema: z.object({ recovered: z.number().int() }) }, ...invalid, ...notFound, ...disabledConflict },
    handler: async (ctx, { params, body, tenant, now }) => {
      const wakeUps = await recoverWebhookDeliveries({ em: ctx.state.em, tenant, endpointId: params.id, since: new Date(body.since), now });
      await enqueueAfterCommit(deps.queues, toDeliveryWakeups(wakeUps), ctx.state.log);
      ctx.status = 202;
      ctx.body = { recovered: wakeUps.length };
    },
  });

  routes.add({
    method: 'get', path: '/v1/webhook-deliveries/:id', tag, auth: 'realtor', summary: 'One delivery with its payload and every attempt',
    responses: { 200: { description: 'Delivery', schema: ZWebhookDeliveryDetailJson }, 404: { description: '`not_found`' } },
    handler: async (ctx, { params, tenant }) => {
      ctx.body = await getWebhookDelivery({ em: ctx.state.em, tenant, deliveryId: params.id });
    },
  });

  routes.add({
    method: 'post', path: '/v1/webhook-deliveries/:id/resend', tag, auth: 'realtor', summary: 'Send one delivery again now, with a fresh attempt budget (same webhook-id)',
    responses: { 202: { description: 'Queued', schema: z.object({ deliveryId: z.uuid() }) }, 404: { description: '`not_found`' }, ...resendConflict },
    handler: async (ctx, { params, tenant, now }) => {
      const wakeUp = await resendWebhookDelivery({ em: ctx.state.em, tenant, deliveryId: params.id, now });
      await enqueueAfterCommit(deps.queues, toDeliveryWakeups([wakeUp]), ctx.state.log);
      ctx.status = 202;
      ctx.body = { deliveryId: wakeUp.deliveryId };
    },
  });
}
