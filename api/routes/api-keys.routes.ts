import { z } from 'zod';
import { API_KEY_SCOPES } from '#core/accounts/api-key.entity.ts';
import { createApiKey, deleteApiKey, listApiKeys, toApiKeyJson, ZCreateApiKeyBody } from '#core/accounts/api-keys.ts';
import { ownerIdOf } from '#core/accounts/tenant.ts';
import { announceAccessChange } from '#core/live/live-events.ts';
import type { AppDeps } from '../deps.ts';
import { listOf, type RouteRegistry } from '../route.ts';

const ZApiKeyJson = z.object({
  apiKeyId: z.uuid(), name: z.string(), prefix: z.string(), scope: z.enum(API_KEY_SCOPES),
  createdAt: z.string(), expiresAt: z.string().nullable(), lastUsedAt: z.string().nullable(),
});

/**
 * Keys are managed by a signed-in person only (`sessionOnly`: the auth gate answers an API key 403
 * with this message, and the OpenAPI document offers these routes to the session alone): a leaked
 * key must not mint keys that outlive its revocation.
 */
const SESSION_ONLY = 'API keys are managed from a signed-in session, not with an API key';

export function mountApiKeyRoutes(routes: RouteRegistry, deps: AppDeps): void {
  routes.add({
    method: 'get', path: '/v1/api-keys', tag: 'api keys', auth: 'realtor', sessionOnly: SESSION_ONLY, summary: 'List API keys (never the keys themselves); session only',
    // Not paged: no parameters, and an unknown one is a 400 as on every list.
    query: z.strictObject({}),
    responses: { 200: { description: 'Keys', schema: listOf(ZApiKeyJson) } },
    handler: async (ctx, { tenant }) => {
      const keys = await listApiKeys({ em: ctx.state.em, tenant });
      ctx.body = { items: keys.map(toApiKeyJson), nextCursor: null };
    },
  });
  routes.add({
    method: 'post', path: '/v1/api-keys', tag: 'api keys', auth: 'realtor', sessionOnly: SESSION_ONLY, summary: 'Create an API key (read or read_write, optional expiry); the key is shown once; session only',
    body: ZCreateApiKeyBody,
    responses: { 201: { description: 'Created', schema: ZApiKeyJson.extend({ key: z.string() }) } },
    handler: async (ctx, { body, tenant, now }) => {
      const { apiKey, key } = await createApiKey({ em: ctx.state.em, tenant, input: body, now });
      ctx.status = 201;
      ctx.body = { ...toApiKeyJson(apiKey), key };
    },
  });
  routes.add({
    method: 'delete', path: '/v1/api-keys/:id', tag: 'api keys', auth: 'realtor', sessionOnly: SESSION_ONLY, summary: 'Revoke an API key (its open live streams end at once); session only',
    responses: { 204: { description: 'Revoked' }, 404: { description: 'Unknown key' } },
    handler: async (ctx, { params, tenant }) => {
      await deleteApiKey({ em: ctx.state.em, tenant, apiKeyId: params.id });
      // The key's open live streams, in every API process, check again now rather than at their
      // next heartbeat; awaited, so nothing published after this answer reaches them.
      await announceAccessChange({ redis: deps.redis, prefix: deps.config.QUEUE_PREFIX, accountId: ownerIdOf(tenant), log: ctx.state.log });
      ctx.status = 204;
    },
  });
}
