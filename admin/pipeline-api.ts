// The pipeline part of the API client (docs/pipeline.md), beside api-client.ts: types from core's
// zod schemas (`import type` only), calls through the same `api` door.
import type { z } from 'zod';
import type { BulkLeadsBody, ZCreateStageBody, ZStageJson, ZUpdateStageBody } from '../core/pipeline/pipeline-schemas.ts';
import type { StageOutcome } from '../core/shared/enums.ts';
import { api, type Lead, type Page, type RequestOptions } from './api-client.ts';

export type Stage = z.output<typeof ZStageJson>;
export type CreateStageInput = z.input<typeof ZCreateStageBody>;
export type UpdateStageInput = z.input<typeof ZUpdateStageBody>;
export type { StageOutcome };

/** Leads the board shows per column (the column says how many more there are). */
export const BOARD_COLUMN_LIMIT = 100;

const stagePath = (id: string) => `/v1/pipeline-stages/${encodeURIComponent(id)}`;

export const pipelineApi = {
  stages: (opts?: RequestOptions) => api.get<{ items: Stage[] }>('/v1/pipeline-stages', opts),
  createStage: (input: CreateStageInput) => api.post<Stage>('/v1/pipeline-stages', input),
  updateStage: (id: string, input: UpdateStageInput) => api.patch<Stage>(stagePath(id), input),
  reorder: (stageIds: string[]) => api.put<{ items: Stage[] }>('/v1/pipeline-stages/order', { stageIds }),
  deleteStage: (id: string, moveTo?: string) => api.delete(stagePath(id), { query: { moveTo } }),
  /** The leads of one column, hottest first. */
  leadsInStage: (stageId: string, opts?: RequestOptions) => api.get<Page<Lead>>('/v1/leads', { ...opts, query: { stageId, sort: 'score', limit: BOARD_COLUMN_LIMIT } }),
  moveLead: (leadId: string, stageId: string) => api.put<Lead>(`/v1/leads/${encodeURIComponent(leadId)}/stage`, { stageId }),
  bulk: (input: BulkLeadsBody) => api.post<{ affected: number }>('/v1/leads/bulk', input),
};
