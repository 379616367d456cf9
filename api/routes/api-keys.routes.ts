import { z } from 'zod';
import { createApiKey, deleteApiKey, listApiKeys, toApiKeyJson, ZCreateApiKeyBody } from '#core/accounts/api-keys.ts';
import { listOf, type RouteRegistry } from '../route.ts';

const ZApiKeyJson = z.object({ apiKeyId: z.uuid(), name: z.string(), prefix: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() });

export function mountApiKeyRoutes(routes: RouteRegistry): void {
  routes.add({
    method: 'get', path: '/v1/api-keys', tag: 'api keys', auth: 'realtor', summary: 'List API keys (never the keys themselves)',
    responses: { 200: { description: 'Keys', schema: listOf(ZApiKeyJson) } },
    handler: async (ctx, { tenant }) => {
      const keys = await listApiKeys({ em: ctx.state.em, tenant });
      ctx.body = { items: keys.map(toApiKeyJson), nextCursor: null };
    },
  });
  routes.add({
    method: 'post', path: '/v1/api-keys', tag: 'api keys', auth: 'realtor', summary: 'Create an API key; the key is shown once',
    body: ZCreateApiKeyBody,
    responses: { 201: { description: 'Created', schema: ZApiKeyJson.extend({ key: z.string() }) } },
    handler: async (ctx, { body, tenant }) => {
      const { apiKey, key } = await createApiKey({ em: ctx.state.em, tenant, input: body });
      ctx.status = 201;
      ctx.body = { ...toApiKeyJson(apiKey), key };
    },
  });
  routes.add({
    method: 'delete', path: '/v1/api-keys/:id', tag: 'api keys', auth: 'realtor', summary: 'Revoke an API key',
    responses: { 204: { description: 'Revoked' }, 404: { description: 'Unknown key' } },
    handler: async (ctx, { params, tenant }) => {
      await deleteApiKey({ em: ctx.state.em, tenant, apiKeyId: params.id });
      ctx.status = 204;
    },
  });
}
