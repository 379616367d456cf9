// The realtor's working day in the API client: Today, band counts, logging an activity, pipeline
// stages and bulk actions on leads. Types come from core with `import type`; the activities and
// pipeline shapes follow the contract in WAVE.md (their schemas live on those helpers' branches).
import type { z } from 'zod';
import type { ZLeadCountsJson } from '../core/leads/count-leads-by-band.ts';
import type { ZTodayJson } from '../core/today/today-schemas.ts';
import { api, type RequestOptions } from './api-client.ts';
import { REMINDERS_CHANGED_EVENT } from './reminders-api.ts';

export type Today = z.output<typeof ZTodayJson>;
export type LeadCounts = z.output<typeof ZLeadCountsJson>;

/** What a realtor logs by hand (`POST /v1/leads/:id/activities`). */
export type LoggedActivityType = 'call' | 'text' | 'email' | 'note' | 'meeting' | 'showing';
export interface LogActivityInput {
  type: LoggedActivityType;
  outcome?: string;
  body?: string;
  occurredAt?: string;
}
export interface Activity {
  activityId: string;
  leadId: string;
  type: string;
  outcome: string | null;
  body: string | null;
  occurredAt: string;
  actor: { userId: string; username: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface PipelineStage {
  stageId: string;
  key: string;
  label: string;
  position: number;
  outcome: 'open' | 'won' | 'lost';
  leadCount: number;
}

export type BulkLeadAction =
  | { action: 'stage'; stageId: string }
  | { action: 'reminder'; reminderDate: string; reminderMessage: string }
  | { action: 'delete' };

/** Fired after an activity is logged, so lists showing "last contacted" refresh. */
export const ACTIVITY_LOGGED_EVENT = 'porchlight:activity-logged';

export const workdayApi = {
  today: (opts?: RequestOptions) => api.get<Today>('/v1/today', opts),
  leadCounts: (opts?: RequestOptions) => api.get<LeadCounts>('/v1/lead-counts', opts),
  logActivity: async (leadId: string, input: LogActivityInput) => {
    const activity = await api.post<Activity>(`/v1/leads/${encodeURIComponent(leadId)}/activities`, input);
    window.dispatchEvent(new Event(ACTIVITY_LOGGED_EVENT));
    // Logging the first contact may complete the "call within the hour" reminder.
    window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
    return activity;
  },
  stages: (opts?: RequestOptions) => api.get<{ items: PipelineStage[] }>('/v1/pipeline-stages', opts),
  bulk: async (leadIds: string[], action: BulkLeadAction) => {
    const answer = await api.post<{ affected: number }>('/v1/leads/bulk', { leadIds, ...action });
    if (action.action !== 'stage') window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
    return answer;
  },
  /** A plain link that downloads the chosen leads as CSV (the session cookie goes with it). */
  exportSelectionHref: (leadIds: string[]) => `/v1/leads/export.csv?ids=${leadIds.map(encodeURIComponent).join(',')}`,
};
