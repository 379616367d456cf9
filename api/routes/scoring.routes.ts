import { getRescoreProgress, getScoringRules, saveScoringRules } from '#core/scoring/manage-scoring-rules.ts';
import { previewScoringRules } from '#core/scoring/preview-scoring-rules.ts';
import { ZRescoreProgress, ZScoringPreview, ZScoringRulesBody, ZScoringRulesDoc } from '#core/scoring/scoring-rules-schemas.ts';
import type { AppDeps } from '../deps.ts';
import type { RouteRegistry } from '../route.ts';

const invalid = { 400: { description: '`validation_failed` with issue paths (e.g. `rules.bands.hot`)' } };

/** The realtor's scoring rules: read, save (starts a background rescore), preview, progress. See docs/scoring.md. */
export function mountScoringRoutes(routes: RouteRegistry, deps: AppDeps): void {
  routes.add({
    method: 'get', path: '/v1/scoring-rules', tag: 'scoring', auth: 'realtor', summary: 'Current scoring rules (defaults as version 0)',
    responses: { 200: { description: 'Rules', schema: ZScoringRulesDoc } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await getScoringRules({ em: ctx.state.em, tenant });
    },
  });
  routes.add({
    method: 'put', path: '/v1/scoring-rules', tag: 'scoring', auth: 'realtor',
    summary: 'Save a new version of the rules and rescore every lead in the background',
    body: ZScoringRulesBody,
    responses: { 200: { description: 'The new version', schema: ZScoringRulesDoc }, ...invalid },
    handler: async (ctx, { body, tenant, now }) => {
      ctx.body = await saveScoringRules({ em: ctx.state.em, queues: deps.queues, tenant, rules: body.rules, now, log: ctx.state.log });
    },
  });
  routes.add({
    method: 'post', path: '/v1/scoring-rules/preview', tag: 'scoring', auth: 'realtor',
    summary: 'How many leads would change band under these rules (nothing is saved)',
    body: ZScoringRulesBody,
    responses: { 200: { description: 'Band changes', schema: ZScoringPreview }, ...invalid },
    handler: async (ctx, { body, tenant, now }) => {
      ctx.body = await previewScoringRules({ em: ctx.state.em, tenant, rules: body.rules, now });
    },
  });
  routes.add({
    method: 'get', path: '/v1/scoring-rules/rescore', tag: 'scoring', auth: 'realtor', summary: 'Progress of the background rescore',
    responses: { 200: { description: 'Progress', schema: ZRescoreProgress } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await getRescoreProgress({ em: ctx.state.em, tenant });
    },
  });
}
